import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { isObject } from '../../model/workloads.js';
import { GATEWAY_API_GROUP, listSome } from './common.js';

/** What another tenant does with a reference to this kind: one named object, or all of them. */
function effectOf(kind: string, named: boolean): string {
  if (kind === 'Secret') return named ? 'its Gateways can serve that certificate and private key' : "its Gateways can serve this namespace's TLS certificates and private keys";
  if (kind === 'Service') return named ? "its routes can send traffic to that Service, past the owner's own routing" : "its routes can send traffic to any Service here, past the owner's own routing";
  return named ? 'it can use that object from its own configuration' : `it can use any ${kind} here from its own configuration`;
}

export default defineRule({
  meta: {
    id: 'HJK009',
    title: "ReferenceGrant lets another tenant's namespace reference objects here",
    severity: 'medium',
    category: 'traffic-hijack',
    scope: 'namespace',
    reads: ['gateway.networking.k8s.io/ReferenceGrant', 'Namespace'],
    docs: {
      summary:
        "A ReferenceGrant lets objects in a namespace of another tenant (`spec.from[].namespace`) reference objects in this namespace (`spec.to`). Grants from platform namespaces and from the tenant's own namespaces are not reported. An entry of `to` without `name` covers every object of that kind: medium, or high for Secrets (TLS keys); a named Secret is medium, any other named object low.",
      why:
        "A ReferenceGrant is the Gateway API's consent for cross-namespace references: once it exists, the granted namespace's Gateways and routes may use this namespace's objects as if they were their own. A grant for every Secret lets another tenant's Gateway terminate TLS with this tenant's certificates and keys (and impersonate its hostnames); a grant for every Service lets another tenant's routes reach any of this tenant's backends, bypassing the routes the owner wrote.",
      fix:
        `Grant references only to the platform's gateway namespace, and name each object (\`to: [{group: "", kind: Secret, name: www-shop-example-com}]\`). Remove grants to other tenants' namespaces, or narrow them to the one Service they need.`,
      bad: 'apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: open, namespace: payments}\nspec:\n  from:\n  - {group: gateway.networking.k8s.io, kind: Gateway, namespace: analytics}\n  to:\n  - {group: "", kind: Secret}',
      good: 'apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: ingress-cert, namespace: payments}\nspec:\n  from:\n  - {group: gateway.networking.k8s.io, kind: Gateway, namespace: istio-ingress}\n  to:\n  - {group: "", kind: Secret, name: pay-example-com}',
      references: [
        'https://gateway-api.sigs.k8s.io/api-types/referencegrant/',
        'https://gateway-api.sigs.k8s.io/guides/multiple-ns/',
      ],
    },
  },
  check({ model, report }) {
    const tenancy = model.tenancy;
    for (const grant of model.ofKind(GATEWAY_API_GROUP, 'ReferenceGrant')) {
      const spec = grant.obj?.spec;
      if (!isObject(spec) || !Array.isArray(spec.from) || !Array.isArray(spec.to)) continue;
      if (tenancy.isPlatform(grant.namespace)) continue;
      // Namespaces of other (non-platform) tenants that the grant trusts, with the kinds it trusts there.
      const foreign = new Map<string, Set<string>>();
      for (const f of spec.from) {
        if (!isObject(f) || typeof f.namespace !== 'string' || !f.namespace) continue;
        if (tenancy.isPlatform(f.namespace) || tenancy.sameTenant(f.namespace, grant.namespace)) continue;
        let kinds = foreign.get(f.namespace);
        if (!kinds) foreign.set(f.namespace, (kinds = new Set()));
        kinds.add(typeof f.kind === 'string' && f.kind ? `${f.kind}s` : 'objects');
      }
      if (!foreign.size) continue;
      const namespaces = [...foreign.keys()].sort();
      const tenants = [...new Set(namespaces.map((ns) => tenancy.tenantOf(ns).name))];
      const fromText = `${listSome([...new Set([...foreign.values()].flatMap((k) => [...k]))], 3)} in ${listSome(namespaces, 4)} (tenant${tenants.length === 1 ? '' : 's'} ${listSome(tenants, 3)})`;

      spec.to.forEach((t: unknown, i: number) => {
        if (!isObject(t) || typeof t.kind !== 'string' || !t.kind) return;
        const group = typeof t.group === 'string' ? t.group : '';
        const secret = t.kind === 'Secret' && group === '';
        const named = typeof t.name === 'string' && t.name !== '';
        const severity: Severity = secret ? (named ? 'medium' : 'high') : named ? 'low' : 'medium';
        const target = named ? `${t.kind} ${grant.namespace}/${t.name}` : `every ${t.kind}${group ? ` (${group})` : ''} in ${grant.namespace}, present and future`;
        report({
          resource: grant,
          path: ['spec', 'to', i],
          severity,
          key: `${group}/${t.kind}/${named ? t.name : '*'}`,
          message: `ReferenceGrant ${grant.namespace}/${grant.name} lets ${fromText} reference ${target}: ${effectOf(t.kind, named)}.`,
          evidence: namespaces.slice(0, 10).map((ns) => ({
            role: 'granted-namespace',
            description: `namespace ${ns} belongs to tenant ${tenancy.tenantOf(ns).name}`,
            resource: model.namespace(ns).resource ?? undefined,
          })),
        });
      });
    }
  },
});
