/**
 * Every hub Istio publishes its proxy images to: Docker Hub (docker.io/istio, releases), Google
 * Artifact Registry (gcr.io/istio-release for releases, gcr.io/istio-testing for builds) and, since
 * 1.30, Istio's own registry (registry.istio.io/release, the new default hub, and
 * registry.istio.io/testing for builds). Tags are not compared, so `-distroless` / `-debug` variants
 * and digests of these repositories are trusted too.
 */
export const DEFAULT_TRUSTED_PROXY_IMAGES = [
    'docker.io/istio/proxyv2',
    'gcr.io/istio-release/proxyv2',
    'gcr.io/istio-testing/proxyv2',
    'registry.istio.io/release/proxyv2',
    'registry.istio.io/testing/proxyv2',
    'docker.io/istio/ztunnel',
    'gcr.io/istio-release/ztunnel',
    'gcr.io/istio-testing/ztunnel',
    'registry.istio.io/release/ztunnel',
    'registry.istio.io/testing/ztunnel',
];
export function defaultSettings() {
    return { trustedProxyImages: [...DEFAULT_TRUSTED_PROXY_IMAGES], systemNamespaces: [] };
}
