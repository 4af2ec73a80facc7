import type { Resource } from './resource.js';

export type DataplaneMode = 'sidecar' | 'ambient' | 'none';

export interface NamespaceInfo {
  name: string;
  /** The Namespace object, when the input holds one. Without it, labels (and so the mode) are unknown. */
  resource: Resource | null;
  labels: Record<string, string>;
  /** Data-plane mode from the namespace labels; null when no Namespace object was seen. */
  mode: DataplaneMode | null;
  /** Injection revision (`istio.io/rev`), when injection is by revision. */
  revision: string | null;
  /**
   * The namespace is injected only because the default injector has `enableNamespacesByDefault` on
   * (it carries no injection label of its own); false otherwise.
   */
  injectedByDefault: boolean;
  /** Namespaces the platform runs (kube-system, the Istio root namespace...), exempt from tenant rules. */
  system: boolean;
}

/** Namespaces that belong to Kubernetes or the mesh itself rather than to a tenant. */
export const DEFAULT_SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'istio-system', 'istio-cni', 'istio-ingress', 'istio-egress', 'ztunnel'];

/**
 * The data-plane mode Istio gives pods of a namespace with these labels, as the injection webhooks'
 * namespace selectors decide: `istio-injection=enabled` injects with the default revision; any
 * other `istio-injection` value stops injection, and also stops `istio.io/rev` (the revision
 * webhooks require that `istio-injection` does not exist), so `istio-injection` wins over
 * `istio.io/rev`; ambient is `istio.io/dataplane-mode=ambient`. With `injectByDefault` (the default
 * injector's `enableNamespacesByDefault`), a namespace with none of these labels is injected too.
 */
export function namespaceMode(
  labels: Record<string, string>,
  injectByDefault = false,
): { mode: DataplaneMode; revision: string | null; injectedByDefault: boolean } {
  const ambient = labels['istio.io/dataplane-mode'] === 'ambient';
  const has = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
  if (has('istio-injection')) {
    if (labels['istio-injection'] === 'enabled') return { mode: 'sidecar', revision: null, injectedByDefault: false };
    return { mode: ambient ? 'ambient' : 'none', revision: null, injectedByDefault: false };
  }
  const rev = labels['istio.io/rev'];
  if (rev) return { mode: 'sidecar', revision: rev, injectedByDefault: false };
  if (ambient) return { mode: 'ambient', revision: null, injectedByDefault: false };
  // The default-on webhook selects namespaces where neither injection label exists at all.
  if (injectByDefault && !has('istio.io/rev')) return { mode: 'sidecar', revision: null, injectedByDefault: true };
  return { mode: 'none', revision: null, injectedByDefault: false };
}

/** Injection-related labels of a namespace, in the order Istio gives them precedence. */
export const INJECTION_LABELS = ['istio-injection', 'istio.io/rev', 'istio.io/dataplane-mode'] as const;

/**
 * Whether pods with these labels/annotations get a sidecar in a namespace of the given mode, as
 * Istio's injector decides: the pod label `sidecar.istio.io/inject` wins over the legacy annotation;
 * `true`, `yes`, `y` and `on` (any case) inject, an empty value means the namespace default, any
 * other value turns injection off; `istio.io/rev` on the pod opts it in.
 */
export function podDataplane(
  nsMode: DataplaneMode | null,
  podLabels: Record<string, string>,
  podAnnotations: Record<string, string>,
): DataplaneMode | null {
  const key = 'sidecar.istio.io/inject';
  const raw = Object.prototype.hasOwnProperty.call(podLabels, key) ? podLabels[key] : Object.prototype.hasOwnProperty.call(podAnnotations, key) ? podAnnotations[key] : undefined;
  const v = raw === undefined ? '' : String(raw).toLowerCase();
  if (v !== '') {
    if (v === 'true' || v === 'yes' || v === 'y' || v === 'on') return 'sidecar';
    return nsMode === 'ambient' ? 'ambient' : nsMode === null ? null : 'none';
  }
  if (podLabels['istio.io/rev']) return 'sidecar';
  if (nsMode === 'ambient' && podLabels['istio.io/dataplane-mode'] === 'none') return 'none';
  return nsMode;
}
