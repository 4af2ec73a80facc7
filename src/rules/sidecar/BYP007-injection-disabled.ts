import { defineRule } from '../types.js';
import type { NamespaceInfo } from '../../model/namespaces.js';
import type { Workload } from '../../model/workloads.js';
import { WORKLOAD_READS } from '../reads.js';
import type { MeshModel } from '../../model/model.js';
import type { Resource } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { collapseOwned } from '../../model/owners.js';
import { policyBasics } from '../../posture/policies.js';
import { GATEWAY_API_GROUP, USE_WAYPOINT } from '../../posture/index.js';
import { WAYPOINT_CLASS } from '../../posture/gateways.js';
import type { EvidenceInput } from '../types.js';
import { injectionEvidence, isIstioComponentWorkload, managedGatewayProxy, modeLabel, shown, sidecarInjectSetting, workloadLabel } from './proxy.js';

const AMBIENT_LABEL = 'istio.io/dataplane-mode';
const USE_WAYPOINT_NAMESPACE = 'istio.io/use-waypoint-namespace';

/** A name as written when it is a plain DNS name, quoted and escaped otherwise. */
function nameText(n: string): string {
  return n.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(n) ? n : shown(n, 60);
}

/**
 * The AuthorizationPolicies a namespace's waypoint enforces by being attached to it: targetRefs to the
 * waypoint's Gateway, and those of the root namespace to the waypoint GatewayClass. Policies Istio
 * rejects are left out. Policies attached to a Service are AUT021's business (a Service that opts out
 * of the waypoint is served by none).
 */
function waypointPolicies(model: MeshModel, ns: string, waypointNs: string, waypoint: string): Resource[] {
  const out: Resource[] = [];
  const attached = (r: Resource, kind: string, name: string) => {
    const basics = policyBasics(r, 'AuthorizationPolicy');
    if (basics.problems.length) return false;
    // The group is required as the posture's resolver requires it: Istio's CRD validation reads
    // `self.group`, so a targetRef without one is refused by the API server and attaches nothing.
    return basics.refs.some(({ ref }) => isObject(ref) && ref.kind === kind && ref.name === name && ref.group === GATEWAY_API_GROUP);
  };
  // A waypoint of another tenant's namespace is left out: the rule is namespace-scoped (src/engine/scope.ts),
  // so it reads only its own namespace and what the whole mesh shares (system namespaces).
  const readable = waypointNs === ns || model.isSystemNamespace(waypointNs);
  if (readable) {
    for (const r of model.ofKindInNamespace('security.istio.io', 'AuthorizationPolicy', waypointNs)) if (attached(r, 'Gateway', waypoint)) out.push(r);
  }
  // The GatewayClass's policies reach the waypoint when it is of that class (or its Gateway is not in the input).
  const gateway = readable ? model.ofKindInNamespace(GATEWAY_API_GROUP, 'Gateway', waypointNs).find((g) => g.name === waypoint) : undefined;
  const ofClass = gateway === undefined || gateway.obj?.spec?.gatewayClassName === WAYPOINT_CLASS;
  if (ofClass && waypointNs !== model.rootNamespace) {
    for (const r of model.ofKindInNamespace('security.istio.io', 'AuthorizationPolicy', model.rootNamespace)) if (attached(r, 'GatewayClass', WAYPOINT_CLASS)) out.push(r);
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'BYP007',
    title: 'Workload opts out of the mesh inside a mesh namespace',
    severity: 'medium',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: [...WORKLOAD_READS, 'Namespace', 'Service', 'security.istio.io/AuthorizationPolicy', 'gateway.networking.k8s.io/Gateway'],
    docs: {
      summary:
        'In a namespace that injects sidecars (istio-injection=enabled or istio.io/rev, or no label while the default injector has enableNamespacesByDefault on), a workload turns injection off for its pods with the sidecar.istio.io/inject label or annotation (the label wins when both are set; Istio reads any value other than true/yes/y/on as "off"). In an ambient namespace (istio.io/dataplane-mode=ambient), a workload labels its pods istio.io/dataplane-mode: none; or, where the namespace uses a waypoint (istio.io/use-waypoint) that has AuthorizationPolicies attached (targetRefs to its Gateway when it is in the same namespace or a system one, or those of the root namespace to the istio-waypoint GatewayClass), a workload labels its pods, or a Service in front of ambient pods is labelled, istio.io/use-waypoint: none, so that traffic skips the waypoint and its policies (policies attached to the Service itself are reported by AUT021). When the input does not hold the namespace (no Namespace object, as in application manifests kept apart from their namespaces), the opt-out is reported at low, saying that whether the namespace is in the mesh is unknown; system namespaces are exempt. Not reported: Istio\'s own istiod, CNI agent and ztunnel (every container running the pilot, install-cni or ztunnel image of a hub whose proxy is trusted) wherever they are installed; the proxies istiod deploys for Gateway API Gateways and waypoints (pods labelled gateway.networking.k8s.io/gateway-name or gateway.istio.io/managed, a workload owned by a Gateway, or the pods meshward stands in for a Gateway of a class istiod deploys), which istiod labels sidecar.istio.io/inject: "false" and istio.io/dataplane-mode: none because the pod is itself the proxy; only when every container is istio-proxy running a trusted Istio image, or, for the agentgateway class (Istio 1.29 and later), agentgateway running the agentgateway image of a hub whose proxy is trusted (a pod that claims the label but runs another image or another container is reported, and BYP002 reports an untrusted istio-proxy image).',
      why:
        "The namespace says its traffic is in the mesh, and policies are written on that assumption (STRICT mTLS, AuthorizationPolicies, egress rules), but these pods run without a proxy. Their outbound traffic is plaintext with no mesh identity and escapes egress policy; peers that require mTLS reject them, so teams often loosen PeerAuthentication to PERMISSIVE to make things work, which weakens every workload in the namespace. A tenant who can edit one Deployment can take it out of the mesh this way, and it is easy to miss in review.",
      fix:
        'Remove the sidecar.istio.io/inject: "false" label and annotation (or the istio.io/dataplane-mode: none label) so the pods join the mesh. If a workload truly cannot run with a proxy, move it to a namespace outside the mesh and control its traffic with NetworkPolicy, and record the exception.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web, sidecar.istio.io/inject: "false"}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}',
      references: [
        'https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy',
        'https://istio.io/latest/docs/ambient/usage/add-workloads/',
        'https://istio.io/latest/docs/reference/config/labels/',
        'https://istio.io/latest/docs/ops/best-practices/security/',
      ],
    },
  },
  check({ model, settings, report }) {
    const reportUnknownNamespace = (w: Workload) => {
      const s = sidecarInjectSetting(w);
      const how =
        s && s.inject === false
          ? { path: s.path, what: `turns sidecar injection off with pod ${s.source} sidecar.istio.io/inject=${shown(s.value, 40)}` }
          : w.podLabels[AMBIENT_LABEL] === 'none' && model.dataplaneOf(w) !== 'sidecar'
            ? { path: [...w.metaPath, 'labels', AMBIENT_LABEL], what: `opts out of ambient mode with pod label ${AMBIENT_LABEL}=none` }
            : null;
      if (!how) return;
      report({
        resource: w.resource,
        path: how.path,
        severity: 'low',
        message: `${workloadLabel(w)} ${how.what}; the input does not show whether namespace ${w.namespace} is in the mesh (no Namespace object). Where it is, these pods run without a proxy: their traffic has no mTLS, no authorization and no egress policy. Include the Namespace to judge it.`,
        evidence: [],
      });
    };
    // A workload of an ambient namespace that uses a waypoint takes its pods off it with the pod label
    // istio.io/use-waypoint=none, or a Service in front of them does: the traffic skips the waypoint, and with it
    // the AuthorizationPolicies attached there. Only reported when there are such policies (without them
    // the opt-out loses L7 routing and telemetry, not protection).
    const waypointOf = (ns: NamespaceInfo): { ns: string; name: string; policies: Resource[] } | null => {
      const name = ns.labels[USE_WAYPOINT];
      if (!name || name === 'none') return null;
      const waypointNs = ns.labels[USE_WAYPOINT_NAMESPACE] || ns.name;
      const policies = waypointPolicies(model, ns.name, waypointNs, name);
      return policies.length ? { ns: waypointNs, name, policies } : null;
    };
    const reportWaypointOptOut = (resource: Resource, path: (string | number)[], what: string, ns: NamespaceInfo, wp: { ns: string; name: string; policies: Resource[] }, more: EvidenceInput[]) => {
      const names = wp.policies.slice(0, 3).map((p) => `${p.namespace}/${p.name}`).join(', ') + (wp.policies.length > 3 ? ` and ${wp.policies.length - 3} more` : '');
      report({
        resource,
        path,
        key: 'waypoint',
        message: `${what} the waypoint ${wp.ns}/${nameText(wp.name)} of ${namespaceText(ns)} with label ${USE_WAYPOINT}=none: that traffic goes from ztunnel straight to the pods and never meets the AuthorizationPolicies attached to the waypoint (${names}), so what they deny is let through and what they allow is not checked.`,
        evidence: [...wp.policies.slice(0, 5).map((p) => ({ role: 'waypoint-policy', description: `AuthorizationPolicy ${p.namespace}/${p.name} is attached to the waypoint ${wp.ns}/${nameText(wp.name)}`, resource: p })), ...more],
      });
    };
    // Per ambient namespace that uses a waypoint (a loop over namespaces, not workloads: an admission
    // review of an AuthorizationPolicy attached to the waypoint, or of a Service, reaches these findings,
    // and its focused run cuts `workloads` to nothing but keeps its own namespace): pods, then Services,
    // labelled off the waypoint.
    for (const ns of model.namespaces()) {
      if (ns.system || !ns.resource || ns.mode !== 'ambient' || !ns.labels[USE_WAYPOINT] || ns.labels[USE_WAYPOINT] === 'none') continue;
      let wp: ReturnType<typeof waypointOf> | undefined;
      for (const w of model.workloadsIn(ns.name)) {
        if (w.podLabels[USE_WAYPOINT] !== 'none' || model.dataplaneOf(w) !== 'ambient') continue;
        if ((wp ??= waypointOf(ns)) === null) break;
        reportWaypointOptOut(w.resource, [...w.metaPath, 'labels', USE_WAYPOINT], `${workloadLabel(w)} takes its pods off`, ns, wp, []);
      }
      if (wp === null) continue;
      for (const svc of model.ofKindInNamespace('', 'Service', ns.name)) {
        if (svc.labels[USE_WAYPOINT] !== 'none') continue;
        const sel = svc.obj?.spec?.selector;
        if (!isObject(sel) || !Object.keys(sel).length) continue;
        const behind = model.selectWorkloads(ns.name, sel).filter((w) => model.dataplaneOf(w) === 'ambient');
        if (!behind.length) continue;
        if ((wp ??= waypointOf(ns)) === null) break;
        const controllers = collapseOwned(behind).workloads;
        const shownWorkloads = controllers.slice(0, 3).map((w) => workloadLabel(w)).join(', ') + (controllers.length > 3 ? ` and ${controllers.length - 3} more` : '');
        reportWaypointOptOut(svc, ['metadata', 'labels', USE_WAYPOINT], `Service ${svc.namespace}/${svc.name} (in front of ${shownWorkloads}) takes the traffic sent to it off`, ns, wp, controllers.slice(0, 5).map((w) => ({ role: 'workload', description: `${workloadLabel(w)} runs the pods behind it`, resource: w.resource })));
      }
    }
    // One loop over workloads, not namespaces then their workloads: an admission review's focused run
    // (src/webhook/focus.ts) cuts `workloads` to the object under review, where a namespace's
    // workloads would all be judged again for each review.
    for (const w of model.workloads) {
      const ns = model.namespace(w.namespace);
      if (ns.system) continue;
      if (ns.resource && ns.mode !== 'sidecar' && ns.mode !== 'ambient') continue;
      // istiod, the CNI agent and ztunnel installed in a namespace of the user's choosing; istiod's own
      // gateway and waypoint proxies, which opt out because they are the proxy.
      if (isIstioComponentWorkload(w, settings) || managedGatewayProxy(w, settings, model)) continue;
      if (!ns.resource) {
        // Application manifests are often kept apart from their namespaces': an opt-out there is
        // still worth a look, at a lower grade, saying what is unknown.
        reportUnknownNamespace(w);
        continue;
      }
      if (ns.mode === 'sidecar') {
        const s = sidecarInjectSetting(w);
        if (!s || s.inject !== false) continue;
        report({
          resource: w.resource,
          path: s.path,
          message: `${workloadLabel(w)} turns sidecar injection off with pod ${s.source} sidecar.istio.io/inject=${shown(s.value, 40)} in ${namespaceText(ns)}, which injects sidecars: its pods run without a proxy, so their traffic has no mTLS, no authorization and no egress policy.`,
          evidence: injectionEvidence(model, ns),
        });
      } else {
        if (w.podLabels[AMBIENT_LABEL] !== 'none') continue;
        // A pod that asks for a sidecar instead is still in the mesh.
        if (model.dataplaneOf(w) === 'sidecar') continue;
        report({
          resource: w.resource,
          path: [...w.metaPath, 'labels', AMBIENT_LABEL],
          message: `${workloadLabel(w)} opts out of ambient mode with pod label ${AMBIENT_LABEL}=none in ${namespaceText(ns)}: ztunnel does not capture its pods, so their traffic has no mTLS, no authorization and no egress policy.`,
          evidence: injectionEvidence(model, ns),
        });
      }
    }
  },
});

/** How a finding names the namespace and what makes it inject (made only for a finding). */
function namespaceText(ns: NamespaceInfo): string {
  const label = modeLabel(ns);
  if (label) return `namespace ${ns.name} (${label.key}=${shown(label.value, 40)})`;
  return ns.injectedByDefault ? `namespace ${ns.name} (no injection label, injected because the default injector has enableNamespacesByDefault on)` : `namespace ${ns.name}`;
}
