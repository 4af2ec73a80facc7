import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK013-rbac-mesh-config-writers.js';
import { findingsFor } from '../../testing/kit.js';
import { parseTenantPolicy } from '../../tenancy/policy.js';
const roleAndBinding = (rules, subjects, ns = 'shop') => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: dev, namespace: ${ns}}
rules:
${rules}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev, namespace: ${ns}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: dev}
subjects:
${subjects}
`;
test('a tenant group allowed to create VirtualServices is reported at the subject', async () => {
    const f = await findingsFor(rule, roleAndBinding('- {apiGroups: [networking.istio.io], resources: [virtualservices], verbs: [get, create]}', '- {kind: Group, name: shop-devs, apiGroup: rbac.authorization.k8s.io}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'subjects[0]');
    assert.match(f[0].message, /lets group:shop-devs write networking\.istio\.io\/virtualservices in namespace shop/);
    assert.equal(f[0].evidence[0].resource?.kind, 'Role');
    assert.equal(f[0].evidence[0].location?.path, 'rules[0]');
});
test('wildcards count; read-only and unrelated rights do not', async () => {
    const star = await findingsFor(rule, roleAndBinding('- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}', '- {kind: User, name: alice}'));
    assert.equal(star.length, 1);
    assert.match(star[0].message, /and \d+ more/);
    assert.equal((await findingsFor(rule, roleAndBinding('- {apiGroups: [networking.istio.io], resources: ["*"], verbs: [get, list, watch]}', '- {kind: User, name: alice}'))).length, 0);
    assert.equal((await findingsFor(rule, roleAndBinding('- {apiGroups: [apps], resources: [deployments], verbs: ["*"]}', '- {kind: User, name: alice}'))).length, 0);
    // HTTPRoutes are the tenant-facing Gateway API: allowed; Gateways are not.
    assert.equal((await findingsFor(rule, roleAndBinding('- {apiGroups: [gateway.networking.k8s.io], resources: [httproutes], verbs: [create]}', '- {kind: User, name: alice}'))).length, 0);
    assert.equal((await findingsFor(rule, roleAndBinding('- {apiGroups: [gateway.networking.k8s.io], resources: [gateways], verbs: [patch]}', '- {kind: User, name: alice}'))).length, 1);
});
test('platform subjects are exempt: system identities, platform service accounts, policy subjects', async () => {
    const rules = '- {apiGroups: [security.istio.io], resources: [authorizationpolicies], verbs: [update]}';
    assert.equal((await findingsFor(rule, roleAndBinding(rules, '- {kind: Group, name: "system:masters"}'))).length, 0);
    assert.equal((await findingsFor(rule, roleAndBinding(rules, '- {kind: ServiceAccount, name: istiod, namespace: istio-system}'))).length, 0);
    assert.equal((await findingsFor(rule, roleAndBinding(rules, '- {kind: Group, name: "system:authenticated"}'))).length, 1, 'everyone is not the platform');
    const policy = parseTenantPolicy('platform:\n  subjects: ["group:platform-*"]\n', 't.yaml');
    assert.equal((await findingsFor(rule, roleAndBinding(rules, '- {kind: Group, name: platform-admins}'), { model: { tenantPolicy: policy } })).length, 0);
    // A ServiceAccount without a namespace is in the binding's namespace (a tenant's).
    assert.equal((await findingsFor(rule, roleAndBinding(rules, '- {kind: ServiceAccount, name: deployer}'))).length, 1);
});
test('aggregation: rights aggregated into a bound ClusterRole, and into the built-in edit role', async () => {
    const aggregated = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: mesh-author, labels: {example.com/aggregate-to-tenant: "true"}}
rules:
- {apiGroups: [networking.istio.io], resources: [serviceentries], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: tenant}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {example.com/aggregate-to-tenant: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: all-tenants}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: tenant}
subjects:
- {kind: Group, name: tenants}
`;
    const f = await findingsFor(rule, aggregated);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /group:tenants write networking\.istio\.io\/serviceentries in every namespace \(through ClusterRole tenant\)/);
    assert.equal(f[0].evidence[0].resource?.name, 'mesh-author');
    const intoEdit = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: istio-edit, labels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}}
rules:
- {apiGroups: [networking.istio.io], resources: [virtualservices], verbs: ["*"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: owners, namespace: payments}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: User, name: bob}
`;
    const g = await findingsFor(rule, intoEdit);
    assert.equal(g.length, 2);
    const sev = Object.fromEntries(g.map((x) => [x.resource.kind, x.severity]));
    assert.deepEqual(sev, { RoleBinding: 'high', ClusterRole: 'medium' });
    assert.match(g.find((x) => x.resource.kind === 'RoleBinding').message, /user:bob write networking\.istio\.io\/virtualservices in namespace payments \(through ClusterRole edit\)/);
});
test('aggregation cycles and missing roles do not hang or crash', async () => {
    const cyclic = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: a, labels: {x: a}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {x: b}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: b, labels: {x: b}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {x: a}}]}
rules: [{apiGroups: [networking.istio.io], resources: [sidecars], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: c}
roleRef: {kind: ClusterRole, name: a}
subjects: [{kind: User, name: carol}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: d, namespace: shop}
roleRef: {kind: Role, name: missing}
subjects: [{kind: User, name: dave}, "junk", {kind: Alien, name: x}]
`;
    const f = await findingsFor(rule, cyclic);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /user:carol/);
});
