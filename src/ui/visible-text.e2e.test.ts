/**
 * Control, zero-width, line-separator and bidi characters in agents' strings, on every page that shows
 * them: the page's text (innerText and textContent of <main>, SVG labels and <title> tooltips included,
 * and its title and aria-label attributes) holds them as the CLI prints them (`\u202e`, terminalSafe),
 * never raw. Without that an RTL override makes the rest of a line read backwards and a line separator
 * fakes a second entry.
 *
 * Seeded the way the other dashboard tests seed (a snapshot as an agent's batch, stored through the test
 * kit): cluster `bidi` is a batch the relay's ingest accepts (validateBatch is asked here: it refuses
 * control characters such as ESC in names, so the names carry U+202E, U+200B and U+2028, and ESC rides
 * in a VirtualService's host, which is not a name); cluster OLD's name and cluster `bidi-old`'s stored
 * finding carry all four, ESC included, as a store may hold them from before those checks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { terminalSafe } from '../engine/text.js';
import { validateBatch } from '../server/batch-decode.js';
import { upsert } from '../server/testing-kit.js';
import { seedCluster } from './seed.js';
import { dashboardSuite } from './testing.js';

const RLO = '\u202E';
const ZWSP = '\u200B';
const LSEP = '\u2028';
const ESC = '\u001B';
const RAW = [RLO, ZWSP, LSEP, ESC];
/** What the page must show for each of them. */
const SHOWN = ['\\u202e', '\\u200b', '\\u2028', '\\u001b'];
/** The three the relay's ingest accepts in a Kubernetes name. */
const MARKS = `${RLO}${ZWSP}${LSEP}`;

const NS = `shop${MARKS}x`;
const WEB = `web${MARKS}exe`;
const SVC = `svc${MARKS}z`;
const VS = `vs${MARKS}y`;
const HOST = `evil${ESC}[2J${MARKS}.example.com`;
/** A cluster name the relay never registers (DNS labels only) but the store keeps. */
const OLD = `old${MARKS}${ESC}[2Jx`;
const OLD_NAME = `w${MARKS}${ESC}[2J`;
const OLD_FP = 'b'.repeat(32);

const BIDI = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'istio-injection': 'enabled' } } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: WEB, namespace: NS, annotations: { note: `a${ESC}[2J${MARKS}b` } },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { securityContext: { runAsUser: 1337, runAsGroup: 1337 }, containers: [{ name: 'web', image: 'registry.example.com/web:1.0.0', ports: [{ containerPort: 8080 }] }] } },
    },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: SVC, namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: VS, namespace: NS }, spec: { hosts: [HOST], http: [{ route: [{ destination: { host: SVC } }] }] } },
  { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: `pa${MARKS}w`, namespace: NS }, spec: { mtls: { mode: 'PERMISSIVE' } } },
  { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: `ap${MARKS}v`, namespace: NS }, spec: { selector: { matchLabels: { app: 'web' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/x/sa/y'] } }] }] } },
];

/** Everything <main> shows: its rendered text, its text content (hidden tooltips, <title>s, options) and its title and aria-label attributes. */
function shownText(page: Page): Promise<string> {
  return page.evaluate(`(() => {
    const main = document.querySelector('main');
    const attrs = [...main.querySelectorAll('[title], [aria-label]')].flatMap((el) => [el.getAttribute('title') ?? '', el.getAttribute('aria-label') ?? '']);
    return [main.innerText, main.textContent, ...attrs].join('\\n');
  })()`) as Promise<string>;
}

/** The page shows each of `SHOWN` (unless `only` narrows them) and every string of `expected`, and none of the raw characters. */
async function assertVisible(page: Page, label: string, expected: string[], only: string[] = SHOWN): Promise<void> {
  const text = await shownText(page);
  for (const c of RAW) assert.ok(!text.includes(c), `${label} shows U+${c.charCodeAt(0).toString(16).padStart(4, '0')} raw`);
  for (const s of only) assert.ok(text.includes(s), `${label} shows ${s}`);
  for (const s of expected) assert.ok(text.includes(s), `${label} shows ${JSON.stringify(s)}`);
}

describe('untrusted text with control and bidi characters', () => {
  const s = dashboardSuite(async (t) => {
    // The relay's ingest takes this batch as it is (a refusal throws here).
    validateBatch(JSON.parse(JSON.stringify({ v: 1, cluster: 'bidi', agentVersion: 'test/1', sentAt: new Date().toISOString(), epoch: 'seed-bidi', seq: 1, type: 'snapshot', last: true, changes: BIDI.map((o) => upsert(o, o.kind !== 'Namespace')) })));
    await seedCluster(t, 'bidi', BIDI);
    await seedCluster(t, OLD, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } }]);
    const at = new Date();
    if (!(await t.store.getCluster('bidi-old'))) await t.store.createCluster('bidi-old', at);
    await t.store.recordAnalysis(
      'bidi-old',
      [
        {
          fingerprint: OLD_FP,
          ruleId: 'BYP001',
          severity: 'critical',
          title: 'Traffic skips the sidecar',
          message: `container "web" of Deployment shop/${OLD_NAME} runs as UID 1337: its traffic skips the sidecar.`,
          remediation: 'Run it as another UID.',
          resource: { cluster: 'bidi-old', apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: OLD_NAME },
          location: null,
          evidence: [{ role: 'subject', description: `Deployment shop/${OLD_NAME} runs as UID 1337`, resource: { cluster: 'bidi-old', apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: OLD_NAME } }],
        },
      ],
      at,
    );
  });

  it('Overview: cluster names and the newest critical findings', async () => {
    const { page, problems } = await s.open('/ui/');
    await page.locator('.newest li').first().waitFor();
    await page.locator('.top-rules li').first().waitFor();
    await assertVisible(page, 'Overview', [terminalSafe(OLD), `Deployment shop/${terminalSafe(OLD_NAME)}`]);
    assert.deepEqual(problems(), []);
  });

  it('Findings: rows (cluster, resource, message), group headings and the cluster picker', async () => {
    const { page, problems } = await s.open('/ui/findings');
    await page.getByRole('status').filter({ hasText: /^\d+ findings?$/ }).waitFor();
    await page.locator('.vlist .frow', { hasText: 'bidi-old' }).first().waitFor();
    await assertVisible(page, 'Findings', [`Deployment ${terminalSafe(NS)}/${terminalSafe(WEB)}`, `Deployment shop/${terminalSafe(OLD_NAME)} runs as UID 1337`, terminalSafe(OLD)]);
    const grouped = await s.open('/ui/findings?cluster=bidi&group=resource');
    await grouped.page.locator('.vlist .group-head').first().waitFor();
    await assertVisible(grouped.page, 'Findings grouped by resource', [`bidi: Deployment ${terminalSafe(NS)}/${terminalSafe(WEB)}`], ['\\u202e', '\\u001b']);
    assert.deepEqual(problems(), []);
    assert.deepEqual(grouped.problems(), []);
  });

  it('Finding: message, object, evidence, and the YAML of an object the relay accepted', async () => {
    const old = await s.open(`/ui/findings/bidi-old/${OLD_FP}`);
    await old.page.locator('.message').waitFor();
    await assertVisible(old.page, 'Finding of bidi-old', [`Deployment shop/${terminalSafe(OLD_NAME)}`], SHOWN);
    assert.equal(await old.page.locator('.message').textContent(), terminalSafe(`container "web" of Deployment shop/${OLD_NAME} runs as UID 1337: its traffic skips the sidecar.`));
    assert.deepEqual(old.problems(), []);

    const items = (await s.api('/api/findings?cluster=bidi&limit=1000')).items as Array<{ fingerprint: string; message: string; resource: { name: string }; evidence: Array<{ resource?: unknown }> }>;
    const f = items.find((x) => x.resource.name === WEB && x.message.includes(RLO));
    assert.ok(f, 'a finding about the Deployment names it in its message');
    const { page, problems } = await s.open(`/ui/findings/bidi/${f.fingerprint}`);
    await page.locator('.yaml').waitFor();
    await assertVisible(page, 'Finding of bidi', [terminalSafe(f.message), `Deployment ${terminalSafe(NS)}/${terminalSafe(WEB)}`], ['\\u202e', '\\u200b', '\\u2028']);
    assert.ok(((await page.locator('.yaml').textContent()) ?? '').includes(`name: ${terminalSafe(WEB)}`), 'the YAML shows the name made visible');
    assert.deepEqual(problems(), []);
  });

  it('Posture: workloads, namespaces, policies and where mTLS comes from; the picker lists a hostile cluster name', async () => {
    const { page, problems } = await s.open('/ui/posture?cluster=bidi');
    await page.locator('table.posture-workloads tbody tr').first().waitFor();
    await assertVisible(page, 'Posture', [`${terminalSafe(NS)}/${terminalSafe(WEB)}`, terminalSafe(`ap${MARKS}v`), terminalSafe(OLD)]);
    // The row is still found by the data as sent.
    assert.equal(await page.locator('table.posture-workloads tbody tr').count(), 1);
    assert.deepEqual(problems(), []);
  });

  it('Service graph: node labels, their accessible names, edge tooltips and the selected node\'s details', async () => {
    const { page, problems } = await s.open('/ui/graph?cluster=bidi');
    await page.locator('svg.graph g.node').first().waitFor();
    await page.waitForFunction('document.body.dataset.graphDrawn');
    const vs = page.locator(`g.node[data-node*="${VS}"]`);
    assert.equal(await vs.count(), 1, 'the node is found by its id as sent');
    await vs.click();
    await page.getByRole('complementary', { name: 'Selected node' }).waitFor();
    await assertVisible(page, 'Service graph', [terminalSafe(VS), terminalSafe(WEB), `Hosts: ${terminalSafe(HOST)}`, `VirtualService ${terminalSafe(NS)}/${terminalSafe(VS)}`]);
    assert.ok(((await page.locator('svg.graph').textContent()) ?? '').includes(terminalSafe(SVC)), 'the SVG label of the Service');
    assert.deepEqual(problems(), []);
  });

  it('Tenants: tenant and namespace names, hosts and the claiming objects', async () => {
    const { page, problems } = await s.open('/ui/tenants?cluster=bidi');
    await page.locator('section[aria-labelledby="h-tenants"] tbody tr').first().waitFor();
    await assertVisible(page, 'Tenants', [terminalSafe(NS), terminalSafe(HOST), `VirtualService ${terminalSafe(NS)}/${terminalSafe(VS)}`]);
    assert.deepEqual(problems(), []);
  });

  it('Blast radius: the clusters, the picker and the cluster of the URL', async () => {
    const { page, problems } = await s.open(`/ui/blast-radius?cluster=${encodeURIComponent(OLD)}`);
    await page.locator('.radius-clusters li').first().waitFor();
    await page.getByText('No other cluster falls with').waitFor();
    await assertVisible(page, 'Blast radius', [terminalSafe(OLD), `No other cluster falls with ${terminalSafe(OLD)}:`]);
    assert.equal(await page.locator(`li.radius-start[data-cluster="${OLD}"]`).count(), 1, 'the cluster is matched by its name as sent');
    assert.deepEqual(problems(), []);
  });
});
