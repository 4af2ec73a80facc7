import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP006-capture-exclusions.js';
import { findingsFor } from '../../testing/kit.js';
import type { Finding } from '../../engine/finding.js';

const T = 'traffic.sidecar.istio.io/';

const namespace = (name: string, labels: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: ${labels}
---
`;
const SHOP = namespace('shop', '{istio-injection: enabled}');

const deployment = (annotations: Record<string, string>, ns = 'shop', labels = '{app: web}') => `apiVersion: apps/v1
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

async function one(name: string, value: string): Promise<Finding | undefined> {
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
  assert.equal(
    f[0].message,
    'Deployment shop/web sets annotation traffic.sidecar.istio.io/excludeOutboundIPRanges="0.0.0.0/0": outbound traffic to every IPv4 address leaves the pod without passing the sidecar (no mTLS, no egress policy, no telemetry).',
  );
});

test('excluded ranges are graded by breadth', async () => {
  const v6 = await one(`${T}excludeOutboundIPRanges`, '::/0');
  assert.equal(v6?.severity, 'critical');
  assert.match(v6!.message, /every IPv6 address/);
  const anyZero = await one(`${T}excludeOutboundIPRanges`, '10.1.2.3/0');
  assert.equal(anyZero?.severity, 'critical', 'a /0 of any address covers everything');
  const wide = await one(`${T}excludeOutboundIPRanges`, '192.168.1.0/24, 10.0.0.0/8');
  assert.equal(wide?.severity, 'high');
  assert.match(wide!.message, /outbound traffic to 10\.0\.0\.0\/8 \(16,777,216 addresses\) and 1 more range leaves the pod/);
  const narrow = await one(`${T}excludeOutboundIPRanges`, '169.254.169.254/32');
  assert.equal(narrow?.severity, 'medium');
  assert.match(narrow!.message, /169\.254\.169\.254\/32 \(1 address\) leaves the pod/);
  const v6wide = await one(`${T}excludeOutboundIPRanges`, '2000::/3');
  assert.equal(v6wide?.severity, 'high');
  assert.equal(await one(`${T}excludeOutboundIPRanges`, ''), undefined);
  assert.equal(await one(`${T}excludeOutboundIPRanges`, ' , '), undefined);
});

test('invalid CIDRs are named, at medium when nothing valid is excluded', async () => {
  const bad = await one(`${T}excludeOutboundIPRanges`, 'internal-net, 10.1.1.1, 10.0.0.0/33, 010.0.0.0/8, 10.0.0.0/08');
  assert.equal(bad?.severity, 'medium');
  assert.match(bad!.message, /no valid range is excluded\. internal-net, 10\.1\.1\.1, 10\.0\.0\.0\/33 and 2 more are not a valid CIDR: Istio's injector rejects the annotation/);
  const mixed = await one(`${T}excludeOutboundIPRanges`, '10.0.0.0/8,*');
  assert.equal(mixed?.severity, 'high');
  assert.match(mixed!.message, /\* is not a valid CIDR/);
});

test('includeOutboundIPRanges: "*" passes, empty captures nothing (critical), a list is medium', async () => {
  assert.equal(await one(`${T}includeOutboundIPRanges`, '*'), undefined);
  assert.equal(await one(`${T}includeOutboundIPRanges`, '0.0.0.0/0,::/0'), undefined);
  const none = await one(`${T}includeOutboundIPRanges`, '');
  assert.equal(none?.severity, 'critical');
  assert.match(none!.message, /includeOutboundIPRanges="": no outbound traffic is captured/);
  const some = await one(`${T}includeOutboundIPRanges`, '10.96.0.0/12');
  assert.equal(some?.severity, 'medium');
  assert.match(some!.message, /only outbound traffic to 10\.96\.0\.0\/12 is captured; connections to every other address leave the pod/);
  const v4only = await one(`${T}includeOutboundIPRanges`, '0.0.0.0/0');
  assert.equal(v4only?.severity, 'medium', 'IPv6 traffic still escapes');
});

test('port exclusions are medium and say which direction escapes', async () => {
  const out = await one(`${T}excludeOutboundPorts`, '5432, 6379');
  assert.equal(out?.severity, 'medium');
  assert.match(out!.message, /excludeOutboundPorts="5432, 6379": outbound connections to ports 5432, 6379 leave the pod without passing the sidecar/);
  const inbound = await one(`${T}excludeInboundPorts`, '8081');
  assert.equal(inbound?.severity, 'medium');
  assert.match(inbound!.message, /inbound connections on port 8081 reach the application directly, without mTLS and without AuthorizationPolicy/);
  const badPort = await one(`${T}excludeInboundPorts`, '70000');
  assert.equal(badPort?.severity, 'medium');
  assert.match(badPort!.message, /70000 is not a valid port/);
  assert.equal(await one(`${T}excludeOutboundPorts`, ''), undefined);
});

test('includeInboundPorts: "*" passes, empty is high, a list is medium', async () => {
  assert.equal(await one(`${T}includeInboundPorts`, '*'), undefined);
  const none = await one(`${T}includeInboundPorts`, '');
  assert.equal(none?.severity, 'high');
  assert.match(none!.message, /no inbound traffic is captured: connections on every port reach the application directly/);
  const some = await one(`${T}includeInboundPorts`, '8080');
  assert.equal(some?.severity, 'medium');
  assert.match(some!.message, /only inbound port 8080 is captured; connections on any other port/);
});

test('excludeInterfaces is medium; interceptionMode NONE is critical', async () => {
  const ifs = await one(`${T}excludeInterfaces`, 'net1,net2');
  assert.equal(ifs?.severity, 'medium');
  assert.match(ifs!.message, /traffic through interfaces net1, net2 is not redirected/);
  const none = await one('sidecar.istio.io/interceptionMode', 'NONE');
  assert.equal(none?.severity, 'critical');
  assert.match(none!.message, /interceptionMode="NONE": no redirection is set up at all/);
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
  assert.ok(f!.message.length < 600, `message length ${f!.message.length}`);
  assert.match(f!.message, /10\.0\.0\.0\/24 \(256 addresses\) and 4999 more ranges leaves the pod/);
});

// inject.istio.io/templates picks the injector's templates (pkg/kube/inject/inject.go selectTemplates);
// only `sidecar` sets up redirection, the gateway family runs a router proxy with no istio-init.
const TEMPLATES = 'inject.istio.io/templates';
const pod = (annotations: Record<string, string>, containers: string[], labels = '{app: web}') =>
  deployment(annotations, 'shop', labels).replace('      - {name: app, image: example/app:1.0}\n', containers.map((c) => `      - {name: ${c}, image: ${c === 'istio-proxy' ? 'auto' : 'example/app:1.0'}}\n`).join(''));

test('an application pod injected with a gateway template has no capture at all: critical, naming its containers', async () => {
  for (const t of ['gateway', 'kube-gateway', 'waypoint', ' gateway , waypoint ']) {
    const f = await findingsFor(rule, SHOP + pod({ [TEMPLATES]: t }, ['app', 'worker']));
    assert.equal(f.length, 1, t);
    assert.equal(f[0].severity, 'critical', t);
    assert.equal(f[0].location?.path, `spec.template.metadata.annotations["${TEMPLATES}"]`);
    assert.match(f[0].message, /a gateway's proxy \(a router with no istio-init and no redirection\) instead of a sidecar, so nothing in or out of containers app, worker passes it: inbound connections reach them directly, without mTLS and without AuthorizationPolicy, even in a STRICT namespace/);
  }
});

test('proxyless gRPC templates are medium and say what holds only with xDS credentials', async () => {
  for (const t of ['grpc-agent', 'grpc-simple']) {
    const f = await findingsFor(rule, SHOP + pod({ [TEMPLATES]: t }, ['app']));
    assert.equal(f[0]?.severity, 'medium', t);
    assert.match(f[0].message, /proxyless gRPC injection: no Envoy and no redirection.*only if it serves gRPC with Istio's xDS server credentials/);
  }
});

test('templates that keep capture, a gateway pod of the proxy alone, and pods that are not injected are not reported', async () => {
  const clean = [
    SHOP + pod({ [TEMPLATES]: 'sidecar' }, ['app']),
    SHOP + pod({ [TEMPLATES]: 'sidecar,custom-logging' }, ['app']),
    // A template only the installation knows cannot be judged (one it lacks fails injection).
    SHOP + pod({ [TEMPLATES]: 'my-template' }, ['app']),
    SHOP + pod({ [TEMPLATES]: 'gateway,my-template' }, ['app']),
    SHOP + pod({ [TEMPLATES]: '' }, ['app']),
    // Istio's gateway chart: the proxy alone, image auto.
    SHOP + pod({ [TEMPLATES]: 'gateway' }, ['istio-proxy'], '{istio: ingressgateway, sidecar.istio.io/inject: "true"}'),
    // Injection off: no template is applied (BYP007's business).
    SHOP + pod({ [TEMPLATES]: 'gateway' }, ['app'], '{app: web, sidecar.istio.io/inject: "false"}'),
    namespace('shop', '{istio-injection: disabled}') + pod({ [TEMPLATES]: 'gateway' }, ['app']),
  ];
  for (const text of clean) assert.deepEqual(await findingsFor(rule, text), [], text.slice(-400));
});

test('a pod labelled as a gateway with containers beside the proxy: medium, saying they are outside the mesh', async () => {
  const f = await findingsFor(rule, SHOP + pod({ [TEMPLATES]: 'gateway' }, ['istio-proxy', 'config-reloader'], '{istio: shop-gateway}'));
  assert.equal(f[0]?.severity, 'medium');
  assert.match(f[0].message, /container config-reloader passes it.*The pod has a gateway.s marks: if these containers are helpers of the gateway, they are still outside the mesh\./);
});

test("Istio's gateway chart with an additional container is medium; an injected Pod of an application is still critical", async () => {
  // The chart's shape (operator/pkg/helm/testdata/output/gateway-additional-containers.golden.yaml): `istio: <release>`, istio-proxy declared with image auto.
  const chart = await findingsFor(rule, SHOP + pod({ [TEMPLATES]: 'gateway' }, ['istio-proxy', 'additional-container'], '{app: istio-ingress, istio: ingress}'));
  assert.equal(chart[0]?.severity, 'medium');
  const declared = await findingsFor(rule, SHOP + pod({ [TEMPLATES]: 'gateway' }, ['istio-proxy', 'app']));
  assert.equal(declared[0]?.severity, 'medium', 'a template that declares the proxy itself has a gateway mark');
  // After injection every pod has istio-proxy: on a Pod the injector processed, that is no mark.
  const injected = `apiVersion: v1
kind: Pod
metadata:
  name: payments-7d9f
  namespace: shop
  annotations: {inject.istio.io/templates: gateway, sidecar.istio.io/status: '{"containers":["istio-proxy"]}'}
spec:
  containers:
  - {name: payments, image: example/app:1.0}
  - {name: istio-proxy, image: docker.io/istio/proxyv2:1.30.0, args: [proxy, router]}
`;
  const live = await findingsFor(rule, SHOP + injected);
  assert.equal(live[0]?.severity, 'critical');
  assert.match(live[0].message, /nothing in or out of container payments passes it/);
});

// The pod's proxy config (proxy.istio.io/config) and the mesh's defaultConfig reach the injection
// template as .ProxyConfig.InterceptionMode, read when the pod has no interceptionMode annotation.
test('interceptionMode NONE through proxy.istio.io/config (JSON or YAML) is critical, at that annotation', async () => {
  for (const value of ['{"interceptionMode": "NONE"}', 'interceptionMode: NONE\nholdApplicationUntilProxyStarts: true', '{"interceptionMode": 2}']) {
    const f = await one('proxy.istio.io/config', value);
    assert.equal(f?.severity, 'critical', value);
    assert.equal(f?.location?.path, 'spec.template.metadata.annotations["proxy.istio.io/config"]');
    assert.match(f!.message, /its interceptionMode NONE reaches the injector as the sidecar\.istio\.io\/interceptionMode annotation would: no redirection is set up at all/);
  }
  for (const value of ['{"interceptionMode": "TPROXY"}', '{"holdApplicationUntilProxyStarts": true}', '{not yaml: [', 'a: &a [*a, *a]', '']) assert.equal(await one('proxy.istio.io/config', value), undefined, value);
  // The rest of the proxy config is not quoted: proxyMetadata is the proxy's environment (tokens among it),
  // and the message reaches webhook denials and the relay's store.
  const withEnv = await one('proxy.istio.io/config', '{"interceptionMode": "NONE", "proxyMetadata": {"API_TOKEN": "CANARY-7f3a9"}}');
  assert.ok(withEnv && !JSON.stringify(withEnv).includes('CANARY-7f3a9'), JSON.stringify(withEnv));
  assert.match(withEnv!.message, /sets annotation proxy\.istio\.io\/config with interceptionMode NONE: /);
  // The annotation wins over the proxy config: REDIRECT there means the proxy config's NONE is not used.
  const both = await findingsFor(rule, SHOP + deployment({ 'proxy.istio.io/config': '{"interceptionMode": "NONE"}', 'sidecar.istio.io/interceptionMode': 'REDIRECT' }));
  assert.deepEqual(both, []);
});

test("the mesh config's defaultConfig.interceptionMode NONE is critical at the mesh config (ConfigMap or IstioOperator field)", async () => {
  const cm = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    defaultConfig:
      interceptionMode: NONE
`;
  const f = await findingsFor(rule, cm);
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'critical');
  assert.equal(f[0].location?.path, 'data.mesh');
  assert.match(f[0].message, /^ConfigMap istio-system\/istio sets defaultConfig\.interceptionMode NONE: the injector sets up no redirection for any pod that does not ask for a mode itself/);
  const iop = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: control-plane, namespace: istio-system}
spec:
  meshConfig:
    defaultConfig: {interceptionMode: NONE}
`;
  const g = await findingsFor(rule, iop);
  assert.equal(g[0]?.location?.path, 'spec.meshConfig.defaultConfig.interceptionMode');
  assert.deepEqual(await findingsFor(rule, cm.replace('NONE', 'TPROXY')), []);
});
