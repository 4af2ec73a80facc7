import { defineRule } from '../types.js';
import { isObject } from '../../model/workloads.js';
import { isEmptySelector } from '../../model/selectors.js';

const KINDS: Array<[string, string]> = [
  ['networking.istio.io', 'EnvoyFilter'],
  ['extensions.istio.io', 'WasmPlugin'],
];

/**
 * Which proxies a selector-less EnvoyFilter patches, from the contexts of its configPatches. A patch
 * applies only where its `match.context` equals the context Istio is building (or is ANY, the default):
 * GATEWAY for gateways, SIDECAR_INBOUND / SIDECAR_OUTBOUND for sidecars
 * (pilot/pkg/networking/core/envoyfilter/listener_patch.go patchContextMatch; the same test for
 * clusters and route configurations). Waypoints never take a selector-less policy.
 */
function proxiesPatched(spec: Record<string, any>): string {
  const patches = Array.isArray(spec.configPatches) ? spec.configPatches : [];
  if (!patches.length) return 'every proxy in the mesh';
  let gateway = false;
  let sidecar = false;
  for (const p of patches) {
    const context = isObject(p) && isObject(p.match) ? p.match.context : undefined;
    if (context === 'GATEWAY') gateway = true;
    else if (context === 'SIDECAR_INBOUND' || context === 'SIDECAR_OUTBOUND') sidecar = true;
    else return 'every proxy in the mesh'; // ANY, unset, or a value this version does not know
  }
  return gateway && sidecar ? 'every proxy in the mesh' : gateway ? 'every gateway proxy in the mesh' : 'every sidecar in the mesh';
}

export default defineRule({
  meta: {
    id: 'HJK010',
    title: 'EnvoyFilter or WasmPlugin outside the root namespace, or mesh-wide without a selector',
    severity: 'high',
    category: 'traffic-hijack',
    scope: 'namespace',
    reads: ['networking.istio.io/EnvoyFilter', 'extensions.istio.io/WasmPlugin'],
    docs: {
      summary:
        'An EnvoyFilter or WasmPlugin in a tenant namespace (high), or one in the mesh root namespace with no workloadSelector / selector / targetRefs, which applies to every proxy in the mesh (medium). An EnvoyFilter patch applies only where its `match.context` matches, so one whose patches all name GATEWAY patches every gateway proxy, and one whose patches all name SIDECAR_INBOUND or SIDECAR_OUTBOUND every sidecar; the grade is the same (every tenant\'s traffic through the gateways, or every workload).',
      why:
        "Both inject arbitrary configuration or code into Envoy: they can rewrite routes, strip authentication, copy request bodies elsewhere or crash proxies (ISTIO-SECURITY-2026-006 is a denial of service through an EnvoyFilter's proxyVersion match). In a tenant's hands that is control of the tenant's proxies and, through shared gateways or mistakes in matching, of others'. Mesh-wide ones run in every proxy, so a mistake or a malicious change reaches every workload at once.",
      fix:
        'Keep EnvoyFilter and WasmPlugin creation to platform operators (RBAC: no tenant role on networking.istio.io/envoyfilters or extensions.istio.io/wasmplugins), keep them in the root namespace, and give each a workloadSelector (or selector / targetRefs) naming the proxies it is for.',
      bad: 'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: add-lua, namespace: shop}\nspec:\n  configPatches:\n  - applyTo: HTTP_FILTER\n    match: {context: SIDECAR_INBOUND}\n    patch:\n      operation: INSERT_BEFORE\n      value: {name: envoy.filters.http.lua}',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/envoy-filter/',
        'https://istio.io/latest/docs/reference/config/proxy_extensions/wasm-plugin/',
        'https://istio.io/latest/news/security/istio-security-2026-006/',
      ],
    },
  },
  check({ model, report }) {
    for (const [group, kind] of KINDS) {
      for (const r of model.ofKind(group, kind)) {
        const spec = isObject(r.obj?.spec) ? r.obj.spec : {};
        const platform = model.tenancy.isPlatform(r.namespace);
        if (!platform) {
          report({
            resource: r,
            path: ['metadata', 'namespace'],
            message: `${kind} ${r.namespace}/${r.name} is in tenant namespace ${r.namespace}: whoever can write it programs arbitrary Envoy configuration${kind === 'WasmPlugin' ? ' and code' : ''} into that namespace's proxies.`,
          });
          continue;
        }
        const targeted =
          !isEmptySelector(spec.workloadSelector?.labels) ||
          !isEmptySelector(spec.selector?.matchLabels) ||
          (Array.isArray(spec.targetRefs) && spec.targetRefs.length > 0) ||
          isObject(spec.targetRef);
        if (r.namespace === model.rootNamespace && !targeted) {
          report({
            resource: r,
            path: ['spec'],
            severity: 'medium',
            message: `${kind} ${r.namespace}/${r.name} in the root namespace has no selector or targetRefs, so ${kind === 'EnvoyFilter' ? proxiesPatched(spec) : 'every proxy in the mesh'} runs it.`,
          });
        }
      }
    }
  },
});
