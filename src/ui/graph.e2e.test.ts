/** The Service graph page in Chromium: elkjs in a worker under the CSP, SVG nodes, hijack marks, details, hostile names, axe. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seedExamples } from './seed.js';
import { dashboardSuite } from './testing.js';
import { terminalSafe } from '../engine/text.js';
import { HOSTILE, seedHostile } from './graph-testing.js';

describe('service graph page', () => {
  const s = dashboardSuite(async (t) => {
    await seedExamples(t);
    await seedHostile(t);
  });
  const apiGraph = async (q: string) => (await s.api(`/api/clusters/${q}`)) as { nodes: Array<{ id: string; hijacked: boolean; namespace: string; findings: string[] }>; edges: Array<{ id: string; mtls: string }> };

  it('draws every node and edge of the API graph, hijacked hosts marked, edges classed by mTLS state', async () => {
    const g = await apiGraph('insecure/graph');
    const hijacked = g.nodes.filter((n) => n.hijacked);
    assert.ok(hijacked.length > 0, 'the insecure example has hijacked hosts');
    const { page, problems } = await s.open(`/ui/graph?cluster=insecure`);
    await page.locator('svg.graph g.node').first().waitFor();
    assert.equal(await page.locator('svg.graph g.node').count(), g.nodes.length);
    assert.equal(await page.locator('svg.graph g.node-hijacked').count(), hijacked.length);
    for (const e of g.edges.slice(0, 20)) assert.match((await page.locator(`polyline[data-edge="${e.id}"]`).getAttribute('class')) ?? '', new RegExp(`edge-${e.mtls === 'n/a' ? 'na' : e.mtls}`));
    // The legend names each state in words.
    const legend = (await page.getByRole('list', { name: 'Edge legend' }).textContent()) ?? '';
    for (const w of ['strict', 'permissive', 'disabled', 'plaintext', 'hijacked']) assert.ok(legend.includes(w), w);
    assert.deepEqual(problems(), []);
  });

  it('deep-links a namespace; a node selected by keyboard shows its details and links to its findings', async () => {
    const all = await apiGraph('insecure/graph');
    const withFindings = all.nodes.find((n) => n.findings.length && n.namespace);
    assert.ok(withFindings);
    const g = await apiGraph(`insecure/graph?namespace=${withFindings.namespace}`);
    const { page, problems } = await s.open(`/ui/graph?cluster=insecure&namespace=${withFindings.namespace}`);
    await page.locator('svg.graph g.node').first().waitFor();
    assert.equal(await page.locator('svg.graph g.node').count(), g.nodes.length);
    const node = page.locator(`g.node[data-node="${withFindings.id}"]`);
    await node.focus();
    await page.keyboard.press('Enter');
    const details = page.getByRole('complementary', { name: 'Selected node' });
    await details.waitFor();
    const link = details.getByRole('link', { name: withFindings.findings[0]!, exact: true });
    assert.equal(await link.getAttribute('href'), `/ui/findings?cluster=insecure&rule=${encodeURIComponent(withFindings.findings[0]!)}&namespace=${withFindings.namespace}`);
    assert.deepEqual(problems(), []);
  });

  it('renders a hostile name as SVG text content, not markup', async () => {
    const { page, problems } = await s.open(`/ui/graph?cluster=hostile`);
    await page.locator('svg.graph g.node').first().waitFor();
    const svc = page.locator('g.node.node-service', { hasText: '<img src=x' });
    await svc.click();
    const heading = await page.getByRole('complementary', { name: 'Selected node' }).getByRole('heading', { level: 2 }).textContent();
    // The markup as written, the RTL override made visible (\u202e).
    assert.equal(heading, `Service shop/${terminalSafe(HOSTILE)}`);
    assert.ok(((await svc.locator('text').allTextContents()).join('')).includes('<img src=x'));
    assert.equal(await page.locator('svg img, main img, svg image').count(), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.deepEqual(problems(), []);
  });

  it('has no serious or critical axe violations, light and dark', async () => {
    const ready = (p: import('playwright-core').Page) => p.locator('svg.graph g.node').first().waitFor();
    assert.deepEqual([...(await s.axe('/ui/graph?cluster=insecure', ready)), ...(await s.axe('/ui/graph?cluster=insecure', ready, { colorScheme: 'dark' }))], []);
  });
});
