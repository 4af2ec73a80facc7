/**
 * Namespace scope (src/engine/scope.ts): every rule that declares `scope: 'namespace'` keeps both
 * promises (locality, the view) over the scope corpora, the checks catch a rule that breaks either,
 * and the incremental engine takes the scoped path exactly where it may. That scoped findings equal a
 * from-scratch analysis after random changes is src/engine/incremental.test.ts's property (which
 * asserts scoped runs happened).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allRules } from '../rules/index.js';
import { defineRule, type Rule } from '../rules/types.js';
import { scopeCorpora, scopeViolations } from '../testing/scope-check.js';
import { propertySeed } from '../testing/property-seed.js';
import { toResource, type Obj } from '../testing/decide-corpus.js';
import { IncrementalEngine, allFindings } from './incremental.js';
import { findingScope } from './scope.js';
import { buildTrafficFacts } from '../insights/facts.js';
import { REPO_ROOT } from '../testing/kit.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Resource } from '../model/resource.js';

const RUNS = Number(process.env.MESHWARD_PROPERTY_RUNS ?? 150);

test('every rule that declares scope: namespace keeps its promises over the scope corpora', () => {
  const declared = allRules.filter((r) => r.meta.scope === 'namespace');
  assert.ok(declared.length >= 40, `only ${declared.length} rules declare the scope`);
  const seed = propertySeed('MESHWARD_PROPERTY_SEED') ?? 17;
  const broken: string[] = [];
  for (const c of scopeCorpora(allRules, RUNS * 2, seed)) {
    for (const [id, why] of scopeViolations(declared, c.objects, c.opts)) broken.push(`${id} in ${c.name}: ${why}`);
  }
  assert.deepEqual(broken.slice(0, 5), [], `seed ${seed}: take scope: 'namespace' off the rule, or fix it`);
});

test('every declared rule keeps its promises over synthetic multi-tenant meshes (the benchmarks\' generator)', async () => {
  // bench/generate.js: tenant namespaces with workloads, Services, routes and policies, istio-system
  // first, 0.5 % of objects weakened so that rules report; 1,500 objects is about 30 namespaces.
  const gen = (await import(pathToFileURL(path.join(REPO_ROOT, 'bench', 'generate.js')).href)) as { namespaces(seed: number, n: number): Iterable<Obj[]>; DEFAULT_SEED: number };
  const declared = allRules.filter((r) => r.meta.scope === 'namespace');
  for (const seed of [gen.DEFAULT_SEED, 7]) {
    const objects = [...gen.namespaces(seed, 1500)].flat();
    assert.deepEqual([...scopeViolations(declared, objects)], [], `generator seed ${seed}`);
  }
});

test('the locality check catches a rule whose findings depend on another tenant namespace (HJK001 declared local)', () => {
  const hjk001 = allRules.find((r) => r.meta.id === 'HJK001')!;
  const claimed: Rule = { ...hjk001, meta: { ...hjk001.meta, scope: 'namespace' } };
  const docs = scopeCorpora([hjk001], 0, 1);
  const found = docs.flatMap((c) => [...scopeViolations([claimed], c.objects, c.opts).values()]);
  assert.ok(found.some((w) => w.includes('removing namespace')), found.join('\n') || 'no violation found');
});

/** A Service in shop and one in payments, each namespace with its Namespace object, and the mesh config. */
const TWO_TENANTS: Obj[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'payments' }, spec: { selector: { app: 'api' }, ports: [{ port: 80 }] } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: 'rootNamespace: istio-system' } },
];

const counting = (on: 'each service' | 'mesh config'): Rule =>
  defineRule({
    meta: { id: 'TST900', title: 'test', severity: 'low', category: 'custom', scope: 'namespace', reads: ['Service', 'ConfigMap'], docs: { summary: 's', why: 'w', fix: 'f' } },
    check(ctx) {
      const n = ctx.model.ofKind('', 'Service').length;
      if (on === 'each service') for (const s of ctx.model.ofKind('', 'Service')) ctx.report({ resource: s, message: `one of ${n} Services` });
      else ctx.report({ resource: ctx.model.meshConfigResource, message: `${n} Services in the mesh` });
    },
  });

test('the checks catch a rule that counts another namespace: locality for tenant findings, the view for shared ones', () => {
  const tenant = scopeViolations([counting('each service')], TWO_TENANTS).get('TST900') ?? '';
  assert.match(tenant, /removing namespace (shop|payments)'s objects changed findings scoped to "(payments|shop)"/);
  const shared = scopeViolations([counting('mesh config')], TWO_TENANTS).get('TST900') ?? '';
  assert.match(shared, /alone its findings scoped to "istio-system" differ/);
});

test('the locality check catches a rule whose findings read another tenant namespace\'s Namespace labels', () => {
  const teams: Rule = defineRule({
    meta: { id: 'TST901', title: 'test', severity: 'low', category: 'custom', scope: 'namespace', reads: ['Service', 'Namespace'], docs: { summary: 's', why: 'w', fix: 'f' } },
    check(ctx) {
      const labelled = ctx.model.ofKind('', 'Namespace').filter((n) => n.labels.team !== undefined).map((n) => n.name);
      for (const s of ctx.model.ofKind('', 'Service')) ctx.report({ resource: s, message: `namespaces with a team: ${labelled.join(',')}` });
    },
  });
  const objects = TWO_TENANTS.map((o) => (o.kind === 'Namespace' ? { ...o, metadata: { ...o.metadata, labels: { team: String(o.metadata?.name) } } } : o));
  assert.match(scopeViolations([teams], objects).get('TST901') ?? '', /changing namespace (shop|payments)'s Namespace labels and annotations .* changed findings scoped to "(payments|shop)"/);
});

test('the locality check catches a rule whose findings read another tenant namespace\'s mesh mode', () => {
  const meshed: Rule = defineRule({
    meta: { id: 'TST902', title: 'test', severity: 'low', category: 'custom', scope: 'namespace', reads: ['Service'], docs: { summary: 's', why: 'w', fix: 'f' } },
    check(ctx) {
      const inMesh = ctx.model.namespaces().filter((n) => n.mode === 'sidecar').map((n) => n.name);
      for (const s of ctx.model.ofKind('', 'Service')) ctx.report({ resource: s, message: `namespaces in the mesh: ${inMesh.join(',')}` });
    },
  });
  assert.match(scopeViolations([meshed], TWO_TENANTS).get('TST902') ?? '', /changing namespace (shop|payments)'s Namespace mode \(injection turned around\) changed findings scoped to "(payments|shop)"/);
});

test('a finding is scoped to its namespace, a Namespace object to itself, other cluster-scoped objects to none', () => {
  const ref = (kind: string, namespace: string, name: string, apiVersion = 'v1') => ({ resource: { cluster: 'c', apiVersion, kind, namespace, name } });
  assert.equal(findingScope(ref('Service', 'shop', 'web')), 'shop');
  assert.equal(findingScope(ref('Namespace', '', 'shop')), 'shop');
  assert.equal(findingScope(ref('ClusterRoleBinding', '', 'x', 'rbac.authorization.k8s.io/v1')), '');
});

/** An engine over `objects` after its first (full) analysis, the objects' map, and a put() that adds or replaces one and gives its key. */
function engineOver(objects: Obj[], rules: readonly Rule[] = allRules, opts: { scoping?: boolean } = {}): { engine: IncrementalEngine; map: Map<string, Resource>; put: (o: Obj) => string } {
  const engine = new IncrementalEngine(rules, opts);
  const map = new Map<string, Resource>();
  const put = (o: Obj) => {
    const r = toResource(o);
    const key = `${r.group}/${r.kind}/${r.namespace}/${r.name}`;
    map.set(key, r);
    return key;
  };
  for (const o of objects) put(o);
  engine.analyse(map, null);
  return { engine, map, put };
}

const POD = (ns: string, name: string, uid?: number): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels: { app: name }, annotations: { 'sidecar.istio.io/status': '{}' } },
  spec: { containers: [{ name: 'app', image: 'app:1', ...(uid === undefined ? {} : { securityContext: { runAsUser: uid } }) }, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2' }] },
});

test('the engine re-runs scoped rules over a tenant namespace alone, and every rule whole for shared changes', () => {
  const { engine, map, put } = engineOver([...TWO_TENANTS, POD('shop', 'web'), POD('payments', 'api', 1337)]);
  const uid1337 = () => allFindings(engine.analyse(map, [])).filter((f) => f.ruleId === 'BYP001').map((f) => `${f.resource.namespace}/${f.resource.name}`).sort();
  assert.deepEqual(uid1337(), ['payments/api']);
  // A tenant pod: the scoped rules run over shop alone; payments' finding is kept, shop's new one made.
  const r = engine.analyse(map, [put(POD('shop', 'web', 1337))]);
  assert.ok((r.rulesScoped ?? 0) > 0, 'a tenant change runs scoped rules');
  assert.ok(allRules.filter((x) => x.meta.scope !== 'namespace').some((x) => r.byRule.has(x.meta.id)));
  assert.deepEqual(uid1337(), ['payments/api', 'shop/web']);
  // Fixed again: only shop's goes.
  engine.analyse(map, [put(POD('shop', 'web'))]);
  assert.deepEqual(uid1337(), ['payments/api']);
  // A system namespace's object, a cluster-scoped one, a gateway: nothing scoped.
  for (const o of [POD('istio-system', 'istiod'), { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' }, rules: [] }, { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'shop' }, spec: { selector: { istio: 'ingressgateway' }, servers: [] } }]) {
    assert.equal(engine.analyse(map, [put(o)]).rulesScoped, 0, `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
  }
  // With traffic facts: nothing scoped.
  const facts = { key: 'v1', facts: buildTrafficFacts({ kind: 'file', name: 'metrics.txt', windowSeconds: 0, end: '2026-12-05T00:00:00Z' }, []) };
  engine.analyse(map, [], facts);
  assert.equal(engine.analyse(map, [put(POD('shop', 'web', 1337))], facts).rulesScoped, 0);
});

test('scoping off (the yardstick) runs every chosen rule over the whole model, with the same findings', () => {
  const base = [...TWO_TENANTS, POD('shop', 'web'), POD('payments', 'api', 1337)];
  const on = engineOver(base);
  const off = engineOver(base, allRules, { scoping: false });
  const line = (fs: ReturnType<typeof allFindings>) => fs.map((f) => `${f.ruleId} ${f.fingerprint} ${f.message}`).sort();
  const a = on.engine.analyse(on.map, [on.put(POD('shop', 'web', 1337))]);
  const b = off.engine.analyse(off.map, [off.put(POD('shop', 'web', 1337))]);
  assert.equal(b.rulesScoped, 0);
  assert.ok((a.rulesScoped ?? 0) > 0);
  assert.deepEqual(line(allFindings(a)), line(allFindings(b)));
});

test('perNamespace values are kept across runs until a change reaches their namespace; an unscoped change the rule reads forgets them all', () => {
  const computed: string[] = [];
  const counter = defineRule({
    meta: { id: 'TST901', title: 'test', severity: 'low', category: 'custom', reads: ['Pod', 'ClusterRole'], docs: { summary: 's', why: 'w', fix: 'f' } },
    check({ model, report, perNamespace }) {
      for (const ns of model.namespaces()) {
        const pods = perNamespace(ns.name, 'pods', () => {
          computed.push(ns.name);
          return model.ofKindInNamespace('', 'Pod', ns.name).length;
        });
        const first = model.inNamespace(ns.name)[0];
        if (first && pods) report({ resource: first, message: `${pods} pods` });
      }
    },
  });
  const { engine, map, put } = engineOver([...TWO_TENANTS, POD('shop', 'web'), POD('payments', 'api')], [counter]);
  const messages = () => allFindings(engine.analyse(map, [])).map((f) => `${f.resource.namespace}: ${f.message}`).sort();
  assert.deepEqual([...computed].sort(), ['istio-system', 'payments', 'shop']);
  computed.length = 0;
  // A pod in shop: only shop's value is computed again (system namespaces' never kept).
  engine.analyse(map, [put(POD('shop', 'web2'))]);
  assert.deepEqual([...computed].sort(), ['istio-system', 'shop']);
  assert.deepEqual(messages(), ['payments: 1 pods', 'shop: 2 pods']);
  computed.length = 0;
  // A cluster-scoped change: every value computed again.
  engine.analyse(map, [put({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' }, rules: [] })]);
  assert.deepEqual([...computed].sort(), ['istio-system', 'payments', 'shop']);
  // Kept for the two tenant namespaces only.
  assert.equal(engine.namespaceValues.size, 2);
  computed.length = 0;
  // An unscoped change of a kind the rule does not read (a ClusterRoleBinding): the rule does not run,
  // and its values are kept for its next run, which a pod in shop brings.
  const before = engine.analyse(map, [put({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'x' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'x' } })]);
  assert.equal(before.rulesRun, 0);
  engine.analyse(map, [put(POD('shop', 'web3'))]);
  assert.deepEqual([...computed].sort(), ['istio-system', 'shop']);
  assert.deepEqual(messages(), ['payments: 1 pods', 'shop: 3 pods']);
});
