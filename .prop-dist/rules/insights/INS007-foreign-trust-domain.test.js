import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './INS007-foreign-trust-domain.js';
import { deployment, insightsFor, meshConfig, namespace } from '../../testing/insights.js';
const shop = namespace('shop') + deployment('shop', 'web');
test('a principal from a foreign trust domain accepted by the destination is high, one finding per domain', async () => {
    const f = await insightsFor(rule, shop, [
        { from: 'x/y@spiffe://partner.example/ns/x/sa/y', to: 'shop/web', requests: 9 },
        { from: 'x/z@spiffe://partner.example/ns/x/sa/z', to: 'shop/web', requests: 1 },
        { from: 'a/b@spiffe://other.example/ns/a/sa/b', to: 'shop/web', requests: 2 },
        { from: 'shop/api', to: 'shop/web', requests: 100 },
    ]);
    assert.equal(f.length, 2);
    assert.ok(f.every((x) => x.severity === 'high'));
    const partner = f.find((x) => x.message.includes('partner.example'));
    assert.match(partner.message, /^Deployment shop\/web accepted 10 requests over the last 1h from trust domain "partner\.example", which Istio's defaults does not trust \(it trusts "cluster\.local"\): "spiffe:\/\/partner\.example\/ns\/x\/sa\/y" \(9 requests\), "spiffe:\/\/partner\.example\/ns\/x\/sa\/z" \(1 request\)\.$/);
    assert.notEqual(f[0].fingerprint, f[1].fingerprint);
});
test('the own trust domain, aliases and caCertificates trust domains are trusted; unknown principals are not judged', async () => {
    const mesh = meshConfig('trustDomain: corp.example\ntrustDomainAliases: [old.example]\ncaCertificates:\n- pem: x\n  trustDomains: [partner.example]') + shop;
    const f = await insightsFor(rule, mesh, [
        { from: 'a/b@spiffe://corp.example/ns/a/sa/b', to: 'shop/web' },
        { from: 'a/b@spiffe://OLD.example/ns/a/sa/b', to: 'shop/web' },
        { from: 'a/b@spiffe://partner.example/ns/a/sa/b', to: 'shop/web' },
        { from: 'unknown', to: 'shop/web', security: 'none' },
    ]);
    assert.deepEqual(f, []);
    const g = await insightsFor(rule, mesh, [{ from: 'a/b@spiffe://cluster.local/ns/a/sa/b', to: 'shop/web' }]);
    assert.equal(g.length, 1, 'cluster.local is foreign once the mesh has another trust domain');
    assert.match(g[0].message, /ConfigMap istio-system\/istio does not trust/);
});
test('older principals without the spiffe:// prefix parse; garbage principals are reported as such', async () => {
    assert.deepEqual(await insightsFor(rule, shop, [{ from: 'a/b@cluster.local/ns/a/sa/b', to: 'shop/web' }]), []);
    const f = await insightsFor(rule, shop, [{ from: 'a/b@\u001b]0;pwned\u0007', to: 'shop/web' }]);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /principals that are no SPIFFE ID/);
    assert.ok(!/[\u0000-\u001f]/.test(f[0].message));
});
