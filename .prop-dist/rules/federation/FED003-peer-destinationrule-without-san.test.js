import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './FED003-peer-destinationrule-without-san.js';
import { findingsFor } from '../../testing/kit.js';
import { importOf } from '../../federation/fixtures.js';
const SNI = 'sni: outbound_.8080_._.card-api.payments.svc.cluster.local';
test('ISTIO_MUTUAL to a peer import without subjectAltNames is high, on the tls block', async () => {
    const f = await findingsFor(rule, importOf({ tls: `{mode: ISTIO_MUTUAL, ${SNI}}` }));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.trafficPolicy.tls');
    assert.match(f[0].message, /^DestinationRule shop\/card-api \(trafficPolicy\) sends ISTIO_MUTUAL to "card-api\.east\.global", a peer mesh's service \(ServiceEntry shop\/card-api sends it to "198\.51\.100\.10":15443\), without subjectAltNames/);
    assert.ok(f[0].evidence.some((e) => e.role === 'service-entry'));
});
test('port-level settings replace the top-level ones, so each block is judged', async () => {
    const tls = `{mode: ISTIO_MUTUAL, subjectAltNames: [spiffe://east.example.com/ns/payments/sa/card-api]}
    portLevelSettings:
    - port: {number: 8080}
      tls: {mode: ISTIO_MUTUAL, ${SNI}}`;
    const f = await findingsFor(rule, importOf({ tls }));
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.trafficPolicy.portLevelSettings[0].tls');
});
test('a DestinationRule whose SNI names another host is a peer one even without a ServiceEntry in the input', async () => {
    const dr = importOf({ tls: `{mode: MUTUAL, ${SNI}}` }).split('---\n')[1];
    const f = await findingsFor(rule, dr);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /its SNI names "card-api\.payments\.svc\.cluster\.local"/);
});
test('SANs on the DestinationRule, or on the ServiceEntry for ISTIO_MUTUAL, satisfy it; local DestinationRules are not judged', async () => {
    assert.deepEqual(await findingsFor(rule, importOf()), []);
    const seSans = importOf({ tls: `{mode: ISTIO_MUTUAL, ${SNI}}` }).replace('location: MESH_INTERNAL', 'location: MESH_INTERNAL\n  subjectAltNames: [spiffe://east.example.com/ns/payments/sa/card-api]');
    assert.deepEqual(await findingsFor(rule, seSans), []);
    // Not an east-west port: an ordinary in-mesh ServiceEntry.
    assert.deepEqual(await findingsFor(rule, importOf({ port: 8080, tls: '{mode: ISTIO_MUTUAL}' })), []);
    assert.deepEqual(await findingsFor(rule, importOf({ tls: '{mode: DISABLE}' })), []);
});
test('hostile DestinationRules: wrong types do not throw', async () => {
    for (const tls of ['42', '[1, 2]', '{mode: 7}', '{mode: ISTIO_MUTUAL, subjectAltNames: "x"}']) {
        await findingsFor(rule, importOf({ tls }));
    }
    assert.equal((await findingsFor(rule, importOf({ tls: '{mode: ISTIO_MUTUAL, subjectAltNames: [1, ""]}' }))).length, 1);
});
