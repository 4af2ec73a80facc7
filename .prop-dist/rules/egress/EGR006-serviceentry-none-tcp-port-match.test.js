import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './EGR006-serviceentry-none-tcp-port-match.js';
import { findingsFor } from '../../testing/kit.js';
const se = (spec, name = 'partner-db') => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}
  namespace: shop
spec:
${spec}
`;
test('a specific host with resolution NONE, no addresses and a TCP port is high, at the port', async () => {
    const f = await findingsFor(rule, se('  hosts: [db.partner.example]\n  location: MESH_EXTERNAL\n  resolution: NONE\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n  - {number: 5432, name: tcp-pg, protocol: TCP}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.ports[1]');
    assert.equal(f[0].location?.line, 12);
    assert.equal(f[0].message, 'ServiceEntry shop/partner-db declares "db.partner.example" with resolution NONE and no addresses: on port 5432/TCP Istio matches connections by port only, so every workload in the mesh can reach any address on that port, as if the host were "*" (an allow-any hole even under REGISTRY_ONLY).');
});
test('graded by protocol: no protocol and opaque protocols are holes, HTTP and TLS ports are matched by name', async () => {
    const f = await findingsFor(rule, se('  hosts: [db.partner.example, cache.partner.example]\n  ports:\n  - {number: 6379, name: redis, protocol: REDIS}\n  - {number: 9000, name: raw}'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /with resolution NONE \(the default\) and no addresses: on ports 6379\/REDIS, 9000\/no protocol/);
    for (const proto of ['HTTP', 'HTTPS', 'TLS', 'GRPC', 'HTTP2', 'http']) {
        assert.deepEqual(await findingsFor(rule, se(`  hosts: [api.partner.example]\n  resolution: NONE\n  ports: [{number: 443, name: p, protocol: ${proto}}]`)), [], proto);
    }
});
test('exported to its own namespace only is medium; exportTo ~ is nothing', async () => {
    const own = await findingsFor(rule, se('  hosts: [db.partner.example]\n  exportTo: ["."]\n  ports: [{number: 5432, name: tcp, protocol: TCP}]'));
    assert.equal(own[0].severity, 'medium');
    assert.match(own[0].message, /so workloads in shop can reach any address/);
    const meshDefault = await findingsFor(rule, se('  hosts: [db.partner.example]\n  ports: [{number: 5432, name: tcp, protocol: TCP}]'), {
        model: { meshConfig: { config: { defaultServiceExportTo: ['.'] }, file: 'mesh.yaml' } },
    });
    assert.equal(meshDefault[0].severity, 'medium');
    assert.deepEqual(await findingsFor(rule, se('  hosts: [db.partner.example]\n  exportTo: ["~"]\n  ports: [{number: 5432, name: tcp, protocol: TCP}]')), []);
});
test('addresses, other resolutions and wildcard hosts (EGR005) are not reported; hostile shapes do not crash', async () => {
    const clean = [
        '  hosts: [db.partner.example]\n  addresses: [203.0.113.10/32]\n  resolution: NONE\n  ports: [{number: 5432, name: tcp, protocol: TCP}]',
        '  hosts: [db.partner.example]\n  resolution: DNS\n  ports: [{number: 5432, name: tcp, protocol: TCP}]',
        '  hosts: [db.partner.example]\n  resolution: STATIC\n  endpoints: [{address: 203.0.113.10}]\n  ports: [{number: 5432, name: tcp, protocol: TCP}]',
        '  hosts: ["*.partner.example"]\n  resolution: NONE\n  ports: [{number: 5432, name: tcp, protocol: TCP}]',
        '  hosts: [db.partner.example]\n  ports: "5432"',
        '  hosts: {a: b}\n  ports: [{number: 5432}]',
        '  hosts: [1, null]\n  ports: [null, 7, {number: {x: 1}}]',
    ];
    for (const spec of clean)
        assert.deepEqual(await findingsFor(rule, se(spec)), [], spec);
});
