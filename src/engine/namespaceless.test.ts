import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanYaml } from '../testing/kit.js';
import { markNamespaceless, namesNoNamespace } from './namespaceless.js';

// A ServiceEntry of namespace partner, a DestinationRule without a namespace covering its host (HJK004),
// and a Deployment without one whose only finding is about itself (BYP001).
const INPUT = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: payments-api, namespace: partner}
spec: {hosts: [api.payments.example.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: all-example}
spec: {host: "*.example.com", trafficPolicy: {tls: {mode: SIMPLE}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: __proto__}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: registry.example.com/web:1, securityContext: {runAsUser: 1337}}]}
`;

async function run(placedIn = 'default') {
  const result = await scanYaml(INPUT);
  const placed = result.model.resources.filter((r) => namesNoNamespace(r));
  return { result, placed, marked: markNamespaceless(result.findings, placed, placedIn, result.model.rootNamespace) };
}
const assumed = (f: { evidence: readonly { role: string; description: string }[] }) => f.evidence.filter((e) => e.role === 'namespace-assumed').map((e) => e.description);

test('objects without a namespace of their own are told apart from those that name one', async () => {
  const { placed } = await run();
  assert.deepEqual(placed.map((r) => `${r.kind} ${r.name}`).sort(), ['Deployment __proto__', 'DestinationRule all-example']);
});

test('a finding on a placed object that names another namespace is marked; one about the object alone is not', async () => {
  const { result, marked } = await run();
  const hjk = marked.filter((f) => f.ruleId === 'HJK004');
  assert.ok(hjk.length, JSON.stringify(marked.map((f) => f.ruleId)));
  for (const f of hjk) assert.deepEqual(assumed(f), ['DestinationRule all-example names no namespace and was judged in default, where `kubectl apply` without -n puts it: this finding holds only if it is applied there (pass -n NAMESPACE for the namespace it is applied to)']);
  const byp = marked.filter((f) => f.resource.name === '__proto__');
  assert.ok(byp.length);
  for (const f of byp) assert.deepEqual(assumed(f), []);
  // Findings left alone are the same objects; the input array is not changed.
  for (const [i, f] of marked.entries()) if (!assumed(f).length) assert.equal(f, result.findings[i]);
  assert.ok(result.findings.every((f) => !assumed(f).length));
});

test('nothing placed, or placed elsewhere than the findings say: the same array back', async () => {
  const { result } = await run();
  assert.equal(markNamespaceless(result.findings, [], 'default', 'istio-system'), result.findings);
  const { placed } = await run();
  assert.equal(markNamespaceless(result.findings, placed, 'shop', 'istio-system'), result.findings);
});

test("evidence in the root namespace only (mesh-wide policy) does not make a finding depend on where the object goes", async () => {
  const { result, placed } = await run();
  const f = result.findings.find((x) => x.resource.name === '__proto__')!;
  const withRoot = { ...f, evidence: [{ role: 'mesh-policy', description: 'x', resource: { ...f.resource, kind: 'PeerAuthentication', namespace: 'istio-system', name: 'default' } }] };
  assert.deepEqual(assumed(markNamespaceless([withRoot], placed, 'default', 'istio-system')[0]), []);
  const withOther = { ...f, evidence: [{ role: 'other', description: 'x', resource: { ...f.resource, kind: 'Service', namespace: 'shop', name: 'api' } }] };
  assert.equal(assumed(markNamespaceless([withOther], placed, 'default', 'istio-system')[0]).length, 1);
});
