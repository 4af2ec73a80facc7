/** The Posture page in Chromium against a server seeded with the examples and a hostile cluster. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seedExamples } from './seed.js';
import { dashboardSuite } from './testing.js';
import { terminalSafe } from '../engine/text.js';
import { HOSTILE, seedHostile } from './graph-testing.js';

describe('posture page', () => {
  const s = dashboardSuite(async (t) => {
    await seedExamples(t);
    await seedHostile(t);
  });

  it('deep-links to a cluster and namespace: mTLS per port with its origin, policies and enforcer, default deny', async () => {
    const api = (await s.api('/api/clusters/insecure/posture')) as { workloads: Array<{ namespace: string; name: string; mtls: { applies: boolean; mode: string; ports: Array<{ port: number; mode: string }> }; policies: Array<{ name: string; enforcedBy: string }> }> };
    const meshed = api.workloads.find((w) => w.mtls.applies && w.mtls.ports.length && w.policies.length);
    assert.ok(meshed, 'the insecure example has a meshed workload with ports and policies');
    const ns = meshed.namespace;
    const expected = api.workloads.filter((w) => w.namespace === ns);
    const { page, problems } = await s.open(`/ui/posture?cluster=insecure&namespace=${ns}`);
    await page.getByRole('heading', { level: 1, name: 'Posture' }).waitFor();
    const rows = page.locator('table.posture-workloads tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), expected.length);
    // The row carries each port's mode as a word (not colour alone), and each policy with its enforcer.
    const row = (await page.locator(`tr[data-workload="${meshed.namespace}/${meshed.name}"]`).textContent()) ?? '';
    for (const p of meshed.mtls.ports) assert.ok(row.includes(`${p.port}: ${p.mode}`), `${row} names port ${p.port} as ${p.mode}`);
    for (const p of meshed.policies) assert.ok(row.includes(p.name) && row.includes(`enforced by ${p.enforcedBy}`), `${row} names ${p.name}`);
    assert.equal(await page.locator('table.posture-ns tbody tr').count(), 1, 'only the chosen namespace');
    // Choosing another namespace by keyboard changes the URL.
    await page.getByLabel('Namespace').focus();
    await page.getByLabel('Namespace').selectOption('');
    await page.waitForURL((u) => !u.searchParams.has('namespace'));
    assert.equal(await rows.count(), api.workloads.length);
    assert.deepEqual(problems(), []);
  });

  it("shows a Pod its Deployment runs in the Deployment's row, not in a row of its own", async () => {
    // examples/insecure/15-injection.yaml: Pod storefront-6c9d7b5f4-h7tqz names ReplicaSet storefront-6c9d7b5f4 of Deployment storefront.
    const api = (await s.api('/api/clusters/insecure/posture')) as { workloads: Array<{ kind: string; namespace: string; name: string; runs?: number }> };
    assert.equal(api.workloads.find((w) => w.kind === 'Deployment' && w.name === 'storefront')?.runs, 1);
    assert.ok(!api.workloads.some((w) => w.name === 'storefront-6c9d7b5f4-h7tqz'));
    const { page, problems } = await s.open('/ui/posture?cluster=insecure&namespace=shop');
    const row = page.locator('tr[data-workload="shop/storefront"]');
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /\+1 ReplicaSet, Job or Pod it runs/);
    assert.equal(await page.locator('tr[data-workload="shop/storefront-6c9d7b5f4-h7tqz"]').count(), 0);
    assert.deepEqual(problems(), []);
  });

  it('differs between the insecure and the secure example (the page reads the API, not a fixture)', async () => {
    const { page, problems } = await s.open('/ui/');
    const text = async (c: string) => {
      await page.goto(`${s.t.url}/ui/posture?cluster=${c}`);
      await page.locator('table.posture-workloads tbody tr').first().waitFor();
      return page.locator('section[aria-label="Mesh"]').textContent();
    };
    const secure = await text('secure');
    assert.match(secure ?? '', /STRICT/);
    assert.notEqual(await text('insecure'), secure);
    assert.deepEqual(problems(), []);
  });

  it('renders hostile names as text', async () => {
    const { page, problems } = await s.open('/ui/posture?cluster=hostile');
    await page.locator('table.posture-workloads tbody tr').first().waitFor();
    // The markup as written, the RTL override made visible (\u202e).
    assert.ok(((await page.locator('table.posture-workloads').textContent()) ?? '').includes(terminalSafe(HOSTILE)));
    assert.equal(await page.locator('main img').count(), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.deepEqual(problems(), []);
  });

  it('has no serious or critical axe violations, light and dark', async () => {
    const ready = (p: import('playwright-core').Page) => p.locator('table.posture-workloads tbody tr').first().waitFor();
    assert.deepEqual([...(await s.axe('/ui/posture?cluster=insecure', ready)), ...(await s.axe('/ui/posture?cluster=insecure', ready, { colorScheme: 'dark' }))], []);
  });
});
