// Every kind a rule actually reads through the model must be in its `reads` (issue 17): the incremental
// engine (src/engine/incremental.ts) and the admission webhook re-run only the rules whose `reads` name a
// changed kind, so an undeclared read is a finding that goes stale there. src/rules/reads.test.ts finds
// such kinds by their effect (take a kind out, see a finding change), which needs a corpus where the kind
// matters; this test finds them by the read itself: each rule runs over a model that records every kind
// asked of it (`ofKind`, `ofKindInNamespace`, the host index, the mesh config, the namespace list), the
// posture's reads included (a posture built over that model asks the same model), and a kind recorded
// but not declared fails, naming the rule and the kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import { defaultSettings } from '../config/settings.js';
import { runRules } from '../engine/run.js';
import { effectiveReads, normaliseKind, POSTURE_KEEPING_KINDS, readsNamespaceContent } from '../engine/incremental.js';
import { computePosture } from '../posture/index.js';
import { kindsReadThroughPosture, postureReads } from '../posture/reads.js';
import { MeshModel } from '../model/model.js';
import { NAMESPACE_FACT_LABELS, NAMESPACE_IDENTITY_FIELDS, type NamespaceInfo } from '../model/namespaces.js';
import { kindKey, type Resource } from '../model/resource.js';
import { REPO_ROOT } from '../testing/kit.js';
import { anyObjectArb } from '../testing/cluster-corpus.js';
import { WORKLOAD_READS } from './reads.js';
import { exampleObjects, objectArb, parseObjects, toResource, type Obj } from '../testing/decide-corpus.js';
import type { Rule } from './types.js';
import { allRules } from './index.js';

/**
 * Members of MeshModel that read objects of fixed kinds, with the kinds (beside `ofKind` and
 * `ofKindInNamespace`, recorded by argument). What the model derives from the mesh config, the
 * injector config and the cluster domain (`mesh`, `rootNamespace`, `injectors`, `clusterDomain`) is
 * not recorded: a change to those objects re-runs every rule (modelWideReason in src/model/overlay.ts,
 * held by src/engine/incremental.test.ts).
 */
const IMPLIED: Record<string, readonly string[]> = {
  // Built from Services and ServiceEntries.
  hosts: ['Service', 'networking.istio.io/ServiceEntry'],
  // Workloads come from every workload kind (and the pods Istio deploys for gateway-API Gateways);
  // meshModeOf and selectWorkloads ask workloadsIn through the same model.
  workloads: WORKLOAD_READS,
  workloadsIn: WORKLOAD_READS,
  workloadFor: WORKLOAD_READS,
};

/**
 * A NamespaceInfo that adds to `content` what is read of it beyond the facts every rule may see
 * (NAMESPACE_FACT_LABELS, the object's identity): `label <key>`, `labels (all)`, `object <field>`.
 */
function recordingInfo(info: NamespaceInfo, content: Set<string>): NamespaceInfo {
  const facts = new Set(NAMESPACE_FACT_LABELS);
  const label = (k: string | symbol) => {
    if (typeof k === 'string' && !facts.has(k)) content.add(`label ${k}`);
  };
  const labels = new Proxy(info.labels, {
    get: (t, k) => (label(k), Reflect.get(t, k)),
    has: (t, k) => (label(k), Reflect.has(t, k)),
    getOwnPropertyDescriptor: (t, k) => (label(k), Reflect.getOwnPropertyDescriptor(t, k)),
    ownKeys: (t) => (content.add('labels (all)'), Reflect.ownKeys(t)),
  });
  const resource = info.resource
    ? new Proxy(info.resource, {
        get: (t, k) => {
          if (typeof k === 'string' && !NAMESPACE_IDENTITY_FIELDS.has(k)) content.add(`object ${k}`);
          return Reflect.get(t, k);
        },
      })
    : null;
  return { ...info, labels, resource };
}

/**
 * A model that adds to `into` (grouped kind keys) every kind read through it, and to `content` (when
 * given) what is read of Namespace objects beyond the facts every rule sees (recordingInfo; listing
 * the Namespace objects counts as `object list`).
 */
function recording(model: MeshModel, into: Set<string>, content?: Set<string>): MeshModel {
  return new Proxy(model, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string') return value;
      if (content && prop === 'namespace') return (name: string) => recordingInfo(target.namespace(name), content);
      if (content && prop === 'namespaces') return () => target.namespaces().map((i) => recordingInfo(i, content));
      if (content && (prop === 'ofKind' || prop === 'ofKindInNamespace')) {
        return (group: string, kind: string, ...rest: unknown[]) => {
          into.add(kindKey(group, kind));
          if (group === '' && kind === 'Namespace') content.add('object list');
          return (value as (...a: unknown[]) => unknown).call(receiver, group, kind, ...rest);
        };
      }
      for (const k of IMPLIED[prop] ?? []) into.add(normaliseKind(k));
      if (prop === 'ofKind' || prop === 'ofKindInNamespace') {
        return (group: string, kind: string, ...rest: unknown[]) => {
          into.add(kindKey(group, kind));
          return (value as (...a: unknown[]) => unknown).call(receiver, group, kind, ...rest);
        };
      }
      return value;
    },
  });
}

/**
 * Rule id → what `read` reports of each rule's run over each corpus (on a fresh model of its own: the
 * posture is cached per model, and a posture built for another rule would hide this one's reads),
 * each with the corpus it was first seen in.
 */
function recordEach(corpora: Array<{ name: string; objects: Obj[] }>, rules: readonly Rule[], read: (rule: Rule, model: MeshModel) => Iterable<string>): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const { name, objects } of corpora) {
    const resources: Resource[] = objects.map((o, id) => ({ ...toResource(o), id }));
    for (const rule of rules) {
      for (const what of read(rule, new MeshModel(resources))) {
        const seen = out.get(rule.meta.id) ?? new Map<string, string>();
        if (!seen.has(what)) seen.set(what, name);
        out.set(rule.meta.id, seen);
      }
    }
  }
  return out;
}

/** Rule id → kinds read but not declared, each with the corpus it was first seen in. */
function undeclared(corpora: Array<{ name: string; objects: Obj[] }>, rules: readonly Rule[]): Map<string, Map<string, string>> {
  const settings = defaultSettings();
  return recordEach(corpora, rules, (rule, model) => {
    const read = new Set<string>();
    runRules(recording(model, read), [rule], { settings });
    const declared = new Set(effectiveReads(rule).map(normaliseKind));
    return [...read].filter((k) => !declared.has(k) && !MODEL_WIDE_ONLY.test(k));
  });
}

/**
 * Kinds read without being declared, on purpose: the Sail operator's resources (sailoperator.io). Every
 * change to one is model-wide (modelWideReason in src/model/overlay.ts), so the incremental engine and
 * the webhook run every rule again whatever `reads` say; and a live cluster holds what they render (the
 * `istio` ConfigMap, istiod's image), which the rules read and declare. Declaring them would only make
 * the webhook, the agent and `meshward rbac` watch a CRD for nothing.
 */
const MODEL_WIDE_ONLY = /^sailoperator\.io\//;

function describe(found: Map<string, Map<string, string>>): string[] {
  return [...found]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, kinds]) => `${id} reads ${[...kinds].map(([k, where]) => `${k} (in ${where})`).join(', ')} but its reads are ${JSON.stringify(allRules.find((r) => r.meta.id === id)?.meta.reads)}: add the kind to meta.reads`);
}

function corpora(): Array<{ name: string; objects: Obj[] }> {
  const out: Array<{ name: string; objects: Obj[] }> = [];
  for (const d of ['insecure', 'secure']) out.push({ name: `examples/${d}`, objects: exampleObjects(path.join(REPO_ROOT, 'examples', d)) });
  for (const rule of allRules) {
    const both = [rule.meta.docs.bad, rule.meta.docs.good].filter((t): t is string => !!t).flatMap((t) => parseObjects(t));
    if (both.length) out.push({ name: `${rule.meta.id} docs examples`, objects: both });
  }
  const seed = Number(process.env.MESHWARD_READS_SEED ?? 42);
  const runs = Number(process.env.MESHWARD_READS_RUNS ?? 20);
  fc.sample(fc.array(objectArb, { minLength: 4, maxLength: 24 }), { numRuns: runs, seed }).forEach((objects, i) => out.push({ name: `random cluster ${i} (seed ${seed})`, objects }));
  // With the control plane, the injector, RBAC, bare pods and the other kinds too.
  fc.sample(fc.array(anyObjectArb, { minLength: 4, maxLength: 24 }), { numRuns: runs, seed }).forEach((objects, i) => out.push({ name: `random cluster with every kind ${i} (seed ${seed})`, objects }));
  return out;
}

test('every kind a rule reads through the model (and its posture) is in its reads', () => {
  assert.deepEqual(describe(undeclared(corpora(), allRules)), []);
});

/**
 * Rule id → kinds of POSTURE_KEEPING_KINDS it reads itself (not through the posture) while its reads
 * name them only through postureReads: the incremental engine does not run such a rule for a change
 * of the kind that keeps every posture, so its findings would go stale.
 */
function readOutsidePosture(corpora: Array<{ name: string; objects: Obj[] }>, rules: readonly Rule[]): Map<string, Map<string, string>> {
  const settings = defaultSettings();
  return recordEach(corpora, rules, (rule, model) => {
    const through = kindsReadThroughPosture(rule.meta.reads).map(normaliseKind).filter((k) => POSTURE_KEEPING_KINDS.has(k));
    if (!through.length) return [];
    const read = new Set<string>();
    const recorded = recording(model, read);
    // The posture first, with what it reads forgotten: what is recorded after is the rule's own.
    computePosture(recorded);
    read.clear();
    runRules(recorded, [rule], { settings });
    return through.filter((k) => read.has(k));
  });
}

test('a rule that reads Istio Gateways itself names them (not only through postureReads)', () => {
  const found = readOutsidePosture(corpora(), allRules);
  assert.deepEqual(
    [...found].map(([id, kinds]) => `${id} reads ${[...kinds].map(([k, where]) => `${k} (in ${where})`).join(', ')} itself: name it in postureReads(...)`),
    [],
  );
});

test('the posture recording catches a rule reading Istio Gateways itself (AUT019 naming them only through the posture)', () => {
  const victim = allRules.find((r) => r.meta.id === 'AUT019')!;
  const broken: Rule = { ...victim, meta: { ...victim.meta, reads: postureReads(...victim.meta.reads.filter((k) => k !== 'networking.istio.io/Gateway')) } };
  const found = readOutsidePosture([{ name: 'AUT019 docs', objects: parseObjects(victim.meta.docs.bad!) }], [broken]);
  assert.ok(found.get('AUT019')?.has('networking.istio.io/Gateway'), `recorded: ${JSON.stringify([...(found.get('AUT019') ?? [])])}`);
});

/**
 * Rule id → what it reads of Namespace objects beyond the facts every rule sees, for rules that do not
 * say they read more (readsNamespaceContent: a Namespace update that keeps the facts re-runs only those that do).
 */
function undeclaredNamespaceContent(corpora: Array<{ name: string; objects: Obj[] }>, rules: readonly Rule[]): Map<string, Map<string, string>> {
  const settings = defaultSettings();
  return recordEach(corpora, rules, (rule, model) => {
    if (readsNamespaceContent(rule)) return [];
    const content = new Set<string>();
    runRules(recording(model, new Set(), content), [rule], { settings });
    return content;
  });
}

test('a rule that reads more of a Namespace than the facts every rule sees says so (namespaceContent, or Namespace in its reads)', () => {
  const found = undeclaredNamespaceContent(corpora(), allRules);
  assert.deepEqual(
    [...found].map(([id, what]) => `${id} reads ${[...what].map(([w, where]) => `${w} (in ${where})`).join(', ')} of Namespace objects: add Namespace to meta.reads, or take namespaceContent: false off`),
    [],
  );
});

test('the Namespace recording catches a read beyond the facts (BYP009 without Namespace)', () => {
  const victim = allRules.find((r) => r.meta.id === 'BYP009')!;
  const broken: Rule = { ...victim, meta: { ...victim.meta, reads: victim.meta.reads.filter((k) => k !== 'Namespace') } };
  const found = undeclaredNamespaceContent([{ name: 'BYP009 docs', objects: parseObjects(victim.meta.docs.bad!) }], [broken]);
  assert.ok([...(found.get('BYP009')?.keys() ?? [])].some((w) => w.startsWith('label pod-security')), `recorded: ${JSON.stringify([...(found.get('BYP009') ?? [])])}`);
});

test('the recording catches an undeclared read (HJK001 without Service)', () => {
  const victim = allRules.find((r) => r.meta.id === 'HJK001')!;
  const broken: Rule = { ...victim, meta: { ...victim.meta, reads: victim.meta.reads.filter((k) => k !== 'Service') } };
  const found = undeclared([{ name: 'examples/insecure', objects: exampleObjects(path.join(REPO_ROOT, 'examples', 'insecure')) }], [broken]);
  assert.ok(found.get('HJK001')?.has(kindKey('', 'Service')), `recorded: ${describe(found).join('; ') || 'nothing'}`);
});
