import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP030-external-service-skips-gateway.js';
import { findingsFor } from '../../testing/kit.js';
import { injectedNamespaces } from '../../testing/fixtures.js';

const deployment = (name: string, ns: string, labels: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: ${labels}}
  template:
    metadata: {labels: ${labels}}
    spec:
      containers:
      - name: app
        image: example/app:1.0
        ports: [{name: http, containerPort: 8080}]
${extra}`;

const svc = (type: string, selector: string, extra = '', ns = 'shop') => `apiVersion: v1
kind: Service
metadata: {name: web-public, namespace: ${ns}}
spec:
  type: ${type}
  selector: ${selector}
  ports:
  - {name: http, port: 80, targetPort: http}
${extra}`;

const strict = (ns: string, extra = '') => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: ${ns}}
spec:
  mtls: {mode: STRICT}
${extra}`;

const base = `${injectedNamespaces('shop')}---
${deployment('web', 'shop', '{app: web}')}---
`;

test('a LoadBalancer selecting a PERMISSIVE mesh workload is high, at the port, naming the workload', async () => {
  const f = await findingsFor(rule, base + svc('LoadBalancer', '{app: web}'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].location?.path, 'spec.ports[0]');
  assert.equal(
    f[0].message,
    "Service shop/web-public is a LoadBalancer that selects mesh workload Deployment shop/web directly, not an ingress gateway: on port 80 the workload accepts plaintext (mTLS PERMISSIVE), so clients outside the mesh reach it without the gateway's TLS, authentication and authorization.",
  );
  assert.ok(f[0].evidence.some((e) => e.role === 'exposed-workload' && e.resource?.name === 'web'));
});

test('NodePort too; graded by mTLS on the target port and by source ranges', async () => {
  const node = await findingsFor(rule, base + svc('NodePort', '{app: web}'));
  assert.equal(node.length, 1);
  assert.match(node[0].message, /is a NodePort/);
  const strictNs = await findingsFor(rule, base + strict('shop') + '---\n' + svc('LoadBalancer', '{app: web}'));
  assert.equal(strictNs[0].severity, 'low');
  assert.match(strictNs[0].message, /every exposed port is mTLS STRICT/);
  // A port-level PERMISSIVE on the named target port (8080) reopens it.
  const portLevel = strict('shop', '  selector: {matchLabels: {app: web}}\n  portLevelMtls:\n    8080: {mode: PERMISSIVE}\n');
  const reopened = await findingsFor(rule, base + strict('shop').replace('name: default', 'name: ns-wide') + '---\n' + portLevel + '---\n' + svc('LoadBalancer', '{app: web}'));
  assert.equal(reopened[0].severity, 'high');
  const ranged = await findingsFor(rule, base + svc('LoadBalancer', '{app: web}', '  loadBalancerSourceRanges: [203.0.113.0/24]'));
  assert.equal(ranged[0].severity, 'medium');
  assert.match(ranged[0].message, /clients in loadBalancerSourceRanges/);
});

test('ambient workloads count as mesh workloads', async () => {
  const ambient = `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}\n---\n${deployment('web', 'shop', '{app: web}')}---\n`;
  const f = await findingsFor(rule, ambient + svc('LoadBalancer', '{app: web}'));
  assert.equal(f.length, 1);
  assert.match(f[0].evidence[0].description, /runs in the mesh \(ambient\)/);
});

test('gateways, ClusterIP Services, namespaces outside the mesh and selector-less Services are not reported', async () => {
  const clean = [
    base + svc('ClusterIP', '{app: web}'),
    base + svc('LoadBalancer', '{app: other}'),
    base + svc('LoadBalancer', '{}'),
    base + svc('LoadBalancer', '"app=web"'),
    // Not in the mesh: no injection label.
    `apiVersion: v1\nkind: Namespace\nmetadata: {name: legacy}\n---\n${deployment('web', 'legacy', '{app: web}')}---\n${svc('LoadBalancer', '{app: web}', '', 'legacy')}`,
    // Istio ingress gateway pods by label, and a Gateway API gateway's pods.
    `${injectedNamespaces('edge')}---\n${deployment('istio-ingressgateway', 'edge', '{istio: ingressgateway, app: istio-ingressgateway}')}---\n${svc('LoadBalancer', '{istio: ingressgateway}', '', 'edge')}`,
    `${injectedNamespaces('edge')}---\n${deployment('gw', 'edge', '{gateway.networking.k8s.io/gateway-name: public}')}---\n${svc('LoadBalancer', '{gateway.networking.k8s.io/gateway-name: public}', '', 'edge')}`,
    // Proxy-only pods an Istio Gateway selects, whatever their labels (a custom gateway deployment).
    `${injectedNamespaces('edge')}---\n${deployment('custom-gw', 'edge', '{role: edge}').replace('- name: app\n        image: example/app:1.0', '- name: istio-proxy\n        image: auto')}---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: edge}\nspec:\n  selector: {role: edge}\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]\n---\n${svc('LoadBalancer', '{role: edge}', '', 'edge')}`,
  ];
  for (const text of clean) assert.deepEqual(await findingsFor(rule, text), [], text.slice(-200));
  // An application a tenant's Gateway selects stays an application (Istio gives its sidecar no Gateway servers).
  const app = `${injectedNamespaces('edge')}---\n${deployment('web', 'edge', '{role: edge}')}---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: edge}\nspec:\n  selector: {role: edge}\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]\n---\n${svc('LoadBalancer', '{role: edge}', '', 'edge')}`;
  assert.equal((await findingsFor(rule, app)).length, 1);
});

test('hostile port shapes are read defensively', async () => {
  const odd = base + `apiVersion: v1\nkind: Service\nmetadata: {name: odd, namespace: shop}\nspec:\n  type: LoadBalancer\n  selector: {app: web}\n  ports: [null, 7, {port: {a: 1}}, {port: "80", targetPort: "nope"}]\n`;
  const f = await findingsFor(rule, odd);
  assert.equal(f.length, 1);
  assert.equal(f[0].location?.path, 'spec.ports[3]');
});

test('externalIPs expose a ClusterIP Service the same way', async () => {
  const f = await findingsFor(rule, base + svc('ClusterIP', '{app: web}', '  externalIPs: [198.51.100.7]'));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /^Service shop\/web-public is exposed on externalIPs and selects mesh workload Deployment shop\/web directly/);
  assert.deepEqual(await findingsFor(rule, base + svc('ClusterIP', '{app: web}', '  externalIPs: ["", 7]')), []);
});
