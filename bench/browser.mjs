// Browser benchmark: the release dist/ in headless Chromium, driven as a person would (a fresh page
// per run, a click on Generate a moment after the form appears, the end when the zip can be
// downloaded), against the guide's openssl sequence for the same bundle, run alternately in the
// same loop. Prints tables of figures and ratios; not a test (nothing fails on time).
//   node bench/browser.mjs            (make bench) every row
//   node bench/browser.mjs --quick    the 3-worker rows, fewer runs
//   node bench/browser.mjs --big      only the 5,000-worker row
import { chromium } from '@playwright/test';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';

const port = 8799;
const quick = process.argv.includes('--quick');
const big = process.argv.includes('--big');

// A scenario: workers, key algorithm, the pause between the form appearing (or the workers being
// pasted) and the click, runs; `variant` 'no WebCrypto' hides crypto.subtle (as on a plain-http
// page), so the engine's pool makes the RSA keys. `estimate` scales openssl's time from a smaller
// run of the same algorithm, where the real sequence would take minutes.
const runs = quick ? 5 : 7;
const all = [
  { workers: 3, algorithm: 'rsa-2048', pause: 300, runs },
  { workers: 3, algorithm: 'rsa-2048', pause: 4000, runs: 5 },
  { workers: 3, algorithm: 'ecdsa-p256', pause: 300, runs: 5 },
  { workers: 3, algorithm: 'rsa-2048', pause: 300, runs: 5, variant: 'no WebCrypto' },
  { workers: 100, algorithm: 'rsa-2048', pause: 300, runs: 1 },
  { workers: 1000, algorithm: 'ecdsa-p256', pause: 300, runs: 1 },
  { workers: 5000, algorithm: 'ecdsa-p256', pause: 300, runs: 1, estimate: 1000 },
];
const scenarios = big ? all.filter((s) => s.workers === 5000) : quick ? all.slice(0, 3) : all;

const server = spawn('node', ['scripts/serve.mjs', String(port), 'dist', '/'], { stdio: 'ignore' });
// Ended by its PID however the bench ends, a failed run included.
process.on('exit', () => server.kill());
await new Promise((r) => setTimeout(r, 500));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const spread = (values) => (values.length > 1 ? ` (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))})` : '');
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

// The resident memory of Chromium's renderer processes (the tab, its workers in it), in MB.
function rendererMegabytes() {
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) kb += Number(rss[1]);
    } catch { /* the process ended meanwhile */ }
  }
  return kb / 1024;
}

async function freshPage(variant) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  if (variant === 'no WebCrypto') await page.addInitScript(() => Object.defineProperty(globalThis.crypto, 'subtle', { value: undefined }));
  await page.addInitScript(() => {
    // Timed in the page: from the click on Generate to the download button being in the document.
    window.__clicked = 0;
    window.__ready = 0;
    document.addEventListener('click', (e) => {
      if (e.target.closest && e.target.closest('#generate')) { window.__clicked = performance.now(); window.__ready = 0; window.__longest = 0; }
    }, true);
    new MutationObserver(() => {
      if (window.__clicked && !window.__ready && document.getElementById('download-zip')) window.__ready = performance.now();
    }).observe(document, { subtree: true, childList: true });
    window.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (window.__clicked && !window.__ready) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const t0 = Date.now();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator('#generate:enabled').waitFor();
  return { page, context, interactive: Date.now() - t0 };
}

async function studio({ workers, algorithm, pause, variant }) {
  const { page, context } = await freshPage(variant);
  if (workers !== 3) {
    const lines = Array.from({ length: workers }, (_, i) => `worker${i + 1} 172.${16 + ((i + 1) >> 16)}.${((i + 1) >> 8) & 255}.${(i + 1) & 255}`);
    // Set as one input event, as a paste lands: Playwright's fill (execCommand insertText) takes
    // Chromium's editing about 50 s for 5,000 lines, which is the browser's time, not the studio's.
    await page.locator('#paste-workers').evaluate((area, text) => {
      area.value = text;
      area.dispatchEvent(new InputEvent('input', { bubbles: true }));
    }, lines.join('\n'));
    await page.getByRole('button', { name: 'Use pasted workers' }).click();
  }
  if (algorithm !== 'rsa-2048') await page.locator('#keys-algorithm').selectOption(algorithm);
  await page.locator('#generate:enabled').waitFor();
  await page.waitForTimeout(pause);
  let peak = rendererMegabytes();
  const sampler = setInterval(() => { peak = Math.max(peak, rendererMegabytes()); }, 100);
  await page.locator('#generate').click();
  await page.locator('#download-zip').waitFor({ timeout: 900_000 });
  const millis = await page.evaluate(() => window.__ready - window.__clicked);
  // The trace's last step (the results' first paint) ends just after the button appears.
  await page.locator('#timings').waitFor({ state: 'attached', timeout: 60_000 });
  const steps = await page.evaluate(() => performance.getEntriesByType('measure')
    .filter((m) => m.name.startsWith('studio: ')).map((m) => [m.name.slice(8), m.duration]));
  const longest = await page.evaluate(() => window.__longest);
  // The zip as the user gets it: the download's bytes.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-zip').click()]);
  const zipBytes = readFileSync(await download.path()).length;
  clearInterval(sampler);
  peak = Math.max(peak, rendererMegabytes());
  await context.close();
  return { millis, steps, longest, peak, zipBytes };
}

function openssl(workers, algorithm) {
  return Number(execFileSync('bench/openssl-baseline.sh', [String(workers), algorithm], { encoding: 'utf8' }).trim());
}

console.log(`Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${load()} at the start.`);
const rows = [];
const breakdowns = [];
for (const scenario of scenarios) {
  const s = [], o = [], l = [], p = [], traces = [];
  let zipBytes = 0;
  const loadBefore = load();
  for (let i = 0; i < scenario.runs; i++) {
    const run = await studio(scenario);
    s.push(run.millis);
    l.push(run.longest);
    p.push(run.peak);
    traces.push(run.steps);
    zipBytes = run.zipBytes;
    // Alternately, in the same loop: the two share the machine's state.
    const { estimate } = scenario;
    o.push(estimate ? openssl(estimate, scenario.algorithm) * (scenario.workers / estimate) : openssl(scenario.workers, scenario.algorithm));
  }
  const ratios = s.map((v, i) => v / o[i]);
  rows.push({ ...scenario, s, o, ratios, longest: Math.max(...l), peak: Math.max(...p), zipBytes, loadBefore, loadAfter: load() });
  const names = traces[0].map(([name]) => name);
  breakdowns.push({ scenario, steps: names.map((name) => [name, median(traces.map((t) => t.find(([n]) => n === name)?.[1] ?? 0))]) });
}
const tti = [];
for (let i = 0; i < 5; i++) {
  const { context, interactive } = await freshPage();
  tti.push(interactive);
  await context.close();
}
await browser.close();
server.kill();

const label = (r) => `${r.workers} | ${r.variant ? `${r.algorithm} (${r.variant})` : r.algorithm} | ${r.pause / 1000} s`;
console.log(`\nClick on Generate to zip downloadable, against the guide's openssl sequence run alternately (median, spread over the runs):\n`);
console.log('| workers | keys | click after | runs | studio ms | openssl ms | studio/openssl (median, spread) | longest main-thread task ms | renderer peak MB | zip bytes | load avg before → after |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const r of rows) {
  const openssl = r.estimate ? `${Math.round(median(r.o))} (${r.estimate} workers' × ${r.workers / r.estimate})` : `${Math.round(median(r.o))}${spread(r.o)}`;
  const ratios = `${median(r.ratios).toFixed(2)}${r.ratios.length > 1 ? ` (${Math.min(...r.ratios).toFixed(2)}–${Math.max(...r.ratios).toFixed(2)})` : ''}`;
  console.log(`| ${label(r)} | ${r.runs} | ${Math.round(median(r.s))}${spread(r.s)} | ${openssl} | ${ratios} | ${Math.round(r.longest)} | ${Math.round(r.peak)} | ${r.zipBytes} | ${r.loadBefore} → ${r.loadAfter} |`);
}
for (const { scenario, steps } of breakdowns) {
  console.log(`\nWhere the time went, ${label({ ...scenario }).replaceAll(' | ', ', ')} click (median per step; the page's User Timing measures):\n`);
  console.log('| step | ms |');
  console.log('|---|---:|');
  for (const [name, ms] of steps) console.log(`| ${name} | ${ms.toFixed(1)} |`);
  console.log(`| (sum) | ${steps.reduce((a, [, ms]) => a + ms, 0).toFixed(1)} |`);
}
console.log(`\nTime to interactive (localhost load to an enabled Generate button), median of 5: ${median(tti)} ms${spread(tti)}`);
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
console.log(`\nLoad average at the end: ${load()}`);
