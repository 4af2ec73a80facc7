import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './FED005-trust-alias-wider-than-plan.js';
import { findingsFor } from '../../testing/kit.js';
import { twoMeshPlan } from '../../federation/fixtures.js';
const mesh = (body) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
${body
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}
`;
test("with a plan, an alias of a peer's trust domain is high and says why", async () => {
    const federationPlan = await twoMeshPlan();
    const f = await findingsFor(rule, mesh('trustDomain: east.example.com\ntrustDomainAliases: [west.example.com]'), { settings: { federationPlan } });
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'data.mesh');
    assert.match(f[0].message, /^ConfigMap istio-system\/istio sets trustDomainAliases "west\.example\.com": every AuthorizationPolicy naming "east\.example\.com" identities also admits .*the plan plan\.yaml federates mesh west per exported service/);
});
test('with a plan, an alias of no mesh of the plan is high too; the own trust domain is not an alias', async () => {
    const federationPlan = await twoMeshPlan();
    const f = await findingsFor(rule, mesh('trustDomain: east.example.com\ntrustDomainAliases: [east.example.com, old.example.com]'), { settings: { federationPlan } });
    assert.equal(f.length, 1);
    assert.match(f[0].message, /"old\.example\.com" is the trust domain of no mesh in the plan/);
});
test('without a plan, aliases and roots for named trust domains are left to MCL003; a root for every trust domain is high', async () => {
    assert.deepEqual(await findingsFor(rule, mesh('trustDomain: east.example.com\ntrustDomainAliases: [west.example.com]\ncaCertificates: [{pem: x, trustDomains: [west.example.com]}]')), []);
    const f = await findingsFor(rule, mesh('trustDomain: east.example.com\ncaCertificates: [{pem: x}]'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.match(f[0].message, /names no trustDomains, so its root is trusted for every trust domain.*Limit it with trustDomains/);
});
test('with a plan, roots the plan trusts explicitly for this mesh are fine', async () => {
    const federationPlan = await twoMeshPlan();
    // The two-mesh plan shares a root, so nothing is trusted explicitly: even west's own root is wider.
    assert.equal((await findingsFor(rule, mesh('trustDomain: east.example.com\ncaCertificates: [{pem: x, trustDomains: [east.example.com]}]'), { settings: { federationPlan } })).length, 0);
});
test('with a plan, caCertificates for trust domains the plan does not trust explicitly, or for all, are high', async () => {
    const federationPlan = await twoMeshPlan();
    const f = await findingsFor(rule, mesh('trustDomain: east.example.com\ncaCertificates:\n- {pem: x, trustDomains: [west.example.com]}\n- {pem: y}'), { settings: { federationPlan } });
    assert.equal(f.length, 2);
    assert.match(f[0].message, /caCertificates\[0\] trusts a root for "west\.example\.com", which the plan plan\.yaml does not trust explicitly for mesh east/);
    assert.match(f[1].message, /caCertificates\[1\] names no trustDomains, so its root is trusted for every trust domain/);
});
test('no aliases, no extra roots, or hostile values: nothing', async () => {
    const federationPlan = await twoMeshPlan();
    assert.deepEqual(await findingsFor(rule, mesh('trustDomain: east.example.com'), { settings: { federationPlan } }), []);
    assert.deepEqual(await findingsFor(rule, mesh('trustDomainAliases: 7\ncaCertificates: {a: 1}'), { settings: { federationPlan } }), []);
    assert.deepEqual(await findingsFor(rule, mesh('trustDomainAliases: [1, null, ""]')), []);
});
