// End-to-end tests: Debian's Chromium (no browser download) against the built dist/ served on
// 127.0.0.1 under a sub-path, which proves the studio's asset URLs are relative.
import { defineConfig } from '@playwright/test';

const port = 8765;

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 180_000,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}/studio/`,
    acceptDownloads: true,
    viewport: { width: 1400, height: 1000 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    },
  },
  webServer: {
    command: `node scripts/serve.mjs ${port} dist /studio/`,
    url: `http://127.0.0.1:${port}/studio/`,
    reuseExistingServer: false,
  },
});
