import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK004-destinationrule-foreign-host.js';
import { findingsFor } from '../../testing/kit.js';
import { parseTenantPolicy } from '../../tenancy/policy.js';
import { injectedNamespaces, service } from '../../testing/fixtures.js';
const mesh = `${injectedNamespaces('shop', 'payments', 'analytics')}---
${service('card-api', 'payments')}---
${service('collector', 'analytics')}`;
const dr = (host, policy = '  trafficPolicy:\n    tls: {mode: DISABLE}', extra = '') => `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: card-plain, namespace: analytics}
spec:
  host: ${JSON.stringify(host)}
${extra}
${policy}
`;
const shadow = (extra = '') => `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: card-mirror, namespace: analytics}
spec:
  hosts: [card-api.payments.svc.cluster.local]
${extra}
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  workloadSelector:
    labels: {app: collector}
`;
test('with a shadowing ServiceEntry, tls.mode DISABLE for another tenant\'s Service is critical', async () => {
    const f = await findingsFor(rule, mesh + shadow() + dr('card-api.payments.svc.cluster.local'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.equal(f[0].location?.path, 'spec.trafficPolicy.tls.mode');
    assert.match(f[0].message, /^DestinationRule analytics\/card-plain targets "card-api\.payments\.svc\.cluster\.local", which belongs to Service of other tenants \(payments\/card-api\); analytics also declares that host \(ServiceEntry card-mirror\), so proxies in payments, shop that resolve it to analytics's entry use this rule: it sets tls\.mode DISABLE \(plaintext instead of mutual TLS\) for their connections\.$/);
    assert.ok(f[0].evidence.some((e) => e.role === 'shadowing-entry' && e.resource?.name === 'card-mirror'));
    assert.ok(f[0].evidence.some((e) => e.role === 'victim' && e.resource?.name === 'card-api'));
});
test('DISABLE in portLevelSettings or a subset, and tunnels, are critical too', async () => {
    const port = await findingsFor(rule, mesh + shadow() + dr('card-api.payments', '  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 80}\n      tls: {mode: DISABLE}'));
    assert.equal(port[0].severity, 'critical');
    assert.equal(port[0].location?.path, 'spec.trafficPolicy.portLevelSettings[0].tls.mode');
    const subset = await findingsFor(rule, mesh + shadow() + dr('card-api.payments', '  subsets:\n  - name: v1\n    labels: {version: v1}\n    trafficPolicy:\n      tls: {mode: DISABLE}'));
    assert.equal(subset[0].severity, 'critical');
    assert.equal(subset[0].location?.path, 'spec.subsets[0].trafficPolicy.tls.mode');
    const tunnel = await findingsFor(rule, mesh + shadow() + dr('card-api.payments', '  trafficPolicy:\n    tunnel: {protocol: CONNECT, targetHost: proxy.analytics.svc.cluster.local, targetPort: 3128}'));
    assert.equal(tunnel[0].severity, 'critical');
    assert.equal(tunnel[0].location?.path, 'spec.trafficPolicy.tunnel');
    assert.match(tunnel[0].message, /a tunnel to "proxy\.analytics\.svc\.cluster\.local"/);
});
test('with a shadowing ServiceEntry and a harmless policy it is high, at spec.host', async () => {
    const f = await findingsFor(rule, mesh + shadow() + dr('card-api.payments', '  trafficPolicy:\n    connectionPool:\n      tcp: {maxConnections: 1}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.host');
    assert.match(f[0].message, /it decides how they connect \(TLS, load balancing, limits\)\.$/);
});
test('without the ServiceEntry Istio never consults it for other namespaces: low', async () => {
    const f = await findingsFor(rule, mesh + dr('card-api.payments.svc.cluster.local'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'low');
    assert.equal(f[0].location?.path, 'spec.trafficPolicy.tls.mode');
    assert.match(f[0].message, /client's namespace, the service's namespace and the root namespace, so today it governs analytics's own clients only/);
    // A ServiceEntry kept to analytics does not put the rule on anyone else's lookup path.
    const privateEntry = await findingsFor(rule, mesh + shadow('  exportTo: ["."]') + dr('card-api.payments'));
    assert.equal(privateEntry[0].severity, 'low');
});
test('short names, wildcards and the own namespace', async () => {
    for (const h of ['card-api.payments', 'card-api.payments.svc', '*.payments.svc.cluster.local']) {
        const f = await findingsFor(rule, mesh + dr(h));
        assert.equal(f.length, 1, h);
    }
    assert.deepEqual(await findingsFor(rule, mesh + dr('collector')), [], 'analytics\' own Service');
    assert.deepEqual(await findingsFor(rule, mesh + dr('api.unknown.example')), [], 'nobody owns it');
    const wildShadow = await findingsFor(rule, mesh + shadow() + dr('*.payments.svc.cluster.local'));
    assert.equal(wildShadow[0].severity, 'critical', 'the exact entry falls under the wildcard rule');
    // A wildcard entry does not beat payments' exact Service name, so the rule stays off the lookup path.
    const wildEntry = shadow().replace('hosts: [card-api.payments.svc.cluster.local]', 'hosts: ["*.svc.cluster.local"]');
    assert.equal((await findingsFor(rule, mesh + wildEntry + dr('card-api.payments')))[0].severity, 'low');
});
test('exportTo, workloadSelector and the mesh default keep the rule to its namespace', async () => {
    assert.deepEqual(await findingsFor(rule, mesh + shadow() + dr('card-api.payments', undefined, '  exportTo: ["."]')), []);
    assert.deepEqual(await findingsFor(rule, mesh + shadow() + dr('card-api.payments', undefined, '  workloadSelector:\n    matchLabels: {app: collector}')), []);
    const meshDefault = { config: { defaultDestinationRuleExportTo: ['.'] }, file: 'mesh.yaml' };
    assert.deepEqual(await findingsFor(rule, mesh + shadow() + dr('card-api.payments'), { model: { meshConfig: meshDefault } }), []);
    const toShop = await findingsFor(rule, mesh + shadow() + dr('card-api.payments', undefined, '  exportTo: [".", shop]'));
    assert.match(toShop[0].message, /proxies in shop that resolve it/);
});
test('with a tenant policy: same tenant is fine, another tenant\'s allowance counts', async () => {
    const merged = parseTenantPolicy('tenants:\n- {name: money, namespaces: [payments, analytics]}\n- {name: shop, namespaces: [shop]}\n', 't.yaml');
    const scoped = mesh + shadow('  exportTo: [".", payments]') + dr('card-api.payments', undefined, '  exportTo: [".", payments]');
    assert.deepEqual(await findingsFor(rule, scoped, { model: { tenantPolicy: merged } }), []);
    const allowance = parseTenantPolicy('tenants:\n- {name: payments, namespaces: [payments], hosts: [api.stripe.com]}\n- {name: analytics, namespaces: [analytics]}\n', 't.yaml');
    const stripe = mesh + '---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: stripe, namespace: analytics}\nspec:\n  hosts: [api.stripe.com]\n  resolution: DNS\n  ports: [{number: 443, name: tls, protocol: TLS}]\n' + dr('api.stripe.com');
    const f = await findingsFor(rule, stripe, { model: { tenantPolicy: allowance } });
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.match(f[0].message, /tenant payments by policy/);
    // A wildcard entry takes a name nobody else defines exactly, so it does put analytics on the lookup path.
    const wild = await findingsFor(rule, stripe.replace('hosts: [api.stripe.com]', 'hosts: ["*.stripe.com"]'), { model: { tenantPolicy: allowance } });
    assert.equal(wild[0].severity, 'critical');
});
test('hostile shapes are ignored, not crashed on', async () => {
    const bad = `${mesh}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: odd, namespace: analytics}
spec:
  host: [card-api.payments]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: odd2, namespace: analytics}
spec:
  host: ""
  trafficPolicy: 5
  subsets: [1, {trafficPolicy: {portLevelSettings: "x", tls: 3}}]
`;
    assert.deepEqual(await findingsFor(rule, bad), []);
});
test('the documented examples: bad is reported, good is not', async () => {
    const bad = await findingsFor(rule, `${mesh}---\n${rule.meta.docs.bad}`);
    assert.equal(bad.length, 1);
    assert.equal(bad[0].severity, 'critical');
    assert.deepEqual(await findingsFor(rule, `${mesh}---\n${rule.meta.docs.good}`), []);
});
test('issue 9: a Service name of another namespace counts as its host even when that Service is not in the input', async () => {
    const ledgerShadow = shadow().replace('card-api.payments.svc.cluster.local', 'ledger.billing.svc.cluster.local');
    const f = await findingsFor(rule, mesh + ledgerShadow + dr('ledger.billing.svc.cluster.local'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.match(f[0].message, /belongs to namespace billing of another tenant \(a Service name there; the Service object is not in the input\)/);
    // Without the shadowing entry it governs analytics' own clients only (low), as for a Service in the input.
    const low = await findingsFor(rule, mesh + dr('ledger.billing.svc.cluster.local'));
    assert.equal(low.length, 1);
    assert.equal(low[0].severity, 'low');
    // analytics' own Service name is its own business.
    assert.equal((await findingsFor(rule, mesh + dr('ledger.analytics.svc.cluster.local'))).length, 0);
});
