/**
 * The dashboard in a real browser against a real server seeded with the bundled examples: each page
 * renders under the Content-Security-Policy with no console error and no request to another origin.
 * Page-specific behaviour has its own tests beside this one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DASHBOARD_CSP } from './serve.js';
import { seedExamples } from './seed.js';
import { dashboardSuite } from './testing.js';

describe('dashboard shell', () => {
  const s = dashboardSuite(seedExamples);

  it('serves the app with a strict CSP, and index.html for every client route', async () => {
    const t = s.t;
    for (const p of ['/ui/', '/ui/findings?severity=high', '/ui/findings/insecure/abc', '/ui/graph']) {
      const res = await fetch(t.url + p);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get('content-security-policy'), DASHBOARD_CSP);
      assert.match(await res.text(), /<div id="app"><\/div>/);
    }
    const root = await fetch(t.url + '/', { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/ui/');
    assert.equal((await fetch(t.url + '/ui/assets/missing.js')).status, 404);
    // No path from a URL reaches the file system.
    const traversal = await fetch(t.url + '/ui/..%2f..%2fpackage.json');
    assert.doesNotMatch(await traversal.text(), /"name": "meshward"/);
  });

  it('renders every page in the navigation without errors', async () => {
    const { page, problems } = await s.open('/ui/');
    for (const [href, title] of [
      ['/ui/', 'Overview'],
      ['/ui/findings', 'Findings'],
      ['/ui/posture', 'Posture'],
      ['/ui/graph', 'Service graph'],
      ['/ui/blast-radius', 'Blast radius'],
      ['/ui/tenants', 'Tenants'],
    ]) {
      await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title, exact: true }).click();
      // Pages may add their default cluster to the query string: the path is what the link names.
      await page.waitForURL((u) => u.pathname === href);
      await page.getByRole('heading', { level: 1, name: title }).waitFor();
      assert.equal(await page.locator('nav a[aria-current="page"]').textContent(), title);
    }
    assert.deepEqual(problems(), []);
  });

  it('Blast radius: a fleet pass that used every cluster adds no left-out list', async () => {
    // The fleet pass follows the clusters' analyses: wait for it (bounded) so the page shows a pass.
    const deadline = performance.now() + 60_000;
    let radius = await s.api<{ computedAt: string | null; unusable: unknown[] }>('/api/blast-radius');
    while (!radius.computedAt && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      radius = await s.api('/api/blast-radius');
    }
    assert.ok(radius.computedAt, 'the fleet pass ran');
    assert.deepEqual(radius.unusable, []);
    const { page, problems } = await s.open('/ui/blast-radius');
    await page.getByText(/^From the fleet analysis of /).waitFor();
    assert.equal(await page.locator('.radius-unusable').count(), 0);
    assert.deepEqual(problems(), []);
  });

  it('answers an unknown page with its own not-found page', async () => {
    const { page, problems } = await s.open('/ui/no-such-page');
    await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
    assert.deepEqual(problems(), []);
  });
});
