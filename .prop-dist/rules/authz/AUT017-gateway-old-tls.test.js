import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT017-gateway-old-tls.js';
import { findingsFor } from '../../testing/kit.js';
import { docs, gateway } from './fixtures.js';
const gw = (tls) => docs(gateway('istio-system', 'edge', { istio: 'ingressgateway' }, [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop/shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'c', ...tls } }]));
test('minProtocolVersion TLSV1_0: medium, on the field', async () => {
    const f = await findingsFor(rule, gw({ minProtocolVersion: 'TLSV1_0' }));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'spec.servers[0].tls.minProtocolVersion');
    assert.equal(f[0].message, 'Gateway istio-system/edge server 0 (port 443, shop.example.com) accepts TLS 1.0: a network attacker can downgrade clients to a deprecated protocol.');
});
test('TLSV1_1 minimum, or a maximum below 1.2, are reported too', async () => {
    assert.match((await findingsFor(rule, gw({ minProtocolVersion: 'TLSV1_1' })))[0].message, /accepts TLS 1.1/);
    const max = await findingsFor(rule, gw({ minProtocolVersion: 'TLSV1_0', maxProtocolVersion: 'TLSV1_1' }));
    assert.equal(max.length, 2);
    assert.match(max.find((x) => x.location?.path.endsWith('maxProtocolVersion')).message, /caps TLS at TLS 1.1/);
});
test("negatives: TLS 1.2+, TLS_AUTO and an absent field (Envoy's server default is TLS 1.2 since Istio 1.14), no tls", async () => {
    for (const tls of [{ minProtocolVersion: 'TLSV1_2' }, { minProtocolVersion: 'TLSV1_3' }, { minProtocolVersion: 'TLS_AUTO' }, {}, { minProtocolVersion: 10 }]) {
        assert.deepEqual(await findingsFor(rule, gw(tls)), []);
    }
    assert.deepEqual(await findingsFor(rule, docs(gateway('istio-system', 'edge', {}, [{ port: { number: 80, protocol: 'HTTP' }, hosts: ['*'] }]))), []);
});
