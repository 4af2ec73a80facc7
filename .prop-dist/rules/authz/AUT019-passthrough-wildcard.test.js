import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT019-passthrough-wildcard.js';
import { findingsFor } from '../../testing/kit.js';
import { deployment, docs, gateway, namespace, peerAuth, STRICT_MESH } from './fixtures.js';
const eastWest = gateway('istio-system', 'cross-network', { istio: 'eastwestgateway' }, [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, hosts: ['*.local'], tls: { mode: 'AUTO_PASSTHROUGH' } }]);
const gwWith = (...more) => docs(eastWest, ...more);
const gw = (mode, hosts) => docs(gateway('istio-system', 'cross-network', { istio: 'eastwestgateway' }, [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, hosts, tls: { mode } }]));
test('AUTO_PASSTHROUGH for *.local without mesh-wide STRICT: high, on the hosts', async () => {
    const f = await findingsFor(rule, gw('AUTO_PASSTHROUGH', ['*.local']));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.servers[0].hosts');
    assert.equal(f[0].message, 'Gateway istio-system/cross-network server 0 (port 15443) passes TLS through automatically for *.local: anyone who reaches the gateway can open a TLS stream to any service of the mesh by naming it in SNI; the mesh-wide mTLS mode is PERMISSIVE (Istio\'s default), so destinations that accept plaintext take such connections without a mesh certificate.');
});
test('PASSTHROUGH for * is medium; the cluster domain wildcards count as broad', async () => {
    const f = await findingsFor(rule, gw('PASSTHROUGH', ['*']));
    assert.equal(f[0].severity, 'medium');
    assert.match(f[0].message, /passes TLS through for \*: it accepts any SNI/);
    assert.equal((await findingsFor(rule, gw('AUTO_PASSTHROUGH', ['ns/*.svc.cluster.local'])))[0].severity, 'high');
    assert.equal((await findingsFor(rule, gw('AUTO_PASSTHROUGH', ['*.cluster.local'])))[0].severity, 'high');
});
test('negatives: narrow hosts, terminating modes', async () => {
    assert.deepEqual(await findingsFor(rule, gw('AUTO_PASSTHROUGH', ['*.payments.svc.cluster.local'])), []);
    assert.deepEqual(await findingsFor(rule, gw('PASSTHROUGH', ['db.example.com'])), []);
    assert.deepEqual(await findingsFor(rule, gw('SIMPLE', ['*'])), []);
    assert.deepEqual(await findingsFor(rule, gw('ISTIO_MUTUAL', ['*.local'])), []);
});
// The destination sidecar gets the TLS stream unopened: under STRICT it refuses a client without a mesh certificate.
test('AUTO_PASSTHROUGH under mesh-wide STRICT with no exception: low', async () => {
    const f = await findingsFor(rule, gwWith(STRICT_MESH, namespace('shop'), deployment('shop', 'web')));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'low');
    assert.match(f[0].message, /under mesh-wide STRICT the destination sidecars refuse clients without a mesh certificate/);
});
test('AUTO_PASSTHROUGH under mesh-wide STRICT with a PERMISSIVE namespace: high, naming the workloads', async () => {
    const f = await findingsFor(rule, gwWith(STRICT_MESH, namespace('shop'), deployment('shop', 'web'), namespace('legacy'), deployment('legacy', 'billing'), peerAuth('legacy', 'default', { mtls: { mode: 'PERMISSIVE' } })));
    assert.equal(f[0].severity, 'high');
    assert.match(f[0].message, /mesh-wide STRICT applies, but 1 workload accepts plaintext .*\(Deployment legacy\/billing\)/);
    assert.deepEqual(f[0].evidence.map((e) => e.description), ['Deployment legacy/billing accepts plaintext']);
    // A PERMISSIVE port on one workload is enough.
    const port = await findingsFor(rule, gwWith(STRICT_MESH, namespace('shop'), deployment('shop', 'web'), peerAuth('shop', 'web-port', { selector: { matchLabels: { app: 'web' } }, portLevelMtls: { 8080: { mode: 'PERMISSIVE' } } })));
    assert.equal(port[0].severity, 'high');
});
test('AUTO_PASSTHROUGH with nothing of the root namespace in the input: medium, unknown', async () => {
    const yaml = docs(gateway('edge', 'cross-network', { istio: 'eastwestgateway' }, [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, hosts: ['*.local'], tls: { mode: 'AUTO_PASSTHROUGH' } }]));
    const f = await findingsFor(rule, yaml);
    assert.equal(f[0].severity, 'medium');
    assert.match(f[0].message, /is unknown, since nothing of the root namespace istio-system is in the input/);
});
