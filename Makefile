# Worker Studio. Quick start: `make serve` (install what is missing, build, serve on
# http://127.0.0.1:8080) and `make test` (every test). See README.md.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/.tools/venv/bin:$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
PORT ?= 8080

.PHONY: setup dist serve test test-native test-browser test-e2e test-cluster cli bench fuzz

setup:
	scripts/setup.sh web

# The static site: host dist/ anywhere, under any path.
dist: setup
	trunk build --release --offline

serve: dist
	@echo "Worker Studio: http://127.0.0.1:$(PORT)/"
	node scripts/serve.mjs $(PORT) dist

test: setup test-native test-browser test-e2e test-cluster

test-native:
	cargo test --workspace --locked --exclude worker-studio-cluster

# Every current-profile bundle variant joined to a real control plane and kubelet (root: network
# and mount namespaces); the components are built by scripts/setup.sh.
test-cluster: setup
	cargo build --locked -p worker-studio-cli
	cargo test --locked -p worker-studio-cluster -- --test-threads=1 --nocapture

test-browser:
	cargo test --locked --target wasm32-unknown-unknown -p worker-studio-web --test browser

test-e2e: dist
	npx playwright test

cli:
	cargo build --release --locked -p worker-studio-cli
	@echo "built target/release/worker-studio"

# Figures, not tests: the studio in headless Chromium against the guide's openssl commands.
bench: dist
	node bench/browser.mjs

fuzz:
	scripts/fuzz.sh
