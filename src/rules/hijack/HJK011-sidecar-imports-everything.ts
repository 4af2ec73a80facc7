import { sidecarOnAmbientOnly } from '../../tenancy/visibility.js';
import { defineRule } from '../types.js';
import { isObject } from '../../model/workloads.js';
import { WORKLOAD_READS } from '../reads.js';

export default defineRule({
  meta: {
    id: 'HJK011',
    title: 'Sidecar in a tenant namespace imports every namespace\'s configuration (*/*)',
    severity: 'medium',
    category: 'traffic-hijack',
    scope: 'namespace',
    reads: ['networking.istio.io/Sidecar', 'Namespace', ...WORKLOAD_READS],
    docs: {
      summary: "A Sidecar in a tenant namespace lists `*/*` (or `*/` with any host) among its egress hosts, so its proxies import routing configuration from every namespace.",
      why:
        "Sidecar egress hosts are Istio's configuration scoping: a proxy only takes VirtualServices, DestinationRules and ServiceEntries from the namespaces listed. `*/*` turns that off, so any other tenant's mesh-bound VirtualService or ServiceEntry for a host this namespace calls is applied to its traffic — the cross-namespace hijack of ISTIO-SECURITY-2026-002.",
      fix:
        'List only the namespace itself, the root namespace and the namespaces it trusts (`./*`, `istio-system/*`, `payments/*`). `meshward generate sidecars --tenants FILE` writes such a Sidecar for every tenant namespace.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: shop}\nspec:\n  egress:\n  - hosts: ["*/*"]',
      good: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: shop}\nspec:\n  egress:\n  - hosts: ["./*", "istio-system/*"]',
      references: ['https://istio.io/latest/docs/reference/config/networking/sidecar/', 'https://istio.io/latest/news/security/istio-security-2026-002/'],
    },
  },
  check({ model, report }) {
    for (const sc of model.ofKind('networking.istio.io', 'Sidecar')) {
      if (model.tenancy.isPlatform(sc.namespace)) continue;
      // A Sidecar on ambient workloads imports nothing: HJK016 says it has no effect.
      if (sidecarOnAmbientOnly(model, sc)) continue;
      const egress = isObject(sc.obj?.spec) && Array.isArray(sc.obj.spec.egress) ? sc.obj.spec.egress : [];
      egress.forEach((l: unknown, li: number) => {
        const hosts = isObject(l) && Array.isArray(l.hosts) ? l.hosts : [];
        hosts.forEach((h: unknown, hi: number) => {
          if (typeof h !== 'string' || !h.startsWith('*/')) return;
          report({
            resource: sc,
            path: ['spec', 'egress', li, 'hosts', hi],
            key: `${li}:${hi}`,
            message: `Sidecar ${sc.namespace}/${sc.name} imports "${h}": proxies in ${sc.namespace} take routing configuration for ${h.slice(2) === '*' ? 'any host' : h.slice(2)} from every namespace, including other tenants'.`,
          });
        });
      });
    }
  },
});
