import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK011-sidecar-imports-everything.js';
import { findingsFor } from '../../testing/kit.js';
const sidecar = (ns, hosts) => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: ${ns}}
spec:
  egress:
  - hosts: ["./*"]
  - hosts: ${hosts}
`;
test('*/* and */host in tenant namespaces are reported at the host entry', async () => {
    const f = await findingsFor(rule, sidecar('shop', '["istio-system/*", "*/*"]'));
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.egress[1].hosts[1]');
    assert.match(f[0].message, /any host from every namespace/);
    const one = await findingsFor(rule, sidecar('shop', '["*/api.example.com"]'));
    assert.match(one[0].message, /for api\.example\.com from every namespace/);
});
test('scoped Sidecars and the platform namespace are fine', async () => {
    assert.equal((await findingsFor(rule, sidecar('shop', '["istio-system/*", "payments/*"]'))).length, 0);
    assert.equal((await findingsFor(rule, sidecar('istio-system', '["*/*"]'))).length, 0);
    assert.equal((await findingsFor(rule, sidecar('shop', '"*/*"'))).length, 0, 'malformed hosts are ignored');
});
