// Hostile shapes through every rule added for issue 9: prototype-named namespaces, labels and
// selectors, wrong types and huge values must neither crash a rule nor invent a finding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findingsFor } from '../../testing/kit.js';
import HJK014 from './HJK014-several-namespace-wide-sidecars.js';
import HJK015 from './HJK015-sidecar-selectors-overlap.js';
import HJK016 from './HJK016-sidecar-on-ambient.js';
import HJK017 from './HJK017-conflicting-gateways.js';
import EGR006 from '../egress/EGR006-serviceentry-none-tcp-port-match.js';
import EGR007 from '../egress/EGR007-serviceentry-cloud-metadata.js';
import BYP030 from '../sidecar/BYP030-external-service-skips-gateway.js';

const long = 'a'.repeat(5000);
const hostile = `apiVersion: v1
kind: Namespace
metadata: {name: __proto__, labels: {__proto__: x, istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: constructor, namespace: __proto__}
spec:
  template:
    metadata: {labels: {__proto__: a, constructor: b, toString: c}}
    spec:
      containers: [{name: app, image: x, ports: [{name: __proto__, containerPort: "80"}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: valueOf, namespace: __proto__}
spec:
  template:
    metadata: {labels: {__proto__: a, constructor: b, toString: c}}
    spec:
      containers: [{name: istio-proxy, image: auto}]
---
apiVersion: v1
kind: Service
metadata: {name: hasOwnProperty, namespace: __proto__}
spec:
  type: LoadBalancer
  selector: {__proto__: a, constructor: b}
  ports: [{port: 80, targetPort: __proto__}, {port: ${JSON.stringify(long)}}]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: a, namespace: __proto__}
spec: {workloadSelector: {labels: {constructor: b}}, egress: 7}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: b, namespace: __proto__, creationTimestamp: {x: 1}}
spec: {workloadSelector: {labels: {toString: c}}, outboundTrafficPolicy: "REGISTRY_ONLY"}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: c, namespace: __proto__}
spec: {workloadSelector: "x"}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: valueOf, namespace: __proto__}
spec:
  selector: {toString: c}
  servers: [{port: {number: 80}, hosts: ["${long}", "__proto__/*"], tls: {mode: [1], credentialName: {a: 1}}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: toString, namespace: __proto__}
spec:
  selector: {constructor: b}
  servers: [{port: {number: 80}, hosts: ["*"]}, null, {port: 7}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: __proto__, namespace: __proto__}
spec:
  hosts: ["${long}", "__proto__", 7]
  addresses: ["169.254.169.254/${long}", "::/-1", "${long}"]
  endpoints: [{address: "${long}"}, {address: "fd00:ec2::254%eth0"}]
  exportTo: {a: 1}
  resolution: {}
  ports: [{number: {a: 1}}, {number: "5432", protocol: 7}]
`;

test('issue 9 rules: hostile shapes neither crash nor invent findings out of nothing', async () => {
  for (const rule of [HJK014, HJK015, HJK016, HJK017, EGR006, EGR007, BYP030]) {
    const f = await findingsFor(rule, hostile);
    for (const x of f) {
      assert.ok(x.message.length < 2000, `${rule.meta.id} message is bounded`);
      assert.ok(!x.message.includes(long), `${rule.meta.id} does not echo a huge value`);
    }
  }
  // The Sidecars pick the same Deployment by its prototype-named labels: HJK015 sees a real overlap.
  const overlap = await findingsFor(HJK015, hostile);
  assert.equal(overlap.length, 1);
  assert.equal(overlap[0].resource.name, 'b');
  // The two Gateways select the same gateway pods (valueOf, proxy only) on port 80 with "*" covering
  // everything (\`__proto__\` is no valid label key: it selects nothing).
  assert.equal((await findingsFor(HJK017, hostile)).length, 1);
});
