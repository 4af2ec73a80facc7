import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK006-tenant-gateway-selects-shared-pods.js';
import { findingsFor } from '../../testing/kit.js';
import { parseTenantPolicy } from '../../tenancy/policy.js';

const deploy = (ns: string, name: string, labels: string, extra = '') => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector:
    matchLabels: ${labels}
  template:
    metadata:
      labels: ${labels}
    spec:
      containers:
      - name: istio-proxy
        image: auto
${extra}`;

const base = `apiVersion: v1
kind: Namespace
metadata: {name: istio-ingress}
---
apiVersion: v1
kind: Namespace
metadata: {name: analytics, labels: {istio-injection: enabled}}
${deploy('istio-ingress', 'istio-ingressgateway', '{istio: ingressgateway, app: istio-ingressgateway}')}
${deploy('analytics', 'analytics-gateway', '{istio: analytics-gateway}')}
${deploy('istio-system', 'istiod', '{app: istiod}')}`;

const gw = (selector: string | null, ns = 'analytics') => `${base}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: promo, namespace: ${ns}}
spec:
${selector === null ? '' : `  selector: ${selector}\n`}  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["analytics/*"]
`;

test("a tenant Gateway selecting the platform's ingress pods is high and names them", async () => {
  const f = await findingsFor(rule, gw('{istio: ingressgateway}'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].location?.path, 'spec.selector');
  assert.match(f[0].message, /^Gateway analytics\/promo of tenant analytics has selector istio=ingressgateway, so it selects the shared gateway pods istio-ingress\/istio-ingressgateway: istiod programs its servers into the platform's gateway/);
  assert.ok(f[0].evidence.some((e) => e.resource?.name === 'istio-ingressgateway'));
});

test('a selector for its own gateway pods is fine', async () => {
  assert.deepEqual(await findingsFor(rule, gw('{istio: analytics-gateway}')), []);
  assert.deepEqual(await findingsFor(rule, gw('{istio: nothing-matches}')), []);
});

test('no selector applies to every gateway proxy, the shared ones included', async () => {
  for (const sel of [null, '{}']) {
    const f = await findingsFor(rule, gw(sel));
    assert.equal(f.length, 1, String(sel));
    assert.equal(f[0].location?.path, sel === null ? 'spec' : 'spec.selector');
    assert.match(f[0].message, /has no selector, which Istio applies to every gateway proxy of the mesh, so it selects the shared gateway pods istio-ingress\/istio-ingressgateway:/);
    assert.ok(!/istio-system\/istiod/.test(f[0].message), 'istiod is no gateway proxy');
  }
});

test("the platform's own Gateways are not reported", async () => {
  assert.deepEqual(await findingsFor(rule, gw('{istio: ingressgateway}', 'istio-ingress')), []);
});

test('PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true on istiod confines selectors to their namespace', async () => {
  const env = '        env:\n        - {name: PILOT_SCOPE_GATEWAY_TO_NAMESPACE, value: "true"}\n';
  const scoped = gw('{istio: ingressgateway}') + deploy('istio-system', 'istiod-scoped', '{app: istiod, rev: b}', env);
  assert.deepEqual(await findingsFor(rule, scoped), []);
  const iop = gw('{istio: ingressgateway}') + `---
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: control-plane, namespace: istio-system}
spec:
  values:
    pilot:
      env:
        PILOT_SCOPE_GATEWAY_TO_NAMESPACE: true
`;
  assert.deepEqual(await findingsFor(rule, iop), []);
  const off = gw('{istio: ingressgateway}') + deploy('istio-system', 'istiod-off', '{app: istiod, rev: c}', env.replace('"true"', '"false"'));
  assert.equal((await findingsFor(rule, off)).length, 1);
});

test('a platform namespace named by the tenant policy counts as shared', async () => {
  const text = gw('{app: edge}') + deploy('edge', 'edge-proxy', '{app: edge}');
  assert.deepEqual(await findingsFor(rule, text), [], 'without a policy, edge is a tenant like any other');
  const policy = parseTenantPolicy('platform: {namespaces: [edge]}\ntenants:\n- {name: analytics, namespaces: [analytics]}\n', 't.yaml');
  const f = await findingsFor(rule, text, { model: { tenantPolicy: policy } });
  assert.equal(f.length, 1);
  assert.match(f[0].message, /shared gateway pods edge\/edge-proxy/);
});

test('hostile shapes are ignored, not crashed on', async () => {
  const bad = `${base}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: odd, namespace: analytics}
spec:
  selector: [istio, ingressgateway]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: odd2, namespace: analytics}
spec: 3
`;
  assert.deepEqual(await findingsFor(rule, bad), []);
});

test('the documented examples: bad is reported, good is not', async () => {
  const bad = await findingsFor(rule, `${base}---\n${rule.meta.docs.bad}`);
  assert.equal(bad.length, 1);
  assert.equal(bad[0].severity, 'high');
  assert.deepEqual(await findingsFor(rule, `${base}---\n${rule.meta.docs.good}`), []);
});

// The gateway pods are often not in the input while a Service in front of them is (Knative's
// net-istio puts `knative-local-gateway` in istio-system, selecting `istio: ingressgateway`).
const svcOnly = (gwSelector: string, svcSelector: string, svcNs = 'istio-system') => `apiVersion: v1
kind: Namespace
metadata: {name: knative-serving, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: knative-local-gateway, namespace: ${svcNs}}
spec:
  selector: ${svcSelector}
  ports:
  - {name: http2, port: 80, targetPort: 8081}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: knative-local-gateway, namespace: knative-serving}
spec:
  selector: ${gwSelector}
  servers:
  - port: {number: 8081, name: http, protocol: HTTP}
    hosts: ["*"]
`;

test("a platform Service in front of gateway pods the selector matches stands for the pods missing from the input", async () => {
  const f = await findingsFor(rule, svcOnly('{istio: ingressgateway}', '{istio: ingressgateway}'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.match(f[0].message, /^Gateway knative-serving\/knative-local-gateway of tenant knative-serving has selector istio=ingressgateway, so it selects the shared gateway pods behind Service istio-system\/knative-local-gateway \(the pods are not in the input; the Service's selector includes the Gateway's\)/);
  assert.ok(f[0].evidence.some((e) => e.role === 'shared-gateway-service' && e.resource?.name === 'knative-local-gateway' && e.resource?.namespace === 'istio-system'));
  // The Service's selector may say more than the Gateway's: its pods still carry the Gateway's labels.
  assert.equal((await findingsFor(rule, svcOnly('{istio: ingressgateway}', '{istio: ingressgateway, app: istio-ingressgateway}'))).length, 1);
});

test('a Service does not stand for gateway pods it may not select, in a tenant namespace, or for pods that are no gateway', async () => {
  // The Gateway asks for a label the Service's pods need not carry.
  assert.deepEqual(await findingsFor(rule, svcOnly('{istio: ingressgateway, app: istio-ingressgateway}', '{istio: ingressgateway}')), []);
  // Another value.
  assert.deepEqual(await findingsFor(rule, svcOnly('{istio: ingressgateway}', '{istio: eastwestgateway}')), []);
  // The Service is the tenant's own, in its own namespace.
  assert.deepEqual(await findingsFor(rule, svcOnly('{istio: ingressgateway}', '{istio: ingressgateway}', 'knative-serving')), []);
  // A platform Service for pods that carry no gateway label: a Gateway programs no such pod.
  assert.deepEqual(await findingsFor(rule, svcOnly('{app: prometheus}', '{app: prometheus}')), []);
});
