import type { FederationPlan } from '../federation/plan.js';

/** Settings rules read, from the config file; every field has a safe default. */
export interface RuleSettings {
  /**
   * Images trusted as the Istio proxy, as `registry/repository` (tags and digests are ignored unless
   * an entry pins a digest with `@sha256:...`).
   */
  trustedProxyImages: string[];
  /** Namespaces treated as platform-owned (exempt from tenant-namespace rules). */
  systemNamespaces: string[];
  /**
   * The federation plan (`scan --federation-plan`, or `federationPlan` in the config file): the FED rules
   * judge the federation config against it; without one they judge what the manifests alone show.
   */
  federationPlan?: FederationPlan | null;
}

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

export function defaultSettings(): RuleSettings {
  return { trustedProxyImages: [...DEFAULT_TRUSTED_PROXY_IMAGES], systemNamespaces: [] };
}
