import { fleetRule, FLEET_RULE_IDS } from './fleet.js';

const ARGO_SECRET =
  "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-west\n  namespace: argocd\n  labels:\n    argocd.argoproj.io/secret-type: cluster\ntype: Opaque\nstringData:\n  name: west\n  server: https://api.west.example:6443\n  config: '{\"bearerToken\": \"eyJhbGciOiJSUzI1NiIsImtpZCI6ImV4YW1wbGUifQ.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwia3ViZXJuZXRlcy5pby9zZXJ2aWNlYWNjb3VudC9uYW1lc3BhY2UiOiJrdWJlLXN5c3RlbSIsImt1YmVybmV0ZXMuaW8vc2VydmljZWFjY291bnQvc2VydmljZS1hY2NvdW50Lm5hbWUiOiJhcmdvY2QtbWFuYWdlciJ9.example-not-signed\"}'\n";
const WEST_ADMIN =
  'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: argocd-manager\n  namespace: kube-system\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: argocd-manager\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: ServiceAccount\n  name: argocd-manager\n  namespace: kube-system\n';

export default fleetRule({
  id: FLEET_RULE_IDS.blastRadius,
  title: 'A compromised cluster reaches another through a stored credential',
  severity: 'high',
  category: 'multicluster',
  scope: 'namespace',
  reads: ['Secret', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/ClusterRoleBinding'],
  docs: {
    summary:
      "A cluster stores a credential for another cluster (an Istio remote secret, an Argo CD cluster Secret, a kubeconfig in a Secret), so whoever controls the first acts on the second as that credential's identity, and onwards through any credential that identity can read there. High when the reach is cluster-admin or reads all Secrets, medium otherwise.",
    why:
      'Multi-cluster meshes and deployment tools copy long-lived credentials between clusters. One compromised cluster (or one workload allowed to read those Secrets) then becomes a foothold in every cluster the credentials open, often with far more than the discovery access istiod needs.',
    fix: "Give remote-secret credentials only the read access istiod needs on the remote cluster (no Secret read, no write), keep them in a namespace few can read, prefer expiring tokens, or use a relay where each cluster pushes its state outward and holds no other cluster's credential.",
    bad: `# cluster: east\n# Argo CD deploys to west with a service-account token of west (an example token, not signed).\n${ARGO_SECRET}---\n# cluster: west\n${WEST_ADMIN}`,
    good: `# cluster: east\n# No credential of west is stored here: west pushes its state to a relay server, or deploys pull from git.\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: argocd\n---\n# cluster: west\n${WEST_ADMIN}`,
    references: ['https://istio.io/latest/docs/setup/install/multicluster/before-you-begin/', 'https://istio.io/latest/docs/ops/best-practices/security/', 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/'],
  },
});
