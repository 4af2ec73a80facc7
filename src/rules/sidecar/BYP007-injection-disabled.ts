import { defineRule } from '../types.js';
import type { NamespaceInfo } from '../../model/namespaces.js';
import type { Workload } from '../../model/workloads.js';
import { WORKLOAD_READS } from '../reads.js';
import { injectionEvidence, isIstioComponentWorkload, managedGatewayProxy, modeLabel, shown, sidecarInjectSetting, workloadLabel } from './proxy.js';

const AMBIENT_LABEL = 'istio.io/dataplane-mode';

export default defineRule({
  meta: {
    id: 'BYP007',
    title: 'Workload opts out of the mesh inside a mesh namespace',
    severity: 'medium',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: [...WORKLOAD_READS, 'Namespace'],
    docs: {
      summary:
        'In a namespace that injects sidecars (istio-injection=enabled or istio.io/rev, or no label while the default injector has enableNamespacesByDefault on), a workload turns injection off for its pods with the sidecar.istio.io/inject label or annotation (the label wins when both are set; Istio reads any value other than true/yes/y/on as "off"). In an ambient namespace (istio.io/dataplane-mode=ambient), a workload labels its pods istio.io/dataplane-mode: none. When the input does not hold the namespace (no Namespace object, as in application manifests kept apart from their namespaces), the opt-out is reported at low, saying that whether the namespace is in the mesh is unknown; system namespaces are exempt. Not reported: Istio\'s own istiod, CNI agent and ztunnel (every container running the pilot, install-cni or ztunnel image of a hub whose proxy is trusted) wherever they are installed; the proxies istiod deploys for Gateway API Gateways and waypoints (pods labelled gateway.networking.k8s.io/gateway-name or gateway.istio.io/managed, a workload owned by a Gateway, or the pods meshward stands in for a Gateway of a class istiod deploys), which istiod labels sidecar.istio.io/inject: "false" and istio.io/dataplane-mode: none because the pod is itself the proxy; only when every container is istio-proxy running a trusted Istio image, or, for the agentgateway class (Istio 1.29 and later), agentgateway running the agentgateway image of a hub whose proxy is trusted (a pod that claims the label but runs another image or another container is reported, and BYP002 reports an untrusted istio-proxy image).',
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
