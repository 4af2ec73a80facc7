import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSettings } from '../config/settings.js';
import { decideIntroduced } from './decide.js';
import type { DecisionState } from './types.js';
import { CORPUS_CLUSTER, hijackYaml, PAY_SERVICE_YAML, parseObjects, reviewOf, stateOf, TENANT_NAMESPACES_YAML } from '../testing/decide-corpus.js';

const CLUSTER = CORPUS_CLUSTER;
const objects = parseObjects;
const cache = (yaml: string): DecisionState => stateOf(parseObjects(yaml));
const review = reviewOf;

const CLUSTER_STATE = `${TENANT_NAMESPACES_YAML}---\n${PAY_SERVICE_YAML}`;

const HIJACK = objects(hijackYaml())[0];

const opts = { tenantPolicy: null, settings: defaultSettings(), cluster: CLUSTER };

test('a VirtualService claiming another namespace’s Service host is introduced as a hijack', () => {
  const d = decideIntroduced(review('CREATE', HIJACK), cache(CLUSTER_STATE), opts);
  assert.ok(d.introduced.some((f) => f.ruleId === 'HJK001'), JSON.stringify(d.introduced.map((f) => f.ruleId)));
  assert.deepEqual(d.failures, []);
});

test('the same claim on its own namespace’s host introduces nothing', () => {
  const own = structuredClone(HIJACK) as any;
  own.spec.hosts = ['cart.shop.svc.cluster.local'];
  const d = decideIntroduced(review('CREATE', own), cache(CLUSTER_STATE), opts);
  assert.deepEqual(d.introduced.map((f) => f.ruleId), []);
});

test('an update that leaves an existing hijack as it was introduces nothing (the cluster’s old problems never refuse it)', () => {
  const state = cache(CLUSTER_STATE + '---\n' + JSON.stringify(HIJACK));
  const relabelled = structuredClone(HIJACK) as any;
  relabelled.metadata.labels = { touched: 'yes' };
  const d = decideIntroduced(review('UPDATE', relabelled, HIJACK), state, opts);
  assert.deepEqual(d.introduced.map((f) => f.ruleId), []);
});

test('deleting the hijacking VirtualService introduces nothing; the review is not mutated', () => {
  const state = cache(CLUSTER_STATE + '---\n' + JSON.stringify(HIJACK));
  const old = structuredClone(HIJACK);
  const req = review('DELETE', null, old);
  assert.deepEqual(decideIntroduced(req, state, opts).introduced, []);
  assert.deepEqual(req.oldObject, HIJACK);
});

test("a Rollout (Argo Rollouts) whose template runs as UID 1337 is refused like a Deployment; a Rollout of another API group is not judged", () => {
  const rollout = (apiVersion: string) => ({
    apiVersion,
    kind: 'Rollout',
    metadata: { name: 'checkout', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'checkout' } },
      template: { metadata: { labels: { app: 'checkout' } }, spec: { containers: [{ name: 'checkout', image: 'registry.example.com/checkout:1', securityContext: { runAsUser: 1337 } }] } },
    },
  });
  const argo = decideIntroduced(review('CREATE', rollout('argoproj.io/v1alpha1')), cache(CLUSTER_STATE), opts);
  assert.ok(argo.introduced.some((f) => f.ruleId === 'BYP001' && f.resource.kind === 'Rollout'), JSON.stringify(argo.introduced.map((f) => f.ruleId)));
  const other = decideIntroduced(review('CREATE', rollout('deploy.example.com/v1')), cache(CLUSTER_STATE), opts);
  assert.deepEqual(other.introduced.map((f) => f.ruleId), []);
});

// Istio's relaxed SNI host matching (HJK017): with the MUTUAL and wildcard Gateways in the cluster, a
// VirtualService that binds the MUTUAL name to the wildcard's Gateway is introduced as high; the 421
// guard Istio recommends introduces nothing (and takes away the medium finding the cluster had).
test('a VirtualService routing a MUTUAL name on a wildcard SIMPLE Gateway is introduced as high; the 421 guard is not', () => {
  const gateways = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: console, namespace: edge, creationTimestamp: "2025-01-01T00:00:00Z"}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [console.corp.example], tls: {mode: MUTUAL, credentialName: c}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: edge, creationTimestamp: "2025-02-01T00:00:00Z"}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*.corp.example"], tls: {mode: SIMPLE, credentialName: w}}]
`;
  const vs = (name: string, http: unknown) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'edge' },
    spec: { hosts: ['console.corp.example'], gateways: ['edge/public'], http },
  });
  const state = cache(gateways);
  const routing = decideIntroduced(review('CREATE', vs('console', [{ route: [{ destination: { host: 'console.ops.svc.cluster.local' } }] }])), state, opts);
  assert.deepEqual(routing.introduced.map((f) => `${f.ruleId} ${f.severity}`), ['HJK017 high']);
  const guard = decideIntroduced(review('CREATE', vs('guard', [{ directResponse: { status: 421 } }])), state, opts);
  assert.deepEqual(guard.introduced.map((f) => f.ruleId), []);
});

test('a Deployment whose pods take the gateway injection template (no redirection) is introduced as critical; with `sidecar` it is not', () => {
  const state = cache(TENANT_NAMESPACES_YAML);
  const deployment = (templates: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'ledger', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'ledger' } },
      template: { metadata: { labels: { app: 'ledger' }, annotations: { 'inject.istio.io/templates': templates } }, spec: { containers: [{ name: 'ledger', image: 'registry.example.com/shop/ledger:1.0' }] } },
    },
  });
  const bypass = decideIntroduced(review('CREATE', deployment('gateway')), state, opts);
  assert.deepEqual(bypass.introduced.filter((f) => f.ruleId === 'BYP006').map((f) => f.severity), ['critical']);
  const sidecar = decideIntroduced(review('CREATE', deployment('sidecar')), state, opts);
  assert.deepEqual(sidecar.introduced.filter((f) => f.ruleId === 'BYP006'), []);
});
