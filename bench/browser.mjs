// Browser benchmark: the release dist/ in headless Chromium against the guide's openssl sequence
// for the same bundle, run side by side. Prints a table; not a test (nothing fails on time).
//   node bench/browser.mjs [--quick]     (make bench)
import { chromium } from '@playwright/test';
import { spawn, execFileSync } from 'node:child_process';
import { statSync, readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const port = 8799;
const quick = process.argv.includes('--quick');
// A third entry 'no WebCrypto' hides crypto.subtle (as on a plain-http page): the engine's pool makes the RSA keys.
const scenarios = process.argv.includes('--big') ? [[1000, 'ecdsa-p256']] : quick
  ? [[3, 'rsa-2048'], [3, 'ecdsa-p256']]
  : [[3, 'rsa-2048'], [3, 'ecdsa-p256'], [100, 'rsa-2048'], [1000, 'ecdsa-p256'], [3, 'rsa-2048', 'no WebCrypto'], [100, 'rsa-2048', 'no WebCrypto']];
const repeatsFor = (workers) => (quick || workers > 10 ? 1 : 3);

const server = spawn('node', ['scripts/serve.mjs', String(port), 'dist', '/'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 500));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function freshPage(variant) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (variant === 'no WebCrypto') await page.addInitScript(() => Object.defineProperty(globalThis.crypto, 'subtle', { value: undefined }));
  await page.addInitScript(() => {
    // Timed in the page: from the click on Generate to the download button being in the document.
    window.__clicked = 0;
    window.__ready = 0;
    document.addEventListener('click', (e) => {
      if (e.target.closest && e.target.closest('#generate')) { window.__clicked = performance.now(); window.__ready = 0; }
    }, true);
    new MutationObserver(() => {
      if (window.__clicked && !window.__ready && document.getElementById('download-zip')) window.__ready = performance.now();
    }).observe(document, { subtree: true, childList: true });
    window.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const t0 = Date.now();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator('#generate:enabled').waitFor();
  const interactive = Date.now() - t0;
  return { page, context, interactive };
}

async function studio(workers, algorithm, variant) {
  const { page, context } = await freshPage(variant);
  const lines = Array.from({ length: workers }, (_, i) => `worker${i + 1} 172.${16 + ((i + 1) >> 16)}.${((i + 1) >> 8) & 255}.${(i + 1) & 255}`);
  await page.locator('#paste-workers').fill(lines.join('\n'));
  await page.getByRole('button', { name: 'Use pasted workers' }).click();
  await page.locator('#keys-algorithm').selectOption(algorithm);
  await page.locator('#generate:enabled').waitFor();
  await page.evaluate(() => { window.__longest = 0; });
  await page.locator('#generate').click();
  await page.locator('#download-zip').waitFor({ timeout: 600_000 });
  const millis = Math.round(await page.evaluate(() => window.__ready - window.__clicked));
  await page.waitForTimeout(100);
  const longest = await page.evaluate(() => window.__longest);
  await context.close();
  return { millis, longest };
}

function openssl(workers, algorithm) {
  return Number(execFileSync('bench/openssl-baseline.sh', [String(workers), algorithm], { encoding: 'utf8' }).trim());
}

const rows = [];
for (const [workers, algorithm, variant] of scenarios) {
  const s = [], o = [], l = [];
  for (let i = 0; i < repeatsFor(workers); i++) {
    const run = await studio(workers, algorithm, variant);
    s.push(run.millis);
    l.push(run.longest);
    o.push(openssl(workers, algorithm));
  }
  rows.push({ workers, algorithm: variant ? `${algorithm} (${variant})` : algorithm, runs: s.length, studio: median(s), openssl: median(o), longest: Math.max(...l) });
}
const tti = [];
for (let i = 0; i < 5; i++) {
  const { context, interactive } = await freshPage();
  tti.push(interactive);
  await context.close();
}
await browser.close();
server.kill();

console.log(`\nGenerate to zip ready, against the guide's openssl sequence run on this machine (median of the runs):\n`);
console.log('| workers | keys | runs | studio ms | openssl ms | studio/openssl | longest main-thread task ms |');
console.log('|---:|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.workers} | ${r.algorithm} | ${r.runs} | ${r.studio} | ${r.openssl} | ${(r.studio / r.openssl).toFixed(2)} | ${Math.round(r.longest)} |`);
}
console.log(`\nTime to interactive (localhost load to an enabled Generate button), median of 5: ${median(tti)} ms`);
// The page fetches its own files; the background worker then fetches the engine module, once the
// page is up (the page itself fetches it only where no worker can start).
const byWorker = new Set(['worker.js', 'studio-engine.js', 'studio-engine_bg.wasm']);
console.log('\nDownload sizes (dist/):\n');
console.log('| file | fetched by | raw bytes | gzip bytes |');
console.log('|---|---|---:|---:|');
const totals = { page: [0, 0], worker: [0, 0] };
for (const f of readdirSync('dist').sort()) {
  const bytes = readFileSync(join('dist', f));
  const g = gzipSync(bytes, { level: 9 }).length;
  const who = byWorker.has(f) ? 'worker' : 'page';
  totals[who][0] += bytes.length;
  totals[who][1] += g;
  console.log(`| ${f} | ${who} | ${bytes.length} | ${g} |`);
}
console.log(`| first load (the page's files) | | ${totals.page[0]} | ${totals.page[1]} |`);
console.log(`| engine (the worker's, after load) | | ${totals.worker[0]} | ${totals.worker[1]} |`);
