import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK019-rbac-control-plane-takeover.js';
import { findingsFor } from '../../testing/kit.js';
import { parseTenantPolicy } from '../../tenancy/policy.js';

const RBAC = 'apiVersion: rbac.authorization.k8s.io/v1';

/** A ClusterRole with these rules, bound cluster-wide (ClusterRoleBinding) or in `bindIn` (RoleBinding). */
const granted = (rules: string, subject: string, bindIn: string | null = null) => `${RBAC}
kind: ClusterRole
metadata: {name: granted}
rules:
${rules}
---
${RBAC}
kind: ${bindIn ? 'RoleBinding' : 'ClusterRoleBinding'}
metadata: {name: grant${bindIn ? `, namespace: ${bindIn}` : ''}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: granted}
subjects:
- ${subject}
`;

const CI = '{kind: ServiceAccount, name: deployer, namespace: ci}';
const WEBHOOKS = (verbs: string, names = '') => `- {apiGroups: [admissionregistration.k8s.io], resources: [mutatingwebhookconfigurations]${names}, verbs: [${verbs}]}`;

test('patching MutatingWebhookConfigurations cluster-wide is reported on the binding, with the role rule as evidence', async () => {
  const f = await findingsFor(rule, granted(WEBHOOKS('get, list, patch'), CI));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium', "a controller's service account cluster-wide");
  assert.match(f[0].message, /If ci runs platform software, list it under platform\.namespaces in the tenant policy\.$/);
  assert.equal(f[0].resource.kind, 'ClusterRoleBinding');
  assert.equal(f[0].location?.path, 'subjects[0]');
  assert.match(f[0].message, /ClusterRoleBinding grant lets serviceaccount:ci:deployer change MutatingWebhookConfigurations, Istio's sidecar injector among them .* \(through ClusterRole granted\)/);
  assert.equal(f[0].evidence[0].resource?.name, 'granted');
  assert.equal(f[0].evidence[0].location?.path, 'rules[0]');
  // Reading them, or validating webhooks, is not the foothold.
  assert.equal((await findingsFor(rule, granted(WEBHOOKS('get, list, watch'), CI))).length, 0);
  assert.equal((await findingsFor(rule, granted('- {apiGroups: [admissionregistration.k8s.io], resources: [validatingwebhookconfigurations], verbs: [patch]}', CI))).length, 0);
});

test('webhook configurations are cluster-scoped: a RoleBinding grants nothing on them, even in the root namespace', async () => {
  assert.equal((await findingsFor(rule, granted(WEBHOOKS('"*"'), CI, 'istio-system'))).length, 0);
  assert.equal((await findingsFor(rule, granted(WEBHOOKS('"*"'), CI, 'ci'))).length, 0);
});

test('resourceNames: only a name of Istio\'s injector counts, and never for create', async () => {
  assert.equal((await findingsFor(rule, granted(WEBHOOKS('get, patch', ', resourceNames: [cert-manager-webhook]'), CI))).length, 0, "another controller's own webhook");
  assert.equal((await findingsFor(rule, granted(WEBHOOKS('create', ', resourceNames: [istio-sidecar-injector]'), CI))).length, 0, 'create ignores names, so the rule grants no create');
  assert.equal((await findingsFor(rule, granted(WEBHOOKS('patch', ', resourceNames: [istio-sidecar-injector]'), CI))).length, 1);
  assert.equal((await findingsFor(rule, granted(WEBHOOKS('update', ', resourceNames: [istio-revision-tag-default]'), CI))).length, 1);
  assert.equal((await findingsFor(rule, granted(WEBHOOKS('create'), CI))).length, 1, 'creating a webhook of its own is as good as changing the injector');
});

test("the root namespace's mesh config and injection template: cluster-wide or by a RoleBinding there, not elsewhere", async () => {
  const configMaps = (verbs: string, names = '') => `- {apiGroups: [""], resources: [configmaps]${names}, verbs: [${verbs}]}`;
  const wide = await findingsFor(rule, granted(configMaps('update'), CI));
  assert.equal(wide.length, 1);
  assert.match(wide[0].message, /write the mesh config and the injection template in istio-system/);
  assert.equal((await findingsFor(rule, granted(configMaps('patch'), CI, 'istio-system'))).length, 1);
  assert.equal((await findingsFor(rule, granted(configMaps('patch'), CI, 'ci'))).length, 0, 'a tenant namespace holds no mesh config');
  assert.equal((await findingsFor(rule, granted(configMaps('get, list, watch'), CI))).length, 0);
  assert.equal((await findingsFor(rule, granted(configMaps('patch', ', resourceNames: [istio-sidecar-injector-canary]'), CI, 'istio-system'))).length, 1, "a revision's template");
  assert.equal((await findingsFor(rule, granted(configMaps('patch', ', resourceNames: [istio-ca-root-cert, istio-leader]'), CI, 'istio-system'))).length, 0, 'not configuration');
});

test("the mesh CA's Secret: read or replaced", async () => {
  const secrets = (verbs: string, names = '') => `- {apiGroups: [""], resources: [secrets]${names}, verbs: [${verbs}]}`;
  const f = await findingsFor(rule, granted(secrets('get'), CI, 'istio-system'));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /lets serviceaccount:ci:deployer read the mesh CA's key in istio-system \(Secret cacerts or istio-ca-secret: with it anyone can mint/);
  assert.equal(f[0].severity, 'high', 'a grant made in the root namespace');
  const everywhere = await findingsFor(rule, granted(secrets('list, watch'), CI));
  assert.equal(everywhere.length, 1, 'every namespace includes the root one');
  assert.equal(everywhere[0].severity, 'low', 'a controller that reads every Secret of the cluster');
  assert.equal((await findingsFor(rule, granted(secrets('list, watch'), '{kind: User, name: alice}')))[0].severity, 'high', 'a person');
  assert.equal((await findingsFor(rule, granted(secrets('get'), CI, 'ci'))).length, 0);
  assert.equal((await findingsFor(rule, granted(secrets('get', ', resourceNames: [istio-ingressgateway-certs]'), CI, 'istio-system'))).length, 0);
  const replace = await findingsFor(rule, granted(secrets('update', ', resourceNames: [cacerts]'), CI));
  assert.match(replace[0].message, /replace the mesh CA's key in istio-system \(Secret cacerts or istio-ca-secret: istiod signs every workload certificate with the CA it finds there\)/);
  assert.equal(replace[0].severity, 'medium', 'replacing the CA is more than reading Secrets');
});

test('a mesh with another root namespace is judged there', async () => {
  const mesh = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    rootNamespace: mesh-root
---
`;
  const secrets = '- {apiGroups: [""], resources: [secrets], verbs: [get]}';
  const there = await findingsFor(rule, mesh + granted(secrets, CI, 'mesh-root'));
  assert.equal(there.length, 1);
  assert.match(there[0].message, /CA's key in mesh-root/);
  assert.equal((await findingsFor(rule, mesh + granted(secrets, CI, 'istio-system'))).length, 0);
});

test('several footholds make one finding; cluster-admin has them all', async () => {
  const f = await findingsFor(rule, `${RBAC}
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: User, name: jenkins}
- {kind: Group, name: "system:masters"}
`);
  assert.equal(f.length, 1);
  assert.match(f[0].message, /user:jenkins change MutatingWebhookConfigurations.*; and write the mesh config.*; and read and replace the mesh CA's key/);
  assert.match(f[0].evidence[0].description, /ClusterRole cluster-admin \(Kubernetes default\)/);
});

test("aggregation and Kubernetes' built-in roles count", async () => {
  // `edit` reads and writes Secrets and ConfigMaps of its namespace: bound in the root namespace, both footholds.
  const edit = await findingsFor(rule, `${RBAC}
kind: RoleBinding
metadata: {name: helpers, namespace: istio-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: Group, name: app-team}
`);
  assert.equal(edit.length, 1);
  assert.match(edit[0].message, /group:app-team write the mesh config.*; and read and replace the mesh CA's key/);
  const aggregated = await findingsFor(rule, `${RBAC}
kind: ClusterRole
metadata: {name: hooks, labels: {example.com/aggregate-to-ops: "true"}}
rules:
- {apiGroups: ["*"], resources: ["*"], verbs: [patch]}
---
${RBAC}
kind: ClusterRole
metadata: {name: ops}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {example.com/aggregate-to-ops: "true"}}]}
rules: []
---
${RBAC}
kind: ClusterRoleBinding
metadata: {name: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ops}
subjects:
- {kind: Group, name: ops}
`);
  assert.equal(aggregated.length, 1);
  assert.equal(aggregated[0].evidence[0].resource?.name, 'hooks');
});

test('graded: people cluster-wide and grants made in the root namespace are high', async () => {
  const user = await findingsFor(rule, granted(WEBHOOKS('patch'), '{kind: User, name: alice}'));
  assert.equal(user[0].severity, 'high');
  assert.doesNotMatch(user[0].message, /platform\.namespaces/);
  assert.equal((await findingsFor(rule, granted('- {apiGroups: [""], resources: [secrets], verbs: [get]}', CI, 'istio-system')))[0].severity, 'high');
  assert.equal((await findingsFor(rule, granted(WEBHOOKS('patch'), '{kind: Group, name: "system:serviceaccounts:ci"}')))[0].severity, 'medium');
});

test('platform subjects are exempt; everyone is critical', async () => {
  const rules = WEBHOOKS('patch');
  assert.equal((await findingsFor(rule, granted(rules, '{kind: ServiceAccount, name: istiod, namespace: istio-system}'))).length, 0);
  assert.equal((await findingsFor(rule, granted(rules, '{kind: ServiceAccount, name: generic-garbage-collector, namespace: kube-system}'))).length, 0);
  assert.equal((await findingsFor(rule, granted(rules, '{kind: User, name: "system:kube-controller-manager"}'))).length, 0);
  const policy = parseTenantPolicy('platform:\n  namespaces: [cert-manager]\n', 't.yaml');
  const cainjector = '{kind: ServiceAccount, name: cert-manager-cainjector, namespace: cert-manager}';
  assert.equal((await findingsFor(rule, granted(rules, cainjector))).length, 1, 'without a policy, cert-manager is not the platform');
  assert.equal((await findingsFor(rule, granted(rules, cainjector), { model: { tenantPolicy: policy } })).length, 0);
  const everyone = await findingsFor(rule, granted(rules, '{kind: Group, name: "system:authenticated"}'));
  assert.equal(everyone.length, 1);
  assert.equal(everyone[0].severity, 'critical');
});

test('evidence names the first five rules and counts the rest; one judgement serves every subject', async () => {
  const rules = Array.from({ length: 8 }, (_, i) => `- {apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [cacerts, x${i}]}`).join('\n');
  const f = await findingsFor(rule, granted(rules, '{kind: User, name: alice}\n- {kind: User, name: bob}', 'istio-system'));
  assert.deepEqual(f.map((x) => x.message.split(' ')[3]), ['user:alice', 'user:bob']);
  for (const x of f) {
    assert.equal(x.evidence.length, 6);
    assert.equal(x.evidence[5].description, 'and 3 more rules of the same role');
    assert.equal(x.evidence[4].location?.path, 'rules[4]');
  }
});
