// Every sidecar rule on hostile input: wrong types, prototype-named keys, huge lists. No rule may
// throw, and nothing hostile may reach a message unescaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rules } from './index.js';
import { scanYaml } from '../../testing/kit.js';
const HOSTILE = `apiVersion: v1
kind: Namespace
metadata:
  name: evil
  labels: {__proto__: x, constructor: y, istio-injection: "enabled\\u001b[31m", istio.io/rev: "a\\nb"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  values: '{"__proto__":{"global":{"hub":"x"}},"constructor":1,"global":{"hub":["a"],"tag":{"x":1},"proxy":{"image":null,"excludeIPRanges":7}},"sidecarInjectorWebhook":[]}'
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector-__proto__, namespace: istio-system}
data: {values: "{\\"revision\\": \\"__proto__\\", \\"global\\": {\\"hub\\": \\"h\\", \\"tag\\": \\"t\\"}}"}
---
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: evil
  annotations: {istio.io/rev: __proto__, sidecar.istio.io/status: "{", traffic.sidecar.istio.io/excludeInboundPorts: "15020,constructor"}
  ownerReferences: "nope"
spec:
  initContainers:
  - {name: istio-init, image: "docker.io/istio/proxyv2:1", securityContext: {capabilities: {add: {length: 5}}}}
  - {name: istio-validation, image: 7, securityContext: []}
  containers:
  - {name: constructor, image: {a: 1}}
  - {name: istio-proxy, image: "\\u001b]0;evil\\u0007docker.io/istio/proxyv2:1", restartPolicy: Always}
status: {phase: {a: 1}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: __proto__}
webhooks:
- {name: __proto__.sidecar-injector.istio.io, namespaceSelector: {matchLabels: {__proto__: x}}, objectSelector: {matchExpressions: [{key: constructor, operator: Exists}]}, clientConfig: {service: {name: constructor, namespace: evil}}}
- {name: b.sidecar-injector.istio.io, namespaceSelector: {matchExpressions: [{key: istio.io/rev, operator: In, values: ["\\u001b[2J", 5, null]}]}}
- {name: c.sidecar-injector.istio.io, namespaceSelector: {matchExpressions: [{key: istio.io/rev, operator: In, values: ["\\u001b[2J"]}]}}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: evil}
spec: {ports: "443"}
`;
test('sidecar rules survive hostile input and escape what they quote', async () => {
    const res = await scanYaml(HOSTILE, { rules });
    assert.deepEqual(res.failures, []);
    for (const f of res.findings)
        assert.doesNotMatch(f.message, /[\u0000-\u0008\u000b-\u001f\u007f]/, `${f.ruleId}: ${f.message}`);
    // The overlapping pair with an escape-sequence revision is still found, its label quoted.
    const overlap = res.findings.find((f) => f.ruleId === 'BYP014' && f.message.includes('"c.sidecar-injector.istio.io"'));
    assert.ok(overlap, res.findings.map((f) => f.ruleId).join(','));
    assert.match(overlap.message, /istio\.io\/rev="\\u001b\[2J"/);
});
test('thousands of injection webhooks are bounded', async () => {
    const entries = Array.from({ length: 3000 }, (_, i) => `- {name: w${i}.sidecar-injector.istio.io, namespaceSelector: {matchLabels: {istio.io/rev: r${i % 50}}}}`).join('\n');
    const yaml = `apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata: {name: many}\nwebhooks:\n${entries}\n`;
    const started = Date.now();
    const res = await scanYaml(yaml, { rules });
    assert.deepEqual(res.failures, []);
    assert.ok(Date.now() - started < 20000, `took ${Date.now() - started} ms`);
});
test('pod-level opt-in and gateway proxies on hostile input: no throw, no prototype lookups, names escaped', async () => {
    const yaml = `apiVersion: v1
kind: Namespace
metadata: {name: travel, labels: {__proto__: {istio-injection: enabled}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: "opted\\u001b[31m", namespace: travel}
spec:
  template:
    metadata:
      labels: {__proto__: x, constructor: "true", sidecar.istio.io/inject: true, istio.io/rev: [a]}
    spec:
      containers: [{name: app, image: example/app:1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: "plain\\u0007", namespace: travel}
spec:
  template:
    metadata:
      annotations: {sidecar.istio.io/inject: "true"}
    spec:
      containers: {name: app}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: gw
  namespace: shop
  ownerReferences: [null, 7, {kind: Gateway, apiVersion: {a: 1}}, {kind: Gateway}]
spec:
  template:
    metadata:
      labels: {gateway.networking.k8s.io/gateway-name: "\\u001b]0;x", sidecar.istio.io/inject: "false"}
    spec:
      containers: [{name: istio-proxy, image: {a: 1}}]
`;
    const res = await scanYaml(yaml, { rules });
    assert.deepEqual(res.failures, []);
    for (const f of res.findings)
        assert.doesNotMatch(f.message, /[\u0000-\u0008\u000b-\u001f\u007f]/, `${f.ruleId}: ${f.message}`);
    const byp008 = res.findings.filter((f) => f.ruleId === 'BYP008');
    assert.equal(byp008.length, 1);
    assert.equal(byp008[0].severity, 'low', 'one workload opts in with the label, the other only with the annotation');
    assert.ok(res.findings.some((f) => f.ruleId === 'BYP007' && f.resource.name === 'gw'), 'an invalid proxy image is no gateway proxy');
});
