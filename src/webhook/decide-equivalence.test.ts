// The fast admission decision must answer exactly what the reference answers: the same introduced
// findings (every member: rule, severity, message, resource, evidence, fingerprint) and the same
// failing rules, for every review. Reviews come from every rule's docs examples, the bundled examples,
// and random small clusters changed by random sequences of creates, updates and deletes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import { defaultSettings } from '../config/settings.js';
import { allRules } from '../rules/index.js';
import { REPO_ROOT } from '../testing/kit.js';
import { admissionRules } from './admission-kinds.js';
import { FastDecider, decideIntroduced, decideReference, type DecideOptions } from './decide.js';
import { casesOf, CORPUS_CLUSTER, docsCases, exampleObjects, identity, reviewOf, stateOf, toResource, type Obj, type ReviewCase } from './decide-corpus.js';
import type { DecisionState } from './types.js';

const opts: DecideOptions = { tenantPolicy: null, settings: defaultSettings(), cluster: CORPUS_CLUSTER };

function comparable(d: ReturnType<typeof decideReference>) {
  return { introduced: JSON.parse(JSON.stringify(d.introduced)), failures: d.failures.map((f) => f.ruleId).sort() };
}

/** Decides every case both ways; returns the cases that differ, and how many took the fast path. */
function compare(cases: ReviewCase[]): { mismatches: string[]; fast: number; fallbacks: Record<string, number> } {
  const mismatches: string[] = [];
  let fast = 0;
  const fallbacks: Record<string, number> = {};
  for (const c of cases) {
    const decider = new FastDecider(opts, { staleness: 'wait' });
    const got = comparable(decider.decide(c.req, c.state));
    const want = comparable(decideReference(c.req, c.state, opts));
    const s = decider.stats();
    fast += s.fast;
    for (const [k, v] of Object.entries(s.fallbacks)) fallbacks[k] = (fallbacks[k] ?? 0) + v;
    try {
      assert.deepEqual(got, want);
    } catch {
      mismatches.push(`${c.name}: fast ${JSON.stringify(got.introduced.map((f: any) => `${f.ruleId} ${f.severity} ${f.message}`))} reference ${JSON.stringify(want.introduced.map((f: any) => `${f.ruleId} ${f.severity} ${f.message}`))}`);
    }
  }
  return { mismatches, fast, fallbacks };
}

test('docs examples of every rule, as CREATE, UPDATE and DELETE reviews: fast = reference', () => {
  const cases = docsCases(allRules);
  const { mismatches, fast, fallbacks } = compare(cases);
  assert.deepEqual(mismatches, []);
  // The fast path must actually be taken, not only the fallback (docs examples are rich in Namespaces,
  // mesh config and root-namespace objects, which the fast path hands to the reference).
  assert.ok(fast > cases.length / 3, `only ${fast} of ${cases.length} reviews took the fast path; fallbacks: ${JSON.stringify(fallbacks)}`);
});

for (const example of ['insecure', 'secure']) {
  test(`examples/${example}, every object as CREATE, UPDATE and DELETE: fast = reference`, () => {
    const objects = exampleObjects(path.join(REPO_ROOT, 'examples', example));
    assert.ok(objects.length > 20);
    const { mismatches } = compare(casesOf(example, objects));
    assert.deepEqual(mismatches, []);
  });
}

test('examples/insecure as the cache, examples/secure objects as updates of theirs: fast = reference', () => {
  const insecure = exampleObjects(path.join(REPO_ROOT, 'examples', 'insecure'));
  const secure = exampleObjects(path.join(REPO_ROOT, 'examples', 'secure'));
  const byId = new Map(insecure.map((o) => [identity(o), o]));
  const cases: ReviewCase[] = [];
  for (const o of secure) {
    const old = byId.get(identity(o));
    if (old) cases.push({ name: `secure→insecure ${identity(o)}`, req: reviewOf('UPDATE', old, o), state: stateOf(secure) });
  }
  assert.ok(cases.length > 10);
  assert.deepEqual(compare(cases).mismatches, []);
});

test('decideIntroduced reuses the base across reviews of one cache, and a new version is picked up', () => {
  const objects = exampleObjects(path.join(REPO_ROOT, 'examples', 'insecure'));
  const resources = stateOf(objects).resources;
  const state: DecisionState = { version: 1, synced: true, resources };
  const vs = objects.find((o) => o.kind === 'VirtualService')!;
  const changed = structuredClone(vs);
  changed.metadata.labels = { touched: 'yes' };
  const r1 = decideIntroduced(reviewOf('UPDATE', changed, vs), state, opts);
  const r2 = decideIntroduced(reviewOf('UPDATE', changed, vs), state, opts);
  assert.deepEqual(comparable(r1), comparable(r2));
  assert.deepEqual(comparable(r1), comparable(decideReference(reviewOf('UPDATE', changed, vs), state, opts)));
});

// ---------------------------------------------------------------------------------------------
// Random small clusters: namespaces, Services, workloads, VirtualServices, ServiceEntries, Sidecars,
// AuthorizationPolicies, PeerAuthentications and DestinationRules whose hosts and selectors overlap.

const NAMESPACES = ['shop', 'payments', 'team-a', 'istio-system'];
const APPS = ['web', 'api', 'pay'];
const hostArb = fc.oneof(
  fc.constantFrom(...APPS),
  fc.tuple(fc.constantFrom(...APPS), fc.constantFrom(...NAMESPACES)).map(([a, n]) => `${a}.${n}.svc.cluster.local`),
  fc.tuple(fc.constantFrom(...APPS), fc.constantFrom(...NAMESPACES)).map(([a, n]) => `${a}.${n}`),
  fc.constantFrom('api.example.com', '*.example.com', '*', '*.payments.svc.cluster.local', 'db.internal'),
);
const nsArb = fc.constantFrom(...NAMESPACES);
const nameArb = fc.constantFrom('a', 'b', ...APPS);
const labelsArb = fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom(...APPS, 'x'), { maxKeys: 2 });

const objectArb: fc.Arbitrary<Obj> = fc.oneof(
  fc.record({ name: nsArb, mode: fc.constantFrom('enabled', 'disabled', 'none', 'ambient') }).map(({ name, mode }) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: mode === 'none' ? {} : mode === 'ambient' ? { 'istio.io/dataplane-mode': 'ambient' } : { 'istio-injection': mode } },
  })),
  fc.record({ ns: nsArb, name: fc.constantFrom(...APPS), type: fc.constantFrom('ClusterIP', 'LoadBalancer') }).map(({ ns, name, type }) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { type, selector: { app: name }, ports: [{ name: 'http', port: 80 }] },
  })),
  fc.record({ ns: nsArb, name: nameArb, labels: labelsArb, inject: fc.constantFrom(undefined, 'false', 'true'), uid: fc.constantFrom(undefined, 1337) }).map(({ ns, name, labels, inject, uid }) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: inject === undefined ? labels : { ...labels, 'sidecar.istio.io/inject': inject } },
        spec: { containers: [{ name: 'app', image: 'app:1', securityContext: uid === undefined ? undefined : { runAsUser: uid } }] },
      },
    },
  })),
  fc.record({ ns: nsArb, name: nameArb, hosts: fc.array(hostArb, { minLength: 1, maxLength: 3 }), exportTo: fc.constantFrom(undefined, ['.'], ['*']), gateways: fc.constantFrom(undefined, ['mesh'], ['istio-system/ingress']), dest: hostArb }).map(
    ({ ns, name, hosts, exportTo, gateways, dest }) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name, namespace: ns },
      spec: { hosts, ...(exportTo ? { exportTo } : {}), ...(gateways ? { gateways } : {}), http: [{ route: [{ destination: { host: dest } }] }] },
    }),
  ),
  fc.record({ ns: nsArb, name: nameArb, hosts: fc.array(hostArb, { minLength: 1, maxLength: 2 }), resolution: fc.constantFrom('DNS', 'NONE', 'STATIC') }).map(({ ns, name, hosts, resolution }) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name, namespace: ns },
    spec: { hosts, location: 'MESH_EXTERNAL', resolution, ports: [{ number: 443, name: 'tls', protocol: 'TLS' }] },
  })),
  fc.record({ ns: nsArb, name: nameArb, egress: fc.constantFrom(['./*'], ['*/*'], ['./*', 'istio-system/*']), selector: fc.option(labelsArb, { nil: undefined }), allowAny: fc.boolean() }).map(({ ns, name, egress, selector, allowAny }) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name, namespace: ns },
    spec: { ...(selector ? { workloadSelector: { labels: selector } } : {}), egress: [{ hosts: egress }], ...(allowAny ? { outboundTrafficPolicy: { mode: 'ALLOW_ANY' } } : {}) },
  })),
  fc.record({ ns: nsArb, name: nameArb, selector: fc.option(labelsArb, { nil: undefined }), action: fc.constantFrom('ALLOW', 'DENY'), rules: fc.constantFrom(undefined, [{}], [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] }], [{ to: [{ operation: { notPaths: ['/admin'] } }] }], [{ from: [{ source: { namespaces: ['shop', 'nowhere'] } }] }]) }).map(
    ({ ns, name, selector, action, rules }) => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name, namespace: ns },
      spec: { ...(selector ? { selector: { matchLabels: selector } } : {}), action, ...(rules ? { rules } : {}) },
    }),
  ),
  fc.record({ ns: nsArb, name: nameArb, mode: fc.constantFrom('STRICT', 'PERMISSIVE', 'DISABLE'), selector: fc.option(labelsArb, { nil: undefined }) }).map(({ ns, name, mode, selector }) => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace: ns },
    spec: { ...(selector ? { selector: { matchLabels: selector } } : {}), mtls: { mode } },
  })),
  fc.record({ ns: nsArb, name: nameArb, host: hostArb, tls: fc.constantFrom('ISTIO_MUTUAL', 'DISABLE', 'SIMPLE') }).map(({ ns, name, host, tls }) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name, namespace: ns },
    spec: { host, trafficPolicy: { tls: { mode: tls } } },
  })),
);

type Step = { op: 'CREATE' | 'UPDATE' | 'DELETE'; object: Obj; pick: number };
const stepArb: fc.Arbitrary<Step> = fc.record({ op: fc.constantFrom('CREATE', 'UPDATE', 'DELETE'), object: objectArb, pick: fc.nat() });

test('random clusters and random sequences of creates, updates and deletes: fast = reference at every step', () => {
  fc.assert(
    fc.property(fc.array(objectArb, { maxLength: 14 }), fc.array(stepArb, { minLength: 1, maxLength: 6 }), (initial, steps) => {
      // One object per identity, as in a cluster.
      const cluster = new Map<string, Obj>();
      for (const o of [...NAMESPACES.slice(0, 2).map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { 'istio-injection': 'enabled' } } })), ...initial]) cluster.set(identity(o), o);
      let current = [...cluster.values()].map((o) => toResource(o));
      let version = 1;
      const resources = () => current;
      const decider = new FastDecider(opts, { staleness: 'wait' });
      for (const step of steps) {
        const state: DecisionState = { version, synced: true, resources };
        const existing = [...cluster.values()];
        let req;
        if (step.op === 'CREATE') {
          if (cluster.has(identity(step.object))) continue;
          req = reviewOf('CREATE', step.object);
        } else {
          if (!existing.length) continue;
          const old = existing[step.pick % existing.length];
          if (step.op === 'DELETE') req = reviewOf('DELETE', null, old);
          else {
            // An update keeps the identity: the generated object's content under the old object's name.
            const updated = { ...structuredClone(step.object), apiVersion: old.apiVersion, kind: old.kind, metadata: { ...old.metadata, labels: step.object.metadata.labels ?? {} } };
            if (old.kind !== step.object.kind) (updated as Obj).spec = structuredClone(old.spec);
            req = reviewOf('UPDATE', updated, old);
          }
        }
        const got = comparable(decider.decide(req, state));
        const want = comparable(decideReference(req, state, opts));
        assert.deepEqual(got, want, `${req.operation} ${req.kind.kind} ${req.namespace}/${req.name}`);
        // Apply the review to the cluster; the cache's version moves on.
        const subject = (req.object ?? req.oldObject) as Obj;
        if (req.operation === 'DELETE') cluster.delete(identity(subject));
        else cluster.set(identity(subject), req.object as Obj);
        current = [...cluster.values()].map((o) => toResource(o));
        version++;
      }
    }),
    { numRuns: Number(process.env.MESHWARD_EQUIVALENCE_RUNS ?? 150), seed: process.env.MESHWARD_EQUIVALENCE_SEED ? Number(process.env.MESHWARD_EQUIVALENCE_SEED) : undefined },
  );
});

test('the admission rules all take part in the equivalence (none is skipped by the fast path)', () => {
  assert.ok(admissionRules().length >= 60);
});
