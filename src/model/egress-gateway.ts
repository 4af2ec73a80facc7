/**
 * The mesh's egress gateway, recognised by the labels Istio's charts give its pods (`istio:
 * egressgateway`, `app: istio-egressgateway`). Its clients are the mesh's own sidecars and its job is to
 * reach external hosts, so rules written for what faces the outside (open egress, plain HTTP beside
 * HTTPS for browsers) judge it by that purpose.
 */
const EGRESS_GATEWAY_LABELS: ReadonlyArray<readonly [string, string]> = [
  ['istio', 'egressgateway'],
  ['app', 'istio-egressgateway'],
];

/**
 * Whether a selector picks the egress gateway by one of its labels: a plain label map (an Istio
 * Gateway's `selector`) or a LabelSelector's `matchLabels` (a NetworkPolicy's `podSelector`).
 */
export function selectsEgressGateway(selector: unknown): boolean {
  if (selector === null || typeof selector !== 'object' || Array.isArray(selector)) return false;
  const s = selector as Record<string, unknown>;
  const labels = Object.hasOwn(s, 'matchLabels') ? s.matchLabels : s;
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return false;
  const l = labels as Record<string, unknown>;
  return EGRESS_GATEWAY_LABELS.some(([k, v]) => Object.hasOwn(l, k) && l[k] === v);
}
