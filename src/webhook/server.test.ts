// The webhook through its real HTTPS server: routes, malformed and oversized reviews, modes, the
// namespace label, exemptions, dryRun, UPDATE and DELETE, the unsynced cache, failing rules, the budget.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { admissionReview, startTestWebhook, type TestWebhook } from '../testing/webhook.js';
import { decideIntroduced } from './decide.js';
import { defaultSettings } from '../config/settings.js';
import { hijackYaml, PAY_SERVICE_YAML, TENANT_NAMESPACES_YAML } from '../testing/decide-corpus.js';

const CLUSTER = `${TENANT_NAMESPACES_YAML}---
apiVersion: v1
kind: Namespace
metadata: {name: lab, labels: {istio-injection: enabled, meshward.io/admission: warn}}
---
apiVersion: v1
kind: Namespace
metadata: {name: legacy, labels: {istio-injection: enabled, meshward.io/admission: "off"}}
---
apiVersion: v1
kind: Namespace
metadata: {name: typo, labels: {istio-injection: enabled, meshward.io/admission: disabled}}
---
${PAY_SERVICE_YAML}`;

const hijack = (ns?: string, name?: string, host?: string) => parse(hijackYaml(ns, name, host));

let wh: TestWebhook;
before(async () => {
  wh = await startTestWebhook({ cacheYaml: CLUSTER });
});
after(async () => {
  await wh.close();
});

test('the answer is an AdmissionReview v1 with the same uid', async () => {
  const res = await wh.request('POST', '/validate', JSON.stringify(admissionReview('CREATE', hijack('shop', 'own', 'cart.shop.svc.cluster.local'), null, { uid: 'abc-123' })));
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.json.apiVersion, 'admission.k8s.io/v1');
  assert.equal(res.json.kind, 'AdmissionReview');
  assert.equal(res.json.response.uid, 'abc-123');
  assert.equal(res.json.response.allowed, true);
});

test('a hijack is denied in enforce mode with a message a developer can act on', async () => {
  const r = await wh.review(admissionReview('CREATE', hijack()));
  assert.equal(r.allowed, false);
  assert.equal(r.status.code, 403);
  const m: string = r.status.message;
  assert.match(m, /^meshward denied VirtualService shop\/steal: /);
  assert.match(m, /\[HJK001 critical\]/);
  assert.match(m, /pay\.payments\.svc\.cluster\.local/);
  assert.match(m, /Why: /);
  assert.match(m, /Fix: /);
  assert.match(m, /meshward explain HJK001/);
  assert.match(r.auditAnnotations.findings, /HJK001:critical/);
  const log = wh.logs().find((l) => l.event === 'review' && l.name === 'steal');
  assert.ok(log, 'the review is logged');
  assert.equal(log.verdict, 'denied');
  assert.equal(log.kind, 'networking.istio.io/VirtualService');
  assert.equal(log.namespace, 'shop');
  assert.equal(log.operation, 'CREATE');
  assert.ok(log.rules.includes('HJK001'));
  assert.equal(typeof log.durationMs, 'number');
  assert.ok(log.uid);
});

test('the same claim on its own namespace’s host is allowed with nothing to say', async () => {
  const r = await wh.review(admissionReview('CREATE', hijack('shop', 'own', 'cart.shop.svc.cluster.local')));
  assert.equal(r.allowed, true);
  assert.equal(r.warnings, undefined);
});

test('at --log-level info a clean allow, an exempt and an off review write no line; a warning and a refusal do', async () => {
  const quiet = await startTestWebhook({ cacheYaml: CLUSTER, logLevel: 'info' });
  try {
    const answers = [];
    for (const [uid, obj] of [
      ['clean', hijack('shop', 'own', 'cart.shop.svc.cluster.local')],
      ['exempt', hijack('kube-system', 'sys')],
      ['off', hijack('legacy')],
      ['warned', hijack('lab')],
      ['denied', hijack('shop')],
    ] as const) answers.push([uid, (await quiet.review(admissionReview('CREATE', obj, null, { uid }))).allowed]);
    assert.deepEqual(answers, [['clean', true], ['exempt', true], ['off', true], ['warned', true], ['denied', false]]);
    const logged = quiet.logs().filter((l) => l.event === 'review');
    assert.deepEqual(logged.map((l) => [l.uid, l.verdict]), [['warned', 'warned'], ['denied', 'denied']]);
  } finally {
    await quiet.close();
  }
});

test('warn mode by namespace label: allowed, the findings as warnings', async () => {
  const r = await wh.review(admissionReview('CREATE', hijack('lab')));
  assert.equal(r.allowed, true);
  assert.ok(r.warnings.some((w: string) => /^meshward HJK001 \(critical\): /.test(w)), JSON.stringify(r.warnings));
  for (const w of r.warnings) assert.ok(w.length <= 256, 'Kubernetes truncates longer warnings');
});

test('label off: never judged; a label value that is no mode falls back to the global mode', async () => {
  const off = await wh.review(admissionReview('CREATE', hijack('legacy')));
  assert.equal(off.allowed, true);
  assert.equal(off.warnings, undefined);
  const typo = await wh.review(admissionReview('CREATE', hijack('typo')));
  assert.equal(typo.allowed, false, 'a misspelt label does not switch the webhook off');
});

test('a Namespace update that labels itself off is judged under the mode it had', async () => {
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } };
  const turned = structuredClone(ns);
  (turned.metadata.labels as Record<string, string>)['meshward.io/admission'] = 'off';
  (turned.metadata.labels as Record<string, string>)['istio-injection'] = 'disabled';
  const r = await wh.review(admissionReview('UPDATE', turned, ns));
  const log = wh.logs().find((l) => l.uid && l.event === 'review' && l.kind === '/Namespace' && l.name === 'shop');
  assert.equal(log?.mode, 'enforce');
  // Injection turned off: BYP008 (medium) comes back as a warning, as enforce with --deny-on high says.
  assert.match(r.auditAnnotations?.findings ?? '', /BYP008:medium/);
  assert.ok(r.warnings.some((w: string) => w.startsWith('meshward BYP008 (medium): Namespace shop')));
});

test('exempt namespaces (own, kube-system, root) and unknown kinds are allowed untouched', async () => {
  for (const ns of ['meshward', 'kube-system', 'istio-system']) {
    const r = await wh.review(admissionReview('CREATE', hijack(ns)));
    assert.equal(r.allowed, true, ns);
    assert.equal(r.warnings, undefined, ns);
  }
  const other = await wh.review(admissionReview('CREATE', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, spec: { hosts: ['*'] } }));
  assert.equal(other.allowed, true);
  const log = wh.logs().find((l) => l.event === 'review' && l.kind === 'example.com/Widget');
  assert.equal(log?.verdict, 'unknown-kind');
});

test('dryRun requests are judged the same', async () => {
  const r = await wh.review(admissionReview('CREATE', hijack(), null, { dryRun: true }));
  assert.equal(r.allowed, false);
  const log = wh.logs().find((l) => l.event === 'review' && l.dryRun === true);
  assert.equal(log?.verdict, 'denied');
});

test('UPDATE: leaving an existing hijack as it was is allowed; turning a route into one is denied', async () => {
  const existing = hijack('shop', 'old-steal');
  wh.cache.apply(existing);
  try {
    const relabelled = structuredClone(existing);
    relabelled.metadata.labels = { team: 'shop' };
    const same = await wh.review(admissionReview('UPDATE', relabelled, existing));
    assert.equal(same.allowed, true, 'the cluster’s old problem never refuses an unrelated update');
    const own = hijack('shop', 'route', 'cart.shop.svc.cluster.local');
    const worse = await wh.review(admissionReview('UPDATE', hijack('shop', 'route'), own));
    assert.equal(worse.allowed, false);
    assert.match(worse.status.message, /HJK001/);
  } finally {
    wh.cache.remove('networking.istio.io/VirtualService', 'shop', 'old-steal');
  }
});

test('a dry-run re-apply of an object as the cluster has it (kubectl diff, a GitOps refresh) is allowed; the same apply with a stolen host is denied', async () => {
  const existing = hijack('shop', 'synced-steal');
  const route = hijack('shop', 'synced-route', 'cart.shop.svc.cluster.local');
  wh.cache.apply(existing);
  wh.cache.apply(route);
  try {
    const same = await wh.review(admissionReview('UPDATE', structuredClone(existing), existing, { dryRun: true }));
    assert.equal(same.allowed, true, 'the hijack is the cluster’s already: re-applying it unchanged introduces nothing');
    assert.equal(same.warnings, undefined);
    const unchanged = await wh.review(admissionReview('UPDATE', structuredClone(route), route, { dryRun: true }));
    assert.equal(unchanged.allowed, true);
    const stolen = structuredClone(route);
    stolen.spec.hosts = ['pay.payments.svc.cluster.local'];
    const changed = await wh.review(admissionReview('UPDATE', stolen, route, { dryRun: true }));
    assert.equal(changed.allowed, false);
    assert.match(changed.status.message, /HJK001/);
  } finally {
    wh.cache.remove('networking.istio.io/VirtualService', 'shop', 'synced-steal');
    wh.cache.remove('networking.istio.io/VirtualService', 'shop', 'synced-route');
  }
});

test('DELETE: removing an object that introduces nothing is allowed; removing the policy that made another object safe is denied', async () => {
  const vs = hijack('shop', 'gone', 'cart.shop.svc.cluster.local');
  wh.cache.apply(vs);
  try {
    const r = await wh.review(admissionReview('DELETE', null, vs));
    assert.equal(r.allowed, true);
  } finally {
    wh.cache.remove('networking.istio.io/VirtualService', 'shop', 'gone');
  }
  // A RequestAuthentication is only safe while an AuthorizationPolicy requires a token (AUT015, high):
  // deleting that policy introduces the finding on the RequestAuthentication, not on what is deleted.
  const jwt = parse('apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: jwt, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  jwtRules:\n  - issuer: https://auth.example.com\n    jwksUri: https://auth.example.com/.well-known/jwks.json');
  const requireJwt = parse('apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: require-jwt, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  action: ALLOW\n  rules:\n  - from:\n    - source: {requestPrincipals: ["https://auth.example.com/*"]}');
  wh.cache.apply(jwt);
  wh.cache.apply(requireJwt);
  try {
    const del = await wh.review(admissionReview('DELETE', null, requireJwt));
    assert.equal(del.allowed, false);
    assert.match(del.status.message, /^meshward denied AuthorizationPolicy shop\/require-jwt/);
    assert.match(del.status.message, /\[AUT015 high\] .*jwt/);
  } finally {
    wh.cache.remove('security.istio.io/RequestAuthentication', 'shop', 'jwt');
    wh.cache.remove('security.istio.io/AuthorizationPolicy', 'shop', 'require-jwt');
  }
});

test('deny-on: critical lets a high finding through as a warning; high denies it', async () => {
  const jwt = parse('apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: jwt, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  jwtRules:\n  - issuer: https://auth.example.com\n    jwksUri: https://auth.example.com/.well-known/jwks.json');
  const strict = await startTestWebhook({ cacheYaml: CLUSTER, denyOn: 'critical' });
  try {
    const r = await strict.review(admissionReview('CREATE', jwt));
    assert.equal(r.allowed, true, 'AUT015 is high, below critical');
    assert.ok(r.warnings.some((w: string) => w.startsWith('meshward AUT015 (high): ')));
    assert.equal((await strict.review(admissionReview('CREATE', hijack()))).allowed, false, 'HJK001 is critical');
  } finally {
    await strict.close();
  }
  const high = await wh.review(admissionReview('CREATE', jwt));
  assert.equal(high.allowed, false);
  assert.match(high.status.message, /\[AUT015 high\]/);
});

test('audit mode: allowed, no warnings, findings in audit annotations only', async () => {
  const audit = await startTestWebhook({ cacheYaml: CLUSTER, mode: 'audit' });
  try {
    const r = await audit.review(admissionReview('CREATE', hijack()));
    assert.equal(r.allowed, true);
    assert.equal(r.warnings, undefined);
    assert.match(r.auditAnnotations.findings, /HJK001/);
  } finally {
    await audit.close();
  }
});

test('namespace label enforce overrides a global warn mode', async () => {
  const warn = await startTestWebhook({ cacheYaml: CLUSTER.replace('name: shop, labels: {istio-injection: enabled}', 'name: shop, labels: {istio-injection: enabled, meshward.io/admission: enforce}'), mode: 'warn' });
  try {
    assert.equal((await warn.review(admissionReview('CREATE', hijack('shop')))).allowed, false);
    const other = await warn.review(admissionReview('CREATE', hijack('lab')));
    assert.equal(other.allowed, true);
    assert.ok(other.warnings.length);
  } finally {
    await warn.close();
  }
});

test('a platform subject of the tenant policy is judged but never denied', async () => {
  const p = await startTestWebhook({ cacheYaml: CLUSTER, tenantsYaml: 'platform:\n  subjects: ["group:platform-admins"]\n' });
  try {
    const r = await p.review(admissionReview('CREATE', hijack(), null, { groups: ['system:authenticated', 'platform-admins'] }));
    assert.equal(r.allowed, true);
    assert.ok(r.warnings.some((w: string) => w.includes('HJK001')));
    const sa = await p.review(admissionReview('CREATE', hijack(), null, { username: 'system:serviceaccount:shop:deployer', groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'] }));
    assert.equal(sa.allowed, false, 'a tenant’s service account is no system identity');
  } finally {
    await p.close();
  }
});

// --- Malformed, oversized, wrong routes. ---

test('malformed reviews get a 400 that says what is wrong', async () => {
  const base = admissionReview('CREATE', hijack()) as any;
  const cases: Array<[string | Buffer, RegExp]> = [
    ['{not json', /not valid JSON/],
    ['[]', /must be a JSON object/],
    [JSON.stringify({ ...base, apiVersion: 'admission.k8s.io/v1beta1' }), /apiVersion must be admission\.k8s\.io\/v1, not "admission\.k8s\.io\/v1beta1"/],
    [JSON.stringify({ ...base, kind: 'Review' }), /kind must be AdmissionReview/],
    [JSON.stringify({ apiVersion: base.apiVersion, kind: base.kind }), /request is missing/],
    [JSON.stringify({ ...base, request: { ...base.request, uid: undefined } }), /request\.uid is missing/],
    [JSON.stringify({ ...base, request: { ...base.request, uid: 7 } }), /request\.uid must be a string/],
    [JSON.stringify({ ...base, request: { ...base.request, operation: 'PATCH' } }), /operation must be CREATE, UPDATE, DELETE or CONNECT/],
    [JSON.stringify({ ...base, request: { ...base.request, kind: 'VirtualService' } }), /request\.kind must be an object/],
    [JSON.stringify({ ...base, request: { ...base.request, object: null } }), /request\.object is missing/],
    [JSON.stringify({ ...base, request: { ...base.request, object: [1] } }), /request\.object must be an object/],
  ];
  for (const [body, says] of cases) {
    const res = await wh.request('POST', '/validate', body);
    assert.equal(res.status, 400, String(body).slice(0, 80));
    assert.match(res.body, says);
  }
  const metrics = await wh.request('GET', '/metrics');
  assert.match(metrics.body, /meshward_webhook_bad_requests_total\{status="400"\} \d+/);
});

test('__proto__ and constructor keys in a review are data', async () => {
  const body = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","__proto__":{"request":{"uid":"x"}},"request":{"uid":"p1","constructor":1,"kind":{"group":"networking.istio.io","version":"v1","kind":"VirtualService"},"resource":{"group":"networking.istio.io","version":"v1","resource":"virtualservices"},"namespace":"shop","name":"steal","operation":"CREATE","object":{"__proto__":{"x":1},"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"steal","namespace":"shop","__proto__":{"polluted":true}},"spec":{"hosts":["pay.payments.svc.cluster.local"],"http":[{"route":[{"destination":{"host":"evil"}}]}]}}}}`;
  const res = await wh.request('POST', '/validate', body);
  assert.equal(res.status, 200);
  assert.equal(res.json.response.uid, 'p1');
  assert.equal(res.json.response.allowed, false);
  assert.equal(({} as any).polluted, undefined);
});

test('oversized bodies get a 413, declared or streamed', async () => {
  const big = Buffer.alloc(3 * 1024 * 1024 + 10, 0x20);
  const declared = await wh.request('POST', '/validate', big);
  assert.equal(declared.status, 413);
  assert.match(declared.body, /over the 3145728-byte limit/);
  // Chunked, no content-length: refused once the bound is passed.
  const streamed = await new Promise<number>((resolve, reject) => {
    import('node:https').then(({ request }) => {
      const req = request({ host: '127.0.0.1', port: wh.server.port, method: 'POST', path: '/validate', ca: wh.ca.certPem, servername: 'localhost', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'EPIPE' || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
      const chunk = Buffer.alloc(512 * 1024, 0x20);
      for (let i = 0; i < 8; i++) req.write(chunk);
      req.end();
    }, reject);
  });
  assert.equal(streamed, 413);
});

test('routes: healthz, readyz, metrics; 404 elsewhere; 405 for the wrong method', async () => {
  assert.equal((await wh.request('GET', '/healthz')).status, 200);
  const ready = await wh.request('GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.match(ready.body, /ready: \d+ objects cached/);
  const m = await wh.request('GET', '/metrics');
  assert.equal(m.status, 200);
  for (const name of ['meshward_webhook_request_duration_seconds_bucket', 'meshward_webhook_denials_total{rule="HJK001"}', 'meshward_webhook_cache_age_seconds', 'meshward_webhook_cache_objects', 'meshward_webhook_decisions_over_budget_total']) {
    assert.ok(m.body.includes(name), name);
  }
  assert.match(m.body, /meshward_webhook_request_duration_seconds_count\{kind="networking\.istio\.io\/VirtualService",operation="CREATE",verdict="denied"\} \d+/);
  assert.match(m.body, /meshward_webhook_cache_objects 6/);
  assert.equal((await wh.request('GET', '/nope')).status, 404);
  const get = await wh.request('GET', '/validate');
  assert.equal(get.status, 405);
  assert.equal(get.headers.allow, 'POST');
  assert.equal((await wh.request('POST', '/healthz', '')).status, 405);
  // Unknown kinds in reviews never become metric labels.
  await wh.review(admissionReview('CREATE', { apiVersion: 'x.example/v1', kind: `K${randomBytes(4).toString('hex')}`, metadata: { name: 'a', namespace: 'shop' } }));
  const m2 = await wh.request('GET', '/metrics');
  assert.ok(!/kind="x\.example/.test(m2.body));
  assert.match(m2.body, /kind="other"/);
});

// --- The cache not synced, rules that throw, the budget. ---

test('unsynced: allowed with a warning by default, /readyz says not synced; --unsynced deny refuses', async () => {
  const w = await startTestWebhook({ cacheYaml: CLUSTER, synced: false });
  const d = await startTestWebhook({ cacheYaml: CLUSTER, synced: false, unsynced: 'deny' });
  try {
    const ready = await w.request('GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.match(ready.body, /not synced/);
    const r = await w.review(admissionReview('CREATE', hijack()));
    assert.equal(r.allowed, true);
    assert.match(r.warnings[0], /has not synced yet, so VirtualService shop\/steal was not checked/);
    const denied = await d.review(admissionReview('CREATE', hijack('shop', 'fine', 'cart.shop.svc.cluster.local')));
    assert.equal(denied.allowed, false);
    assert.match(denied.status.message, /retry/);
    w.cache.markSynced();
    assert.equal((await w.request('GET', '/readyz')).status, 200);
    assert.equal((await w.review(admissionReview('CREATE', hijack()))).allowed, false);
  } finally {
    await w.close();
    await d.close();
  }
});

test('a rule that throws: allowed with a warning naming it, logged without the object', async () => {
  const canary = `canary-${randomBytes(12).toString('hex')}`;
  const w = await startTestWebhook({
    cacheYaml: CLUSTER,
    decide: () => {
      const err = new Error(`boom on ${canary}`);
      return { introduced: [], failures: [{ ruleId: 'HJK001', message: err.stack ?? '' }] };
    },
  });
  try {
    const vs = hijack();
    vs.metadata.annotations = { note: canary };
    const r = await w.review(admissionReview('CREATE', vs));
    assert.equal(r.allowed, true);
    assert.match(r.warnings[0], /rule HJK001 failed on VirtualService shop\/steal/);
    const failed = w.logs().find((l) => l.event === 'rule-failed');
    assert.equal(failed?.rule, 'HJK001');
    assert.ok(Array.isArray(failed?.frames) && failed.frames.length > 0, 'the stack frames are logged');
    assert.ok(!w.logText().includes(canary), 'the error message (which quotes the object) is not logged');
    assert.ok(!JSON.stringify(r).includes(canary));
    assert.match((await w.request('GET', '/metrics')).body, /meshward_webhook_rule_failures_total\{rule="HJK001"\} 1/);
  } finally {
    await w.close();
  }
});

test('a decision that throws: allowed with a warning, logged', async () => {
  const w = await startTestWebhook({
    cacheYaml: CLUSTER,
    decide: () => {
      throw new TypeError('decision exploded');
    },
  });
  try {
    const r = await w.review(admissionReview('CREATE', hijack()));
    assert.equal(r.allowed, true);
    assert.match(r.warnings[0], /failed, so it was allowed unchecked/);
    assert.equal(w.logs().find((l) => l.event === 'review')?.verdict, 'error');
  } finally {
    await w.close();
  }
});

test('a decision that finishes past the budget is answered as decided (a slow hijack is still denied), counted and logged late', async () => {
  let now = 0;
  const w = await startTestWebhook({
    cacheYaml: CLUSTER,
    budgetMs: 2_000,
    clock: () => now,
    decide: (req, state, policy) => {
      now += 2_500; // the decision "took" 2.5 s
      return decideIntroduced(req, state, { tenantPolicy: policy, settings: defaultSettings(), cluster: 'test' });
    },
  });
  try {
    const r = await w.review(admissionReview('CREATE', hijack()));
    assert.equal(r.allowed, false);
    assert.match(r.status?.message ?? '', /HJK001/);
    assert.match((await w.request('GET', '/metrics')).body, /meshward_webhook_decisions_over_budget_total 1/);
    const entry = w.logs().find((l) => l.event === 'review');
    assert.equal(entry?.verdict, 'denied');
    assert.equal(entry?.late, true);
  } finally {
    await w.close();
  }
});

test('a review that waited past the budget before its decision: refused unchecked by default, allowed with a warning under --over-budget allow', async () => {
  for (const [overBudget, allowed] of [[undefined, false], ['allow', true]] as const) {
    let now = 0;
    let decided = 0;
    const w = await startTestWebhook({
      cacheYaml: CLUSTER,
      budgetMs: 2_000,
      overBudget,
      // Each reading of the clock is 2.5 s after the last: the review waits 2.5 s behind others before its turn.
      clock: () => (now += 2_500),
      decide: (req, state, policy) => {
        decided++;
        return decideIntroduced(req, state, { tenantPolicy: policy, settings: defaultSettings(), cluster: 'test' });
      },
    });
    try {
      const r = await w.review(admissionReview('CREATE', hijack()));
      assert.equal(r.allowed, allowed, `--over-budget ${overBudget ?? '(default)'}`);
      assert.equal(decided, 0, 'not decided');
      if (allowed) assert.match(r.warnings[0], /waited longer than the decision budget.*allowed unchecked/);
      else assert.match(r.status?.message ?? '', /waited longer than the decision budget.*retry/);
      assert.match((await w.request('GET', '/metrics')).body, /meshward_webhook_decisions_over_budget_total 1/);
    } finally {
      await w.close();
    }
  }
});
