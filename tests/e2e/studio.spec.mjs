// The studio as a person uses it, in headless Chromium; the zip it downloads goes to real tools.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function filesBelow(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesBelow(join(dir, e.name)) : [join(dir, e.name)]);
}

async function open(page) {
  await page.goto('./');
  await expect(page.locator('#generate')).toBeEnabled();
}

async function generateAndDownload(page, dir) {
  await page.locator('#generate').click();
  await expect(page.locator('#download-zip')).toBeVisible({ timeout: 120_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-zip').click()]);
  const zip = join(dir, 'bundle.zip');
  await download.saveAs(zip);
  run('unzip', ['-q', zip, '-d', join(dir, 'bundle')], dir);
  return join(dir, 'bundle');
}

// What the page itself fetches (a CDP session on the page does not see its workers' requests).
async function pageFetches(page) {
  const urls = [];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', (e) => urls.push(e.request.url));
  return urls;
}

test('generates the guide bundle; the downloaded zip passes openssl, kubectl and shellcheck', async ({ page }, info) => {
  const requests = [];
  page.on('request', (r) => requests.push({ url: r.url(), at: Date.now() }));
  const byPage = await pageFetches(page);
  await open(page);
  await page.waitForLoadState('networkidle');
  const loadedAt = Date.now();
  await expect(page.getByLabel('API server URL (your load balancer)')).toHaveValue('https://loadbalancer.example.com');
  await expect(page.getByLabel('Cluster DNS IP')).toHaveValue('10.3.0.2');
  await expect(page.getByLabel('Worker 3 IP')).toHaveValue('192.168.2.3');
  await page.screenshot({ path: info.outputPath('form.png'), fullPage: true });

  const dir = mkdtempSync(join(tmpdir(), 'studio-e2e-'));
  const root = await generateAndDownload(page, dir);
  await expect(page.locator('#checks-summary')).toHaveText(/passed, 0 warnings, 0 failed$/);
  await page.getByRole('button', { name: /^Show \d+ passed checks$/ }).first().click();
  await page.locator('.checks button.file-link', { hasText: 'workers/worker02/etc/kubernetes/manifests/kube-proxy' }).first().click();
  await expect(page.getByRole('article', { name: 'Preview' })).toContainText('--proxy-mode=iptables');
  await page.screenshot({ path: info.outputPath('generated.png'), fullPage: true });
  expect(readFileSync(join(root, 'CHECKS.md'), 'utf8')).toMatch(/passed, 0 warnings, 0 failed\./);

  const ca = join(root, 'ca-host/HOME/ca.crt');
  const certs = filesBelow(root).filter((f) => f.endsWith('.crt') && !f.endsWith('ca.crt'));
  expect(certs).toHaveLength(4);
  const verified = run('openssl', ['verify', '-CAfile', ca, ...certs], dir);
  expect(verified.trim().split('\n').filter((l) => l.endsWith(': OK'))).toHaveLength(4);
  for (const name of ['worker01', 'worker02', 'worker03']) {
    const config = join(root, `workers/${name}/etc/kubernetes/worker-kubeconfig.yaml`);
    expect(run('kubectl', ['config', 'view', '--kubeconfig', config, '-o', 'jsonpath={.current-context}'], dir)).toBe('kubelet-context');
    expect(statSync(join(root, `workers/${name}/etc/kubernetes/ssl/worker.key`)).mode & 0o777).toBe(0o600);
  }
  const scripts = filesBelow(root).filter((f) => f.endsWith('.sh'));
  expect(scripts.length).toBe(13);
  run('shellcheck', ['--shell=bash', ...scripts], dir);

  // Only the page's own files were fetched, and nothing at all after it loaded.
  const origin = new URL(page.url()).origin;
  const network = requests.filter((r) => !r.url.startsWith('blob:') && !r.url.startsWith('data:'));
  expect(network.filter((r) => !r.url.startsWith(origin))).toEqual([]);
  expect(network.filter((r) => r.at > loadedAt)).toEqual([]);
  // The engine module is the worker's: the page fetched only its own module.
  expect(requests.some((r) => r.url.endsWith('/studio-engine_bg.wasm'))).toBe(true);
  expect(byPage.filter((url) => url.includes('studio-engine'))).toEqual([]);
  expect(byPage.some((url) => url.endsWith('/worker-studio-web_bg.wasm'))).toBe(true);
});

test('imports a CA made by openssl and signs every worker with it', async ({ page }, info) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-ca-'));
  run('openssl', ['genrsa', '-out', 'ca.key', '2048'], dir);
  run('openssl', ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=etcd-ca', '-days', '3650', '-out', 'ca.crt'], dir);
  await open(page);
  await page.getByLabel('CA source').selectOption('import');
  await page.getByLabel('CA certificate (PEM)', { exact: true }).fill(readFileSync(join(dir, 'ca.crt'), 'utf8'));
  await page.locator('#ca-key-file').setInputFiles(join(dir, 'ca.key'));
  await expect(page.getByLabel('CA private key (PEM; stays in this tab)', { exact: true })).toHaveValue(/BEGIN PRIVATE KEY/);
  await expect(page.locator('#generate')).toBeEnabled();
  const root = await generateAndDownload(page, dir);
  const certs = ['worker01', 'worker02', 'worker03'].map((n) => join(root, `workers/${n}/etc/kubernetes/ssl/worker.crt`));
  run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), ...certs, join(root, 'workstation/HOME/.kube/kubectl.crt')], dir);
  expect(filesBelow(root).some((f) => f.endsWith('ca.key'))).toBe(false);
  await page.screenshot({ path: info.outputPath('imported-ca.png'), fullPage: true });
});

test('joins with a bootstrap token: only the CA certificate is asked for, and no node key is made', async ({ page }, info) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-bootstrap-'));
  run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key'], dir);
  run('openssl', ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=kubernetes', '-days', '3650', '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  await open(page);
  await page.getByLabel('Profile', { exact: true }).selectOption('current');
  await page.getByLabel('Workers join with').selectOption('bootstrap-token');
  await expect(page.locator('#join-method-hint')).toContainText('no CA key enters this page');
  await expect(page.locator('#kubeProxy-delivery-error')).toContainText('needs kube-proxy as a daemonset');
  await page.getByLabel('kube-proxy runs as').selectOption('daemonset');
  await page.getByLabel('CA source').selectOption('import');
  await expect(page.getByLabel('CA private key (PEM; stays in this tab)', { exact: true })).toHaveCount(0);
  await page.getByLabel('CA certificate (PEM)', { exact: true }).fill(readFileSync(join(dir, 'ca.crt'), 'utf8'));
  await expect(page.getByLabel('Bootstrap token lifetime')).toHaveValue('24h');
  await expect(page.locator('#generate')).toBeEnabled();
  const root = await generateAndDownload(page, dir);
  await expect(page.locator('#checks-summary')).toHaveText(/passed, 0 warnings, 0 failed$/);
  expect(filesBelow(root).filter((f) => readFileSync(f, 'utf8').includes('PRIVATE KEY'))).toEqual([]);
  const token = readFileSync(join(root, 'workers/worker01/etc/kubernetes/bootstrap-kubelet.conf'), 'utf8').match(/token: ([a-z0-9]{6})\.([a-z0-9]{16})/);
  expect(token).not.toBeNull();
  const secret = readFileSync(join(root, 'cluster-addons/bootstrap-token-secret.yaml'), 'utf8');
  expect(secret).toContain(`token-id: ${token[1]}`);
  expect(secret).toContain(`token-secret: ${token[2]}`);
  expect(statSync(join(root, 'workers/worker01/etc/kubernetes/bootstrap-kubelet.conf')).mode & 0o777).toBe(0o600);
  run('shellcheck', [join(root, 'workstation/approve-serving-csrs.sh')], dir);
  await page.screenshot({ path: info.outputPath('bootstrap.png'), fullPage: true });
});

test('signs a CSR a node made, and refuses one asking for another node', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-sign-'));
  run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key'], dir);
  run('openssl', ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=kubernetes', '-days', '3650', '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'node.key'], dir);
  run('openssl', ['req', '-new', '-key', 'node.key', '-subj', '/O=system:nodes/CN=system:node:worker02', '-addext', 'extendedKeyUsage=serverAuth',
    '-addext', 'subjectAltName=DNS:worker02,IP:192.168.2.2', '-out', 'good.csr'], dir);
  run('openssl', ['req', '-new', '-key', 'node.key', '-subj', '/O=system:nodes/CN=system:node:worker02', '-addext', 'extendedKeyUsage=serverAuth',
    '-addext', 'subjectAltName=DNS:worker02,IP:192.168.2.3', '-out', 'forged.csr'], dir);
  await open(page);
  await page.getByLabel('Profile', { exact: true }).selectOption('current');
  await page.getByLabel('CA source').selectOption('import');
  await page.getByLabel('CA certificate (PEM)', { exact: true }).fill(readFileSync(join(dir, 'ca.crt'), 'utf8'));
  await page.getByLabel('CA private key (PEM; stays in this tab)', { exact: true }).fill(readFileSync(join(dir, 'ca.key'), 'utf8'));
  await expect(page.locator('#generate')).toBeEnabled();
  await page.locator('#sign-csr summary').click();
  await page.getByLabel('CSR (PEM)').fill(readFileSync(join(dir, 'forged.csr'), 'utf8'));
  await page.locator('#sign-button').click();
  await expect(page.locator('#sign-refused')).toContainText('it also asks for 192.168.2.3');
  await page.getByLabel('CSR (PEM)').fill(readFileSync(join(dir, 'good.csr'), 'utf8'));
  await page.locator('#sign-button').click();
  await expect(page.locator('#sign-result')).toContainText("worker02's kubelet serving certificate");
  await expect(page.locator('#sign-result')).toContainText('KEYS_ON_NODE=1 bash install.sh');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-signed').click()]);
  const cert = join(dir, 'signed.crt');
  await download.saveAs(cert);
  run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), cert], dir);
  expect(run('openssl', ['x509', '-in', cert, '-noout', '-ext', 'subjectAltName'], dir)).toContain('IP Address:192.168.2.2');
});

test('bad input shows its error beside the field and nothing is generated', async ({ page }, info) => {
  await open(page);
  await page.getByLabel('Worker 2 IP').fill('192.168.2.300');
  await page.getByLabel('Worker 3 name').fill('worker01');
  await page.getByLabel('Worker 1 name').fill('Worker 1');
  const cell = (label) => page.locator('td', { has: page.getByLabel(label) });
  await expect(cell('Worker 2 IP').getByRole('alert')).toContainText('not an IPv4 or IPv6 address');
  await expect(cell('Worker 1 name').getByRole('alert')).toContainText('lowercase');
  await page.getByLabel('Worker 1 name').fill('worker01');
  await expect(cell('Worker 3 name').getByRole('alert')).toContainText('already the name of workers[0]');
  await expect(page.locator('#generate')).toBeDisabled();
  await expect(page.locator('#error-summary')).toContainText('need attention');
  await page.locator('#error-summary a', { hasText: 'workers[1].ip' }).click();
  await expect(page.getByLabel('Worker 2 IP')).toBeFocused();

  const dir = mkdtempSync(join(tmpdir(), 'studio-bad-'));
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=ca', '-days', '30'], dir);
  run('openssl', ['genrsa', '-out', 'other.key', '2048'], dir);
  await page.getByLabel('CA source').selectOption('import');
  await page.getByLabel('CA certificate (PEM)', { exact: true }).fill(readFileSync(join(dir, 'ca.crt'), 'utf8'));
  await page.getByLabel('CA private key (PEM; stays in this tab)', { exact: true }).fill(readFileSync(join(dir, 'other.key'), 'utf8'));
  const field = (label) => page.locator('.field', { has: page.getByLabel(label) });
  await expect(field('CA private key (PEM; stays in this tab)').getByRole('alert')).toContainText('does not belong');
  await expect(page.locator('#generate')).toBeDisabled();
  await page.locator('#generate').click({ force: true });
  await expect(page.locator('#download-zip')).toHaveCount(0);
  await page.screenshot({ path: info.outputPath('errors.png'), fullPage: true });
});

test('a reload keeps the parameters but never a private key', async ({ page }) => {
  await open(page);
  await page.getByLabel('Cluster domain').fill('k8s.example.internal');
  await page.getByRole('button', { name: 'Add worker' }).click();
  await page.getByLabel('Worker 4 IP').fill('192.168.2.4');
  await page.getByLabel('CA source').selectOption('import');
  await page.getByLabel('CA private key (PEM; stays in this tab)', { exact: true }).fill('-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n');
  await page.reload();
  await expect(page.getByLabel('Cluster domain')).toHaveValue('k8s.example.internal');
  await expect(page.getByLabel('Worker 4 IP')).toHaveValue('192.168.2.4');
  await expect(page.getByLabel('CA private key (PEM; stays in this tab)', { exact: true })).toHaveValue('');
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  expect(stored).toContain('k8s.example.internal');
  expect(stored).not.toContain('PRIVATE KEY');

  // Save the project file, reset, and load it back from the file.
  await page.getByText('Project file', { exact: true }).click();
  const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save project (YAML)' }).click()]);
  const projectPath = join(mkdtempSync(join(tmpdir(), 'studio-project-')), 'cluster.yaml');
  await saved.saveAs(projectPath);
  expect(readFileSync(projectPath, 'utf8')).toContain('domain: k8s.example.internal');
  await page.getByRole('button', { name: "Reset to the guide's example" }).click();
  await expect(page.getByLabel('Cluster domain')).toHaveValue('cluster.local');
  await page.locator('#project-file').setInputFiles(projectPath);
  await expect(page.getByLabel('Cluster domain')).toHaveValue('k8s.example.internal');
  await expect(page.getByLabel('Worker 4 IP')).toHaveValue('192.168.2.4');

  await page.getByLabel('CA source').selectOption('generate');
  await page.locator('#generate').click();
  await expect(page.locator('#download-zip')).toBeVisible({ timeout: 120_000 });
  const after = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  expect(after).not.toContain('PRIVATE KEY');
});

test('a saved project that cannot be read is shown to copy, and one an older studio saved as YAML is restored', async ({ page }) => {
  await open(page);
  const garbage = '{"apiVersion": "worker-studio/v1alpha1", "workers": [';
  await page.evaluate((text) => localStorage.setItem('worker-studio.project', text), garbage);
  await page.reload();
  await expect(page.locator('#unreadable-project')).toContainText('could not be read');
  await expect(page.getByLabel('The saved project that could not be read')).toHaveValue(garbage);
  await expect(page.getByLabel('Cluster domain')).toHaveValue('cluster.local');
  expect(await page.evaluate(() => localStorage.getItem('worker-studio.project.unreadable'))).toBe(garbage);

  const yaml = 'apiVersion: worker-studio/v1alpha1\nprofile: guide-2016\ncluster: {domain: old.example.internal}\n';
  await page.evaluate((text) => localStorage.setItem('worker-studio.project', text), yaml);
  await page.reload();
  await expect(page.getByLabel('Cluster domain')).toHaveValue('old.example.internal');
  await expect(page.locator('#unreadable-project')).toHaveCount(0);
  expect(await page.evaluate(() => localStorage.getItem('worker-studio.project'))).toContain('"domain":"old.example.internal"');
});

test('works by keyboard alone and reads in dark mode', async ({ page }, info) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await open(page);
  await page.getByLabel('Certificate validity (days)').focus();
  for (let i = 0; i < 200; i++) {
    if (await page.evaluate(() => document.activeElement?.id === 'generate')) break;
    await page.keyboard.press('Tab');
  }
  await expect(page.locator('#generate')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#download-zip')).toBeVisible({ timeout: 120_000 });
  for (const button of await page.getByRole('button').all()) {
    expect((await button.getAttribute('aria-label')) || (await button.innerText()).trim()).not.toBe('');
  }
  await page.screenshot({ path: info.outputPath('dark.png'), fullPage: true });
});

// axe-core, injected from node_modules: the page's CSP would refuse an inline script, so this
// test alone bypasses it (the page under test is the same).
const AXE = readFileSync(join('node_modules', 'axe-core', 'axe.min.js'), 'utf8');

const escapeRegExp = (text) => text.replace(/[.*+?^$()|[\]\\/{}]/g, '\\$&');

async function axeViolations(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
}

test.describe('how it fits together', () => {
  test.use({ bypassCSP: true });

  test('a learner follows worker01\'s kubelet to its kubeconfig, certificate and CA, and its DNS flag to the Service', async ({ page }, info) => {
    await open(page);
    await page.locator('#generate').click();
    await expect(page.locator('#download-zip')).toBeVisible({ timeout: 120_000 });
    const fits = page.getByRole('region', { name: 'How it fits together' });
    await fits.getByRole('button', { name: 'Show how the files fit together' }).click();
    await expect(page.locator('#fits-machine')).toHaveValue('workers/worker01');
    const tile = (name) => fits.getByRole('button', { name: new RegExp('^' + escapeRegExp(name) + ' \\(') });
    const arrow = (text) => fits.getByRole('button', { name: text });
    // An arrow is pressed as a keyboard user does (a long curve's middle may lie under others).
    const press = async (text) => { await arrow(text).focus(); await page.keyboard.press('Enter'); };
    // The unit refers to the kubeconfig; open the kubeconfig: the preview shows it.
    await expect(arrow('/etc/systemd/system/kubelet.service --kubeconfig /etc/kubernetes/worker-kubeconfig.yaml: pass')).toBeVisible();
    await tile('worker-kubeconfig.yaml /etc/kubernetes/').click();
    const preview = page.getByRole('article', { name: 'Preview' });
    await expect(preview.locator('h3')).toHaveText('workers/worker01/etc/kubernetes/worker-kubeconfig.yaml');
    await expect(preview).toContainText('client-certificate: /etc/kubernetes/ssl/worker.crt');
    await expect(fits.locator('.fits-detail')).toContainText('Refers to (3)');
    // On to the certificate and the CA, by the arrows' checks.
    await press('/etc/kubernetes/worker-kubeconfig.yaml client-certificate /etc/kubernetes/ssl/worker.crt: pass');
    await expect(fits.locator('.fits-detail')).toContainText("the kubeconfig's current context resolves to files on the node");
    await tile('worker.crt /etc/kubernetes/ssl/').click();
    await expect(preview.locator('h3')).toHaveText('workers/worker01/etc/kubernetes/ssl/worker.crt');
    await press('/etc/kubernetes/ssl/worker.crt signed by /etc/ssl/etcd/ca.crt: pass');
    await expect(fits.locator('.fits-detail')).toContainText('Why it matters: the API server rejects a client certificate');
    await press('/etc/ssl/etcd/ca.crt copy of the cluster CA ~/ca.crt: pass');
    await expect(fits.locator('.fits-detail')).toContainText('The cluster CA is a CA and valid now');
    // The DNS flag to the Service.
    // The label is a mouse target too.
    await fits.locator('text.arrow-label', { hasText: '--cluster-dns = clusterIP' }).click();
    await expect(fits.locator('.fits-detail')).toContainText("worker01: --cluster-dns is the DNS Service's clusterIP: 10.3.0.2");
    await tile('kube-dns-svc.yaml').press('Enter');
    await expect(preview).toContainText('clusterIP: 10.3.0.2');
    await page.screenshot({ path: info.outputPath('fits-worker01.png'), fullPage: true });
    // The whole bundle, machine by machine: a machine opens its files.
    await page.locator('#fits-machine').selectOption('(whole bundle)');
    await fits.getByRole('button', { name: /^Cluster add-ons: pass; open its files$/ }).click();
    await expect(page.locator('#fits-machine')).toHaveValue('cluster-addons');
    await expect(arrow('kube-dns-svc.yaml selector kube-dns-rc.yaml: pass')).toBeVisible();
    expect(await fits.locator('.arrow.fail').count()).toBe(0);

    const violations = await axeViolations(page);
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious, JSON.stringify(violations, null, 1)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(dark, JSON.stringify(dark, null, 1)).toEqual([]);
    await page.screenshot({ path: info.outputPath('fits-dark.png'), fullPage: true });
  });

  test('an uploaded bundle shows where it breaks', async ({ page }, info) => {
    await open(page);
    await page.locator('#keys-algorithm').selectOption('ecdsa-p256');
    const dir = mkdtempSync(join(tmpdir(), 'studio-fits-'));
    const root = await generateAndDownload(page, dir);
    const unit = join(root, 'workers/worker02/etc/systemd/system/kubelet.service');
    writeFileSync(unit, readFileSync(unit, 'utf8').replace('--cluster-dns=10.3.0.2', '--cluster-dns=10.3.0.10'));
    run('rm', [join(root, 'workers/worker02/install.sh')], root);
    run('zip', ['-q', '-r', join(dir, 'broken.zip'), '.'], root);
    await page.getByText('Check an existing bundle', { exact: true }).click();
    await page.locator('#check-upload').setInputFiles(join(dir, 'broken.zip'));
    await expect(page.locator('#upload-summary')).toHaveText(/, 1 failed$/);
    const fits = page.getByRole('region', { name: 'How the uploaded bundle fits together' });
    await fits.getByRole('button', { name: 'Show how the files fit together' }).click();
    await page.locator('#upload-fits-machine').selectOption('workers/worker02');
    const failing = fits.locator('.arrow.fail');
    await expect(failing).toHaveCount(1);
    await expect(failing).toHaveAttribute('aria-label', '/etc/systemd/system/kubelet.service --cluster-dns = clusterIP kube-dns-svc.yaml: fail');
    await failing.focus();
    await page.keyboard.press('Enter');
    await expect(fits.locator('.fits-detail')).toContainText('the kubelet says 10.3.0.10, the Service "10.3.0.2"');
    await page.screenshot({ path: info.outputPath('fits-uploaded.png'), fullPage: true });
  });
});

test('checks an uploaded bundle and shows why a broken one fails', async ({ page }, info) => {
  await open(page);
  const dir = mkdtempSync(join(tmpdir(), 'studio-upload-'));
  const root = await generateAndDownload(page, dir);
  const svc = join(root, 'cluster-addons/kube-dns-svc.yaml');
  writeFileSync(svc, readFileSync(svc, 'utf8').replace('clusterIP: 10.3.0.2', 'clusterIP: 10.3.0.53'));
  run('zip', ['-q', '-r', join(dir, 'broken.zip'), '.'], root);

  await page.getByText('Check an existing bundle', { exact: true }).click();
  await page.locator('#check-upload').setInputFiles(join(dir, 'broken.zip'));
  await expect(page.locator('#upload-summary')).toHaveText(/, 3 failed$/);
  const uploaded = page.getByRole('region', { name: 'Checks of the uploaded bundle' });
  await expect(uploaded).toContainText("worker01: --cluster-dns is the DNS Service's clusterIP: the kubelet says 10.3.0.2");
  await page.screenshot({ path: info.outputPath('uploaded-checks.png'), fullPage: true });

  writeFileSync(join(dir, 'junk.zip'), 'not a zip');
  await page.locator('#check-upload').setInputFiles(join(dir, 'junk.zip'));
  await expect(page.getByText(/Not checked: not a readable zip/)).toBeVisible();
});

test('keys are reused until a key-relevant field changes, and the page says so', async ({ page }) => {
  await open(page);
  const first = await generateAndDownload(page, mkdtempSync(join(tmpdir(), 'studio-reuse-')));
  await expect(page.locator('#generated-status')).toContainText('5 new key(s), 0 reused');
  const key1 = readFileSync(join(first, 'workers/worker01/etc/kubernetes/ssl/worker.key'), 'utf8');

  // A path changes nothing about keys: the next run reuses all five.
  await page.getByText('Node paths, names & images', { exact: true }).click();
  await page.getByLabel('Static pod directory').fill('/etc/kubernetes/pods');
  await expect(page.locator('#key-plan')).toContainText('make 0 new key(s) and reuse 5');
  const second = await generateAndDownload(page, mkdtempSync(join(tmpdir(), 'studio-reuse2-')));
  await expect(page.locator('#generated-status')).toContainText('0 new key(s), 5 reused');
  expect(readFileSync(join(second, 'workers/worker01/etc/kubernetes/ssl/worker.key'), 'utf8')).toBe(key1);
  expect(readFileSync(join(second, 'workers/worker01/etc/systemd/system/kubelet.service'), 'utf8')).toContain('--config=/etc/kubernetes/pods');

  // A new worker needs one key; fresh keys on request.
  await page.getByRole('button', { name: 'Add worker' }).click();
  await page.getByLabel('Worker 4 IP').fill('192.168.2.4');
  await expect(page.locator('#key-plan')).toContainText('make 1 new key(s) and reuse 5');
  await page.getByRole('button', { name: 'Use fresh keys' }).click();
  await expect(page.locator('#key-plan')).toHaveCount(0);
  await page.locator('#generate').click();
  await expect(page.locator('#generated-status')).toContainText('6 new key(s), 0 reused');
});

test('keys are made while the form is open and bound at the click; the run says where its time went', async ({ page }) => {
  await open(page);
  // While the user reads the form, the five RSA keys its next run needs are made ahead.
  await page.waitForTimeout(3000);
  // Renamed workers waste none of them: a key is bound to its role only when Generate takes it.
  await page.getByLabel('Worker 1 name').fill('node-a');
  await page.getByLabel('Worker 2 name').fill('node-b');
  const dir = mkdtempSync(join(tmpdir(), 'studio-ahead-'));
  const root = await generateAndDownload(page, dir);
  await expect(page.locator('#generated-status')).toContainText('5 new key(s), 0 reused.');
  await expect(page.locator('#generated-status')).toContainText(/ [1-5] of the new keys were made while the form was open\./);
  // Every role got a key of its own, and each certificate is for its key.
  const keys = ['node-a', 'node-b', 'worker03'].map((name) => join(root, `workers/${name}/etc/kubernetes/ssl/worker.key`));
  const publics = keys.map((key) => run('openssl', ['pkey', '-in', key, '-pubout'], dir));
  expect(new Set(publics).size).toBe(3);
  for (const [i, name] of ['node-a', 'node-b', 'worker03'].entries()) {
    const cert = join(root, `workers/${name}/etc/kubernetes/ssl/worker.crt`);
    expect(run('openssl', ['x509', '-in', cert, '-noout', '-pubkey'], dir)).toBe(publics[i]);
  }

  // Where the time went: the page's steps and the engine's stages, in order, in the page and as
  // User Timing measures.
  const timings = page.locator('#timings');
  await timings.locator('summary').click();
  const steps = await timings.locator('tbody td:first-child').allTextContents();
  expect(steps).toEqual(['keys', 'to the engine', 'engine read', 'engine sign', 'engine render', 'engine check', 'engine zip', 'engine pack', 'back to the page', 'decode', 'show']);
  const measures = await page.evaluate(() => performance.getEntriesByType('measure').filter((m) => m.name.startsWith('studio: ')).map((m) => m.name.slice(8)));
  expect(measures).toEqual(steps);
  const millis = (await timings.locator('tbody td.number').allTextContents()).map(Number);
  expect(millis.every((ms) => ms >= 0)).toBe(true);
  expect(millis[3]).toBeGreaterThan(0);
});

test('a large cluster is browsed through a filter', async ({ page }) => {
  await open(page);
  const lines = Array.from({ length: 40 }, (_, i) => `node${String(i + 1).padStart(3, '0')} 172.16.0.${i + 1}`);
  await page.locator('#paste-workers').fill(lines.join('\n'));
  await page.getByRole('button', { name: 'Use pasted workers' }).click();
  await expect(page.getByText('Workers (40)')).toBeVisible();
  await page.locator('#keys-algorithm').selectOption('ecdsa-p256');
  await page.locator('#generate').click();
  await expect(page.locator('#download-zip')).toBeVisible({ timeout: 120_000 });
  await expect(page.locator('#machine-count')).toHaveText('Showing 24 of 44 matching machines (44 in all).');
  await page.getByLabel('Find a machine').fill('node037');
  await expect(page.locator('#machine-count')).toHaveText('Showing 1 of 1 matching machines (44 in all).');
  await expect(page.getByRole('button', { name: "Copy node037's install.sh" })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Worker node037' })).toBeVisible();
  await expect(page.locator('#checks-summary')).toHaveText(/0 failed$/);
  // The picture folds the workers beyond twelve into one box; one opens from the machine list.
  const fits = page.getByRole('region', { name: 'How it fits together' });
  await fits.getByRole('button', { name: 'Show how the files fit together' }).click();
  await page.locator('#fits-machine').selectOption('(whole bundle)');
  await expect(fits.getByRole('button', { name: /^28 more workers: pass; choose one in the machine list$/ })).toBeVisible();
  // Twelve workers, the folded ones, the CA host, the add-ons, the workstation, the bundle's own files, the endpoint.
  await expect(fits.locator('.tile')).toHaveCount(12 + 1 + 4 + 1);
  await page.locator('#fits-machine').selectOption('workers/node037');
  await expect(fits.getByRole('button', { name: /^kubelet\.service \/etc\/systemd\/system\/ \(file, Worker node037\): pass$/ })).toBeVisible();
});

test('writes an HA API front: LB hosts with their errors beside them, the VIP in every kubeconfig, a real certificate checked', async ({ page }, info) => {
  await open(page);
  await page.locator('#apiFront-mode').selectOption('keepalived-haproxy');
  await expect(page.locator('#front-endpoint')).toContainText('https://192.168.2.20:6443');
  await expect(page.getByLabel('API server URL (your load balancer)')).toHaveCount(0);
  const fieldError = (id) => page.locator('.field', { has: page.locator(`#${id}`) }).getByRole('alert');

  // A VIP a worker already has, an interface with a space, one LB host: each refused where it is typed.
  await page.locator('#apiFront-vip').fill('192.168.2.3');
  await expect(fieldError('apiFront-vip')).toContainText("is also worker worker03's address");
  await expect(page.locator('#generate')).toBeDisabled();
  await page.locator('#apiFront-vip').fill('192.168.2.20');
  await page.getByLabel('LB host 1 interface').fill('eth 0');
  await expect(page.locator('#lb-hosts td', { has: page.getByLabel('LB host 1 interface') }).getByRole('alert')).toContainText('an interface name holds only');
  await page.getByLabel('LB host 1 interface').fill('eth0');
  await page.getByRole('button', { name: 'Remove LB host 2' }).click();
  await expect(page.locator('#apiFront-lbHosts')).toContainText('lists 1 LB host(s)');
  await page.getByRole('button', { name: 'Add LB host' }).click();
  await expect(page.locator('#lb-hosts td', { has: page.getByLabel('LB host 2 IP') }).getByRole('alert')).toBeVisible();
  await page.getByLabel('LB host 2 IP').fill('192.168.2.22');

  // On the control plane HAProxy moves to 8443 and the LB hosts become the API servers; and back.
  await page.getByLabel('The LB hosts are the control-plane nodes').check();
  await expect(page.locator('#apiFront-port')).toHaveValue('8443');
  await expect(page.getByLabel('LB host 1 name')).toHaveValue('master01');
  await page.getByLabel('The LB hosts are the control-plane nodes').uncheck();
  await expect(page.locator('#apiFront-port')).toHaveValue('6443');
  await expect(page.getByLabel('LB host 1 name')).toHaveValue('lb01');
  await page.getByLabel('API server 2 IP').fill('192.168.2.13');
  await page.getByRole('button', { name: 'Add API server' }).click();
  await page.getByLabel('API server 3 IP').fill('192.168.2.12');
  await expect(page.locator('#generate')).toBeEnabled();
  await page.screenshot({ path: info.outputPath('front.png'), fullPage: true });

  const dir = mkdtempSync(join(tmpdir(), 'studio-front-'));
  await page.locator('#include-ca-key').check();
  const root = await generateAndDownload(page, dir);
  await expect(page.locator('#checks-summary')).toHaveText(/0 failed$/);
  for (const host of ['lb01', 'lb02']) {
    const cfg = join(root, `lb-hosts/${host}/etc/haproxy/haproxy.cfg`);
    run('haproxy', ['-c', '-dW', '-f', cfg], dir);
    expect(readFileSync(cfg, 'utf8')).toContain('server master03 192.168.2.12:6443 check');
    expect(statSync(join(root, `lb-hosts/${host}/etc/keepalived/check_apiserver.sh`)).mode & 0o777).toBe(0o755);
  }
  expect(readFileSync(join(root, 'lb-hosts/lb01/etc/keepalived/keepalived.conf'), 'utf8')).toContain('state MASTER');
  expect(readFileSync(join(root, 'lb-hosts/lb02/etc/keepalived/keepalived.conf'), 'utf8')).toContain('state BACKUP');
  const kubeconfigs = filesBelow(root).filter((f) => f.endsWith('worker-kubeconfig.yaml'));
  expect(kubeconfigs).toHaveLength(3);
  for (const config of kubeconfigs) {
    expect(readFileSync(config, 'utf8')).toContain('server: https://192.168.2.20:6443');
  }

  // A real apiserver.crt from the CA: with the VIP it fits; without, the missing name is named.
  const ca = join(root, 'ca-host/HOME');
  const serving = (name, sans) => {
    writeFileSync(join(dir, `${name}.ext`), `extendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`);
    run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
    run('openssl', ['req', '-new', '-key', `${name}.key`, '-subj', '/CN=kube-apiserver', '-out', `${name}.csr`], dir);
    run('openssl', ['x509', '-req', '-in', `${name}.csr`, '-CA', join(ca, 'ca.crt'), '-CAkey', join(ca, 'ca.key'), '-set_serial', '5',
      '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
    return readFileSync(join(dir, `${name}.crt`), 'utf8');
  };
  await page.locator('#apiserver-cert summary').click();
  await page.locator('#apiserver-cert-pem').fill(serving('good', 'DNS:kubernetes,IP:192.168.2.20,IP:192.168.2.11'));
  await page.locator('#apiserver-cert-check').click();
  await expect(page.locator('#apiserver-cert-result')).toContainText('This certificate fits');
  await page.locator('#apiserver-cert-pem').fill(serving('bad', 'DNS:kubernetes,IP:192.168.2.11'));
  await page.locator('#apiserver-cert-check').click();
  await expect(page.locator('#apiserver-cert-result')).toContainText('does not fit');
  await expect(page.locator('#apiserver-cert-result')).toContainText('carries 192.168.2.20');
  await page.locator('#since-2016 summary').click();
  await expect(page.locator('#since-2016')).toContainText('The API front (high availability)');
});

test('switches to the current profile, explains what changed since 2016, and its bundle passes the official schemas', async ({ page }, info) => {
  await open(page);
  await page.getByLabel('Worker 2 IP').fill('192.168.2.22');
  await page.getByLabel('Profile', { exact: true }).selectOption('current');
  // Defaults follow the profile; what the user typed stays.
  await expect(page.getByLabel('Kubernetes version', { exact: true })).toHaveValue('1.37');
  await expect(page.locator('#kubernetesVersion-hint')).toContainText('1.33 to 1.37 are supported');
  await expect(page.getByLabel('Worker kubeconfig')).toHaveValue('/etc/kubernetes/kubelet.conf');
  await expect(page.getByLabel('Worker 2 IP')).toHaveValue('192.168.2.22');
  await expect(page.locator('#kubectl-adminGroup-hint')).toContainText('cannot be revoked');
  await expect(page.getByLabel('Kubelet housekeeping interval')).toHaveCount(0);
  await expect(page.getByLabel('Admin certificate group')).toHaveValue('kubeadm:cluster-admins');
  await expect(page.getByLabel('kube-proxy mode')).toHaveValue('iptables');
  // A choice the person made gives way to the model when the project is reset.
  await page.getByLabel('Admin certificate group').selectOption('system:masters');
  await page.locator('summary', { hasText: 'Project file' }).click();
  await page.getByRole('button', { name: "Reset to the current profile's defaults" }).click();
  await expect(page.getByLabel('Admin certificate group')).toHaveValue('kubeadm:cluster-admins');
  await expect(page.getByLabel('Worker 2 IP')).toHaveValue('192.168.2.2');
  await page.getByLabel('Worker 2 IP').fill('192.168.2.22');

  // A version the profile does not support is named beside its field, and nothing is generated.
  const version = page.getByLabel('Kubernetes version', { exact: true });
  await version.fill('1.32');
  await expect(page.locator('#kubernetesVersion-error')).toHaveText('Kubernetes 1.32 is not supported by the current profile; choose 1.33 to 1.37');
  await expect(page.locator('#generate')).toBeDisabled();
  await version.fill('1.33');
  await page.getByLabel('kube-proxy runs as').selectOption('daemonset');
  await page.getByLabel('kube-proxy mode').selectOption('nftables');

  const dir = mkdtempSync(join(tmpdir(), 'studio-current-'));
  const root = await generateAndDownload(page, dir);
  await expect(page.locator('#checks-summary')).toHaveText(/passed, 0 warnings, 0 failed$/);

  // The preview of a file shows what the guide had instead, and why.
  await page.getByRole('region', { name: 'Worker worker01' }).getByRole('button', { name: /kubelet-client\.crt$/ }).click();
  const since = page.getByRole('complementary', { name: 'Since 2016' });
  await expect(since).toContainText('CN=system:node:worker01, O=system:nodes');
  await expect(since).toContainText('Kubernetes 1.7');
  await page.getByRole('region', { name: 'Cluster add-ons' }).getByRole('button', { name: /coredns-deployment\.yaml$/ }).click();
  await expect(since).toContainText('SkyDNS');
  await page.locator('#since-2016 summary').click();
  await expect(page.locator('#since-2016')).toContainText('--api-servers was removed in 1.8');
  await page.screenshot({ path: info.outputPath('current.png'), fullPage: true });

  const subject = run('openssl', ['x509', '-in', join(root, 'workers/worker02/var/lib/kubelet/pki/kubelet.crt'), '-noout', '-subject', '-ext', 'subjectAltName'], dir);
  expect(subject).toContain('CN = system:node:worker02');
  expect(subject).toContain('IP Address:192.168.2.22');
  const manifests = filesBelow(join(root, 'cluster-addons')).filter((f) => f.endsWith('.yaml'));
  expect(manifests).toHaveLength(13);
  const validated = run('kubernetes-validate', ['--strict', '-k', '1.33.0', ...manifests], dir);
  expect(validated.split('\n').filter((l) => l.startsWith('INFO') && l.includes('passed'))).toHaveLength(13);
  const dns = readFileSync(join(root, 'cluster-addons/coredns-deployment.yaml'), 'utf8');
  expect(dns).toContain('registry.k8s.io/coredns/coredns:v1.12.0');
});

test('signing runs in the background worker: the page answers meanwhile, and a run can be cancelled', async ({ page }) => {
  await open(page);
  const lines = Array.from({ length: 1000 }, (_, i) => `node${String(i + 1).padStart(4, '0')} 172.16.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  await page.locator('#paste-workers').fill(lines.join('\n'));
  await page.getByRole('button', { name: 'Use pasted workers' }).click();
  await expect(page.getByText('Workers (1000)')).toBeVisible();

  // The table shows a window of rows; the filter finds any worker, and a row with an error stays in view.
  await expect(page.locator('#worker-count')).toHaveText('Showing 50 of 1000 matching workers (1000 in all), and rows with an error or being edited.');
  await expect(page.getByLabel('Worker 51 name')).toHaveCount(0);
  await page.getByLabel('Find a worker (name or IP)').fill('node0777');
  await expect(page.getByLabel('Worker 777 name')).toHaveValue('node0777');
  await page.getByLabel('Worker 777 IP').fill('172.16.3.999');
  await page.getByLabel('Find a worker (name or IP)').fill('');
  await expect(page.locator('#worker-count')).toHaveText('Showing 50 of 1000 matching workers (1000 in all), and rows with an error or being edited.');
  await page.locator('#error-summary a', { hasText: 'workers[776].ip' }).click();
  await expect(page.getByLabel('Worker 777 IP')).toBeFocused();
  // Fixed, the row stays while it is being edited; a new search lets it go.
  await page.getByLabel('Worker 777 IP').fill('172.16.3.27');
  await expect(page.getByLabel('Worker 777 IP')).toBeFocused();
  await expect(page.locator('#error-summary')).toHaveCount(0);
  await page.getByLabel('Find a worker (name or IP)').fill('node00');
  await expect(page.getByLabel('Worker 777 IP')).toHaveCount(0);
  await page.getByLabel('Find a worker (name or IP)').fill('');
  await page.locator('#keys-algorithm').selectOption('ecdsa-p256');

  // While the worker signs, the form still reacts: an edit is validated and shown at once.
  await page.locator('#generate').click();
  const background = page.getByText('Signing, rendering and checking in the background…');
  await expect(background).toBeVisible({ timeout: 120_000 });
  await page.getByLabel('Cluster DNS IP').fill('10.9.9.9');
  await expect(page.locator('#cluster-dnsIP-error')).toContainText('outside the service network');
  await expect(background).toBeVisible();

  // Cancel ends the run; nothing is generated and Generate is offered again once the form is valid.
  await page.locator('#cancel').click();
  await expect(page.getByText('Cancelled; nothing was generated.')).toBeVisible();
  await expect(page.locator('#download-zip')).toHaveCount(0);
  await page.getByLabel('Cluster DNS IP').fill('10.3.0.2');
  await expect(page.locator('#generate')).toBeEnabled();

  // A new worker takes the next run, reusing the keys already made.
  await page.locator('#generate').click();
  await expect(page.locator('#download-zip')).toBeVisible({ timeout: 180_000 });
  await expect(page.locator('#generated-status')).toContainText('0 new key(s), 1002 reused');
  await expect(page.locator('#checks-summary')).toHaveText(/0 failed$/);

  // The CA host holds a signing script per worker: its panel lists the first 40, all on request.
  const caHost = page.getByRole('region', { name: 'CA host' });
  await expect(caHost.locator('button.file')).toHaveCount(40);
  await caHost.getByRole('button', { name: /^Show all \d+ files of CA host$/ }).click();
  await expect(caHost.locator('button.file', { hasText: 'sign-node1000.sh' })).toBeVisible();

  // The README lists every file: its preview shows the head, the whole file on request.
  const preview = page.getByRole('article', { name: 'Preview' });
  await expect(preview).toContainText(/Showing the first 400 of \d+ lines/);
  await expect(preview.locator('pre')).not.toContainText('node1000');
  await page.locator('#preview-all').click();
  await expect(preview.locator('pre')).toContainText('Worker node1000 (workers/node1000/)');
});

test('the page loads without the engine; where no worker starts, the engine runs on the page', async ({ page }) => {
  // No worker can start here; the page loads without the engine all the same.
  const byPage = await pageFetches(page);
  const engineFetches = () => byPage.filter((url) => url.includes('studio-engine'));
  await page.route('**/worker.js', (route) => route.fulfill({ status: 404, body: '' }));
  await open(page);
  expect(engineFetches()).toEqual([]);

  // No worker: an imported CA is examined, and the bundle made, by the engine loaded onto the page.
  const dir = mkdtempSync(join(tmpdir(), 'studio-onpage-'));
  run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  run('openssl', ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=page-ca', '-days', '3650', '-out', 'ca.crt'], dir);
  await page.getByLabel('CA source').selectOption('import');
  await page.getByLabel('CA certificate (PEM)', { exact: true }).fill(readFileSync(join(dir, 'ca.crt'), 'utf8'));
  await page.getByLabel('CA private key (PEM; stays in this tab)', { exact: true }).fill('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
  const keyField = page.locator('.field', { has: page.getByLabel('CA private key (PEM; stays in this tab)', { exact: true }) });
  // The first verdict waits for the engine to be fetched and compiled onto the page.
  await expect(keyField.getByRole('alert')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('#generate')).toBeDisabled();
  await page.getByLabel('CA private key (PEM; stays in this tab)', { exact: true }).fill(readFileSync(join(dir, 'ca.key'), 'utf8'));
  await page.locator('#keys-algorithm').selectOption('ecdsa-p256');
  await expect(page.locator('#generate')).toBeEnabled();
  expect(engineFetches().length).toBeGreaterThan(0);
  const root = await generateAndDownload(page, dir);
  await expect(page.locator('#checks-summary')).toHaveText(/0 failed$/);
  const certs = ['worker01', 'worker02', 'worker03'].map((n) => join(root, `workers/${n}/etc/kubernetes/ssl/worker.crt`));
  run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), ...certs], dir);

  // One machine's files as a zip of their own, modes kept.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Worker worker02 files' }).click()]);
  const zip = join(dir, 'worker02.zip');
  await download.saveAs(zip);
  run('unzip', ['-q', zip, '-d', join(dir, 'worker02')], dir);
  const files = filesBelow(join(dir, 'worker02')).map((f) => f.slice(join(dir, 'worker02').length + 1));
  expect(files.length).toBeGreaterThan(3);
  expect(files.every((f) => f.startsWith('workers/worker02/'))).toBe(true);
  expect(statSync(join(dir, 'worker02/workers/worker02/etc/kubernetes/ssl/worker.key')).mode & 0o777).toBe(0o600);
});

test('without WebCrypto, RSA keys come from a pool of engine workers, one per core', async ({ page }) => {
  // As on a plain-http page, which is not a secure context: crypto.subtle is missing.
  await page.addInitScript(() => Object.defineProperty(globalThis.crypto, 'subtle', { value: undefined }));
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  await open(page);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const dir = mkdtempSync(join(tmpdir(), 'studio-pool-'));
  const root = await generateAndDownload(page, dir);
  await expect(page.locator('#generated-status')).toContainText('5 new key(s), 0 reused');
  expect(workers.length).toBe(Math.min(cores, 4, 5));
  expect(workers.every((url) => url.endsWith('/worker.js'))).toBe(true);
  for (const name of ['worker01', 'worker02', 'worker03']) {
    const key = join(root, `workers/${name}/etc/kubernetes/ssl/worker.key`);
    expect(run('openssl', ['pkey', '-in', key, '-noout', '-text'], dir)).toContain('Private-Key: (2048 bit');
  }
  run('openssl', ['verify', '-CAfile', join(root, 'ca-host/HOME/ca.crt'), join(root, 'workers/worker01/etc/kubernetes/ssl/worker.crt')], dir);
});

test('a cancel ends only the run: a CA examined meanwhile still gets its verdict', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-cancel-ca-'));
  run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  run('openssl', ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=cancel-ca', '-days', '3650', '-out', 'ca.crt'], dir);
  await open(page);
  const lines = Array.from({ length: 1000 }, (_, i) => `node${i + 1} 172.16.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  await page.locator('#paste-workers').fill(lines.join('\n'));
  await page.getByRole('button', { name: 'Use pasted workers' }).click();
  await page.locator('#keys-algorithm').selectOption('ecdsa-p256');
  await page.locator('#generate').click();
  await expect(page.getByText('Signing, rendering and checking in the background…')).toBeVisible({ timeout: 120_000 });

  // While the worker signs, a CA is imported: its examination waits behind the run.
  await page.getByLabel('CA source').selectOption('import');
  await page.getByLabel('CA certificate (PEM)', { exact: true }).fill(readFileSync(join(dir, 'ca.crt'), 'utf8'));
  await page.getByLabel('CA private key (PEM; stays in this tab)', { exact: true }).fill(readFileSync(join(dir, 'ca.key'), 'utf8'));
  await expect(page.locator('#error-summary')).toContainText('ca.certificate: is being examined');
  await page.locator('#cancel').click();
  await expect(page.getByText('Cancelled; nothing was generated.')).toBeVisible();

  // The examination went to a fresh worker: the CA is accepted and Generate is offered again.
  await expect(page.locator('#generate')).toBeEnabled({ timeout: 30_000 });
  await expect(page.locator('#error-summary')).toHaveCount(0);
});

test('a worker that cannot load the engine hands the work to the page', async ({ page }) => {
  // The worker's fetch of the engine fails once; the page's own fetch then succeeds.
  let served = 0;
  await page.route('**/studio-engine_bg.wasm', (route) => (served++ === 0 ? route.fulfill({ status: 404, body: '' }) : route.continue()));
  const byPage = await pageFetches(page);
  await open(page);
  await page.locator('#keys-algorithm').selectOption('ecdsa-p256');
  await page.locator('#generate').click();
  await expect(page.locator('#download-zip')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('#checks-summary')).toHaveText(/0 failed$/);
  expect(served).toBe(2);
  expect(byPage.filter((url) => url.endsWith('/studio-engine_bg.wasm'))).toHaveLength(1);
});

test('the first load is the page\'s own files, within 300 KB gzipped', async ({ page }) => {
  const byPage = await pageFetches(page);
  await open(page);
  await page.waitForLoadState('networkidle');
  const files = [...new Set(byPage.map((url) => new URL(url).pathname.replace(/^\/studio\//, '') || 'index.html'))];
  // worker.js starts the background worker; everything the worker loads is fetched by the worker.
  const firstLoad = files.filter((f) => f !== 'worker.js');
  expect(firstLoad.sort()).toEqual(['app.css', 'index.html', 'init.js', 'worker-studio-web.js', 'worker-studio-web_bg.wasm']);
  const gzipped = firstLoad.map((f) => gzipSync(readFileSync(join('dist', f)), { level: 9 }).length);
  const total = gzipped.reduce((a, b) => a + b, 0);
  console.log(`first load: ${total} bytes gzipped (${firstLoad.map((f, i) => `${f} ${gzipped[i]}`).join(', ')})`);
  expect(total).toBeLessThan(300_000);
});
