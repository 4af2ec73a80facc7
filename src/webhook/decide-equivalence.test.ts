// The fast admission decision must answer exactly what the reference answers: the same introduced
// findings (every member: rule, severity, message, resource, evidence, fingerprint) and the same
// failing rules, for every review. Reviews come from every rule's docs examples, the bundled examples,
// and random small clusters changed by random sequences of creates, updates and deletes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { defaultSettings } from '../config/settings.js';
import { allRules } from '../rules/index.js';
import { REPO_ROOT } from '../testing/kit.js';
import { admissionRules } from './admission-kinds.js';
import { FastDecider, decideIntroduced, decideReference, type DecideOptions } from './decide.js';
import { casesOf, CORPUS_CLUSTER, docsCases, exampleObjects, identity, reviewOf, stateOf, toResource, objectArb, NAMESPACES, type Obj, type ReviewCase } from '../testing/decide-corpus.js';
import type { DecisionState } from './types.js';
import { propertySeed } from '../testing/property-seed.js';

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

// Inputs nobody here wrote: Istio's install manifests (the root namespace's Deployments, Services,
// ConfigMaps, webhooks), bookinfo with injected Pods as `kubectl get -o yaml` shows them, IstioOperators.
// Their objects of the root namespace, Namespaces and deletions take the paths added for them (an
// overlay of the whole mesh, a Namespace overlay, a DELETE run on the namespace slice).
test('test/fixtures/realworld, every object as CREATE, UPDATE and DELETE: fast = reference', () => {
  const realworld = path.join(REPO_ROOT, 'test', 'fixtures', 'realworld');
  let cases = 0;
  let fast = 0;
  for (const dir of readdirSync(realworld).sort()) {
    const objects = exampleObjects(path.join(realworld, dir));
    const run = compare(casesOf(`realworld/${dir}`, objects));
    assert.deepEqual(run.mismatches, [], dir);
    cases += casesOf(dir, objects).length;
    fast += run.fast;
  }
  assert.ok(cases > 100 && fast > cases / 3, `${fast} of ${cases} reviews took the fast path`);
});

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
    { numRuns: Number(process.env.MESHWARD_EQUIVALENCE_RUNS ?? 150), seed: propertySeed('MESHWARD_EQUIVALENCE_SEED') },
  );
});

test('the admission rules all take part in the equivalence (none is skipped by the fast path)', () => {
  assert.ok(admissionRules().length >= 60);
});
