// The webhook's base kept incrementally (decide-fast.ts rebuild → src/engine/incremental.ts): a cache
// whose objects stay the same Resource objects between versions except the ones that changed, as the
// informer cache's do. At every step the fast decision equals the reference, and the base was brought
// up to date by applying only the changed objects (not rebuilt from scratch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultSettings } from '../config/settings.js';
import { FastDecider, decideReference, type DecideOptions } from './decide.js';
import { CORPUS_CLUSTER, identity, reviewOf, toResource, objectArb, NAMESPACES, type Obj } from '../testing/decide-corpus.js';
import type { DecisionState } from './types.js';
import type { Resource } from '../model/resource.js';
import { propertySeed } from '../testing/property-seed.js';

const opts: DecideOptions = { tenantPolicy: null, settings: defaultSettings(), cluster: CORPUS_CLUSTER };

function comparable(d: ReturnType<typeof decideReference>) {
  return { introduced: JSON.parse(JSON.stringify(d.introduced)), failures: d.failures.map((f) => f.ruleId).sort() };
}

type Step = { op: 'CREATE' | 'UPDATE' | 'DELETE'; object: Obj; pick: number };
const stepArb: fc.Arbitrary<Step> = fc.record({ op: fc.constantFrom('CREATE', 'UPDATE', 'DELETE'), object: objectArb, pick: fc.nat() });

test('a cache changing one object at a time: the base is updated incrementally and fast = reference at every step', () => {
  let incremental = 0;
  fc.assert(
    fc.property(fc.array(objectArb, { maxLength: 14 }), fc.array(stepArb, { minLength: 1, maxLength: 8 }), (initial, steps) => {
      const cluster = new Map<string, Obj>();
      for (const o of [...NAMESPACES.slice(0, 2).map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { 'istio-injection': 'enabled' } } })), ...initial]) cluster.set(identity(o), o);
      // Resource objects kept across versions: only a changed object is a new one (as in the informer cache).
      const cache = new Map<string, Resource>([...cluster].map(([k, o]) => [k, toResource(o)]));
      let version = 1;
      const resources = () => cache.values();
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
            const updated = { ...structuredClone(step.object), apiVersion: old.apiVersion, kind: old.kind, metadata: { ...old.metadata, labels: step.object.metadata.labels ?? {} } };
            if (old.kind !== step.object.kind) (updated as Obj).spec = structuredClone(old.spec);
            req = reviewOf('UPDATE', updated, old);
          }
        }
        const got = comparable(decider.decide(req, state));
        const want = comparable(decideReference(req, state, opts));
        assert.deepEqual(got, want, `${req.operation} ${req.kind.kind} ${req.namespace}/${req.name}`);
        const subject = (req.object ?? req.oldObject) as Obj;
        const key = identity(subject);
        if (req.operation === 'DELETE') {
          cluster.delete(key);
          cache.delete(key);
        } else {
          cluster.set(key, req.object as Obj);
          cache.set(key, toResource(req.object as Obj));
        }
        version++;
      }
      incremental += decider.stats().incrementalBuilds;
    }),
    { numRuns: Number(process.env.MESHWARD_EQUIVALENCE_RUNS ?? 100), seed: propertySeed('MESHWARD_EQUIVALENCE_SEED') },
  );
  assert.ok(incremental > 0, 'some bases were brought up to date incrementally');
});
