import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { planSidecars, renderSidecars, sidecarObject, type SidecarGeneration } from './generate-sidecars.js';
import { parseTenantPolicy, type TenantPolicyFile } from './policy.js';
import { scanYaml, REPO_ROOT } from '../testing/kit.js';
import { scanPaths } from '../engine/scan.js';
import HJK001 from '../rules/hijack/HJK001-mesh-virtualservice-hijack.js';
import HJK011 from '../rules/hijack/HJK011-sidecar-imports-everything.js';

const ns = (name: string, labels: Record<string, string> = { 'istio-injection': 'enabled' }) =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels)}\n---\n`;

/** shop's VirtualService claims payments' Service on the mesh gateway: HJK001's scenario. */
const MESH = `${ns('istio-system', {})}${ns('shop')}${ns('shop-admin')}${ns('payments')}${ns('analytics')}apiVersion: v1
kind: Service
metadata: {name: payments-api, namespace: payments}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: storefront, namespace: shop}
spec: {ports: [{port: 80}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: grab, namespace: shop}
spec:
  hosts: [payments-api.payments.svc.cluster.local]
  http:
  - route:
    - destination: {host: storefront}
`;

const POLICY = parseTenantPolicy(
  `platform:
  namespaces: [ops]
tenants:
  - name: commerce
    namespaces: [shop, "shop-*", shop-legacy]
    trusts: [payments, shared, "team-*"]
  - name: payments
    namespaces: [payments]
  - name: data
    namespaceSelector:
      matchLabels: {team: data}
    trusts: [commerce]
`,
  'tenants.yaml',
);

async function plan(yaml: string, policy: TenantPolicyFile | null = null, root?: string): Promise<SidecarGeneration> {
  const res = await scanYaml(yaml, { rules: [], model: { tenantPolicy: policy } });
  assert.deepEqual(res.errors, []);
  return planSidecars(res.model, { rootNamespace: root });
}

const hostsOf = (g: SidecarGeneration) => Object.fromEntries(g.plans.map((p) => [p.namespace, p.egressHosts]));

test('without a policy every namespace gets itself and the root namespace; platform namespaces get nothing', async () => {
  const g = await plan(`${MESH}---\n${ns('kube-system', {})}`);
  assert.deepEqual(hostsOf(g), {
    analytics: ['./*', 'istio-system/*'],
    payments: ['./*', 'istio-system/*'],
    shop: ['./*', 'istio-system/*'],
    'shop-admin': ['./*', 'istio-system/*'],
  });
  assert.deepEqual(g.notes, []);
  const obj = sidecarObject(g.plans[0]) as any;
  assert.equal(obj.apiVersion, 'networking.istio.io/v1');
  assert.equal(obj.kind, 'Sidecar');
  assert.equal(obj.metadata.name, 'default');
  assert.equal(obj.spec.workloadSelector, undefined, 'namespace-wide');
  assert.deepEqual(obj.spec.outboundTrafficPolicy, { mode: 'REGISTRY_ONLY' });
});

test('the root namespace comes from the mesh config, or the option', async () => {
  const mesh = `${MESH}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: "rootNamespace: istio-config"\n`;
  const g = await plan(mesh);
  assert.equal(g.rootNamespace, 'istio-config');
  assert.deepEqual(g.plans.find((p) => p.namespace === 'shop')?.egressHosts, ['./*', 'istio-config/*']);
  assert.ok(!g.plans.some((p) => p.namespace === 'istio-config'));
  const forced = await plan(MESH, null, 'mesh-root');
  assert.deepEqual(forced.plans.find((p) => p.namespace === 'shop')?.egressHosts, ['./*', 'mesh-root/*']);
});

test('with a policy: same tenant, trusted tenants, trusted namespaces and globs; platform skipped', async () => {
  const extra = `---\n${ns('team-a')}${ns('team-b')}${ns('ops')}${ns('warehouse', { team: 'data', 'istio-injection': 'enabled' })}`;
  const g = await plan(MESH + extra, POLICY);
  const h = hostsOf(g);
  // commerce: shop, shop-admin (glob) and shop-legacy (named plainly, not in the input); trusts payments (tenant), shared (namespace), team-* (glob).
  assert.deepEqual(h.shop, ['./*', 'istio-system/*', 'payments/*', 'shared/*', 'shop-admin/*', 'shop-legacy/*', 'team-a/*', 'team-b/*']);
  assert.deepEqual(h['shop-legacy'], ['./*', 'istio-system/*', 'payments/*', 'shared/*', 'shop/*', 'shop-admin/*', 'team-a/*', 'team-b/*']);
  // payments trusts nobody; data (by label) trusts commerce.
  assert.deepEqual(h.payments, ['./*', 'istio-system/*']);
  assert.deepEqual(h.warehouse, ['./*', 'istio-system/*', 'shop/*', 'shop-admin/*', 'shop-legacy/*']);
  // Namespaces of no policy tenant are their own tenant.
  assert.deepEqual(h.analytics, ['./*', 'istio-system/*']);
  assert.equal(h.ops, undefined, 'platform namespace');
  const shop = g.plans.find((p) => p.namespace === 'shop')!;
  assert.equal(shop.tenant, 'commerce');
  assert.deepEqual(shop.sameTenant, ['shop-admin', 'shop-legacy']);
  assert.deepEqual(shop.trusted, ['payments', 'shared', 'team-a', 'team-b']);
  assert.ok(g.notes.some((n) => /tenant commerce names namespaces by the glob shop-\*: .*\(shop, shop-admin, shop-legacy\)/.test(n)), g.notes.join('\n'));
  assert.ok(g.notes.some((n) => /tenant data names namespaces by a namespaceSelector: .*\(warehouse\)/.test(n)), g.notes.join('\n'));
});

test('a namespace named like a policy tenant is not merged into that tenant', async () => {
  const p = parseTenantPolicy('tenants:\n  - name: payments\n    namespaces: [pay-eu, pay-us]\n', 't.yaml');
  const g = await plan(`${ns('payments')}${ns('pay-eu')}${ns('pay-us')}`, p);
  assert.deepEqual(hostsOf(g), {
    'pay-eu': ['./*', 'istio-system/*', 'pay-us/*'],
    'pay-us': ['./*', 'istio-system/*', 'pay-eu/*'],
    payments: ['./*', 'istio-system/*'],
  });
});

test('trusts that expand to nothing, existing Sidecars and ambient namespaces are noted', async () => {
  const p = parseTenantPolicy('tenants:\n  - name: a\n    namespaces: [shop]\n    trusts: [ghost-*, b]\n  - name: b\n    namespaces: ["b-*"]\n', 't.yaml');
  const existing = `---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: shop}\nspec:\n  egress: [{hosts: ["*/*"]}]\n---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: legacy, namespace: payments}\nspec:\n  egress: [{hosts: ["*/*"]}]\n---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: one-app, namespace: payments}\nspec:\n  workloadSelector: {labels: {app: x}}\n  egress: [{hosts: ["*/*"]}]\n---\n${ns('amb', { 'istio.io/dataplane-mode': 'ambient' })}`;
  const g = await plan(MESH + existing, p);
  const notes = g.notes.join('\n');
  assert.match(notes, /tenant a trusts "ghost-\*", which matches no namespace in the input/);
  assert.match(notes, /tenant a trusts tenant b, but no namespace of b is in the input/);
  assert.match(notes, /generated Sidecar shop\/default replaces the one in the input/);
  assert.match(notes, /namespace payments already has the namespace-wide Sidecar legacy; .*delete legacy/);
  assert.doesNotMatch(notes, /one-app/, 'a workload-scoped Sidecar does not conflict');
  assert.match(notes, /amb runs in ambient mode: Sidecar resources scope sidecar proxies only/);
});

test('YAML output: a header, one commented document per namespace, and it loads back cleanly', async () => {
  const g = await plan(MESH, POLICY);
  const text = renderSidecars(g, { format: 'yaml', policyFile: 'tenants.yaml', version: '9.9.9' });
  assert.match(text, /^# Generated by meshward 9\.9\.9 \(meshward generate sidecars\)\. Do not edit by hand/);
  assert.match(text, /# Tenant policy: tenants\.yaml\./);
  assert.match(text, /---\n# shop: tenant commerce; same tenant: shop-admin, shop-legacy; trusted: payments, shared\n/);
  const docs = parseAllDocuments(text).map((d) => d.toJS());
  assert.deepEqual(docs, g.plans.map(sidecarObject));
  const res = await scanYaml(text, { rule: HJK011 });
  assert.deepEqual(res.errors, []);
  assert.deepEqual(res.notes, []);
  assert.equal(res.model.ofKind('networking.istio.io', 'Sidecar').length, g.plans.length);
  assert.deepEqual(res.findings, [], 'the generated Sidecars import nothing from */');
});

test('JSON output is a v1 List that loads back', async () => {
  const g = await plan(MESH);
  const text = renderSidecars(g, { format: 'json', policyFile: null, version: '1' });
  const list = JSON.parse(text);
  assert.equal(list.kind, 'List');
  assert.deepEqual(list.items, g.plans.map(sidecarObject));
  const res = await scanYaml(text, { rules: [] });
  assert.deepEqual(res.errors, []);
  assert.equal(res.model.ofKind('networking.istio.io', 'Sidecar').length, 4);
});

test('nothing to generate still writes a valid, explanatory file', async () => {
  const g = await plan(ns('istio-system', {}));
  assert.deepEqual(g.plans, []);
  const text = renderSidecars(g, { format: 'yaml', policyFile: null, version: '1' });
  assert.match(text, /No tenant namespace was found/);
  assert.deepEqual((await scanYaml(text, { rules: [] })).errors, []);
});

// --- End to end: the generated Sidecars remove the hijack HJK001 reports. ---

async function hjk001(text: string, policy: TenantPolicyFile | null = null) {
  const res = await scanYaml(text, { rule: HJK001, model: { tenantPolicy: policy } });
  assert.deepEqual(res.errors, []);
  return res.findings.filter((f) => f.ruleId === 'HJK001');
}

test('HJK001 goes away once the generated Sidecars are applied (no policy)', async () => {
  const before = await hjk001(MESH);
  assert.equal(before.length, 1);
  assert.match(before[0].message, /sidecars in analytics, payments, shop-admin send that traffic/);
  const sidecars = renderSidecars(await plan(MESH), { format: 'yaml', policyFile: null, version: '1' });
  assert.deepEqual(await hjk001(`${MESH}---\n${sidecars}`), []);
});

test('with a policy, only namespaces that trust the attacker still take its route', async () => {
  const p = parseTenantPolicy(
    'tenants:\n  - name: commerce\n    namespaces: [shop, shop-admin]\n  - name: payments\n    namespaces: [payments]\n  - name: data\n    namespaces: [analytics]\n    trusts: [commerce]\n',
    't.yaml',
  );
  const sidecars = renderSidecars(await plan(MESH, p), { format: 'yaml', policyFile: 't.yaml', version: '1' });
  const after = await hjk001(`${MESH}---\n${sidecars}`, p);
  assert.equal(after.length, 1);
  assert.match(after[0].message, /sidecars in analytics send that traffic/, 'analytics trusts commerce, so it still imports shop\'s routes');
  assert.doesNotMatch(after[0].message, /payments send/);
});

test('examples/insecure: the generated Sidecars remove every HJK001 finding except in ambient namespaces', async () => {
  const examples = path.join(REPO_ROOT, 'examples', 'insecure');
  const res = await scanPaths([examples], { rules: [HJK001] });
  assert.deepEqual(res.errors, []);
  assert.ok(res.findings.length > 0, 'the insecure example has mesh hijacks to remove');
  const gen = planSidecars(res.model);
  // `kubectl apply` replaces objects of the same identity (the example's analytics/default Sidecar).
  const generated = gen.plans.map(sidecarObject) as Array<{ kind: string; metadata: { name: string; namespace: string } }>;
  const ids = new Set(generated.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`));
  const kept = res.model.resources.filter((r) => !ids.has(`${r.kind}/${r.namespace}/${r.name}`));
  assert.ok(kept.length < res.model.resources.length, 'the example has a Sidecar the generated one replaces');
  const applied = [...kept.map((r) => r.obj), ...generated].map((o) => `---\n${stringify(o)}`).join('');
  const after = await scanYaml(applied, { rule: HJK001 });
  assert.deepEqual(after.errors, []);
  // A Sidecar scopes sidecar proxies only; analytics is ambient, so only admission control protects it.
  assert.equal(res.model.namespace('analytics').mode, 'ambient');
  for (const f of after.findings) assert.match(f.message, /sidecars in analytics send that traffic/, f.message);
  assert.ok(res.findings.some((f) => /sidecars in [^;]*payments/.test(f.message)), 'before: payments takes the routes too');
  assert.ok(!after.findings.some((f) => /payments send|, payments/.test(f.message)), 'payments (sidecar mode) no longer takes the routes');
});

test('a namespace no namespace can be named (`*`, from a file the API server never saw) gets no Sidecar, and no Sidecar imports it', async () => {
  // A red-team input: Namespace "*" labelled into a tenant that another tenant trusts turned its Sidecars into */*.
  const policy = parseTenantPolicy('tenants:\n  - name: shop\n    namespaces: [shop]\n    trusts: [data]\n  - name: data\n    namespaceSelector: {matchLabels: {team: data}}\n', 'tenants.yaml');
  const g = await plan(`${ns('shop')}${ns('warehouse', { team: 'data' })}${ns('"*"', { team: 'data' })}`, policy);
  assert.deepEqual(hostsOf(g), { shop: ['./*', 'istio-system/*', 'warehouse/*'], warehouse: ['./*', 'istio-system/*'] });
  assert.ok(g.notes.some((n) => /^1 namespace of the input is not named as a namespace can be \("\*"; a DNS-1123 label/.test(n)), g.notes.join('\n'));
});
