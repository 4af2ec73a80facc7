import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK003-serviceentry-shadows-host.js';
import { findingsFor } from '../../testing/kit.js';
import { parseTenantPolicy } from '../../tenancy/policy.js';
import { injectedNamespaces, service } from '../../testing/fixtures.js';
const mesh = `${injectedNamespaces('shop', 'payments', 'analytics')}---
${service('payments-api', 'payments')}---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: stripe, namespace: payments}
spec:
  hosts: [api.stripe.com]
  exportTo: ["."]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 443, name: tls, protocol: TLS}]
`;
const se = (hosts, extra = '', ns = 'analytics') => `${mesh}---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: mirror, namespace: ${ns}}
spec:
  hosts: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]
${extra}
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  workloadSelector:
    labels: {app: collector}
`;
const policy = (text) => ({ model: { tenantPolicy: parseTenantPolicy(text, 't.yaml') } });
const threeTenants = `tenants:
- {name: shop, namespaces: [shop], hosts: ["*.shop.example.com"]}
- {name: payments, namespaces: [payments], hosts: [pay.example.com, api.stripe.com]}
- {name: analytics, namespaces: [analytics]}
`;
test("declaring another namespace's Service host is critical, and names victims and the proxies that see it", async () => {
    const f = await findingsFor(rule, se(['payments-api.payments.svc.cluster.local']));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.equal(f[0].location?.path, 'spec.hosts[0]');
    assert.match(f[0].message, /^ServiceEntry analytics\/mirror declares "payments-api\.payments\.svc\.cluster\.local", which belongs to Service of other tenants \(payments\/payments-api\); proxies in payments, shop see analytics's definition of it, which sends it to endpoints of its author's choosing\. It is exported to every namespace: no exportTo, and Istio's default is "\*"\.$/);
    assert.ok(f[0].evidence.some((e) => e.role === 'victim' && e.resource?.name === 'payments-api'));
    assert.ok(f[0].evidence.some((e) => e.role === 'affected-namespaces' && /payments, shop/.test(e.description)));
});
test('short names and wildcards', async () => {
    const short = await findingsFor(rule, se(['payments-api.payments']));
    assert.equal(short.length, 1);
    assert.match(short[0].message, /"payments-api\.payments" \(payments-api\.payments\.svc\.cluster\.local\)/);
    // Exact registry entries keep their own names, so a wildcard takes only the rest: high.
    for (const h of ['*.payments.svc.cluster.local', '*.svc.cluster.local', '*']) {
        const f = await findingsFor(rule, se([h]));
        assert.equal(f.length, 1, h);
        assert.equal(f[0].severity, 'high', h);
        assert.match(f[0].message, /which covers .*exact entries keep their own names; the wildcard takes every other name it covers/);
    }
    // A wildcard over a namespace with no Service in the input still names it.
    const ns = await findingsFor(rule, se(['*.shop.svc.cluster.local']));
    assert.equal(ns.length, 1);
    assert.equal(ns[0].severity, 'high');
    assert.match(ns[0].message, /namespace shop of another tenant/);
});
test('what the entry does with the traffic grades it', async () => {
    const passthrough = (hosts, resolution) => `${mesh}---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: pass, namespace: analytics}\nspec:\n  hosts: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]\n  location: MESH_INTERNAL\n  resolution: ${resolution}\n  ports: [{number: 80, name: http, protocol: HTTP}]\n`;
    // The same name, passed on to the address the client dialled: a registry conflict, not a redirect.
    const none = await findingsFor(rule, passthrough(['payments-api.payments.svc.cluster.local'], 'NONE'));
    assert.equal(none.length, 1);
    assert.equal(none[0].severity, 'high');
    assert.match(none[0].message, /which passes it on to the address the client dialled, but defines its ports and protocols and puts this namespace on its DestinationRule lookup path \(HJK004\)/);
    const dns = await findingsFor(rule, passthrough(['payments-api.payments.svc.cluster.local'], 'DNS'));
    assert.equal(dns[0].severity, 'high');
    assert.match(dns[0].message, /passes it on to what the name resolves to/);
    // STATIC without endpoints black-holes the victim's clients.
    const black = await findingsFor(rule, passthrough(['payments-api.payments.svc.cluster.local'], 'STATIC'));
    assert.equal(black[0].severity, 'critical');
    assert.match(black[0].message, /which has no endpoints, so their calls fail/);
    // A wildcard that only passes traffic on redirects nothing: EGR005's egress hole, not a shadow.
    assert.deepEqual(await findingsFor(rule, passthrough(['*'], 'NONE')), []);
    assert.deepEqual(await findingsFor(rule, passthrough(['*.payments.svc.cluster.local'], 'NONE')), []);
});
test("its own hosts and hosts nobody owns are not shadowing", async () => {
    assert.deepEqual(await findingsFor(rule, se(['collector'])), []);
    assert.deepEqual(await findingsFor(rule, se(['api.partner.example'])), []);
    assert.deepEqual(await findingsFor(rule, se(['payments-api.payments'], '', 'istio-system')), [], 'the platform may declare anything');
});
test('exportTo its own namespace, or a mesh default of ".", keeps the entry to itself', async () => {
    assert.deepEqual(await findingsFor(rule, se(['payments-api.payments'], '  exportTo: ["."]')), []);
    assert.deepEqual(await findingsFor(rule, se(['payments-api.payments'], '  exportTo: [analytics]')), []);
    const narrowed = await findingsFor(rule, se(['payments-api.payments'], '  exportTo: [".", shop]'));
    assert.equal(narrowed.length, 1);
    assert.match(narrowed[0].message, /proxies in shop see/);
    const meshDefault = { config: { defaultServiceExportTo: ['.'] }, file: 'mesh.yaml' };
    assert.deepEqual(await findingsFor(rule, se(['payments-api.payments']), { model: { meshConfig: meshDefault } }), []);
    const meshStar = { config: { defaultServiceExportTo: ['*'] }, file: 'mesh.yaml' };
    const f = await findingsFor(rule, se(['payments-api.payments']), { model: { meshConfig: meshStar } });
    assert.match(f[0].message, /by the mesh's defaultServiceExportTo/);
});
test("another namespace's ServiceEntry host is high", async () => {
    const f = await findingsFor(rule, se(['api.stripe.com']));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.match(f[0].message, /ServiceEntry hosts of other namespaces \(payments\/stripe\)/);
});
test("with a tenant policy: another tenant's allowance is high; the same tenant's hosts and exports are fine", async () => {
    const f = await findingsFor(rule, se(['pay.example.com']), policy(threeTenants));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.match(f[0].message, /tenant payments by policy/);
    // Without a policy nobody owns pay.example.com.
    assert.deepEqual(await findingsFor(rule, se(['pay.example.com'])), []);
    const merged = `tenants:\n- {name: money, namespaces: [payments, analytics]}\n- {name: shop, namespaces: [shop]}\n`;
    assert.deepEqual(await findingsFor(rule, se(['payments-api.payments'], '  exportTo: [".", payments]'), policy(merged)), [], 'exported only to its own tenant');
    const leaks = await findingsFor(rule, se(['*.shop.svc.cluster.local'], '  exportTo: [".", payments, shop]'), policy(merged));
    assert.equal(leaks.length, 1);
    assert.match(leaks[0].message, /proxies in shop see/);
});
test('Sidecar scoping that keeps other namespaces from importing the entry removes them', async () => {
    const scoped = se(['payments-api.payments']) + `---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: istio-system}
spec:
  egress:
  - hosts: ["./*", "istio-system/*"]
`;
    assert.deepEqual(await findingsFor(rule, scoped), []);
});
test('hostile shapes are ignored, not crashed on', async () => {
    const bad = `${mesh}---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: odd, namespace: analytics}
spec:
  hosts: [1, null, {a: b}, ""]
  exportTo: 7
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: odd2, namespace: analytics}
spec: "nope"
`;
    assert.deepEqual(await findingsFor(rule, bad), []);
});
test('the documented examples: bad is reported, good is not', async () => {
    const withCard = `${mesh}---\napiVersion: v1\nkind: Service\nmetadata: {name: card-api, namespace: payments}\nspec: {ports: [{port: 80}]}\n---\n`;
    const bad = await findingsFor(rule, withCard + rule.meta.docs.bad);
    assert.equal(bad.length, 1);
    assert.equal(bad[0].severity, 'critical');
    assert.deepEqual(await findingsFor(rule, withCard + rule.meta.docs.good), []);
});
test('issue 9: another namespace\'s fully qualified Service name is critical even without its Service or Namespace in the input', async () => {
    const f = await findingsFor(rule, se(['ledger.billing.svc.cluster.local']));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.equal(f[0].location?.path, 'spec.hosts[0]');
    assert.match(f[0].message, /belongs to namespace billing of another tenant \(a Service name there; the Service object is not in the input\)/);
    // Its own namespace's names, or the same names exported to itself only, are not a hijack.
    assert.equal((await findingsFor(rule, se(['ledger.analytics.svc.cluster.local']))).length, 0);
    assert.equal((await findingsFor(rule, se(['ledger.billing.svc.cluster.local'], '  exportTo: ["."]'))).length, 0);
    // Another cluster domain: the name is nobody's Service.
    assert.equal((await findingsFor(rule, se(['ledger.billing.svc.cluster.local']), { model: { clusterDomain: 'corp.internal' } })).length, 0);
});
