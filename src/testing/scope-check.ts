/**
 * Checks what a rule's `scope: 'namespace'` promises (src/engine/scope.ts) over one set of objects:
 * - locality: for each tenant namespace N, removing N's objects (but its gateways, whose changes are
 *   never scoped) changes none of the rule's findings scoped to another tenant namespace;
 * - locality of a Namespace: changing tenant namespace N's Namespace object, in what only some rules
 *   read (labels but the mode, injection and waypoint ones, annotations) or in its mesh mode (injection
 *   turned around), in the same tenant, changes none of the rule's findings scoped to another tenant
 *   namespace (so such an update re-runs the rule over N alone);
 * - the view: the rule's findings scoped to N and to the shared namespaces (system namespaces,
 *   cluster-scoped objects) over namespaceSliceView(model, {N}) are its findings there over the whole
 *   model.
 * Used by src/engine/scope.test.ts for every rule that declares the scope, and by
 * `node bench/scope-discover.js` to list the rules that keep both promises on the test corpora (a
 * candidate to declare, after reading the rule: a corpus can only show a dependency it contains).
 */
import { runRules } from '../engine/run.js';
import { CROSS_NAMESPACE_KINDS, findingScope, namespaceSliceView } from '../engine/scope.js';
import type { Finding } from '../engine/finding.js';
import { defaultSettings } from '../config/settings.js';
import { MeshModel, type ModelOptions } from '../model/model.js';
import { inCanonicalOrder } from '../cli/live.js';
import type { Resource } from '../model/resource.js';
import { NAMESPACE_FACT_LABELS } from '../model/namespaces.js';
import { movesTenant } from '../model/overlay.js';
import type { Rule } from '../rules/types.js';
import { exampleObjects, identity, parseObjects, toResource, type Obj } from './decide-corpus.js';
import { anyObjectArb, TENANTS } from './cluster-corpus.js';
import { REPO_ROOT } from './kit.js';
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** A finding as the checks compare it: everything a user sees of it. */
export function findingLine(f: Finding): string {
  const ev = f.evidence.map((e) => (e.resource ? `${e.resource.kind}:${e.resource.namespace ?? ''}/${e.resource.name}` : '-')).join(',');
  return `${f.ruleId} ${f.fingerprint} ${f.severity} ${f.message} [${ev}]`;
}

function modelOf(objects: readonly Resource[], opts: ModelOptions): MeshModel {
  return new MeshModel(inCanonicalOrder(objects.map((r, i) => ({ ...r, id: i }))), opts);
}

/** Per rule id, per scope, the finding lines (sorted); a rule that threw maps to null. */
function byRuleAndScope(model: MeshModel, rules: readonly Rule[]): Map<string, Map<string, string[]> | null> {
  const res = runRules(model, rules, { settings: defaultSettings(), compact: true });
  const out = new Map<string, Map<string, string[]> | null>(rules.map((r) => [r.meta.id, new Map()]));
  for (const f of res.failures) out.set(f.ruleId, null);
  for (const f of res.findings) {
    const m = out.get(f.ruleId);
    if (!m) continue;
    const s = findingScope(f);
    const list = m.get(s);
    if (list) list.push(findingLine(f));
    else m.set(s, [findingLine(f)]);
  }
  for (const m of out.values()) if (m) for (const l of m.values()) l.sort();
  return out;
}

function same(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((l, i) => l === y[i]);
}

/** The first line in one list and not the other, for a message. */
function firstDifference(a: readonly string[] | undefined, b: readonly string[] | undefined): string {
  const x = new Set(a ?? []);
  const y = new Set(b ?? []);
  for (const l of x) if (!y.has(l)) return `only with it: ${l}`;
  for (const l of y) if (!x.has(l)) return `only without it: ${l}`;
  return 'the same findings in another order';
}

/**
 * The rules of `rules` that break a promise over `objects` (Kubernetes objects), with the first way
 * each breaks it. Every namespace gets a Namespace object first (an unlabelled one where it has none):
 * a namespace appearing or vanishing re-runs every rule over the whole model anyway.
 */
export function scopeViolations(rules: readonly Rule[], objects: readonly Obj[], opts: ModelOptions = {}): Map<string, string> {
  const resources = objects.map((o) => toResource(o));
  const named = new Set(resources.filter((r) => r.kind === 'Namespace' && r.group === '').map((r) => r.name));
  for (const ns of new Set(resources.map((r) => r.namespace))) {
    if (ns && !named.has(ns)) resources.push(toResource({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
  }
  const whole = modelOf(resources, opts);
  const full = byRuleAndScope(whole, rules);
  const out = new Map<string, string>();
  const tenants = whole.namespaces().map((n) => n.name).filter((ns) => !whole.isSystemNamespace(ns));
  // Findings a scoped run gives again whatever namespace changed (system namespaces, cluster-scoped objects).
  const shared = (s: string) => s === '' || whole.isSystemNamespace(s);
  for (const ns of tenants) {
    // Gateways stay: a change of one always re-runs every rule over the whole model (scope.ts).
    const without = byRuleAndScope(modelOf(resources.filter((r) => r.namespace !== ns || CROSS_NAMESPACE_KINDS.has(`${r.group}/${r.kind}`)), opts), rules);
    const viewed = byRuleAndScope(namespaceSliceView(whole, new Set([ns])), rules);
    for (const rule of rules) {
      const id = rule.meta.id;
      if (out.has(id)) continue;
      const a = full.get(id);
      const b = without.get(id);
      const v = viewed.get(id);
      if (a === null || b === null || v === null) {
        if (!(a === null && b === null && v === null)) out.set(id, `failed in one run and not another (namespace ${ns})`);
        continue;
      }
      for (const s of new Set([...a!.keys(), ...b!.keys()])) {
        if (s === ns || shared(s) || same(a!.get(s), b!.get(s))) continue;
        out.set(id, `removing namespace ${ns}'s objects changed findings scoped to "${s}": ${firstDifference(a!.get(s), b!.get(s))}`);
        break;
      }
      for (const s of new Set([...a!.keys(), ...v!.keys()])) {
        if (out.has(id) || (s !== ns && !shared(s)) || same(a!.get(s), v!.get(s))) continue;
        out.set(id, `over namespace ${ns} alone its findings scoped to "${s}" differ: ${firstDifference(a!.get(s), v!.get(s))}`);
      }
    }
    // The Namespace object's content: its labels and annotations but the facts every rule sees.
    for (const [what, relabelled] of [
      ['labels and annotations (not its mode, injection or waypoint)', withNamespaceContentChanged(whole, resources, ns)],
      ['mode (injection turned around)', withNamespaceModeChanged(whole, resources, ns)],
    ] as const) {
      if (!relabelled) continue;
      const after = byRuleAndScope(modelOf(relabelled, opts), rules);
      for (const rule of rules) {
        const id = rule.meta.id;
        if (out.has(id)) continue;
        const a = full.get(id);
        const c = after.get(id);
        if (a === null || c === null) {
          if (a !== c) out.set(id, `failed in one run and not another (namespace ${ns}'s ${what} changed)`);
          continue;
        }
        for (const s of new Set([...a!.keys(), ...c!.keys()])) {
          if (s === ns || shared(s) || same(a!.get(s), c!.get(s))) continue;
          out.set(id, `changing namespace ${ns}'s Namespace ${what} changed findings scoped to "${s}": ${firstDifference(a!.get(s), c!.get(s))}`);
          break;
        }
      }
    }
  }
  return out;
}

/**
 * `resources` with tenant namespace `ns`'s Namespace object's mesh facts turned around: injection off
 * where it was on (or the namespace ambient), on where it was not. Null as withNamespaceRelabelled.
 */
function withNamespaceModeChanged(whole: MeshModel, resources: readonly Resource[], ns: string): Resource[] | null {
  return withNamespaceRelabelled(whole, resources, ns, (old) => {
    const labels: Record<string, string> = { ...old };
    for (const k of NAMESPACE_FACT_LABELS) delete labels[k];
    labels['istio-injection'] = whole.namespace(ns).mode === 'none' ? 'enabled' : 'disabled';
    return labels;
  });
}

/**
 * `resources` with tenant namespace `ns`'s Namespace object replaced by one that keeps only the facts
 * every rule sees (NAMESPACE_FACT_LABELS) and carries a label it did not: the change a Namespace
 * update scoped to `ns` makes (src/engine/incremental.ts). Null as withNamespaceRelabelled.
 */
function withNamespaceContentChanged(whole: MeshModel, resources: readonly Resource[], ns: string): Resource[] | null {
  return withNamespaceRelabelled(whole, resources, ns, (old) => {
    const labels: Record<string, string> = { 'meshward.io/scope-check': 'changed' };
    for (const k of NAMESPACE_FACT_LABELS) if (Object.hasOwn(old, k)) labels[k] = old[k];
    return labels;
  });
}

/**
 * `resources` with tenant namespace `ns`'s Namespace object given the labels `relabel` makes of its
 * own. Null when the namespace has no Namespace object, or when the new labels would move it to another
 * tenant (such an update re-runs every rule).
 */
function withNamespaceRelabelled(whole: MeshModel, resources: readonly Resource[], ns: string, relabel: (labels: Record<string, string>) => Record<string, string>): Resource[] | null {
  const i = resources.findIndex((r) => r.group === '' && r.kind === 'Namespace' && r.name === ns);
  if (i < 0) return null;
  const old = resources[i];
  const replaced = toResource({ apiVersion: old.apiVersion, kind: 'Namespace', metadata: { name: ns, labels: relabel(old.labels) } });
  if (movesTenant(whole, ns, replaced.labels)) return null;
  return resources.map((r, j) => (j === i ? replaced : r));
}

/** One set of objects to check over, named for messages. */
export interface ScopeCorpus {
  name: string;
  objects: Obj[];
  opts: ModelOptions;
}

/**
 * The corpora the checks run over: each rule's docs examples (bad and good together: cases side by
 * side), the bundled examples, the real-world fixtures (test/fixtures/realworld, one corpus per
 * folder), and `random` random clusters (cluster-corpus.ts), half of them under a tenant policy.
 */
export function scopeCorpora(rules: readonly Rule[], random: number, seed: number): ScopeCorpus[] {
  const out: ScopeCorpus[] = [];
  for (const r of rules) {
    const objects = [...(r.meta.docs.bad ? parseObjects(r.meta.docs.bad) : []), ...(r.meta.docs.good ? parseObjects(r.meta.docs.good).map((o) => renamed(o, 'good')) : [])];
    if (objects.length) out.push({ name: `${r.meta.id} docs`, objects, opts: {} });
  }
  for (const dir of ['insecure', 'secure', 'multicluster']) out.push({ name: `examples/${dir}`, objects: exampleObjects(path.join(REPO_ROOT, 'examples', dir)), opts: {} });
  const realworld = path.join(REPO_ROOT, 'test', 'fixtures', 'realworld');
  for (const dir of readdirSync(realworld).sort()) out.push({ name: `realworld/${dir}`, objects: exampleObjects(path.join(realworld, dir)), opts: {} });
  const clusters = fc.sample(fc.tuple(fc.array(anyObjectArb, { minLength: 4, maxLength: 30 }), fc.boolean()), { numRuns: random, seed });
  clusters.forEach(([objects, withTenants], i) => out.push({ name: `random cluster ${i} (seed ${seed})`, objects: dedupe(objects), opts: withTenants ? { tenantPolicy: TENANTS } : {} }));
  return out;
}

/** A docs example's good twin under another name, so that bad and good sit side by side. */
function renamed(o: Obj, suffix: string): Obj {
  const c = structuredClone(o);
  if (c.kind !== 'Namespace' && c.kind !== 'ConfigMap') c.metadata.name = `${c.metadata.name}-${suffix}`;
  return c;
}

/** The last object of each identity (a cluster holds one). */
function dedupe(objects: readonly Obj[]): Obj[] {
  const m = new Map<string, Obj>();
  for (const o of objects) m.set(identity(o), o);
  return [...m.values()];
}
