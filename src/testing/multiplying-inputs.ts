/**
 * Manifests made to multiply work: objects of one kind that each relate to every object of another.
 * One definition for the bomb tests (src/fuzz/bombs.test.ts) and the hostile benchmark
 * (bench/hostile.js, which imports the built copy).
 */
const RBAC = 'apiVersion: rbac.authorization.k8s.io/v1\n';

/** A role rule that gives every right. */
export const ALL_RIGHTS = '{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}';

/** One ClusterRoleBinding of `n` subjects to a ClusterRole of `n` rules, rule `i` written by `rule(i)` (the RBAC index once listed n × n grants). */
export function rbacProduct(n: number, rule: (i: number) => string): string {
  return [
    `${RBAC}kind: ClusterRole\nmetadata: {name: big}\nrules:\n${Array.from({ length: n }, (_, i) => `- ${rule(i)}`).join('\n')}`,
    `${RBAC}kind: ClusterRoleBinding\nmetadata: {name: big}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: big}\nsubjects:\n${Array.from({ length: n }, (_, i) => `- {kind: User, name: u${i}}`).join('\n')}`,
  ].join('\n---\n') + '\n';
}

/** `n` ClusterRoles that each aggregate every other, each bound to its own user (a recursive resolution overflowed the stack). */
export function rbacAggregation(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(`${RBAC}kind: ClusterRole\nmetadata: {name: r${i}, labels: {agg: "yes"}}\naggregationRule: {clusterRoleSelectors: [{matchLabels: {agg: "yes"}}]}\nrules: [${ALL_RIGHTS}]`);
    docs.push(`${RBAC}kind: ClusterRoleBinding\nmetadata: {name: b${i}}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r${i}}\nsubjects: [{kind: User, name: u${i}}]`);
  }
  return docs.join('\n---\n') + '\n';
}

/** `n` AuthorizationPolicies that all select the same `n` Deployments (attachments were searched per policy and target: cubic). */
export function policiesOnWorkloads(n: number): string {
  const docs = ['apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}'];
  for (let i = 0; i < n; i++) docs.push(`apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d${i}, namespace: shop}\nspec:\n  selector: {matchLabels: {app: same}}\n  template:\n    metadata: {labels: {app: same}}\n    spec: {containers: [{name: app, image: "example/app:1"}]}`);
  for (let i = 0; i < n; i++) docs.push(`apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p${i}, namespace: shop}\nspec: {selector: {matchLabels: {app: same}}, action: ALLOW, rules: [{from: [{source: {notPrincipals: ["x"]}}], to: [{operation: {paths: ["/a${i}"]}}]}]}`);
  return docs.join('\n---\n') + '\n';
}
