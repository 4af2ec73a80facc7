import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './EGR005-serviceentry-wildcard-none.js';
import { findingsFor } from '../../testing/kit.js';
const se = (spec, name = 'external') => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}
  namespace: shop
spec:
${spec}
`;
test('host "*" with resolution NONE and no addresses is high, at the host', async () => {
    const f = await findingsFor(rule, se('  hosts: ["*"]\n  location: MESH_EXTERNAL\n  ports: [{number: 443, name: tls, protocol: TLS}]\n  resolution: NONE'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.hosts[0]');
    assert.equal(f[0].location?.line, 7);
    assert.equal(f[0].message, 'ServiceEntry shop/external has wildcard host "*" with resolution NONE and no addresses: sidecars forward matching traffic on port 443/TLS to whatever address the client dialled, an allow-any hole even under REGISTRY_ONLY. It has no exportTo, so it is visible mesh-wide.');
});
test('resolution left unset is NONE; the first wildcard host is the path', async () => {
    const f = await findingsFor(rule, se('  hosts:\n  - api.example.com\n  - "*.example.com"\n  - "*.cdn.example.net"\n  exportTo: ["."]\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n  - {number: 80, name: http, protocol: HTTP}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.hosts[1]');
    assert.equal(f[0].location?.line, 9);
    assert.match(f[0].message, /wildcard hosts "\*\.example\.com", "\*\.cdn\.example\.net" with resolution NONE \(the default\) and no addresses: sidecars forward matching traffic on ports 443\/TLS, 80\/HTTP to/);
    assert.doesNotMatch(f[0].message, /exportTo|mesh-wide|not checked/);
});
test('TCP ports and ports without a protocol are called out: the host is not checked there', async () => {
    const f = await findingsFor(rule, se('  hosts: ["*.internal.example"]\n  exportTo: ["."]\n  resolution: NONE\n  ports:\n  - {number: 5432, name: pg, protocol: TCP}\n  - {number: 6379, name: redis}\n  - {number: 443, name: tls, protocol: TLS}'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /On 5432\/TCP, 6379 \(TCP or no protocol\) the host is not checked at all: any destination on that port passes\./);
});
test('exportTo "*" and the mesh default decide what the message says about visibility', async () => {
    const spec = '  hosts: ["*.example.com"]\n  resolution: NONE\n  ports: [{number: 443, name: tls, protocol: TLS}]';
    const star = await findingsFor(rule, se(`${spec}\n  exportTo: ["*"]`));
    assert.match(star[0].message, /It is exported to every namespace \(exportTo "\*"\)\.$/);
    const narrowed = await findingsFor(rule, se(spec), {
        model: { meshConfig: { config: { defaultServiceExportTo: ['.'] }, file: 'mesh.yaml' } },
    });
    assert.equal(narrowed.length, 1);
    assert.equal(narrowed[0].severity, 'high');
    assert.match(narrowed[0].message, /It has no exportTo; the mesh's defaultServiceExportTo \["\."\] limits who sees it\.$/);
    const wide = await findingsFor(rule, se(spec), { model: { meshConfig: { config: { defaultServiceExportTo: ['*'] }, file: 'mesh.yaml' } } });
    assert.match(wide[0].message, /It has no exportTo, so it is visible mesh-wide\.$/);
});
test('explicit hosts, other resolutions and addresses are clean', async () => {
    const clean = [
        '  hosts: [api.example.com]\n  resolution: NONE',
        '  hosts: ["*.example.com"]\n  resolution: DNS',
        '  hosts: ["*.example.com"]\n  resolution: STATIC\n  endpoints: [{address: 192.0.2.10}]',
        '  hosts: ["*"]\n  resolution: NONE\n  addresses: [192.0.2.0/24]',
        '  hosts: ["foo.*.example.com", "example.*"]\n  resolution: NONE',
    ];
    for (const s of clean)
        assert.deepEqual(await findingsFor(rule, se(s)), [], s);
});
test('malformed ServiceEntries do not fail the rule', async () => {
    const bad = ['  hosts: "*"', '  hosts: [7, ~, {"*": 1}]', '  hosts: ["*"]\n  resolution: [NONE]'];
    for (const s of bad)
        assert.deepEqual(await findingsFor(rule, se(s)), [], s);
    assert.deepEqual(await findingsFor(rule, 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: x, namespace: shop}\nspec: "*"\n'), []);
    // Wrong-typed addresses and ports are ignored: the wildcard hole is still reported.
    const f = await findingsFor(rule, se('  hosts: ["*"]\n  addresses: "10.0.0.1"\n  ports: [443, {number: {x: 1}}, {number: 80, protocol: 5}]'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /on port 80 to whatever/);
});
