/**
 * The HTML report end to end: the built CLI writes it, Chromium opens it from file:// with the network
 * off; the summary and every finding render, filters and sorting work, a hostile name is text, the CSP
 * (hashes) lets the inlined script and styles run with no console error, and a canary secret from the
 * scanned manifests appears nowhere in the file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchBrowser, type TestBrowser } from '../testing/browser.js';
import { startStandIn, type StandIn } from '../testing/apiserver/index.js';
import { runCli } from '../testing/kit.js';
import { EXAMPLES_DIR } from './seed.js';
import { axeContext, axeOnPage } from './testing.js';

const BIN = fileURLToPath(new URL('../../bin/meshward.js', import.meta.url));
const HOSTILE = '<img src=x onerror=window.__pwned=1>';
/** A name that reorders its line (RTL override), hides a character (zero-width space) and breaks it (line separator). */
const BIDI = 'web\u202Egnp.exe\u200B\u2028fake';

describe('HTML report', () => {
  let b: TestBrowser;
  let dir: string;
  let file: string;
  let canary: string;
  let findings: { severity: string; ruleId: string }[];
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'meshward-html-'));
    canary = `canary-${randomBytes(12).toString('hex')}`;
    // A hostile name in a finding (UID 1337 makes the sidecar rules report it) and a Secret holding the canary.
    writeFileSync(
      path.join(dir, 'hostile.yaml'),
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${JSON.stringify(HOSTILE)}\n  namespace: shop\n  annotations: {note: "</script><script>window.__pwned=2</script>"}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      securityContext: {runAsUser: 1337}\n      containers: [{name: web, image: "registry.example.com/web:1.0.0", env: [{name: TOKEN, value: ${canary}}]}]\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: shop}\nstringData: {password: ${canary}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${JSON.stringify(BIDI)}\n  namespace: shop\nspec:\n  template:\n    metadata: {labels: {app: bidi}}\n    spec:\n      securityContext: {runAsUser: 1337}\n      containers: [{name: web, image: "registry.example.com/web:1.0.0"}]\n`,
    );
    file = path.join(dir, 'report.html');
    const r = spawnSync(process.execPath, [BIN, 'scan', path.join(EXAMPLES_DIR, 'insecure'), dir, '--format', 'html', '--output', file, '--fail-on', 'none'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const json = spawnSync(process.execPath, [BIN, 'scan', path.join(EXAMPLES_DIR, 'insecure'), dir, '--format', 'json', '--fail-on', 'none'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    findings = JSON.parse(json.stdout).findings;
    b = await launchBrowser();
  });
  after(async () => {
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is one file: no external source, a CSP with hashes, the data escaped, no canary', () => {
    const html = readFileSync(file, 'utf8');
    assert.doesNotMatch(html, /\b(src|href)=["']?(https?:|\/\/|\.\/)/);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-/);
    const data = /<script type="application\/json" id="meshward-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    assert.ok(!data.includes('<'), 'no < in the data');
    assert.equal(JSON.parse(data).report.findings.length, findings.length);
    assert.ok(!html.includes(canary), 'the canary secret is not in the report');
  });

  it('opens from file:// offline: summary, every finding, filters, sorting, details; hostile names are text', async () => {
    const { page, problems } = await b.page({ offline: true });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    await page.getByRole('heading', { level: 1, name: 'meshward report' }).waitFor();
    const critical = findings.filter((f) => f.severity === 'critical').length;
    assert.equal((await page.locator('.totals .sev-critical .n').textContent())?.trim(), String(critical));
    const rows = page.locator('table.findings tbody tr');
    assert.equal(await rows.count(), findings.length);
    await page.getByText(`${findings.length} of ${findings.length} findings`).waitFor();
    // The posture table: one row per workload of `meshward posture`.
    const posture = JSON.parse(spawnSync(process.execPath, [BIN, 'posture', path.join(EXAMPLES_DIR, 'insecure'), dir, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout);
    assert.ok(posture.workloads.length > 0);
    assert.equal(await page.locator('table.posture tbody tr').count(), posture.workloads.length);
    // A Pod its Deployment runs (examples/insecure/15-injection.yaml) is counted in the Deployment's row.
    assert.match((await page.locator('table.posture tbody tr', { hasText: 'Deployment shop/storefront' }).textContent()) ?? '', /\+1 ReplicaSet, Job or Pod it runs/);
    // Filter by severity, then search.
    await page.getByLabel('Severity').selectOption('critical');
    assert.equal(await rows.count(), critical);
    // The filter is in the fragment: a reload (or the link with it) keeps it.
    assert.equal(new URL(page.url()).hash, '#severity=critical');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'meshward report' }).waitFor();
    assert.equal(await page.getByLabel('Severity').inputValue(), 'critical');
    assert.equal(await rows.count(), critical);
    await page.getByLabel('Severity').selectOption('');
    await page.getByLabel('Search').fill(HOSTILE);
    const hostileRows = await rows.count();
    assert.ok(hostileRows >= 1, 'the hostile Deployment has findings');
    assert.ok((await page.locator('table.findings').textContent())!.includes(HOSTILE));
    assert.equal(await page.locator('main img').count(), 0);
    // Control and bidi characters in names are shown as \uXXXX (as the text report and the dashboard show them), never raw.
    await page.getByLabel('Search').fill('gnp.exe');
    assert.ok((await rows.count()) >= 1, 'the Deployment with the bidi name has findings');
    const shownText = (await page.locator('main').innerText()) + (await page.locator('main').textContent());
    assert.ok(shownText.includes('web\\u202egnp.exe\\u200b\\u2028fake'), 'the name is shown with its characters made visible');
    assert.doesNotMatch(shownText, /[\u202e\u200b\u2028]/);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    // Details open with the keyboard.
    await page.locator('table.findings button.link').first().focus();
    await page.keyboard.press('Enter');
    await page.locator('tr.detail').getByText('Remediation:').waitFor();
    // Sorting by rule, ascending then descending.
    await page.getByLabel('Search').fill('');
    await page.getByRole('button', { name: 'Rule', exact: true }).click();
    const ids = async () => (await page.locator('table.findings tbody tr td:nth-child(2)').allTextContents()).filter(Boolean);
    const asc = await ids();
    assert.deepEqual(asc, [...asc].sort((a, b) => a.localeCompare(b)));
    await page.getByRole('button', { name: 'Rule', exact: true }).click();
    const desc = await ids();
    assert.deepEqual(desc, [...asc].sort((a, b) => b.localeCompare(a)));
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), []);
    assert.deepEqual(problems(), []);
  });
});

/**
 * The live-scan HTML report: the built CLI reads three clusters of the stand-in API server (the
 * insecure and secure examples, and one with a hostile name and a canary Secret) and writes one report
 * with a posture table per cluster, the same rows `meshward posture --context X` gives; Chromium opens it
 * from file:// offline. The worker-thread and main-thread analyses give the same tables and findings.
 */
describe('HTML report of a live scan', () => {
  let b: TestBrowser;
  let standIn: StandIn;
  let dir: string;
  let kubeconfig: string;
  let canary: string;
  const CLUSTERS = ['insecure', 'secure', 'hostile'] as const;
  // Not spawnSync: the stand-in answers from this process's event loop.
  const cli = (args: string[], env: Record<string, string> = {}) => runCli([...args, '--kubeconfig', kubeconfig], { env: { HOME: dir, KUBECONFIG: '', CI: '', ...env } });
  const report = async (file: string, env: Record<string, string> = {}) => {
    const r = await cli(['scan', ...CLUSTERS.flatMap((c) => ['--context', c]), '--format', 'html', '--output', file, '--fail-on', 'none'], env);
    assert.equal(r.code, 0, r.stderr);
    return file;
  };
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'meshward-html-live-'));
    canary = `canary${randomBytes(12).toString('hex')}`;
    const hostile = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'shop', labels: { note: 'x' }, annotations: { note: HOSTILE } },
        spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { securityContext: { runAsUser: 1337 }, containers: [{ name: 'web', image: 'registry.example.com/web:1.0.0', env: [{ name: 'TOKEN', value: canary }] }] } } },
      },
      { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'odd-principal', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'web' } }, rules: [{ from: [{ source: { principals: [HOSTILE] } }] }] } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'shop' }, type: 'Opaque', data: { password: Buffer.from(canary).toString('base64') } },
    ];
    standIn = await startStandIn({
      clusters: [
        { name: 'insecure', folders: [path.join(EXAMPLES_DIR, 'insecure')], crds: ['istio', 'gateway-api'] },
        { name: 'secure', folders: [path.join(EXAMPLES_DIR, 'secure')], crds: ['istio', 'gateway-api'] },
        { name: 'hostile', objects: hostile, crds: ['istio', 'gateway-api'] },
      ],
    });
    kubeconfig = path.join(dir, 'kubeconfig.yaml');
    writeFileSync(kubeconfig, standIn.kubeconfig({ clusters: [...CLUSTERS] }), { mode: 0o600 });
    b = await launchBrowser();
  });
  after(async () => {
    await b?.close();
    await standIn?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has one posture table per cluster with `meshward posture`\'s rows; worker and main-thread runs agree; no canary', async () => {
    const file = await report(path.join(dir, 'live.html'));
    const html = readFileSync(file, 'utf8');
    assert.ok(!html.includes(canary), 'the canary secret is not in the report');
    const data = /<script type="application\/json" id="meshward-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const parsed = JSON.parse(data) as { report: { errors: unknown[] }; posture: { cluster: string | null }[] };
    assert.deepEqual(parsed.report.errors, [], 'every cluster was read');
    assert.deepEqual(parsed.posture.map((p) => p.cluster), [...CLUSTERS]);
    const mainThread = readFileSync(await report(path.join(dir, 'live-main-thread.html'), { MESHWARD_LIVE_WORKERS: '0' }), 'utf8');
    const other = JSON.parse(/<script type="application\/json" id="meshward-data">([\s\S]*?)<\/script>/.exec(mainThread)![1]!) as typeof parsed & { report: { findings: unknown[] } };
    // (Compared as booleans: a diff of two whole reports helps no one. Durations differ, so not the whole file.)
    assert.ok(JSON.stringify(other.posture) === JSON.stringify(parsed.posture), 'the same posture tables whether clusters are analysed in worker threads or on the main thread');
    assert.ok(JSON.stringify(other.report.findings) === JSON.stringify((parsed as typeof other).report.findings), 'the same findings either way');
    const { page, problems } = await b.page({ offline: true });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    await page.getByRole('heading', { level: 1, name: 'meshward report' }).waitFor();
    assert.deepEqual(await page.locator('table.clusters tbody th').allTextContents(), [...CLUSTERS]);
    // No files were scanned: no files' table, one table per cluster, in the order asked for.
    assert.deepEqual(await page.locator('section.posture-section h2').allTextContents(), CLUSTERS.map((c) => `Posture: cluster ${c}`));
    const texts: string[] = [];
    for (const c of CLUSTERS) {
      const r = await cli(['posture', '--context', c, '--format', 'json']);
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      const expected = JSON.parse(r.stdout) as { workloads: { kind: string; namespace: string; name: string; runs: number }[] };
      const section = page.getByRole('region', { name: `Posture: cluster ${c}` });
      const heads = await section.locator('tbody th[scope="row"]').allTextContents();
      // A row's heading names the workload, and what it runs when the cluster holds its ReplicaSets, Jobs or Pods.
      const runs = (n: number) => (n ? `+${n} ${n === 1 ? 'ReplicaSet, Job or Pod' : 'ReplicaSets, Jobs or Pods'} it runs` : '');
      assert.deepEqual(heads, expected.workloads.map((w) => `${w.kind} ${w.namespace}/${w.name}${runs(w.runs)}`), c);
      texts.push((await section.textContent()) ?? '');
    }
    assert.ok(texts[0]!.length > 0 && texts[1]!.length > 0);
    assert.notEqual(texts[0], texts[1], 'the insecure and secure clusters have different tables');
    assert.match(texts[1]!, /STRICT/);
    // (A live cluster refuses markup in names, as Kubernetes does; the file report's test covers hostile names.)
    assert.ok(texts[2]!.includes('Deployment shop/web'), texts[2]);
    assert.equal(await page.locator('main img').count(), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), []);
    assert.deepEqual(problems(), []);
  });

  it('files and a cluster in one scan: the files\' table first, then the cluster\'s', async () => {
    const file = path.join(dir, 'mixed.html');
    const r = await runCli(['scan', path.join(EXAMPLES_DIR, 'insecure'), '--context', 'secure', '--kubeconfig', kubeconfig, '--format', 'html', '--output', file, '--fail-on', 'none'], { env: { HOME: dir, KUBECONFIG: '', CI: '' } });
    assert.equal(r.code, 0, r.stderr);
    const { page, problems } = await b.page({ offline: true });
    await page.goto(pathToFileURL(file).href);
    await page.locator('table.posture tbody tr').first().waitFor();
    assert.deepEqual(await page.locator('section.posture-section h2').allTextContents(), ['Posture', 'Posture: cluster secure']);
    const files = JSON.parse((await runCli(['posture', path.join(EXAMPLES_DIR, 'insecure'), '--format', 'json'])).stdout) as { workloads: unknown[] };
    assert.equal(await page.getByRole('region', { name: 'Posture', exact: true }).locator('tbody tr').count(), files.workloads.length);
    assert.match((await page.locator('p.muted').first().textContent()) ?? '', /from 1 cluster and \d+ files/);
    assert.deepEqual(problems(), []);
  });

  it('axe: no serious or critical violations in the light and the dark theme', async () => {
    const file = path.join(dir, 'live.html');
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const context = await axeContext(b, scheme);
      try {
        const page = await context.newPage();
        await page.goto(pathToFileURL(file).href);
        await page.locator('table.posture tbody tr').first().waitFor();
        // A finding's detail open too, so its parts are checked.
        await page.locator('table.findings button.link').first().click();
        await page.locator('tr.detail').waitFor();
        // The report follows the system's theme, and its toggle switches it.
        // (Waited for: the theme is set by an effect, after the render.)
        await page.waitForFunction(`document.documentElement.dataset.theme === '${scheme}'`, null, { timeout: 5_000 });
        found.push(...(await axeOnPage(page, `report (${scheme})`)));
        await page.getByRole('button', { name: /^Switch to (light|dark) theme$/ }).click();
        await page.waitForFunction(`document.documentElement.dataset.theme === '${scheme === 'dark' ? 'light' : 'dark'}'`, null, { timeout: 5_000 });
      } finally {
        await context.close();
      }
    }
    assert.deepEqual(found, []);
  });
});
