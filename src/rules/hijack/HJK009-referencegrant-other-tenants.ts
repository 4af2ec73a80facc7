import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { isObject } from '../../model/workloads.js';
import { GATEWAY_API_GROUP, listSome } from './common.js';

/**
 * The (from, to) pairs Istio honours. Its ReferenceGrant index keeps only `from` kinds Gateway, the
 * route kinds HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, and ListenerSet (XListenerSet before 1.30), and
 * `to` kinds Secret, ConfigMap, Service, XBackend and InferencePool, each matched by group and kind
 * (pilot/pkg/config/kube/gatewaycommon/references.go); anything else is left to other controllers.
 * Then only Gateways and ListenerSets ask for Secrets and ConfigMaps (certificateRefs,
 * caCertificateRefs: pilot/pkg/model/gateway.go, conversion.go SecretAllowed) and only routes ask for
 * backends (backendRefs, mirrors: BackendAllowed). A grant from a route to a Secret is inert.
 */
const GATEWAY_FROM = new Map([
  [`${GATEWAY_API_GROUP}/Gateway`, 'Gateway'],
  [`${GATEWAY_API_GROUP}/ListenerSet`, 'ListenerSet'],
  ['gateway.networking.x-k8s.io/XListenerSet', 'XListenerSet'],
]);
const ROUTE_FROM = new Map(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute'].map((k) => [`${GATEWAY_API_GROUP}/${k}`, k]));
type FromClass = 'gateway' | 'route';
const TO_CLASS = new Map<string, FromClass>([
  ['/Secret', 'gateway'],
  ['/ConfigMap', 'gateway'],
  ['/Service', 'route'],
  ['gateway.networking.x-k8s.io/XBackend', 'route'],
  ['inference.networking.k8s.io/InferencePool', 'route'],
  ['inference.networking.x-k8s.io/InferencePool', 'route'],
]);

/** `HTTPRoutes`, `HTTPRoutes and TLSRoutes`, `Gateways, ListenerSets and XListenerSets`. */
function plural(kinds: readonly string[]): string {
  const p = kinds.map((k) => `${k}s`);
  return p.length > 1 ? `${p.slice(0, -1).join(', ')} and ${p[p.length - 1]}` : (p[0] ?? '');
}

/** What another tenant's `fromKinds` do with a reference to this kind: one named object, or all of them. */
function effectOf(kind: string, fromKinds: readonly string[], named: boolean): string {
  const its = `its ${plural(fromKinds)}`;
  if (kind === 'Secret') return named ? `${its} can serve that certificate and private key` : `${its} can serve this namespace's TLS certificates and private keys`;
  if (kind === 'ConfigMap') return named ? `${its} can use that ConfigMap as the CA bundle that verifies client certificates` : `${its} can use any ConfigMap here as the CA bundle that verifies client certificates`;
  return named ? `${its} can send traffic to that ${kind}, past the owner's own routing` : `${its} can send traffic to any ${kind} here, past the owner's own routing`;
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
        "A ReferenceGrant lets objects in a namespace of another tenant (`spec.from[].namespace`) reference objects in this namespace (`spec.to`). Grants from platform namespaces and from the tenant's own namespaces are not reported, and neither are pairs Istio ignores: it honours grants from Gateways and ListenerSets to Secrets and ConfigMaps (certificates and CA bundles), and from HTTPRoutes, GRPCRoutes, TLSRoutes and TCPRoutes to Services, XBackends and InferencePools (backends), each matched by group and kind; a grant from a route to a Secret, from a UDPRoute, or with a wrong group is inert. An entry of `to` without `name` covers every object of that kind: medium, or high for Secrets (TLS keys); a named Secret is medium when a tenant policy places the granted namespace in another tenant, low without a policy (it may be the platform gateway namespace the fix recommends); any other named object is low.",
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
      // Entries of `from` naming a kind Istio honours in a namespace of another (non-platform) tenant.
      const foreign: Array<{ namespace: string; kind: string; cls: FromClass }> = [];
      for (const f of spec.from) {
        if (!isObject(f) || typeof f.namespace !== 'string' || !f.namespace || typeof f.kind !== 'string') continue;
        const gk = `${typeof f.group === 'string' ? f.group : ''}/${f.kind}`;
        const cls: FromClass | null = GATEWAY_FROM.has(gk) ? 'gateway' : ROUTE_FROM.has(gk) ? 'route' : null;
        if (!cls) continue;
        if (tenancy.isPlatform(f.namespace) || tenancy.sameTenant(f.namespace, grant.namespace)) continue;
        foreign.push({ namespace: f.namespace, kind: f.kind, cls });
      }
      if (!foreign.length) continue;

      spec.to.forEach((t: unknown, i: number) => {
        if (!isObject(t) || typeof t.kind !== 'string' || !t.kind) return;
        const group = typeof t.group === 'string' ? t.group : '';
        const cls = TO_CLASS.get(`${group}/${t.kind}`);
        // Only the `from` kinds that ask Istio for this kind make the entry mean anything.
        const froms = foreign.filter((f) => f.cls === cls);
        if (!froms.length) return;
        const namespaces = [...new Set(froms.map((f) => f.namespace))].sort();
        const fromKinds = [...new Set(froms.map((f) => f.kind))];
        const tenants = [...new Set(namespaces.map((ns) => tenancy.tenantOf(ns).name))];
        const fromText = `${plural(fromKinds)} in ${listSome(namespaces, 4)} (tenant${tenants.length === 1 ? '' : 's'} ${listSome(tenants, 3)})`;
        const secret = t.kind === 'Secret';
        const named = typeof t.name === 'string' && t.name !== '';
        // One named certificate for the Gateways of a namespace that is another tenant only because no
        // tenant policy says otherwise (every namespace its own tenant) is the shape the fix recommends
        // for a dedicated gateway namespace: low. A policy that places that namespace in another tenant
        // keeps it medium (that tenant's Gateway can terminate TLS as this tenant).
        const severity: Severity = secret ? (named ? (tenancy.hasPolicy ? 'medium' : 'low') : 'high') : named ? 'low' : 'medium';
        const target = named ? `${t.kind} ${grant.namespace}/${t.name}` : `every ${t.kind}${group ? ` (${group})` : ''} in ${grant.namespace}, present and future`;
        const unconfirmed = secret && named && !tenancy.hasPolicy ? ` (no tenant policy says whether ${listSome(namespaces, 4)} ${namespaces.length === 1 ? 'is' : 'are'} the platform's gateway namespace: if so, list ${namespaces.length === 1 ? 'it' : 'them'} under platform.namespaces)` : '';
        report({
          resource: grant,
          path: ['spec', 'to', i],
          severity,
          key: `${group}/${t.kind}/${named ? t.name : '*'}`,
          message: `ReferenceGrant ${grant.namespace}/${grant.name} lets ${fromText} reference ${target}: ${effectOf(t.kind, fromKinds, named)}${unconfirmed}.`,
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
