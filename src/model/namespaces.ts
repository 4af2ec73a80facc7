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
 * Namespace labels the model and the posture derive what every rule sees of a namespace from: injection
 * and data-plane mode (namespaceMode, podDataplane, podOptIn) and the namespace's waypoint in ambient
 * mode (src/posture/gateways.ts). A rule that reads any other label of a Namespace, its annotations or
 * its object declares `Namespace` in its `reads`; src/rules/reads-recorded.test.ts records every read
 * and holds it. So a Namespace update that changes none of these facts re-runs only the rules that
 * declare Namespace (src/engine/incremental.ts, the admission decision).
 */
export const NAMESPACE_FACT_LABELS: readonly string[] = [...INJECTION_LABELS, 'istio.io/use-waypoint', 'istio.io/use-waypoint-namespace'];

/** The fields of a NamespaceInfo's `resource` a rule may read without declaring Namespace: who it is and where it was read from. */
export const NAMESPACE_IDENTITY_FIELDS: ReadonlySet<string> = new Set(['id', 'cluster', 'apiVersion', 'group', 'kind', 'namespace', 'name', 'source']);

/**
 * What every rule may see of a namespace without declaring Namespace (see NAMESPACE_FACT_LABELS), as
 * one string: two infos with the same facts look the same to such a rule.
 */
export function namespaceFacts(info: NamespaceInfo): string {
  const labels = NAMESPACE_FACT_LABELS.map((k) => (own(info.labels, k) ? `${k}=${info.labels[k]}` : `${k}!`));
  return JSON.stringify([info.mode, info.revision, info.injectedByDefault, info.system, info.resource !== null, labels]);
}

/** Namespace-side facts the per-pod injection decision needs. */
export interface NamespaceInjection {
  mode: DataplaneMode | null;
  /** The namespace's labels; empty when the Namespace object is not in the input. */
  labels: Record<string, string>;
}

const INJECT = 'sidecar.istio.io/inject';
const REV = 'istio.io/rev';
const own = (o: Record<string, string>, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * How a pod joins the mesh on its own in a namespace that does not inject it, as Istio's injection
 * webhooks select it (the same in 1.20 to 1.30): `object.sidecar-injector.istio.io` calls the injector
 * for pods *labelled* `sidecar.istio.io/inject: "true"` (exactly that value; the objectSelector
 * matches labels, never annotations) without a pod `istio.io/rev` label, and
 * `rev.object.sidecar-injector.istio.io` for pods labelled `istio.io/rev=<revision>` whose inject
 * label is not "false". Both select only namespaces where neither `istio-injection` nor
 * `istio.io/rev` exists, so `istio-injection: disabled` keeps every pod of the namespace out. A pod
 * labelled `istio.io/dataplane-mode: ambient` is enrolled in ambient mode on its own. Null when the
 * pod does not opt in (or its namespace's labels forbid it).
 */
export function podOptIn(nsLabels: Record<string, string>, podLabels: Record<string, string>): { mode: 'sidecar' | 'ambient'; label: string; value: string } | null {
  if (!own(nsLabels, 'istio-injection') && !own(nsLabels, REV)) {
    const inject = own(podLabels, INJECT) ? String(podLabels[INJECT]) : undefined;
    const rev = own(podLabels, REV) ? String(podLabels[REV]) : undefined;
    if (rev !== undefined && rev !== '' && inject !== 'false') return { mode: 'sidecar', label: REV, value: rev };
    if (rev === undefined && inject === 'true') return { mode: 'sidecar', label: INJECT, value: inject };
  }
  if (podLabels['istio.io/dataplane-mode'] === 'ambient') return { mode: 'ambient', label: 'istio.io/dataplane-mode', value: 'ambient' };
  return null;
}

/** Values of `sidecar.istio.io/inject` that ask for a sidecar (any case); any other non-empty value turns it off. */
const INJECT_ON: ReadonlySet<string> = new Set(['true', 'yes', 'y', 'on']);

/** The pod's `sidecar.istio.io/inject`, the label over the legacy annotation, lower-cased; '' when unsaid. */
function injectValue(podLabels: Record<string, string>, podAnnotations: Record<string, string>): string {
  const raw = own(podLabels, INJECT) ? podLabels[INJECT] : own(podAnnotations, INJECT) ? podAnnotations[INJECT] : undefined;
  return raw === undefined ? '' : String(raw).toLowerCase();
}

/**
 * Whether the pod itself turns sidecar injection off (`sidecar.istio.io/inject: "false"`, or any other
 * value that is not a yes), which no namespace label overrides: in a namespace that injects, the
 * injector honours it; in one that does not, the pod webhooks select only an inject label of "true" or
 * a revision label with inject not "false". Istio's own gateway and waypoint Deployments say it.
 */
export function declaresNoSidecar(podLabels: Record<string, string>, podAnnotations: Record<string, string>): boolean {
  const v = injectValue(podLabels, podAnnotations);
  return v !== '' && !INJECT_ON.has(v);
}

/**
 * Whether pods with these labels/annotations get a sidecar, as Istio's injector and its webhooks
 * decide. In a namespace that injects: the pod label `sidecar.istio.io/inject` wins over the legacy
 * annotation; `true`, `yes`, `y` and `on` (any case) inject, an empty value means the namespace
 * default, any other value turns injection off; `istio.io/rev` on the pod opts it in. In a namespace
 * that does not inject, only the webhooks' pod opt-in counts (see `podOptIn`). When the namespace is
 * not in the input, an explicit opt-in is taken at its word and an opt-out makes the mode unknown.
 */
export function podDataplane(
  ns: DataplaneMode | null | NamespaceInjection,
  podLabels: Record<string, string>,
  podAnnotations: Record<string, string>,
): DataplaneMode | null {
  const nsMode = ns !== null && typeof ns === 'object' ? ns.mode : ns;
  const nsLabels = ns !== null && typeof ns === 'object' ? ns.labels : {};
  if (nsMode === 'none' || (nsMode === 'ambient' && !own(nsLabels, 'istio-injection'))) {
    const optIn = podOptIn(nsLabels, podLabels);
    if (optIn?.mode === 'sidecar') return 'sidecar';
    if (nsMode === 'ambient') return podLabels['istio.io/dataplane-mode'] === 'none' ? 'none' : 'ambient';
    return optIn ? optIn.mode : 'none';
  }
  if (nsMode === 'ambient') return podLabels['istio.io/dataplane-mode'] === 'none' ? 'none' : 'ambient';
  const v = injectValue(podLabels, podAnnotations);
  if (v !== '') {
    if (INJECT_ON.has(v)) return 'sidecar';
    return nsMode === null ? null : 'none';
  }
  if (podLabels[REV]) return 'sidecar';
  return nsMode;
}
