import { meshConfigHasFields } from '../../model/meshconfig.js';
import { defineRule } from '../types.js';
import type { PathSegment } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { meshOutbound, meshSourceText, quote } from './common.js';
import { WORKLOAD_READS } from '../reads.js';

export default defineRule({
  meta: {
    id: 'EGR001',
    title: 'Mesh-wide outbound traffic policy lets sidecars reach any destination',
    severity: 'high',
    category: 'egress',
    // Workloads: the Istio version in play decides the default (istiod's image, else the proxies').
    reads: ['ConfigMap', 'install.istio.io/IstioOperator', ...WORKLOAD_READS],
    docs: {
      summary:
        "The mesh config's outboundTrafficPolicy.mode is ALLOW_ANY, or is not set, which means ALLOW_ANY because that is Istio's default since 1.1. Before 1.1 there was no such setting and sidecars blocked unknown destinations, so a mesh whose control plane (istiod's image, else the proxies') is older than 1.1 is not reported. When the input holds no mesh config at all, the default is assumed and reported at low severity.",
      why:
        'Under ALLOW_ANY a sidecar forwards traffic for hosts the mesh does not know straight to the address the application dialled. Code running in any meshed pod (a compromised dependency, an injected command) can send data to any server on the internet or fetch tools from it, and nothing in the mesh config records which external services a workload was ever meant to use. REGISTRY_ONLY narrows sidecar egress to Services and ServiceEntries, but it is best effort, not a boundary: it is enforced by the sidecar, which a pod running as UID 1337, holding NET_ADMIN, or using capture exclusions can step around, and ztunnel in ambient mode does not apply it. Pair it with NetworkPolicies (EGR003).',
      fix:
        'Set meshConfig.outboundTrafficPolicy.mode to REGISTRY_ONLY (istio ConfigMap `mesh` key, IstioOperator spec.meshConfig, or Helm values meshConfig), declare every external dependency with a ServiceEntry, and route external traffic through an egress gateway. Back it with default-deny egress NetworkPolicies in every mesh namespace. When scanning manifests without the mesh config, pass it with --mesh-config.',
      bad: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    outboundTrafficPolicy:\n      mode: ALLOW_ANY',
      good: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    outboundTrafficPolicy:\n      mode: REGISTRY_ONLY',
      references: [
        'https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-OutboundTrafficPolicy-Mode',
        'https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/',
        'https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/#additional-security-considerations',
        'https://istio.io/latest/docs/ops/best-practices/security/#egress',
      ],
    },
  },
  check({ model, report }) {
    const mesh = model.mesh;
    const out = meshOutbound(model);
    // REGISTRY_ONLY as written, or as the default of an Istio older than 1.1 (outboundDefault).
    if (out.valid && out.effective === 'REGISTRY_ONLY') return;
    const resource = model.meshConfigResource;

    if (mesh.origin === 'defaults') {
      report({
        resource,
        path: mesh.path,
        severity: 'low',
        message:
          "No mesh config in the input (no istio ConfigMap, IstioOperator or --mesh-config), so Istio's default outboundTrafficPolicy ALLOW_ANY was assumed: sidecars would pass traffic to any destination. Pass the real mesh config with --mesh-config to check it.",
      });
      return;
    }

    // A ConfigMap keeps the mesh config as one YAML string: the finding points at that key. An
    // IstioOperator (or a Sail Istio) keeps real fields, so point at the deepest one that exists.
    let path: PathSegment[] = mesh.path;
    if (meshConfigHasFields(mesh)) {
      const otp = mesh.config.outboundTrafficPolicy;
      if (otp !== undefined) path = [...path, 'outboundTrafficPolicy'];
      if (isObject(otp) && otp.mode !== undefined) path = [...path, 'mode'];
    }
    const where = meshSourceText(model);
    let message: string;
    if (!out.valid) {
      message = `${where} sets outboundTrafficPolicy${isObject(mesh.config.outboundTrafficPolicy) ? '.mode' : ''} to ${quote(out.raw)}, which is not ALLOW_ANY or REGISTRY_ONLY: it does not give REGISTRY_ONLY, and Istio's default ALLOW_ANY is the likely result, so sidecars pass traffic to any destination.`;
    } else if (!out.set) {
      message = `${where} sets no outboundTrafficPolicy.mode, so Istio's default ALLOW_ANY applies: sidecars pass traffic for unknown hosts to any destination.`;
    } else {
      message = `${where} sets outboundTrafficPolicy.mode ALLOW_ANY: sidecars pass traffic for unknown hosts to any destination.`;
    }
    report({ resource, path, message });
  },
});
