// One decision everywhere (issue 12): the tenancy scenarios the generated ValidatingAdmissionPolicy and
// Kyverno policy are held to (src/testing/admission-scenarios.ts) go through the webhook's real HTTPS
// server, under the same tenant policy, in a cluster that holds the Services and Gateways they name.
// The webhook must reach the same verdict wherever the policy languages can express the rule; where
// they cannot, the difference is listed here with the reason, and the test fails if it goes away (so
// the list stays true).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { POLICY_YAML, SCENARIOS, type Request } from '../testing/admission-scenarios.js';
import { admissionReview, startTestWebhook, type TestWebhook } from '../testing/webhook.js';


/**
 * Scenarios where the webhook decides differently from the generated policies, and why. The policies
 * check each host against a static allowance; the webhook runs the rules against the live cluster.
 */
const DIFFERENCES: ReadonlyMap<string, string> = new Map([
  // The rules read hosts as DNS does; the policies compare strings.
  ['malformed wildcard', 'the rules read a*.shop.example.com as inside *.shop.example.com, which tenant commerce may claim; Istio\'s own validation rejects the host (a "*" only as the first character), the policies refuse it as outside the allowance'],
  ['trailing dot is not normalised into an allowance', 'the rules compare hosts as DNS names (a trailing dot is the same name), so the host is inside the allowance; the policies compare strings'],
  ['upper case is not normalised into an allowance', 'the rules compare hosts as DNS names (case-insensitive), so the host is inside the allowance; the policies compare strings'],
  // Tenancy: the rules treat a tenant's namespaces as one owner (Tenancy.sameTenant).
  ["namespace glob tenant, other namespace's Service", 'shop-admin and shop are both tenant commerce: a claim on a Service of the same tenant takes nothing from another tenant; the policies allow a namespace only its own Service names'],
  ['HTTPRoute hostnames allowed', 'HJK007 (high): the route attaches to the shared Gateway platform-ingress/public, which the tenant policy does not give tenant commerce; the host policies check hostnames only'],
  // The webhook counts only what a request introduces: an UPDATE that leaves a claim as it was is never
  // refused (the policies, which see one object, refuse every write of a bad object).
  ['UPDATE is checked too', 'an UPDATE that changes nothing introduces nothing; the policies cannot compare with the old object and refuse it again'],
  // Istio Gateway server hosts: the policies check the namespace/ prefix syntactically; the rules judge
  // what the prefix lets bind (HJK005 flags */ and a missing prefix, not a named or empty one).
  ["Gateway host for another tenant's namespace", 'a named prefix lets only that namespace bind; no rule flags it, the policies refuse any prefix outside the tenant'],
  ["Gateway host ./ with another tenant's host", 'a Gateway alone routes nothing: the rules flag a claim when a route binds it (or when the selector picks shared gateway pods, none in this cluster)'],
  ['Gateway host with an empty prefix', 'no rule judges an empty namespace prefix; the policies refuse it'],
  ['Gateway host ./*', 'a "*" host on the tenant’s own Gateway takes only what routes in its namespace bind; the rules flag the binding, not the Gateway'],
  // The webhook runs every admission rule, not only the host allowance.
  ['Sidecar is not in scope', 'HJK011 (medium): a tenant Sidecar importing */* takes every namespace’s routing configuration; the host policies do not look at Sidecars'],
]);

const service = (ns: string, name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }] } });

/** The cluster the scenarios speak of: their namespaces (labelled as the scenario says), the Services they name, the shared Gateway. */
function clusterFor(r: Request): string {
  const namespaces = ['shop', 'shop-admin', 'shop-wide', 'payments', 'wide', 'scratch', 'analytics', 'platform-tools', 'platform-ingress', 'istio-system', 'argocd'];
  const objects: Array<Record<string, unknown>> = namespaces.map((ns) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    // Every namespace in the mesh: the hijack rules name the sidecars that would take a route.
    metadata: { name: ns, labels: { 'istio-injection': 'enabled', ...(ns === r.namespace ? r.namespaceLabels : { 'kubernetes.io/metadata.name': ns }) } },
  }));
  objects.push(service('shop', 'storefront'), service('shop', 'web'), service('shop-admin', 'svc'), service('payments', 'payments-api'), service('scratch', 'web'), service('wide', 'web'));
  objects.push({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'public', namespace: 'platform-ingress' },
    spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
  });
  return objects.map((o) => stringify(o)).join('---\n');
}

let wh: TestWebhook;
before(async () => {
  wh = await startTestWebhook({ tenantsYaml: POLICY_YAML, denyOn: 'medium', exempt: new Set(['meshward', 'kube-system', 'istio-system']) });
});
after(async () => {
  await wh.close();
});

test('the webhook decides the tenancy scenarios as the generated VAP and Kyverno policy do', async (t) => {
  const disagreements: string[] = [];
  for (const s of SCENARIOS) {
    wh.cache.clear();
    wh.cache.applyYaml(clusterFor(s.req));
    const op = s.req.operation as 'CREATE' | 'UPDATE' | 'DELETE';
    const review = admissionReview(op, op === 'DELETE' ? null : s.req.object, op === 'CREATE' ? null : s.req.object, { username: s.req.userInfo.username, groups: s.req.userInfo.groups });
    (review.request as any).kind = s.req.kind;
    (review.request as any).resource = s.req.resource;
    const r = await wh.review(review);
    const why = r.allowed ? (r.warnings ?? []).join(' | ') || 'allowed' : r.status.message.split('\n').slice(0, 2).join(' / ');
    if (r.allowed !== s.allow) {
      disagreements.push(s.name);
      t.diagnostic(`DIFF ${s.name}: webhook ${r.allowed ? 'allows' : 'denies'}, policies ${s.allow ? 'allow' : 'deny'} :: ${why}`);
    }
  }
  t.diagnostic(`${SCENARIOS.length - disagreements.length} of ${SCENARIOS.length} scenarios decided alike; ${disagreements.length} differ, each listed with its reason`);
  assert.ok(SCENARIOS.length >= 50, 'the shared scenarios are all here');
  assert.deepEqual(disagreements.filter((n) => !DIFFERENCES.has(n)), [], 'scenarios decided differently without a listed reason');
  assert.deepEqual([...DIFFERENCES.keys()].filter((n) => !disagreements.includes(n)), [], 'listed differences that no longer differ');
});
