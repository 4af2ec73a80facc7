import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP006-capture-exclusions.js';
import { findingsFor } from '../../testing/kit.js';
const T = 'traffic.sidecar.istio.io/';
const namespace = (name, labels) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: ${labels}
---
`;
const SHOP = namespace('shop', '{istio-injection: enabled}');
const deployment = (annotations, ns = 'shop', labels = '{app: web}') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}}
spec:
  template:
    metadata:
      labels: ${labels}
      annotations:
${Object.entries(annotations)
    .map(([k, v]) => `        ${k}: ${JSON.stringify(v)}`)
    .join('\n')}
    spec:
      containers:
      - {name: app, image: example/app:1.0}
`;
async function one(name, value) {
    const f = await findingsFor(rule, SHOP + deployment({ [name]: value }));
    assert.ok(f.length <= 1, `at most one finding for ${name}=${value}`);
    return f[0];
}
test('excluding every IPv4 address is critical, at the annotation', async () => {
    const f = await findingsFor(rule, SHOP + deployment({ [`${T}excludeOutboundIPRanges`]: '0.0.0.0/0' }));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.equal(f[0].location?.path, 'spec.template.metadata.annotations["traffic.sidecar.istio.io/excludeOutboundIPRanges"]');
    assert.equal(f[0].location?.line, 15);
    assert.equal(f[0].message, 'Deployment shop/web sets annotation traffic.sidecar.istio.io/excludeOutboundIPRanges="0.0.0.0/0": outbound traffic to every IPv4 address leaves the pod without passing the sidecar (no mTLS, no egress policy, no telemetry).');
});
test('excluded ranges are graded by breadth', async () => {
    const v6 = await one(`${T}excludeOutboundIPRanges`, '::/0');
    assert.equal(v6?.severity, 'critical');
    assert.match(v6.message, /every IPv6 address/);
    const anyZero = await one(`${T}excludeOutboundIPRanges`, '10.1.2.3/0');
    assert.equal(anyZero?.severity, 'critical', 'a /0 of any address covers everything');
    const wide = await one(`${T}excludeOutboundIPRanges`, '192.168.1.0/24, 10.0.0.0/8');
    assert.equal(wide?.severity, 'high');
    assert.match(wide.message, /outbound traffic to 10\.0\.0\.0\/8 \(16,777,216 addresses\) and 1 more range leaves the pod/);
    const narrow = await one(`${T}excludeOutboundIPRanges`, '169.254.169.254/32');
    assert.equal(narrow?.severity, 'medium');
    assert.match(narrow.message, /169\.254\.169\.254\/32 \(1 address\) leaves the pod/);
    const v6wide = await one(`${T}excludeOutboundIPRanges`, '2000::/3');
    assert.equal(v6wide?.severity, 'high');
    assert.equal(await one(`${T}excludeOutboundIPRanges`, ''), undefined);
    assert.equal(await one(`${T}excludeOutboundIPRanges`, ' , '), undefined);
});
test('invalid CIDRs are named, at medium when nothing valid is excluded', async () => {
    const bad = await one(`${T}excludeOutboundIPRanges`, 'internal-net, 10.1.1.1, 10.0.0.0/33, 010.0.0.0/8, 10.0.0.0/08');
    assert.equal(bad?.severity, 'medium');
    assert.match(bad.message, /no valid range is excluded\. internal-net, 10\.1\.1\.1, 10\.0\.0\.0\/33 and 2 more are not a valid CIDR: Istio's injector rejects the annotation/);
    const mixed = await one(`${T}excludeOutboundIPRanges`, '10.0.0.0/8,*');
    assert.equal(mixed?.severity, 'high');
    assert.match(mixed.message, /\* is not a valid CIDR/);
});
test('includeOutboundIPRanges: "*" passes, empty captures nothing (critical), a list is medium', async () => {
    assert.equal(await one(`${T}includeOutboundIPRanges`, '*'), undefined);
    assert.equal(await one(`${T}includeOutboundIPRanges`, '0.0.0.0/0,::/0'), undefined);
    const none = await one(`${T}includeOutboundIPRanges`, '');
    assert.equal(none?.severity, 'critical');
    assert.match(none.message, /includeOutboundIPRanges="": no outbound traffic is captured/);
    const some = await one(`${T}includeOutboundIPRanges`, '10.96.0.0/12');
    assert.equal(some?.severity, 'medium');
    assert.match(some.message, /only outbound traffic to 10\.96\.0\.0\/12 is captured; connections to every other address leave the pod/);
    const v4only = await one(`${T}includeOutboundIPRanges`, '0.0.0.0/0');
    assert.equal(v4only?.severity, 'medium', 'IPv6 traffic still escapes');
});
test('port exclusions are medium and say which direction escapes', async () => {
    const out = await one(`${T}excludeOutboundPorts`, '5432, 6379');
    assert.equal(out?.severity, 'medium');
    assert.match(out.message, /excludeOutboundPorts="5432, 6379": outbound connections to ports 5432, 6379 leave the pod without passing the sidecar/);
    const inbound = await one(`${T}excludeInboundPorts`, '8081');
    assert.equal(inbound?.severity, 'medium');
    assert.match(inbound.message, /inbound connections on port 8081 reach the application directly, without mTLS and without AuthorizationPolicy/);
    const badPort = await one(`${T}excludeInboundPorts`, '70000');
    assert.equal(badPort?.severity, 'medium');
    assert.match(badPort.message, /70000 is not a valid port/);
    assert.equal(await one(`${T}excludeOutboundPorts`, ''), undefined);
});
test('includeInboundPorts: "*" passes, empty is high, a list is medium', async () => {
    assert.equal(await one(`${T}includeInboundPorts`, '*'), undefined);
    const none = await one(`${T}includeInboundPorts`, '');
    assert.equal(none?.severity, 'high');
    assert.match(none.message, /no inbound traffic is captured: connections on every port reach the application directly/);
    const some = await one(`${T}includeInboundPorts`, '8080');
    assert.equal(some?.severity, 'medium');
    assert.match(some.message, /only inbound port 8080 is captured; connections on any other port/);
});
test('excludeInterfaces is medium; interceptionMode NONE is critical', async () => {
    const ifs = await one(`${T}excludeInterfaces`, 'net1,net2');
    assert.equal(ifs?.severity, 'medium');
    assert.match(ifs.message, /traffic through interfaces net1, net2 is not redirected/);
    const none = await one('sidecar.istio.io/interceptionMode', 'NONE');
    assert.equal(none?.severity, 'critical');
    assert.match(none.message, /interceptionMode="NONE": no redirection is set up at all/);
    assert.equal(await one('sidecar.istio.io/interceptionMode', 'REDIRECT'), undefined);
    assert.equal(await one('sidecar.istio.io/interceptionMode', 'TPROXY'), undefined);
});
test('several annotations give several findings; Pods are read from their own metadata', async () => {
    const pod = `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: shop
  annotations:
    ${T}excludeOutboundPorts: "443"
    ${T}excludeInboundPorts: "9000"
spec:
  containers: [{name: app, image: example/app:1}]
`;
    const f = await findingsFor(rule, SHOP + pod);
    assert.equal(f.length, 2);
    assert.deepEqual(f.map((x) => x.location?.path).sort(), [
        'metadata.annotations["traffic.sidecar.istio.io/excludeInboundPorts"]',
        'metadata.annotations["traffic.sidecar.istio.io/excludeOutboundPorts"]',
    ]);
    assert.equal(new Set(f.map((x) => x.fingerprint)).size, 2);
});
test('only pods that get a sidecar (or whose membership is unknown) are judged', async () => {
    const a = { [`${T}excludeOutboundIPRanges`]: '0.0.0.0/0' };
    assert.equal((await findingsFor(rule, namespace('legacy', '{}') + deployment(a, 'legacy'))).length, 0);
    assert.equal((await findingsFor(rule, namespace('analytics', '{istio.io/dataplane-mode: ambient}') + deployment(a, 'analytics'))).length, 0);
    const sidecarInAmbient = namespace('analytics', '{istio.io/dataplane-mode: ambient}') + deployment(a, 'analytics', '{sidecar.istio.io/inject: "true"}');
    assert.equal((await findingsFor(rule, sidecarInAmbient)).length, 1);
    assert.equal((await findingsFor(rule, deployment(a, 'unknown-ns'))).length, 1);
    assert.equal((await findingsFor(rule, namespace('istio-system', '{}') + deployment(a, 'istio-system'))).length, 0);
    assert.equal((await findingsFor(rule, SHOP + deployment(a, 'shop', '{sidecar.istio.io/inject: "false"}'))).length, 0);
});
test('huge values are bounded in the message', async () => {
    const ranges = Array.from({ length: 5000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`).join(',');
    const f = await one(`${T}excludeOutboundIPRanges`, ranges);
    assert.equal(f?.severity, 'medium');
    assert.ok(f.message.length < 600, `message length ${f.message.length}`);
    assert.match(f.message, /10\.0\.0\.0\/24 \(256 addresses\) and 4999 more ranges leaves the pod/);
});
