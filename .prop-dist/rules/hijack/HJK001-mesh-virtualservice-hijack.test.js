import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK001-mesh-virtualservice-hijack.js';
import { findingsFor } from '../../testing/kit.js';
import { parseTenantPolicy } from '../../tenancy/policy.js';
import { injectedNamespaces, service } from '../../testing/fixtures.js';
const mesh = `${injectedNamespaces('shop', 'payments', 'analytics')}---
${service('payments-api', 'payments')}---
${service('storefront', 'shop')}`;
const vs = (hosts, extra = '', ns = 'shop') => `${mesh}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: grab, namespace: ${ns}}
spec:
  hosts: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]
${extra}
  http:
  - route:
    - destination: {host: collector.shop.svc.cluster.local}
`;
test('claiming another namespace\'s Service on the mesh gateway is critical and names victims and takers', async () => {
    const f = await findingsFor(rule, vs(['payments-api.payments.svc.cluster.local']));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.equal(f[0].location?.path, 'spec.hosts[0]');
    assert.match(f[0].message, /Service of other tenants \(payments\/payments-api\)/);
    assert.match(f[0].message, /sidecars in analytics, payments send that traffic/);
    assert.match(f[0].message, /no exportTo, and Istio's default is "\*"/);
    assert.ok(f[0].evidence.some((e) => e.role === 'victim' && e.resource?.name === 'payments-api'));
    assert.ok(f[0].evidence.some((e) => e.role === 'affected-namespaces' && /analytics, payments/.test(e.description)));
});
test('short forms resolve as Istio and DNS do', async () => {
    for (const h of ['payments-api.payments', 'payments-api.payments.svc', 'PAYMENTS-API.payments.svc.cluster.local.']) {
        const f = await findingsFor(rule, vs([h]));
        assert.equal(f.length, 1, h);
        assert.match(f[0].message, /payments-api\.payments\.svc\.cluster\.local/);
    }
    // A dotless short name means the config's own namespace: shop's own Service.
    assert.equal((await findingsFor(rule, vs(['storefront']))).length, 0);
});
test('wildcards cover every host they match', async () => {
    for (const h of ['*.payments.svc.cluster.local', '*.svc.cluster.local', '*.cluster.local', '*']) {
        const f = await findingsFor(rule, vs([h]));
        assert.equal(f.length, 1, h);
        assert.equal(f[0].severity, 'critical');
    }
    // A wildcard over a namespace with no Service objects in the input still names that namespace.
    const f = await findingsFor(rule, vs(['*.analytics.svc.cluster.local']));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /namespace analytics of another tenant/);
});
test('exportTo to its own namespace, or a mesh default of ".", is not a hijack', async () => {
    assert.equal((await findingsFor(rule, vs(['payments-api.payments.svc.cluster.local'], '  exportTo: ["."]'))).length, 0);
    assert.equal((await findingsFor(rule, vs(['payments-api.payments.svc.cluster.local'], '  exportTo: ["shop"]'))).length, 0);
    const narrowed = await findingsFor(rule, vs(['payments-api.payments.svc.cluster.local'], '  exportTo: ["analytics"]'));
    assert.equal(narrowed.length, 1);
    assert.match(narrowed[0].message, /sidecars in analytics send/);
    const meshDefault = { config: { defaultVirtualServiceExportTo: ['.'] }, file: 'mesh.yaml' };
    assert.equal((await findingsFor(rule, vs(['payments-api.payments.svc.cluster.local']), { model: { meshConfig: meshDefault } })).length, 0);
});
test('only mesh-bound routes count; gateway-only routes are another rule', async () => {
    assert.equal((await findingsFor(rule, vs(['payments-api.payments.svc.cluster.local'], '  gateways: [shop-gw]'))).length, 0);
    assert.equal((await findingsFor(rule, vs(['payments-api.payments.svc.cluster.local'], '  gateways: [shop-gw, mesh]'))).length, 1);
});
test('Sidecar scoping removes namespaces that do not import the route', async () => {
    const scoped = vs(['payments-api.payments.svc.cluster.local']) + `---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: payments}
spec:
  egress:
  - hosts: ["./*", "istio-system/*"]
`;
    const f = await findingsFor(rule, scoped);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /sidecars in analytics send/);
    const meshWideScope = scoped.replace('{name: default, namespace: payments}', '{name: default, namespace: istio-system}');
    assert.equal((await findingsFor(rule, meshWideScope)).length, 0, 'a root Sidecar scoping every namespace to ./* stops the hijack');
});
test('the root namespace and the same tenant may route any host', async () => {
    assert.equal((await findingsFor(rule, vs(['payments-api.payments.svc.cluster.local'], '', 'istio-system'))).length, 0);
    const policy = parseTenantPolicy('tenants:\n  - name: commerce\n    namespaces: [shop, payments]\n  - name: data\n    namespaces: [analytics]\n', 't.yaml');
    // shop and payments are one tenant: routing payments' host is that tenant's own business, whoever takes the route.
    assert.equal((await findingsFor(rule, vs(['payments-api.payments.svc.cluster.local']), { model: { tenantPolicy: policy } })).length, 0);
    assert.equal((await findingsFor(rule, vs(['*.analytics.svc.cluster.local']), { model: { tenantPolicy: policy } })).length, 1);
    const withExport = vs(['payments-api.payments.svc.cluster.local'], '  exportTo: [".", "payments"]');
    assert.equal((await findingsFor(rule, withExport, { model: { tenantPolicy: policy } })).length, 0, 'payments is the same tenant as shop');
});
test('external hosts: another tenant\'s allowance is critical, unallowed hosts are high, allowed ones pass', async () => {
    const policy = parseTenantPolicy('tenants:\n  - name: shop\n    namespaces: [shop]\n    hosts: ["*.shop.example.com"]\n  - name: payments\n    namespaces: [payments]\n    hosts: [api.stripe.com]\n  - name: analytics\n    namespaces: [analytics]\n', 't.yaml');
    const stolen = await findingsFor(rule, vs(['api.stripe.com']), { model: { tenantPolicy: policy } });
    assert.equal(stolen.length, 1);
    assert.equal(stolen[0].severity, 'critical');
    assert.match(stolen[0].message, /tenant payments by policy/);
    const unallowed = await findingsFor(rule, vs(['example.org']), { model: { tenantPolicy: policy } });
    assert.equal(unallowed.length, 1);
    assert.equal(unallowed[0].severity, 'high');
    assert.match(unallowed[0].message, /outside tenant shop's allowed hosts/);
    assert.equal((await findingsFor(rule, vs(['www.shop.example.com']), { model: { tenantPolicy: policy } })).length, 0);
    // Without a policy an external host nobody declares is not attributed to anyone.
    assert.equal((await findingsFor(rule, vs(['example.org']))).length, 0);
});
test('another namespace\'s ServiceEntry host is high', async () => {
    const se = vs(['api.partner.example']) + `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner, namespace: payments}
spec:
  hosts: [api.partner.example]
  resolution: DNS
  ports: [{number: 443, name: https, protocol: TLS}]
`;
    const f = await findingsFor(rule, se);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.match(f[0].message, /ServiceEntry hosts of other namespaces \(payments\/partner\)/);
});
test('hostile shapes are ignored, not crashed on', async () => {
    const bad = `${mesh}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: odd, namespace: shop}
spec:
  hosts: [1, null, {a: b}, ""]
  gateways: "mesh"
  exportTo: 7
`;
    assert.deepEqual(await findingsFor(rule, bad), []);
});
// Issue 9: the name `name.ns.svc.<domain>` says who owns a host, even when the Service is not in the input.
const partial = (hosts, extra = '', ns = 'shop') => `${injectedNamespaces('shop', 'analytics')}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: grab, namespace: ${ns}}
spec:
  hosts: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]
${extra}
  http:
  - route:
    - destination: {host: collector.shop.svc.cluster.local}
`;
test('a fully qualified Service host of another namespace is a hijack without its Service or Namespace in the input', async () => {
    const f = await findingsFor(rule, partial(['ledger.billing.svc.cluster.local']));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.equal(f[0].location?.path, 'spec.hosts[0]');
    assert.match(f[0].message, /namespace billing of another tenant \(a Service name there; the Service object is not in the input\)/);
    assert.match(f[0].message, /sidecars in analytics send/);
    assert.ok(f[0].evidence.some((e) => e.role === 'victim' && /namespace billing/.test(e.description)));
});
test('implied owners: own namespace, same tenant, exportTo, Sidecar scoping and the cluster domain all count as for real Services', async () => {
    // The VirtualService's own namespace owns its own names.
    assert.equal((await findingsFor(rule, partial(['ledger.shop.svc.cluster.local']))).length, 0);
    // Exported to its own namespace only: nobody else takes it.
    assert.equal((await findingsFor(rule, partial(['ledger.billing.svc.cluster.local'], '  exportTo: ["."]'))).length, 0);
    // billing and shop in one tenant: the tenant's own business.
    const policy = parseTenantPolicy('tenants:\n  - name: commerce\n    namespaces: [shop, billing]\n', 't.yaml');
    assert.equal((await findingsFor(rule, partial(['ledger.billing.svc.cluster.local']), { model: { tenantPolicy: policy } })).length, 0);
    // A root Sidecar scoping every namespace to its own configs stops the route reaching analytics.
    const scoped = partial(['ledger.billing.svc.cluster.local']) + `---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: istio-system}
spec:
  egress:
  - hosts: ["./*", "istio-system/*"]
`;
    assert.equal((await findingsFor(rule, scoped)).length, 0);
    // Under another cluster domain the name is an external host nobody declares, and the domain's own names are Services.
    assert.equal((await findingsFor(rule, partial(['ledger.billing.svc.cluster.local']), { model: { clusterDomain: 'corp.internal' } })).length, 0);
    const corp = await findingsFor(rule, partial(['ledger.billing.svc.corp.internal']), { model: { clusterDomain: 'corp.internal' } });
    assert.equal(corp.length, 1);
    assert.match(corp[0].message, /namespace billing of another tenant/);
    // Not a Service name: too many labels, or an invalid namespace label.
    assert.equal((await findingsFor(rule, partial(['a.ledger.billing.svc.cluster.local', 'ledger.Bill_ing.svc.cluster.local']))).length, 0);
});
test('a ServiceEntry declaring another namespace\'s Service name does not make that name its own', async () => {
    // billing routes its own Service name; shop's squatting ServiceEntry is no victim of that.
    const squat = partial(['ledger.billing.svc.cluster.local'], '', 'billing') + `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: squat, namespace: shop}
spec:
  hosts: [ledger.billing.svc.cluster.local]
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
`;
    assert.equal((await findingsFor(rule, squat)).length, 0);
});
test('the cluster domain comes from the Istio installation in the input (IstioOperator or injector values), else cluster.local', async () => {
    const iop = (domain) => `---
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: installed, namespace: istio-system}
spec:
  values:
    global:
      proxy: {clusterDomain: ${JSON.stringify(domain)}}
`;
    const injector = (domain) => `---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector-stable, namespace: istio-system}
data:
  values: ${JSON.stringify(JSON.stringify({ global: { proxy: { clusterDomain: domain } } }))}
`;
    for (const install of [iop('corp.internal'), injector('Corp.Internal.')]) {
        const corp = await findingsFor(rule, partial(['ledger.billing.svc.corp.internal']) + install);
        assert.equal(corp.length, 1, install);
        assert.match(corp[0].message, /namespace billing of another tenant/);
        assert.equal((await findingsFor(rule, partial(['ledger.billing.svc.cluster.local']) + install)).length, 0, install);
    }
    // A value that is not a DNS name is ignored: Istio's default stands.
    assert.equal((await findingsFor(rule, partial(['ledger.billing.svc.cluster.local']) + iop('not a domain'))).length, 1);
    assert.equal((await findingsFor(rule, partial(['ledger.billing.svc.cluster.local']) + injector('corp.internal').replace(/values: .*/, 'values: "{global: corp.internal"'))).length, 1);
    // An explicit --cluster-domain style option wins over the installation.
    assert.equal((await findingsFor(rule, partial(['ledger.billing.svc.cluster.local']) + iop('corp.internal'), { model: { clusterDomain: 'cluster.local' } })).length, 1);
});
test('with several namespace-wide Sidecars, scoping follows the oldest (creationTimestamp), as Istio does', async () => {
    const rootSidecar = (name, hosts, created) => `---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ${name}, namespace: istio-system, creationTimestamp: "${created}"}
spec:
  egress:
  - hosts: ${hosts}
`;
    const claim = vs(['payments-api.payments.svc.cluster.local']);
    // "locked" is listed second but is older: it scopes every namespace to its own configs.
    const lockedOlder = claim + rootSidecar('wide', '["*/*"]', '2026-01-01T00:00:00Z') + rootSidecar('locked', '["./*", "istio-system/*"]', '2025-01-01T00:00:00Z');
    assert.deepEqual(await findingsFor(rule, lockedOlder), []);
    const wideOlder = claim + rootSidecar('wide', '["*/*"]', '2024-01-01T00:00:00Z') + rootSidecar('locked', '["./*", "istio-system/*"]', '2025-01-01T00:00:00Z');
    assert.equal((await findingsFor(rule, wideOlder)).length, 1);
});
