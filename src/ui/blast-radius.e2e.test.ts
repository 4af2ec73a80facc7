/**
 * The Blast radius page in Chromium against the multicluster example (east, north, west) as three
 * clusters, and a fourth the fleet pass cannot use (malformed Secret facts, hostile names).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { terminalSafe } from '../engine/text.js';
import { EXAMPLES_DIR, exampleObjects, HOSTILE_CLUSTER, HOSTILE_SECRET, seedCluster, seedUnusable } from './seed.js';
import { dashboardSuite } from './testing.js';

interface Radius {
  edges: Array<{ from: string; to: string }>;
  unusable: Array<{ cluster: string; reason: string }>;
}

describe('blast radius page', () => {
  let radius: Radius;
  const s = dashboardSuite(async (t) => {
    for (const c of ['east', 'north', 'west']) await seedCluster(t, c, exampleObjects(path.join(EXAMPLES_DIR, 'multicluster', c)));
    await seedUnusable(t);
    // The fleet pass follows the clusters' analyses: wait for its edges and the cluster it left out (bounded).
    const deadline = performance.now() + 60_000;
    for (;;) {
      radius = (await (await fetch(`${t.url}/api/blast-radius`, { headers: { authorization: `Bearer ${t.viewer}` } })).json()) as Radius;
      if ((radius.edges.length && radius.unusable.length) || performance.now() > deadline) break;
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

  it('lists the cluster the fleet pass left out with its reason, hostile names as inert text', async () => {
    assert.deepEqual(radius.unusable.map((u) => u.cluster), [HOSTILE_CLUSTER], 'the fleet pass left out the cluster with malformed Secret facts');
    const reason = radius.unusable[0]!.reason;
    assert.ok(reason.startsWith(`Secret istio-system/${HOSTILE_SECRET}: secretFacts.kubeconfigs is not a list`), reason);
    const { page, problems } = await s.open('/ui/blast-radius');
    const leftOut = page.getByRole('region', { name: 'Left out of this analysis' });
    await leftOut.waitFor();
    assert.equal(await leftOut.getByRole('listitem').count(), 1);
    // Shown as the CLI prints it: the markup as written, control and bidi characters as \uXXXX.
    assert.equal(await leftOut.locator('.radius-unusable-cluster').textContent(), terminalSafe(HOSTILE_CLUSTER));
    const shown = (await leftOut.locator('.radius-unusable-reason').textContent()) ?? '';
    assert.equal(shown, terminalSafe(reason));
    assert.ok(shown.includes('<script>window.__pwned=6</script>\\u001b[2J\\u000afake\\u202egnp'), shown);
    assert.equal(await page.locator('main img, main script').count(), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    // The cluster is still a node of the graph: reachable, holding no credential the pass could read.
    assert.equal(await page.locator('.radius-clusters li').filter({ hasText: terminalSafe(HOSTILE_CLUSTER) }).count(), 1);
    assert.deepEqual(problems(), []);
  });

  it('has no serious or critical axe violations, light and dark', async () => {
    const start = radius.edges[0]?.from ?? 'east';
    const ready = (p: import('playwright-core').Page) => p.getByRole('heading', { level: 2, name: 'Hop 1' }).waitFor();
    assert.deepEqual([...(await s.axe(`/ui/blast-radius?cluster=${start}`, ready)), ...(await s.axe(`/ui/blast-radius?cluster=${start}`, ready, { colorScheme: 'dark' }))], []);
  });
});
