/** The Blast radius page in Chromium against the multicluster example (east, north, west) as three clusters. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { EXAMPLES_DIR, exampleObjects, seedCluster } from './seed.js';
import { dashboardSuite } from './testing.js';

interface Radius {
  edges: Array<{ from: string; to: string }>;
}

describe('blast radius page', () => {
  let radius: Radius;
  const s = dashboardSuite(async (t) => {
    for (const c of ['east', 'north', 'west']) await seedCluster(t, c, exampleObjects(path.join(EXAMPLES_DIR, 'multicluster', c)));
    // The fleet pass follows the clusters' analyses: wait for its edges (bounded).
    const deadline = Date.now() + 60_000;
    for (;;) {
      radius = (await (await fetch(`${t.url}/api/blast-radius`, { headers: { authorization: `Bearer ${t.viewer}` } })).json()) as Radius;
      if (radius.edges.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('deep-links a cluster: the clusters reached hop by hop are highlighted, evidence shows on keyboard focus', async () => {
    assert.ok(radius.edges.length > 0, 'the multicluster example has credential paths');
    const start = radius.edges[0]!.from;
    const direct = new Set(radius.edges.filter((e) => e.from === start && e.to !== start).map((e) => e.to));
    const { page, problems } = await s.open(`/ui/blast-radius?cluster=${start}`);
    await page.getByRole('heading', { level: 2, name: 'Hop 1' }).waitFor();
    assert.equal(await page.locator(`li.radius-start[data-cluster="${start}"]`).count(), 1);
    for (const c of direct) assert.equal(await page.locator(`li.radius-fallen[data-cluster="${c}"]`).count(), 1, c);
    const edge = page.locator('li.radius-edge').first();
    const evidence = edge.locator('.radius-evidence');
    assert.equal(await evidence.isVisible(), false);
    await edge.focus();
    assert.equal(await evidence.isVisible(), true);
    assert.ok(((await evidence.textContent()) ?? '').length > 0);
    assert.deepEqual(problems(), []);
  });

  it('has no serious or critical axe violations, light and dark', async () => {
    const start = radius.edges[0]?.from ?? 'east';
    const ready = (p: import('playwright-core').Page) => p.getByRole('heading', { level: 2, name: 'Hop 1' }).waitFor();
    assert.deepEqual([...(await s.axe(`/ui/blast-radius?cluster=${start}`, ready)), ...(await s.axe(`/ui/blast-radius?cluster=${start}`, ready, { colorScheme: 'dark' }))], []);
  });
});
