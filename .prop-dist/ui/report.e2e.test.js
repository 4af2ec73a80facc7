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
import { launchBrowser } from '../testing/browser.js';
import { EXAMPLES_DIR } from './seed.js';
const BIN = fileURLToPath(new URL('../../bin/meshward.js', import.meta.url));
const HOSTILE = '<img src=x onerror=window.__pwned=1>';
describe('HTML report', () => {
    let b;
    let dir;
    let file;
    let canary;
    let findings;
    before(async () => {
        dir = mkdtempSync(path.join(tmpdir(), 'meshward-html-'));
        canary = `canary-${randomBytes(12).toString('hex')}`;
        // A hostile name in a finding (UID 1337 makes the sidecar rules report it) and a Secret holding the canary.
        writeFileSync(path.join(dir, 'hostile.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${JSON.stringify(HOSTILE)}\n  namespace: shop\n  annotations: {note: "</script><script>window.__pwned=2</script>"}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      securityContext: {runAsUser: 1337}\n      containers: [{name: web, image: "registry.example.com/web:1.0.0", env: [{name: TOKEN, value: ${canary}}]}]\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: shop}\nstringData: {password: ${canary}}\n`);
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
        const data = /<script type="application\/json" id="meshward-data">([\s\S]*?)<\/script>/.exec(html)[1];
        assert.ok(!data.includes('<'), 'no < in the data');
        assert.equal(JSON.parse(data).report.findings.length, findings.length);
        assert.ok(!html.includes(canary), 'the canary secret is not in the report');
    });
    it('opens from file:// offline: summary, every finding, filters, sorting, details; hostile names are text', async () => {
        const { page, problems } = await b.page({ offline: true });
        const requests = [];
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
        // Filter by severity, then search.
        await page.getByLabel('Severity').selectOption('critical');
        assert.equal(await rows.count(), critical);
        await page.getByLabel('Severity').selectOption('');
        await page.getByLabel('Search').fill(HOSTILE);
        const hostileRows = await rows.count();
        assert.ok(hostileRows >= 1, 'the hostile Deployment has findings');
        assert.ok((await page.locator('table.findings').textContent()).includes(HOSTILE));
        assert.equal(await page.locator('main img').count(), 0);
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
