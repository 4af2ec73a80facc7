/** Settings rules read, from the config file; every field has a safe default. */
export interface RuleSettings {
  /**
   * Images trusted as the Istio proxy, as `registry/repository` (tags and digests are ignored unless
   * an entry pins a digest with `@sha256:...`).
   */
  trustedProxyImages: string[];
  /** Namespaces treated as platform-owned (exempt from tenant-namespace rules). */
  systemNamespaces: string[];
}

export const DEFAULT_TRUSTED_PROXY_IMAGES = [
  'docker.io/istio/proxyv2',
  'gcr.io/istio-release/proxyv2',
  'gcr.io/istio-testing/proxyv2',
  'gcr.io/istio-release/ztunnel',
  'docker.io/istio/ztunnel',
];

export function defaultSettings(): RuleSettings {
  return { trustedProxyImages: [...DEFAULT_TRUSTED_PROXY_IMAGES], systemNamespaces: [] };
}
