import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSettings } from '../config/settings.js';
import path from 'node:path';
import { FastDecider, decideReference, type DecideOptions } from './decide.js';
import { EVIDENCE_ONLY, NAMES_WORKLOAD_ONLY_IF, RULE_NAMES } from './decide-fast.js';
import type { Finding } from '../engine/finding.js';
import { deployment, destinationRule, docs } from '../rules/authz/fixtures.js';
import { groupOf } from '../model/resource.js';
import { admissionRules } from './admission-kinds.js';
import { allRules } from '../rules/index.js';
import { runRules } from '../engine/run.js';
import { MeshModel } from '../model/model.js';
import { WORKLOAD_KINDS } from '../model/workloads.js';
import { REPO_ROOT } from '../testing/kit.js';
import { casesOf, CORPUS_CLUSTER, docsCases, exampleObjects, hijackYaml, PAY_SERVICE_YAML, parseObjects, randomCases, reviewOf, stateOf, TENANT_NAMESPACES_YAML, toResource, type Obj } from '../testing/decide-corpus.js';
import type { DecisionState } from './types.js';

const opts: DecideOptions = { tenantPolicy: null, settings: defaultSettings(), cluster: CORPUS_CLUSTER };

const CLUSTER = parseObjects(`${TENANT_NAMESPACES_YAML}---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {ports: [{port: 80, name: http}], selector: {app: web}}
`);
const PAY_SERVICE = parseObjects(PAY_SERVICE_YAML)[0];
const HIJACK = parseObjects(hijackYaml('shop', 'steal', 'pay.payments.svc.cluster.local', 'web.shop.svc.cluster.local'))[0];

const ids = (d: { introduced: { ruleId: string }[] }) => d.introduced.map((f) => f.ruleId);

test('a review does not wait for a new base: it is decided against the last one, and the lag is reported until the rebuild', () => {
  let objects: Obj[] = CLUSTER;
  let current = objects.map((o) => toResource(o));
  const resources = () => current;
  const decider = new FastDecider(opts, { rebuildDelayMs: 60_000 });
  try {
    const v1: DecisionState = { version: 1, synced: true, resources };
    const before = decider.decide(reviewOf('CREATE', HIJACK), v1);
    assert.deepEqual(before, decideReference(reviewOf('CREATE', HIJACK), v1, opts));
    assert.equal(decider.stats().baseBuilds, 1);

    // The victim's Service arrives: the cache moves to version 2.
    objects = [...objects, PAY_SERVICE];
    current = objects.map((o) => toResource(o));
    const v2: DecisionState = { version: 2, synced: true, resources };
    decider.decide(reviewOf('CREATE', HIJACK), v2);
    assert.equal(decider.stats().baseBuilds, 1, 'the review did not wait for a rebuild');
    assert.equal(decider.stats().baseLagVersions, 1);

    decider.rebuild(v2);
    const after = decider.decide(reviewOf('CREATE', HIJACK), v2);
    assert.equal(decider.stats().baseLagVersions, 0);
    assert.deepEqual(after, decideReference(reviewOf('CREATE', HIJACK), v2, opts));
    assert.ok(ids(after).includes('HJK001'), JSON.stringify(ids(after)));
  } finally {
    decider.close();
  }
});

test('an UPDATE that changes nothing (a re-apply, a dry-run diff) is decided without running a rule, as the reference decides it', () => {
  // The hijack is already in the cluster: re-applying it unchanged introduces nothing (the cluster's
  // existing problem is not the review's), and changing it does.
  const objects = [...CLUSTER, PAY_SERVICE, HIJACK];
  const state = stateOf(objects);
  let checks = 0;
  const counted = admissionRules().map((r) => ({ ...r, check: (ctx: Parameters<typeof r.check>[0]) => (checks++, r.check(ctx)) }));
  const decider = new FastDecider({ ...opts, rules: counted }, { staleness: 'wait' });
  try {
    decider.rebuild(state);
    const reapply = reviewOf('UPDATE', structuredClone(HIJACK), HIJACK);
    checks = 0;
    const same = decider.decide(reapply, state);
    assert.equal(checks, 0, 'no rule ran');
    assert.deepEqual(same, { introduced: [], failures: [] });
    assert.deepEqual(same, decideReference(reapply, state, opts));
    assert.equal(decider.stats().fast, 1);
    // One field changed (a second host) and the rules run again, still as the reference decides.
    const changed = structuredClone(HIJACK);
    changed.spec.hosts = [...changed.spec.hosts, 'api.payments.svc.cluster.local'];
    const worse = reviewOf('UPDATE', changed, HIJACK);
    const d = decider.decide(worse, state);
    assert.ok(checks > 0);
    assert.deepEqual(d, decideReference(worse, state, opts));
  } finally {
    decider.close();
  }
});

test('with staleness "wait" a new version is built before the review', () => {
  let current = CLUSTER.map((o) => toResource(o));
  const resources = () => current;
  const decider = new FastDecider(opts, { staleness: 'wait' });
  decider.decide(reviewOf('CREATE', HIJACK), { version: 1, synced: true, resources });
  current = [...CLUSTER, PAY_SERVICE].map((o) => toResource(o));
  const d = decider.decide(reviewOf('CREATE', HIJACK), { version: 2, synced: true, resources });
  assert.ok(ids(d).includes('HJK001'));
  assert.equal(decider.stats().baseBuilds, 2);
});

test('reviews the fast path cannot be sure of go to the reference, counted by reason', () => {
  const state = stateOf([...CLUSTER, PAY_SERVICE, HIJACK]);
  const decider = new FastDecider(opts, { staleness: 'wait' });
  // A new namespace changes the namespace list every rule walks.
  const created: Obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'brand-new', labels: { 'istio-injection': 'disabled' } } };
  const nsReview = reviewOf('CREATE', created);
  assert.deepEqual(decider.decide(nsReview, state), decideReference(nsReview, state, opts));
  // The cache lags the review: the old object the API server sends is not the cache's.
  const lagging = structuredClone(HIJACK);
  lagging.spec.hosts = ['other.payments.svc.cluster.local'];
  const update = reviewOf('UPDATE', HIJACK, lagging);
  assert.deepEqual(decider.decide(update, state), decideReference(update, state, opts));
  const s = decider.stats();
  assert.equal(s.fast, 0);
  assert.deepEqual(Object.keys(s.fallbacks).sort(), ['a Namespace created or deleted', 'the cache lags the review']);
});

test('a Namespace UPDATE is decided on an overlay, as the reference decides it: labels only, then injection off', () => {
  const state = stateOf([...CLUSTER, PAY_SERVICE, HIJACK]);
  const decider = new FastDecider(opts, { staleness: 'wait' });
  let verdicts = 0;
  for (const labels of [{ ...(CLUSTER[1].metadata?.labels ?? {}), team: 'a' }, { 'istio-injection': 'disabled' }, { 'pod-security.kubernetes.io/enforce': 'privileged' }]) {
    const ns = structuredClone(CLUSTER[1]);
    ns.metadata!.labels = labels;
    const review = reviewOf('UPDATE', ns, CLUSTER[1]);
    const want = decideReference(review, state, opts);
    assert.deepEqual(decider.decide(review, state), want, JSON.stringify(labels));
    verdicts += want.introduced.length;
  }
  assert.ok(verdicts > 0, 'at least one update introduces a finding (injection off)');
  const s = decider.stats();
  assert.deepEqual({ fast: s.fast, fallbacks: s.fallbacks }, { fast: 3, fallbacks: {} });
});

test('hostile objects: odd names, missing and wrong-typed fields decide as the reference does, without throwing', () => {
  const state = stateOf([...CLUSTER, PAY_SERVICE]);
  const decider = new FastDecider(opts, { staleness: 'wait' });
  const hostile: Obj[] = [
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: '__proto__', namespace: 'shop' }, spec: { hosts: 'pay.payments' } },
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'constructor', namespace: 'shop' }, spec: { hosts: [42, null, { a: 1 }, 'pay.payments'] } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hasOwnProperty', namespace: 'shop', labels: { __proto__: 'x' } }, spec: { template: 'nope' } },
    { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'p', namespace: 'shop' }, spec: null },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x'.repeat(300), namespace: 'shop' }, spec: [] },
  ];
  for (const o of hostile) {
    for (const req of [reviewOf('CREATE', o), reviewOf('DELETE', null, o)]) {
      const s = req.operation === 'DELETE' ? stateOf([...CLUSTER, PAY_SERVICE, o]) : state;
      const got = decider.decide(req, s);
      assert.deepEqual(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(decideReference(req, s, opts))), `${req.operation} ${o.kind} ${o.metadata.name}`);
    }
  }
});

test('a cluster-scoped object (an aggregated ClusterRole) is decided over the whole overlay, as the reference decides it', () => {
  const hjk013 = allRules.find((r) => r.meta.id === 'HJK013')!;
  const [clusterRole, binding] = parseObjects(hjk013.meta.docs.bad!);
  const state = stateOf([...CLUSTER, binding]);
  const decider = new FastDecider(opts, { staleness: 'wait' });
  const review = reviewOf('CREATE', clusterRole);
  const want = decideReference(review, state, opts);
  assert.ok(want.introduced.some((f) => f.ruleId === 'HJK013'), 'the ClusterRole lets a tenant write Istio config');
  assert.deepEqual(decider.decide(review, state), want);
  const relabelled = structuredClone(clusterRole);
  relabelled.metadata!.labels = { ...(relabelled.metadata!.labels ?? {}), team: 'platform' };
  const update = reviewOf('UPDATE', relabelled, clusterRole);
  const after = stateOf([...CLUSTER, binding, clusterRole]);
  assert.deepEqual(decider.decide(update, after), decideReference(update, after, opts));
  assert.deepEqual({ fast: decider.stats().fast, fallbacks: decider.stats().fallbacks }, { fast: 2, fallbacks: {} });
});

test('hostile Namespace updates: prototype names, control characters, huge and non-string labels decide as the reference does', () => {
  const state = stateOf([...CLUSTER, PAY_SERVICE, HIJACK]);
  const decider = new FastDecider(opts, { staleness: 'wait' });
  const labelSets: Array<Record<string, unknown>> = [
    JSON.parse('{"__proto__": {"istio-injection": "disabled"}, "constructor": "x", "hasOwnProperty": "y"}'),
    { 'istio-injection': 'enabled\u0000', team: 'a'.repeat(20_000) },
    { 'istio-injection': 42, 'istio.io/rev': null, 'istio.io/dataplane-mode': { ambient: true } },
    { 'istio.io/use-waypoint': '../../etc', 'istio.io/use-waypoint-namespace': '\u001b[31mred' },
  ];
  for (const labels of labelSets) {
    const ns = structuredClone(CLUSTER[1]);
    ns.metadata!.labels = labels as Record<string, string>;
    ns.metadata!.annotations = JSON.parse('{"__proto__": "z", "meshward.io/admission": "off"}');
    const review = reviewOf('UPDATE', ns, CLUSTER[1]);
    const got = decider.decide(review, state);
    assert.deepEqual(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(decideReference(review, state, opts))), JSON.stringify(labels).slice(0, 80));
  }
  assert.deepEqual(decider.stats().fallbacks, {});
});

/** Pod labels of a Deployment that joins the mesh on its own (the injector's object webhook) in a namespace without injection. */
const optedIn = (name: string) => ({ labels: { app: name, 'sidecar.istio.io/inject': 'true' } });

/** The clusters of the equivalence corpus, each analysed once: its model and the admission rules' findings. */
let corpusRuns: { model: MeshModel; findings: Finding[] }[] | null = null;
function corpusAnalyses(): { model: MeshModel; findings: Finding[] }[] {
  if (corpusRuns) return corpusRuns;
  const states = new Set<DecisionState['resources']>();
  const cases = [
    ...docsCases(allRules),
    ...casesOf('insecure', exampleObjects(path.join(REPO_ROOT, 'examples', 'insecure'))),
    ...casesOf('secure', exampleObjects(path.join(REPO_ROOT, 'examples', 'secure'))),
    ...randomCases(200, 17),
  ];
  for (const c of cases) states.add(c.state.resources);
  // BYP008 lists workloads only in a namespace where some join the mesh on their own and others do not.
  states.add(stateOf(parseObjects(docs('apiVersion: v1\nkind: Namespace\nmetadata: {name: mixed}', deployment('mixed', 'joined', optedIn('joined')), deployment('mixed', 'plain')))).resources);
  corpusRuns = [...states].map((resources) => {
    // Numbered as the decision and a scan number them (the model indexes workloads by id).
    const model = new MeshModel([...resources()].map((r, id) => ({ ...r, id })));
    return { model, findings: runRules(model, admissionRules(), { settings: opts.settings }).findings };
  });
  return corpusRuns;
}

test('RULE_NAMES lists every kind each rule is seen naming over the equivalence corpus (a rule is skipped for kinds it never names)', () => {
  const workloadKinds = new Set(WORKLOAD_KINDS.map((k) => k.split('/').pop()));
  const unlisted: string[] = [];
  let checked = 0;
  for (const { findings } of corpusAnalyses()) {
    for (const f of findings) {
      const listed = RULE_NAMES.get(f.ruleId);
      if (!listed) continue;
      for (const ref of [f.resource, ...f.evidence.map((e) => e.resource)]) {
        if (!ref) continue;
        checked++;
        const kind = workloadKinds.has(ref.kind) ? 'workload' : ref.kind;
        if (!listed.has(kind)) unlisted.push(`${f.ruleId} names ${ref.kind}`);
      }
    }
  }
  assert.ok(checked > 1000, `only ${checked} named objects checked`);
  assert.deepEqual([...new Set(unlisted)], []);
});

test('NAMES_WORKLOAD_ONLY_IF holds each rule to its own condition: every workload the rule names over the equivalence corpus satisfies it', () => {
  // A predicate false for a workload skips the rule for that workload's reviews, so one that drifted
  // from its rule (the rule now names workloads the predicate rules out) would hide findings.
  const workloadKinds = new Set(WORKLOAD_KINDS.map((k) => k.split('/').pop()));
  const violations: string[] = [];
  const named = new Map<string, number>();
  for (const { model, findings } of corpusAnalyses()) {
    for (const f of findings) {
      const holds = NAMES_WORKLOAD_ONLY_IF.get(f.ruleId);
      if (!holds) continue;
      for (const ref of [f.resource, ...f.evidence.map((e) => e.resource)]) {
        if (!ref || !workloadKinds.has(ref.kind)) continue;
        const subject = model.resources.find((r) => r.kind === ref.kind && r.namespace === ref.namespace && r.name === ref.name && groupOf(ref.apiVersion) === r.group);
        assert.ok(subject, `${f.ruleId} names ${ref.kind} ${ref.namespace}/${ref.name}, which the model holds`);
        named.set(f.ruleId, (named.get(f.ruleId) ?? 0) + 1);
        if (!holds(subject, model)) violations.push(`${f.ruleId} names ${ref.kind} ${ref.namespace}/${ref.name}: ${f.message.slice(0, 120)}`);
      }
    }
  }
  assert.deepEqual(violations, []);
  // The check must have something to check: the corpus has each rule naming workloads somewhere.
  for (const id of NAMES_WORKLOAD_ONLY_IF.keys()) assert.ok((named.get(id) ?? 0) > 0, `${id} names no workload in the corpus, so its predicate is untested: ${JSON.stringify(Object.fromEntries(named))}`);
});

test('AUT004 runs for a tenant workload review whose proxy image gives the Istio version when no istiod is in the input (its finding names it)', () => {
  // No istiod: the proxies' versions speak for the control plane. A Deployment whose injected proxy is
  // 1.19 makes the DestinationRule's TLS unverified (VERIFY_CERTIFICATE_AT_CLIENT came in 1.21): high,
  // with the Deployment as the version's evidence, so the review introduces it.
  const objects = parseObjects(docs(TENANT_NAMESPACES_YAML, destinationRule('shop', 'partner', { host: 'api.partner.example.com', trafficPolicy: { tls: { mode: 'SIMPLE' } } })));
  const withProxy = (name: string, proxy: string | null) =>
    parseObjects(`apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata:
      labels: {app: ${name}}
      annotations: {sidecar.istio.io/status: '{"containers":["istio-proxy"]}'}
    spec:
      containers:
      - {name: app, image: registry.example/${name}:1}
${proxy ? `      - {name: istio-proxy, image: 'docker.io/istio/proxyv2:${proxy}'}` : ''}
`)[0];
  const state = stateOf(objects);
  const decider = new FastDecider(opts, { staleness: 'wait' });
  try {
    const old = reviewOf('CREATE', withProxy('legacy', '1.19.3'));
    const got = decider.decide(old, state);
    assert.deepEqual(got, decideReference(old, state, opts));
    assert.ok(got.introduced.some((f) => f.ruleId === 'AUT004' && f.severity === 'high'), JSON.stringify(ids(got)));
    const plain = reviewOf('CREATE', withProxy('plain', null));
    assert.deepEqual(decider.decide(plain, state), decideReference(plain, state, opts));
    assert.deepEqual(decider.stats().fallbacks, {});
  } finally {
    decider.close();
  }
});

test('EVIDENCE_ONLY: a review of such a kind never introduces the rule\'s finding, though the finding names it', () => {
  // A Gateway any namespace may bind, and a VirtualService of another namespace binding it: HJK005's
  // finding on the Gateway names the VirtualService, with the fingerprint and severity it had without it.
  const objects = parseObjects(`${TENANT_NAMESPACES_YAML}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: payments}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`);
  const vs = parseObjects(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: grab, namespace: shop}
spec:
  hosts: [shop.example.com]
  gateways: [payments/public]
  http:
  - route:
    - destination: {host: web.shop.svc.cluster.local}
`)[0];
  const hjk005 = admissionRules().filter((r) => r.meta.id === 'HJK005');
  const withVs = runRules(new MeshModel([...objects, vs].map((o) => toResource(o))), hjk005, { settings: opts.settings }).findings;
  assert.ok(withVs.some((f) => f.evidence.some((e) => e.resource?.kind === 'VirtualService' && e.resource.name === 'grab')), 'the finding names the VirtualService');
  for (const op of ['CREATE', 'UPDATE'] as const) {
    const before = op === 'CREATE' ? objects : [...objects, { ...vs, spec: { ...vs.spec, gateways: [] } }];
    const req = op === 'CREATE' ? reviewOf('CREATE', vs) : reviewOf('UPDATE', vs, before[before.length - 1]);
    const ref = decideReference(req, stateOf(before), { ...opts, rules: hjk005 });
    assert.deepEqual(ids(ref), [], `${op}: the reference introduces nothing`);
    assert.deepEqual(ids(new FastDecider({ ...opts, rules: hjk005 }, { staleness: 'wait' }).decide(req, stateOf(before))), []);
  }
  // Over the equivalence corpus: no review of a listed kind has the reference introduce the rule's finding.
  const cases = [...docsCases(allRules), ...casesOf('insecure', exampleObjects(path.join(REPO_ROOT, 'examples', 'insecure'))), ...randomCases(200, 17)];
  for (const [ruleId, kinds] of EVIDENCE_ONLY) {
    const rules = admissionRules().filter((r) => r.meta.id === ruleId);
    let checked = 0;
    for (const c of cases) {
      const listed = kinds.has(c.req.kind.kind) || (kinds.has('workload') && (WORKLOAD_KINDS as readonly string[]).includes(c.req.kind.kind));
      if (c.req.operation === 'DELETE' || !listed) continue;
      // An object of the root namespace, or a cluster-scoped one, reaches the whole mesh: every rule runs
      // for it uncut (decide-fast.ts), whatever it names. A workload there can make the root namespace
      // known to the input, which grades AUT001.
      if (!c.req.namespace || c.req.namespace === new MeshModel([...c.state.resources()]).rootNamespace) continue;
      checked++;
      assert.deepEqual(ids(decideReference(c.req, c.state, { ...opts, rules })), [], `${ruleId} introduced by ${c.name}`);
    }
    assert.ok(checked > 20, `${ruleId}: only ${checked} reviews checked`);
  }
});

test('BYP008 runs for a workload review only where it can name one: a namespace in no mode where some workloads join on their own', () => {
  // `mixed`: one Deployment joins by its pod label, so a new one that does not is listed (low). `out`:
  // nothing joins, the finding on the Namespace names no workload, and the rule is skipped.
  const objects = parseObjects(docs('apiVersion: v1\nkind: Namespace\nmetadata: {name: mixed}', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: out}', deployment('mixed', 'joined', optedIn('joined')), deployment('out', 'first')));
  const state = stateOf(objects);
  const decider = new FastDecider(opts, { staleness: 'wait' });
  try {
    const mixed = reviewOf('CREATE', parseObjects(deployment('mixed', 'plain'))[0]);
    const got = decider.decide(mixed, state);
    assert.deepEqual(got, decideReference(mixed, state, opts));
    assert.ok(ids(got).includes('BYP008'), `a workload outside the mesh beside one that joined is listed: ${JSON.stringify(ids(got))}`);
    const out = reviewOf('CREATE', parseObjects(deployment('out', 'plain'))[0]);
    const none = decider.decide(out, state);
    assert.deepEqual(none, decideReference(out, state, opts));
    assert.ok(!ids(none).includes('BYP008'), JSON.stringify(ids(none)));
    assert.deepEqual(decider.stats().fallbacks, {});
  } finally {
    decider.close();
  }
});
