/**
 * The API through real HTTP against a real (SQLite) store: auth, filters and pagination, suppressions,
 * findings history through analysis, the OpenAPI document (every route, responses valid), hostile
 * query strings, metrics.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { ROUTES } from './routes.js';
import { openApiPath } from './openapi.js';
import { startTestServer, upsert, type TestServer } from '../testing-kit.js';

const deployment = (name: string, ns: string, runAsUser: number, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns, annotations: { note: '<script>alert(1)</script>' }, ...extra },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { securityContext: { runAsUser, runAsGroup: runAsUser }, containers: [{ name: 'web', image: 'registry.example.com/web:1.0.0' }] } },
  },
});
const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'istio-injection': 'enabled' } } });

let t: TestServer;

before(async () => {
  t = await startTestServer();
  await t.store.createCluster('alpha', new Date());
  await t.store.createCluster('beta', new Date());
  await t.send('alpha', {
    epoch: 'e1',
    seq: 1,
    type: 'snapshot',
    last: true,
    changes: [upsert(namespace('shop'), false), upsert(namespace('pay'), false), upsert(deployment('storefront', 'shop', 1337)), upsert(deployment('ledger', 'pay', 1337)), upsert(deployment('fine', 'shop', 1000))],
  });
  await t.send('beta', { epoch: 'b1', seq: 1, type: 'snapshot', last: true, changes: [upsert(namespace('shop'), false), upsert(deployment('storefront', 'shop', 1337))] });
  await t.server.analysis.idle();
});

after(async () => {
  await t?.close();
});

async function allFindings(query: string, limit: number): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const r = await t.get(`/api/findings?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    out.push(...r.body.items);
    cursor = r.body.next;
    if (!cursor) return out;
  }
  throw new Error('pagination did not end');
}

test('auth: no token, a bad token and a malformed header are 401 with a reason; a viewer reads', async () => {
  const none = await t.get('/api/clusters', null);
  assert.equal(none.status, 401);
  assert.equal(none.body.error, 'unauthenticated');
  assert.match(none.body.message, /Bearer/);
  const bad = await t.get('/api/clusters', 'not-a-real-token');
  assert.equal(bad.status, 401);
  assert.equal(bad.body.error, 'bad-token');
  const malformed = await t.get('/api/clusters', null, { authorization: 'Basic Zm9vOmJhcg==' });
  assert.equal(malformed.status, 401);
  assert.equal(malformed.body.error, 'bad-authorization');
  const ok = await t.get('/api/whoami');
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { name: 'viewer-one', role: 'viewer', via: 'token' });
  // The tokens never appear in a response.
  assert.ok(!ok.text.includes(t.viewer));
});

test('auth: a viewer cannot create or revoke suppressions (403 naming the role); an admin can', async () => {
  const body = JSON.stringify({ ruleId: 'BYP001', cluster: 'beta', reason: 'accepted for the demo', expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
  const post = (token: string) => fetch(`${t.url}/api/suppressions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
  const viewer = await post(t.viewer);
  assert.equal(viewer.status, 403);
  const vb = (await viewer.json()) as { error: string; message: string };
  assert.equal(vb.error, 'forbidden');
  assert.match(vb.message, /admin role/);
  const admin = await post(t.admin);
  assert.equal(admin.status, 201);
  const s = (await admin.json()) as { id: string; createdBy: string };
  assert.equal(s.createdBy, 'admin-one');
  const del = await fetch(`${t.url}/api/suppressions/${s.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.viewer}` } });
  assert.equal(del.status, 403);
  const delAdmin = await fetch(`${t.url}/api/suppressions/${s.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.admin}` } });
  assert.equal(delAdmin.status, 204);
});

test('suppressions are applied (hidden by default) and shown (suppressed=include), until revoked', async () => {
  const before = await allFindings('cluster=beta&rule=BYP001', 100);
  assert.ok(before.length >= 1, 'beta has a BYP001 finding');
  const res = await fetch(`${t.url}/api/suppressions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ fingerprint: before[0].fingerprint, reason: 'known, fixed next sprint', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }),
  });
  assert.equal(res.status, 201);
  const s = (await res.json()) as { id: string };
  const hidden = await allFindings('cluster=beta&rule=BYP001', 100);
  assert.equal(hidden.length, before.length - 1);
  const shown = await allFindings('cluster=beta&rule=BYP001&suppressed=include', 100);
  const marked = shown.find((f) => f.fingerprint === before[0].fingerprint);
  assert.equal(marked.suppression.id, s.id);
  assert.equal(marked.suppression.reason, 'known, fixed next sprint');
  const only = await allFindings('cluster=beta&suppressed=only', 100);
  assert.deepEqual(only.map((f) => f.fingerprint), [before[0].fingerprint]);
  await fetch(`${t.url}/api/suppressions/${s.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.admin}` } });
  assert.equal((await allFindings('cluster=beta&rule=BYP001', 100)).length, before.length);
  // A suppression with neither a fingerprint nor a rule, or one already expired, is refused.
  for (const bad of [{ reason: 'everything', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }, { ruleId: 'BYP001', reason: 'too late', expiresAt: new Date(Date.now() - 1000).toISOString() }]) {
    const r = await fetch(`${t.url}/api/suppressions`, { method: 'POST', headers: { authorization: `Bearer ${t.admin}`, 'content-type': 'application/json' }, body: JSON.stringify(bad) });
    assert.equal(r.status, 400);
  }
});

test('filters: cluster, namespace, severity, rule and state narrow the findings; pages of 1 give the same set as one page', async () => {
  const all = await allFindings('state=open&suppressed=include', 1000);
  assert.ok(all.length >= 3);
  const paged = await allFindings('state=open&suppressed=include', 1);
  assert.deepEqual(paged.map((f) => `${f.cluster}/${f.fingerprint}`), all.map((f) => `${f.cluster}/${f.fingerprint}`));
  const alpha = await allFindings('cluster=alpha&suppressed=include', 1000);
  assert.ok(alpha.length > 0 && alpha.every((f) => f.cluster === 'alpha'));
  assert.ok(alpha.length < all.length);
  const pay = await allFindings('cluster=alpha&namespace=pay&suppressed=include', 1000);
  assert.ok(pay.length > 0 && pay.every((f) => f.namespace === 'pay'));
  const rule = await allFindings('rule=BYP001&suppressed=include', 1000);
  assert.deepEqual([...new Set(rule.map((f) => f.ruleId))], ['BYP001']);
  assert.deepEqual(new Set(rule.map((f) => `${f.cluster}/${f.resource.name}`)), new Set(['alpha/storefront', 'alpha/ledger', 'beta/storefront']));
  const sev = rule[0].severity;
  const bySeverity = await allFindings(`severity=${sev}&suppressed=include`, 1000);
  assert.ok(bySeverity.every((f) => f.severity === sev));
  const two = await allFindings('cluster=alpha&cluster=beta&rule=BYP001&suppressed=include', 1000);
  assert.equal(two.length, rule.length);
  const resolved = await allFindings('state=resolved&suppressed=include', 1000);
  assert.ok(resolved.every((f) => f.state === 'resolved'));
});

test('hostile query strings are refused with 400 before any handler: __proto__, huge limits, control characters, bad cursors', async () => {
  for (const q of ['__proto__=1', '__proto__[x]=1', 'constructor=1', 'limit=1000000', 'limit=0', 'limit=-1', 'limit=1e9', 'cluster=%07bell', 'cluster=a%0Ab', 'namespace=%1b[31m', 'rule=..%00', 'severity=catastrophic', 'state=all', 'cursor=%00', `cursor=${'x'.repeat(5000)}`, 'cluster[__proto__]=x', 'suppressed=maybe']) {
    const r = await t.get(`/api/findings?${q}`);
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.equal(r.body.error, 'bad-request', q);
    assert.ok(typeof r.body.message === 'string');
    assert.ok(!/[\x00-\x08\x0b-\x1f]/.test(r.text), `${q}: control characters echoed`);
  }
  // Cursors of the right shape that this server never issued: the store refuses them, the API says 400 (was 500).
  for (const cursor of ['AAAA', Buffer.from('{"k":[1,2]}').toString('base64url'), Buffer.from('x'.repeat(40)).toString('base64url')]) {
    const r = await t.get(`/api/findings?cursor=${cursor}`);
    assert.equal(r.status, 400, `cursor ${cursor}: ${r.text}`);
    assert.deepEqual(r.body, { error: 'bad-request', message: 'the page cursor is not one this server issued; start again without `cursor`' });
  }
  assert.equal((await t.get('/api/clusters/%3Cscript%3E')).status, 400);
  assert.equal((await t.get('/api/findings/alpha/__proto__')).status, 400);
  assert.equal((await t.get('/api/trends?days=100000')).status, 400);
  // Prototype names as plain data: a cluster called "constructor" is just unknown.
  assert.equal((await t.get('/api/clusters/constructor')).status, 404);
});

test('clusters: status, agent version, last seen, lag and open findings by severity', async () => {
  const r = await t.get('/api/clusters');
  assert.equal(r.status, 200);
  const names = r.body.items.map((c: any) => c.name);
  assert.deepEqual(names.sort(), ['alpha', 'beta']);
  const alpha = r.body.items.find((c: any) => c.name === 'alpha');
  assert.equal(alpha.objects, 5);
  assert.equal(alpha.analysisBacklog, 0);
  assert.equal(alpha.lagSeconds, 0);
  assert.ok(alpha.openFindings.high + alpha.openFindings.critical + alpha.openFindings.medium > 0);
  assert.ok(['ok', 'stale'].includes(alpha.status));
  const one = await t.get('/api/clusters/alpha');
  assert.equal(one.body.name, 'alpha');
  assert.equal((await t.get('/api/clusters/gamma')).status, 404);
});

test('one finding: evidence, history and the sanitized object; strings are JSON data, never HTML', async () => {
  const [f] = await allFindings('cluster=alpha&rule=BYP001&suppressed=include', 1000);
  const r = await t.get(`/api/findings/alpha/${f.fingerprint}`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.body.finding.fingerprint, f.fingerprint);
  assert.equal(r.body.object.kind, 'Deployment');
  assert.equal(r.body.object.metadata.annotations.note, '<script>alert(1)</script>');
  assert.deepEqual(r.body.events.map((e: any) => e.type), ['opened']);
  assert.equal((await t.get('/api/findings/alpha/0123456789abcdef0123456789abcdef')).status, 404);
});

test('analysis: a burst of deltas costs one run; history goes open → resolved → reopened through the API', async () => {
  const runs = () => t.server.analysis.runs.get('alpha') ?? 0;
  const start = runs();
  const [f] = (await allFindings('cluster=alpha&rule=BYP001&suppressed=include', 1000)).filter((x) => x.resource.name === 'ledger');
  assert.ok(f, 'ledger has BYP001');
  // Fixed: five deltas in a burst (the last one decides), one analysis.
  for (let seq = 2; seq <= 6; seq++) await t.send('alpha', { epoch: 'e1', seq, type: 'delta', changes: [upsert(deployment('ledger', 'pay', seq === 6 ? 1000 : 1337, { labels: { n: String(seq) } }))] });
  await t.server.analysis.idle();
  assert.equal(runs(), start + 1, 'one run for the burst');
  const afterFix = await t.get(`/api/findings/alpha/${f.fingerprint}`);
  assert.equal(afterFix.body.finding.state, 'resolved');
  assert.ok(afterFix.body.finding.resolvedAt);
  const resolvedList = await allFindings('cluster=alpha&state=resolved&suppressed=include', 1000);
  assert.ok(resolvedList.some((x) => x.fingerprint === f.fingerprint));
  // Broken again.
  await t.send('alpha', { epoch: 'e1', seq: 7, type: 'delta', changes: [upsert(deployment('ledger', 'pay', 1337))] });
  await t.server.analysis.idle();
  const reopened = await t.get(`/api/findings/alpha/${f.fingerprint}`);
  assert.equal(reopened.body.finding.state, 'open');
  assert.equal(reopened.body.finding.reopened, 1);
  assert.deepEqual(reopened.body.events.map((e: any) => e.type), ['opened', 'resolved', 'reopened']);
  // Deleted: resolved again.
  await t.send('alpha', { epoch: 'e1', seq: 8, type: 'delta', changes: [{ op: 'delete', key: { kind: 'apps/Deployment', namespace: 'pay', name: 'ledger' } }] });
  await t.server.analysis.idle();
  assert.equal((await t.get(`/api/findings/alpha/${f.fingerprint}`)).body.finding.state, 'resolved');
  assert.equal(runs(), start + 3);
  const trends = await t.get('/api/trends?cluster=alpha&days=3');
  assert.equal(trends.status, 200);
  assert.equal(trends.body.items.length > 0, true);
});

test('posture per workload, tenants and the blast-radius graph answer for a cluster', async () => {
  const p = await t.get('/api/clusters/alpha/posture');
  assert.equal(p.status, 200, p.text);
  assert.equal(p.body.cluster, 'alpha');
  assert.ok(p.body.workloads.some((w: any) => w.name === 'storefront' && w.namespace === 'shop'));
  const tn = await t.get('/api/clusters/beta/tenants');
  assert.equal(tn.status, 200, tn.text);
  assert.ok(Array.isArray(tn.body.tenants));
  const b = await t.get('/api/blast-radius');
  assert.equal(b.status, 200, b.text);
  assert.deepEqual(b.body.nodes.map((n: any) => n.cluster).sort(), ['alpha', 'beta']);
  assert.ok(b.body.computedAt, 'the fleet pass ran');
  assert.equal((await t.get('/api/clusters/gamma/posture')).status, 404);
  // The fleet's record exists in the store (the pass ran) but is not a cluster of its own: one check for every :cluster route.
  for (const sub of ['', '/posture', '/tenants']) {
    const r = await t.get(`/api/clusters/(fleet)${sub}`);
    assert.equal(r.status, 404, `${sub}: ${r.text}`);
    assert.match(r.text, /no cluster named \(fleet\) is registered/);
  }
});

test('OpenAPI: every route is in the document, and live responses match its schemas', async () => {
  const doc = await t.get('/api/openapi.json', null);
  assert.equal(doc.status, 200);
  assert.equal(doc.body.openapi, '3.1.0');
  for (const r of ROUTES) {
    const op = doc.body.paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.url} is in the document`);
    assert.ok(op.responses, `${r.method} ${r.url} has responses`);
  }
  for (const p of ['/metrics', '/healthz', '/readyz', '/api/openapi.json']) assert.ok(doc.body.paths[p], p);
  // Validate real responses against the document's schemas (refs resolved through components).
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'doc', components: doc.body.components });
  const check = async (url: string, route: string, status = 200) => {
    const r = await t.get(url);
    assert.equal(r.status, status, `${url}: ${r.text}`);
    const schema = JSON.parse(JSON.stringify(doc.body.paths[route].get.responses[String(status)].content['application/json'].schema).replaceAll('"#/components/', '"doc#/components/'));
    const ok = ajv.validate(schema, r.body);
    assert.ok(ok, `${url}: ${ajv.errorsText()}`);
  };
  const [f] = await allFindings('cluster=beta&suppressed=include', 1);
  await check('/api/clusters', '/api/clusters');
  await check('/api/clusters/alpha', '/api/clusters/{cluster}');
  await check('/api/findings?limit=5&suppressed=include', '/api/findings');
  await check(`/api/findings/beta/${f.fingerprint}`, '/api/findings/{cluster}/{fingerprint}');
  await check('/api/trends', '/api/trends');
  await check('/api/suppressions?all=true', '/api/suppressions');
  await check('/api/clusters/alpha/posture', '/api/clusters/{cluster}/posture');
  await check('/api/clusters/alpha/tenants', '/api/clusters/{cluster}/tenants');
  await check('/api/blast-radius', '/api/blast-radius');
  await check('/api/whoami', '/api/whoami');
  await check('/api/rules', '/api/rules');
  await check('/api/clusters/nope', '/api/clusters/{cluster}', 404);
  await check('/api/findings?limit=0', '/api/findings', 400);
});

test('metrics: findings by cluster, severity and rule; last-seen age; lag; analysis duration (viewer token needed)', async () => {
  assert.equal((await t.get('/metrics', null)).status, 401);
  const r = await t.get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.text, /^meshward_server_findings_open\{cluster="beta",severity="[a-z]+",rule="BYP001"\} 2$/m);
  assert.match(r.text, /^meshward_server_agent_last_seen_age_seconds\{cluster="alpha"\} -1$/m);
  assert.match(r.text, /^meshward_server_ingest_lag_seconds\{cluster="alpha"\} 0$/m);
  assert.match(r.text, /^meshward_server_analysis_duration_seconds_count\{cluster="alpha"\} [1-9]/m);
  assert.match(r.text, /^meshward_server_analysis_duration_seconds_count\{cluster="\(fleet\)"\} [1-9]/m);
  assert.match(r.text, /^meshward_server_batches_stored_total/m);
  const h = await t.get('/healthz', null);
  assert.deepEqual(h.body, { status: 'ok' });
  const ready = await t.get('/readyz', null);
  assert.equal(ready.status, 200);
  assert.equal(ready.body.store, 'sqlite');
});

test('trusted-proxy header: believed only from a listed CIDR, ignored from anywhere else', async () => {
  for (const [cidrs, expect] of [
    [['10.0.0.0/8'], 401],
    [['127.0.0.1/32'], 200],
  ] as const) {
    const s = await startTestServer({ auth: { tokens: [], proxyUsers: [{ user: 'boss@example.com', role: 'admin' }], proxyHeader: 'X-Forwarded-User', proxyCidrs: [...cidrs] } });
    try {
      const r = await s.get('/api/whoami', null, { 'x-forwarded-user': 'boss@example.com' });
      assert.equal(r.status, expect, `${cidrs.join(',')}: ${r.text}`);
      if (expect === 200) assert.deepEqual(r.body, { name: 'proxy:boss@example.com', role: 'admin', via: 'proxy' });
      else assert.equal(r.body.error, 'unauthenticated');
      if (expect === 200) {
        // Unlisted users are viewers; a header with control characters is refused.
        const other = await s.get('/api/whoami', null, { 'x-forwarded-user': 'someone@example.com' });
        assert.equal(other.body.role, 'viewer');
        const evil = await s.get('/api/whoami', null, { 'x-forwarded-user': 'a b<script>' });
        assert.equal(evil.status, 401);
      }
    } finally {
      await s.close();
    }
  }
});

test('rules: every shipped rule with its category and docs, for viewers; none without a token', async () => {
  const { allRules } = await import('../../rules/index.js');
  const r = await t.get('/api/rules');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.items.map((x: any) => x.id), allRules.map((x) => x.meta.id));
  const byp = r.body.items.find((x: any) => x.id === allRules[0]!.meta.id);
  assert.equal(byp.category, allRules[0]!.meta.category);
  assert.equal(byp.why, allRules[0]!.meta.docs.why);
  assert.equal((await t.get('/api/rules', null)).status, 401);
});
