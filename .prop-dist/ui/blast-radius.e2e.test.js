/** The Blast radius page in Chromium against the multicluster example (east, north, west) as three clusters. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestServer } from '../server/testing-kit.js';
import { launchBrowser } from '../testing/browser.js';
import { EXAMPLES_DIR, exampleObjects, seedCluster } from './seed.js';
import { signIn } from './testing.js';
import { axeViolations } from './graph-testing.js';
describe('blast radius page', () => {
    let t;
    let b;
    let radius;
    before(async () => {
        t = await startTestServer();
        for (const c of ['east', 'north', 'west'])
            await seedCluster(t, c, exampleObjects(path.join(EXAMPLES_DIR, 'multicluster', c)));
        // The fleet pass follows the clusters' analyses: wait for its edges (bounded).
        const deadline = Date.now() + 60_000;
        for (;;) {
            radius = (await (await fetch(`${t.url}/api/blast-radius`, { headers: { authorization: `Bearer ${t.viewer}` } })).json());
            if (radius.edges.length || Date.now() > deadline)
                break;
            await new Promise((r) => setTimeout(r, 100));
        }
        b = await launchBrowser();
    });
    after(async () => {
        await b?.close();
        await t?.close();
    });
    it('deep-links a cluster: the clusters reached hop by hop are highlighted, evidence shows on keyboard focus', async () => {
        assert.ok(radius.edges.length > 0, 'the multicluster example has credential paths');
        const start = radius.edges[0].from;
        const direct = new Set(radius.edges.filter((e) => e.from === start && e.to !== start).map((e) => e.to));
        const { page, problems } = await b.page({ origin: t.url });
        await signIn(page, t.url, t.viewer);
        await page.goto(`${t.url}/ui/blast-radius?cluster=${start}`);
        await page.getByRole('heading', { level: 2, name: 'Hop 1' }).waitFor();
        assert.equal(await page.locator(`li.radius-start[data-cluster="${start}"]`).count(), 1);
        for (const c of direct)
            assert.equal(await page.locator(`li.radius-fallen[data-cluster="${c}"]`).count(), 1, c);
        const edge = page.locator('li.radius-edge').first();
        const evidence = edge.locator('.radius-evidence');
        assert.equal(await evidence.isVisible(), false);
        await edge.focus();
        assert.equal(await evidence.isVisible(), true);
        assert.ok(((await evidence.textContent()) ?? '').length > 0);
        assert.deepEqual(problems(), []);
    });
    it('has no serious or critical axe violations', async () => {
        const start = radius.edges[0]?.from ?? 'east';
        const v = await axeViolations(b, t.viewer, t.url, `/ui/blast-radius?cluster=${start}`, (p) => p.getByRole('heading', { level: 1, name: 'Blast radius' }).waitFor());
        assert.deepEqual(v, []);
    });
});
