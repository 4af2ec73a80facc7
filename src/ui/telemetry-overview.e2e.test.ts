/** Overview's Telemetry column (issue 15): each cluster's telemetry age, "stale" in words past three report intervals, "none" without any. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../server/testing-kit.js';
import { launchBrowser, type TestBrowser } from '../testing/browser.js';
import { signIn } from './testing.js';
import type { TelemetryRecord } from '../store/types.js';

describe('overview: telemetry freshness per cluster', () => {
  let t: TestServer;
  let b: TestBrowser;
  before(async () => {
    t = await startTestServer();
    const doc = (cluster: string, ageMs: number, intervalSeconds?: number): TelemetryRecord => ({
      cluster,
      via: 'agent',
      receivedAt: new Date(Date.now() - ageMs).toISOString(),
      sourceName: 'http://prometheus.istio-system:9090',
      windowSeconds: 3600,
      end: new Date(Date.now() - ageMs).toISOString(),
      ...(intervalSeconds ? { intervalSeconds } : {}),
      edges: [],
      notes: [],
    });
    for (const c of ['fresh', 'late', 'quiet', 'legacy']) await t.store.createCluster(c, new Date());
    await t.store.putTelemetry(doc('fresh', 30_000, 300));
    // Two hours without a report at a 5 min interval: stale (past 15 min).
    await t.store.putTelemetry(doc('late', 2 * 3600_000, 300));
    // No interval said (an older agent): 5 min assumed, so 10 min old is not stale yet.
    await t.store.putTelemetry(doc('legacy', 600_000));
    b = await launchBrowser();
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });

  it('the clusters table shows the age, marks stale telemetry in words (not colour alone), and says none when there is none', async () => {
    const { page, problems } = await b.page({ origin: t.url });
    await signIn(page, t.url, t.viewer);
    await page.goto(`${t.url}/ui/`);
    const table = page.getByRole('table').filter({ hasText: 'Backlog' });
    await table.getByRole('columnheader', { name: 'Telemetry' }).waitFor();
    const column = await table.getByRole('columnheader').allTextContents();
    const at = column.indexOf('Telemetry');
    assert.ok(at > 0, column.join('|'));
    const cell = async (cluster: string) => {
      const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: cluster, exact: true }) });
      await row.waitFor();
      // Cells after the row header: the Telemetry column is at index `at` among all columns.
      return row.locator('th, td').nth(at);
    };
    const fresh = await cell('fresh');
    assert.match((await fresh.textContent()) ?? '', /^\d+ s ago$/);
    assert.doesNotMatch((await fresh.getAttribute('class')) ?? '', /status-stale/);
    const late = await cell('late');
    assert.equal((await late.textContent())?.trim(), '2 h ago (stale)');
    assert.match((await late.locator('span').getAttribute('class')) ?? '', /\bstatus-stale\b/);
    assert.match((await late.locator('span').getAttribute('title')) ?? '', /stale after 15 min without a report/);
    assert.equal((await (await cell('legacy')).textContent())?.trim(), '10 min ago');
    assert.equal((await (await cell('quiet')).textContent())?.trim(), 'none');
    assert.deepEqual(problems(), []);
  });
});
