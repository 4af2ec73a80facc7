/** The Posture page in Chromium against a server seeded with the examples and a hostile cluster. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../server/testing-kit.js';
import { launchBrowser } from '../testing/browser.js';
import { seedExamples } from './seed.js';
import { signIn } from './testing.js';
import { axeViolations, HOSTILE, seedHostile } from './graph-testing.js';
describe('posture page', () => {
    let t;
    let b;
    before(async () => {
        t = await startTestServer();
        await seedExamples(t);
        await seedHostile(t);
        b = await launchBrowser();
    });
    after(async () => {
        await b?.close();
        await t?.close();
    });
    it('deep-links to a cluster and namespace: mTLS per port with its origin, policies and enforcer, default deny', async () => {
        const api = (await (await fetch(`${t.url}/api/clusters/insecure/posture`, { headers: { authorization: `Bearer ${t.viewer}` } })).json());
        const meshed = api.workloads.find((w) => w.mtls.applies && w.mtls.ports.length && w.policies.length);
        assert.ok(meshed, 'the insecure example has a meshed workload with ports and policies');
        const ns = meshed.namespace;
        const expected = api.workloads.filter((w) => w.namespace === ns);
        const { page, problems } = await b.page({ origin: t.url });
        await signIn(page, t.url, t.viewer);
        await page.goto(`${t.url}/ui/posture?cluster=insecure&namespace=${ns}`);
        await page.getByRole('heading', { level: 1, name: 'Posture' }).waitFor();
        const rows = page.locator('table.posture-workloads tbody tr');
        await rows.first().waitFor();
        assert.equal(await rows.count(), expected.length);
        // The row carries each port's mode as a word (not colour alone), and each policy with its enforcer.
        const row = (await page.locator(`tr[data-workload="${meshed.namespace}/${meshed.name}"]`).textContent()) ?? '';
        for (const p of meshed.mtls.ports)
            assert.ok(row.includes(`${p.port}: ${p.mode}`), `${row} names port ${p.port} as ${p.mode}`);
        for (const p of meshed.policies)
            assert.ok(row.includes(p.name) && row.includes(`enforced by ${p.enforcedBy}`), `${row} names ${p.name}`);
        assert.equal(await page.locator('table.posture-ns tbody tr').count(), 1, 'only the chosen namespace');
        // Choosing another namespace by keyboard changes the URL.
        await page.getByLabel('Namespace').focus();
        await page.getByLabel('Namespace').selectOption('');
        await page.waitForURL((u) => !u.searchParams.has('namespace'));
        assert.equal(await rows.count(), api.workloads.length);
        assert.deepEqual(problems(), []);
    });
    it('differs between the insecure and the secure example (the page reads the API, not a fixture)', async () => {
        const { page, problems } = await b.page({ origin: t.url });
        await signIn(page, t.url, t.viewer);
        const text = async (c) => {
            await page.goto(`${t.url}/ui/posture?cluster=${c}`);
            await page.locator('table.posture-workloads tbody tr').first().waitFor();
            return page.locator('section[aria-label="Mesh"]').textContent();
        };
        const secure = await text('secure');
        assert.match(secure ?? '', /STRICT/);
        assert.notEqual(await text('insecure'), secure);
        assert.deepEqual(problems(), []);
    });
    it('renders hostile names as text', async () => {
        const { page, problems } = await b.page({ origin: t.url });
        await signIn(page, t.url, t.viewer);
        await page.goto(`${t.url}/ui/posture?cluster=hostile`);
        await page.locator('table.posture-workloads tbody tr').first().waitFor();
        assert.ok(((await page.locator('table.posture-workloads').textContent()) ?? '').includes(HOSTILE));
        assert.equal(await page.locator('main img').count(), 0);
        assert.equal(await page.evaluate('window.__pwned'), undefined);
        assert.deepEqual(problems(), []);
    });
    it('has no serious or critical axe violations', async () => {
        const v = await axeViolations(b, t.viewer, t.url, '/ui/posture?cluster=insecure', (p) => p.locator('table.posture-workloads tbody tr').first().waitFor());
        assert.deepEqual(v, []);
    });
});
