import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './EGR007-serviceentry-cloud-metadata.js';
import { findingsFor } from '../../testing/kit.js';
const se = (spec, name = 'imds') => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}
  namespace: shop
spec:
${spec}
`;
test('the GCP metadata name with the IMDS address, exported mesh-wide, is critical at the first hit', async () => {
    const f = await findingsFor(rule, se('  hosts: [metadata.google.internal]\n  addresses: [169.254.169.254]\n  resolution: STATIC\n  endpoints: [{address: 169.254.169.254}]\n  ports: [{number: 80, name: http, protocol: HTTP}]'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.equal(f[0].location?.path, 'spec.hosts[0]');
    assert.equal(f[0].location?.line, 7);
    assert.match(f[0].message, /^ServiceEntry shop\/imds registers the cloud metadata service: "metadata\.google\.internal" \(the GCP metadata server\), "169\.254\.169\.254" \(the instance metadata service/);
    assert.match(f[0].message, /Every workload in the mesh can then fetch the node's cloud credentials through the mesh\.$/);
    assert.equal(f[0].evidence.length, 2);
});
test('every metadata endpoint is found: IPv6, Alibaba, ECS and Pod Identity, covering CIDRs, wildcard names, endpoints', async () => {
    const cases = [
        ['  hosts: [aws.internal]\n  addresses: ["fd00:ec2::254"]', /"fd00:ec2::254" \(the AWS instance metadata service over IPv6\)/],
        ['  hosts: [ali.internal]\n  addresses: [100.100.100.200]', /Alibaba/],
        ['  hosts: [link.local]\n  addresses: [169.254.0.0/16]', /"169\.254\.0\.0\/16" \(covers 169\.254\.169\.254/],
        ['  hosts: [v6.local]\n  addresses: ["fd00:ec2::/64"]', /covers fd00:ec2::254/],
        ['  hosts: [creds.local]\n  resolution: STATIC\n  endpoints: [{address: 169.254.170.2}]', /ECS task credentials/],
        ['  hosts: ["*.google.internal"]', /covers metadata\.google\.internal/],
        ['  hosts: [metadata]', /GCP metadata server \(short name\)/],
        ['  hosts: [INSTANCE-DATA.ec2.internal.]', /AWS instance metadata service/],
        ['  hosts: [169.254.169.254]', /instance metadata service/],
    ];
    for (const [spec, re] of cases) {
        const f = await findingsFor(rule, se(`${spec}\n  ports: [{number: 80, name: http, protocol: HTTP}]`));
        assert.equal(f.length, 1, spec);
        assert.match(f[0].message, re, spec);
    }
});
test('exported to its own namespace only is high; exportTo ~ and ordinary entries are not reported', async () => {
    const own = await findingsFor(rule, se('  hosts: [metadata.google.internal]\n  exportTo: ["."]\n  ports: [{number: 80, name: http, protocol: HTTP}]'));
    assert.equal(own[0].severity, 'high');
    assert.match(own[0].message, /Every workload in shop can then fetch/);
    const clean = [
        '  hosts: [metadata.google.internal]\n  exportTo: ["~"]',
        '  hosts: [api.example.com]\n  addresses: [203.0.113.0/24, 169.254.170.4/30, "fd00:ec2::1000/120"]',
        '  hosts: ["*"]',
        '  hosts: [metadata.example.com, google.internal]',
        '  hosts: [1, null, {a: b}]\n  addresses: [300.1.1.1, 169.254.169.254/99, "::ffff/abc", 7]\n  endpoints: [null, {address: 5}]',
    ];
    for (const spec of clean)
        assert.deepEqual(await findingsFor(rule, se(`${spec}\n  ports: [{number: 80, name: http, protocol: HTTP}]`)), [], spec);
});
