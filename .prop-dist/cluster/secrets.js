/**
 * Secrets are never listed wholesale: only the ones a rule reads, each through a selector, and every one
 * is reduced to derived facts by the sanitizer on arrival (the values never leave the reader).
 *
 * RBAC cannot grant `list` by label, so the role `meshward rbac` prints still allows listing Secrets;
 * the restriction is meshward's own, and it keeps the values of every other Secret out of its memory.
 */
const label = (s) => `labelSelector=${encodeURIComponent(s)}`;
const field = (s) => `fieldSelector=${encodeURIComponent(s)}`;
export const SECRET_SELECTORS = [
    { query: label('istio/multiCluster=true'), why: 'Istio remote secrets (kubeconfigs of other clusters): KCF rules in scan, blast-radius' },
    { query: field('metadata.name=istio-kubeconfig'), why: "an external control plane's config-cluster kubeconfig: KCF rules, blast-radius" },
    { query: label('kiali.io/multiCluster=true'), why: 'Kiali remote-cluster secrets: KCF rules, blast-radius' },
    { query: label('argocd.argoproj.io/secret-type=cluster'), why: 'Argo CD cluster secrets: KCF rules, blast-radius' },
    { query: field('type=mirror.linkerd.io/remote-kubeconfig'), why: 'Linkerd multicluster link credentials: KCF rules, blast-radius' },
    { query: field('metadata.name=cacerts'), why: "Istio's plug-in CA (MCL002, cross-cluster trust checks)" },
    { query: field('metadata.name=istio-ca-secret'), why: "istiod's self-signed CA (cross-cluster trust checks)" },
];
