import { describe } from '../../model/resource.js';
import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';

const KEYS = ['defaultVirtualServiceExportTo', 'defaultDestinationRuleExportTo', 'defaultServiceExportTo'] as const;

export default defineRule({
  meta: {
    id: 'HJK012',
    title: 'Mesh default exportTo is unset or "*"',
    severity: 'medium',
    category: 'traffic-hijack',
    reads: ['ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
      summary:
        'The mesh config leaves `defaultVirtualServiceExportTo`, `defaultDestinationRuleExportTo` or `defaultServiceExportTo` unset (Istio then exports to every namespace) or sets it to `*`.',
      why:
        'Every VirtualService, DestinationRule and ServiceEntry written without its own exportTo is then visible to every namespace in the mesh. A tenant who forgets — or chooses not — to set exportTo affects other tenants\' traffic; with `["."]` as the default, reaching other namespaces becomes a deliberate, reviewable act.',
      fix: 'Set all three defaults to `["."]` in the mesh config (istio ConfigMap `mesh`, IstioOperator spec.meshConfig, or Helm values meshConfig) and let configs that must be shared list their namespaces explicitly.',
      bad: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    rootNamespace: istio-system\n    outboundTrafficPolicy: {mode: REGISTRY_ONLY}',
      good: 'meshConfig:\n  defaultVirtualServiceExportTo: ["."]\n  defaultDestinationRuleExportTo: ["."]\n  defaultServiceExportTo: ["."]',
      references: ['https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/', 'https://istio.io/latest/docs/ops/best-practices/traffic-management/#cross-namespace-configuration'],
    },
  },
  check({ model, report }) {
    const mesh = model.mesh;
    const where = mesh.origin === 'file' ? `--mesh-config ${mesh.file}` : mesh.resource ? describe(mesh.resource) : "Istio's defaults (no mesh config in the input)";
    for (const key of KEYS) {
      const v = mesh.config[key];
      const unset = !Array.isArray(v) || v.length === 0;
      if (!unset && !(v as unknown[]).includes('*')) continue;
      const severity: Severity = mesh.origin === 'defaults' ? 'low' : 'medium';
      report({
        resource: model.meshConfigResource,
        path: mesh.path,
        key,
        severity,
        message: unset
          ? `${key} is not set in ${where}, so configs without their own exportTo are exported to every namespace.`
          : `${key} includes "*" in ${where}: configs without their own exportTo are exported to every namespace.`,
      });
    }
  },
});
