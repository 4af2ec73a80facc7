import { defineRule } from '../types.js';
import type { PathSegment, Resource } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { GATEWAY_API_GROUP, gatewayParentRefs, HOSTNAME_ROUTE_KINDS, listenerOpenToAll, listenersOf, listSome, sharedGatewayReason } from './common.js';

export default defineRule({
  meta: {
    id: 'HJK008',
    title: 'Shared Gateway API listener accepts routes from every namespace',
    severity: 'medium',
    category: 'traffic-hijack',
    reads: ['gateway.networking.k8s.io/Gateway', 'gateway.networking.k8s.io/HTTPRoute', 'gateway.networking.k8s.io/GRPCRoute', 'gateway.networking.k8s.io/TLSRoute', 'Namespace'],
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        'A listener of a shared Gateway API `Gateway` (in a platform namespace, or offered to several tenants by the tenant policy) sets `allowedRoutes.namespaces.from: All`, or `from: Selector` with an empty selector: a route from any namespace may attach. Medium when the listener has a `hostname`; high when it has none, since the routes then choose any hostname they like.',
      why:
        "`allowedRoutes` is the Gateway API's trust boundary between the gateway's owner and route authors. Opened to every namespace, any tenant — or anyone who can create an HTTPRoute in any namespace, including a newly created one — attaches routes to the platform's entry point and competes for its hostnames (HJK007). On a listener without a hostname, nothing limits which hosts those routes take.",
      fix:
        `Give each shared listener a \`hostname\` and admit only the namespaces that own it: \`allowedRoutes.namespaces.from: Selector\` with a label the platform team controls (for one namespace, \`kubernetes.io/metadata.name\`). Where a listener must stay open, enforce route hostnames per tenant at admission (\`meshward generate admission-policy --tenants FILE --format vap|kyverno\`).`,
      bad: 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: shared, namespace: istio-ingress}\nspec:\n  gatewayClassName: istio\n  listeners:\n  - name: http\n    port: 80\n    protocol: HTTP\n    allowedRoutes:\n      namespaces: {from: All}',
      good: 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: shared, namespace: istio-ingress}\nspec:\n  gatewayClassName: istio\n  listeners:\n  - name: pay\n    hostname: pay.example.com\n    port: 443\n    protocol: HTTPS\n    tls: {certificateRefs: [{name: pay-example-com}]}\n    allowedRoutes:\n      namespaces:\n        from: Selector\n        selector:\n          matchLabels: {kubernetes.io/metadata.name: payments}',
      references: [
        'https://gateway-api.sigs.k8s.io/reference/spec/#allowedroutes',
        'https://gateway-api.sigs.k8s.io/guides/multiple-ns/',
        'https://istio.io/latest/blog/2026/security-considerations-on-namespace-based-multi-tenancy/',
      ],
    },
  },
  check({ model, report }) {
    const gateways = model.ofKind(GATEWAY_API_GROUP, 'Gateway');
    if (!gateways.length) return;
    const tenancy = model.tenancy;
    // Routes of other tenants attached to each Gateway, for evidence: one pass over the routes.
    let attached: Map<string, Resource[]> | null = null;
    const attachedTo = (ref: string, gwNs: string): Resource[] => {
      if (!attached) {
        attached = new Map();
        for (const kind of HOSTNAME_ROUTE_KINDS) {
          for (const route of model.ofKind(GATEWAY_API_GROUP, kind)) {
            for (const p of gatewayParentRefs(route)) {
              const key = `${p.namespace}/${p.name}`;
              const list = attached.get(key);
              if (!list) attached.set(key, [route]);
              else if (list[list.length - 1] !== route) list.push(route);
            }
          }
        }
      }
      return (attached.get(ref) ?? []).filter((r) => !tenancy.sameTenant(r.namespace, gwNs));
    };

    for (const gw of gateways) {
      const reason = sharedGatewayReason(model, gw.namespace, gw.name);
      if (!reason) continue;
      const ref = `${gw.namespace}/${gw.name}`;
      for (const l of listenersOf(gw)) {
        if (!listenerOpenToAll(l)) continue;
        const raw = gw.obj.spec.listeners[l.index];
        const nsField = isObject(raw.allowedRoutes) && isObject(raw.allowedRoutes.namespaces) ? raw.allowedRoutes.namespaces : null;
        const path: PathSegment[] = ['spec', 'listeners', l.index, 'allowedRoutes', 'namespaces', l.from === 'All' ? 'from' : nsField && 'selector' in nsField ? 'selector' : 'from'];
        const how = l.from === 'All' ? 'allowedRoutes.namespaces.from: All' : 'allowedRoutes.namespaces.from: Selector with an empty selector';
        const routes = attachedTo(ref, gw.namespace);
        const name = l.name ? `"${l.name}"` : `#${l.index}`;
        const hostText = l.hostname
          ? `routes from any namespace can attach to its hostname ${l.hostname}`
          : 'it has no hostname, so routes from any namespace can attach and claim any host';
        report({
          resource: gw,
          path,
          severity: l.hostname ? 'medium' : 'high',
          key: `listener:${l.name || l.index}`,
          message: `Listener ${name} of the shared Gateway ${ref} (${reason}) sets ${how}: ${hostText}.${routes.length ? ` Routes of other tenants attached: ${listSome(routes.map((r) => `${r.kind} ${r.namespace}/${r.name}`), 4)}.` : ''}`,
          evidence: routes.slice(0, 10).map((r) => ({ role: 'attached-route', description: `${r.kind} ${r.namespace}/${r.name} names Gateway ${ref} in its parentRefs`, resource: r })),
        });
      }
    }
  },
});
