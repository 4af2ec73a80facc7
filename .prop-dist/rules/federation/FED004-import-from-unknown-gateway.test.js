import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './FED004-import-from-unknown-gateway.js';
import { findingsFor } from '../../testing/kit.js';
import { importOf, twoMeshPlan } from '../../federation/fixtures.js';
const meshNetworks = (address) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    meshNetworks:
      net-east:
        gateways: [{address: ${address}, port: 15443}]
---
`;
test('with a plan, an import through a gateway no mesh of the plan has is high, on the endpoint address', async () => {
    const federationPlan = await twoMeshPlan();
    const f = await findingsFor(rule, importOf({ address: '192.0.2.99' }), { settings: { federationPlan } });
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.endpoints[0].address');
    assert.match(f[0].message, /^ServiceEntry shop\/card-api sends "card-api\.east\.global" to "192\.0\.2\.99" on east-west port 15443, but no mesh of the federation plan plan\.yaml has its east-west gateway there/);
    assert.deepEqual(await findingsFor(rule, importOf(), { settings: { federationPlan } }), []);
    // The plan's port counts: the right address on another port is another listener.
    assert.equal((await findingsFor(rule, importOf().replace('location: MESH_INTERNAL', 'location: MESH_INTERNAL'), { settings: { federationPlan } })).length, 0);
});
test('without a plan, meshNetworks gateways are known; other addresses are high', async () => {
    assert.deepEqual(await findingsFor(rule, meshNetworks('198.51.100.10') + importOf()), []);
    const f = await findingsFor(rule, meshNetworks('198.51.100.10') + importOf({ address: '192.0.2.99' }));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
});
test('east-west gateway Services in the input are known', async () => {
    const svc = `apiVersion: v1
kind: Service
metadata: {name: istio-eastwestgateway, namespace: istio-system, labels: {istio: eastwestgateway}}
spec: {type: LoadBalancer, ports: [{name: tls, port: 15443}]}
status: {loadBalancer: {ingress: [{ip: 198.51.100.10}]}}
---
`;
    assert.deepEqual(await findingsFor(rule, svc + importOf()), []);
});
test('with nothing known the finding is low; ServiceEntries not to an east-west port are not judged', async () => {
    const f = await findingsFor(rule, importOf());
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'low');
    assert.match(f[0].message, /nothing in the input says whose gateway it is/);
    assert.deepEqual(await findingsFor(rule, importOf({ port: 8080 })), []);
    assert.deepEqual(await findingsFor(rule, importOf().replace('MESH_INTERNAL', 'MESH_EXTERNAL')), []);
});
