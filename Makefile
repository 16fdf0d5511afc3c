# Worker Studio: `make test` installs what is missing and runs every test.
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/venv/bin:$(PATH)

.PHONY: setup test build

setup:
	scripts/setup.sh

test: setup
	cargo test --workspace --locked

build:
	cargo build --release --locked -p worker-studio-cli
