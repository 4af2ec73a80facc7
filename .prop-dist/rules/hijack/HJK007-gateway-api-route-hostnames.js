import { defineRule } from '../types.js';
import { isObject } from '../../model/workloads.js';
import { allowedGateways, GATEWAY_API_GROUP, gatewayApiGateways, gatewayParentRefs, HOSTNAME_ROUTE_KINDS, intersectHostnames, judgeIngressClaim, listenerAdmits, listenersOf, listSome, MITIGATION, normalizeHostname, sharedGatewayReason, victimEvidence, } from './common.js';
export default defineRule({
    meta: {
        id: 'HJK007',
        title: "Gateway API route on a shared Gateway takes hostnames outside its tenant's allowance",
        severity: 'high',
        category: 'traffic-hijack',
        reads: [
            'gateway.networking.k8s.io/HTTPRoute',
            'gateway.networking.k8s.io/GRPCRoute',
            'gateway.networking.k8s.io/TLSRoute',
            'gateway.networking.k8s.io/Gateway',
            'Service',
            'networking.istio.io/ServiceEntry',
            'Namespace',
        ],
        docs: {
            summary: "An HTTPRoute, GRPCRoute or TLSRoute in a tenant namespace attaches (`parentRefs`) to a shared Gateway — one in a platform namespace, or one the tenant policy offers to several tenants — and the hostnames it takes there are not the tenant's: another tenant's host (critical), or, with a tenant policy, any host outside the tenant's allowed hosts (high). A route without `hostnames` takes the listener's hostname; on a listener without one it takes every host (high). With a tenant policy, attaching to a shared Gateway the tenant may not use is reported too.",
            why: "The Gateway API was designed for shared gateways, but a listener that admits routes from many namespaces (`allowedRoutes`) trusts each route's `hostnames`. A tenant that names another tenant's hostname, or leaves `hostnames` out on a catch-all listener, receives requests meant for others: it can phish their users, collect credentials and cookies, or answer in their name. The Gateway API resolves competing routes by specificity and age, not by ownership.",
            fix: `Give each route explicit \`hostnames\` the tenant owns (list them in the tenant policy's \`hosts\`); give shared listeners a \`hostname\` and restrict \`allowedRoutes.namespaces\` to the tenants that own it (\`from: Selector\`, see HJK008). ${MITIGATION}`,
            bad: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: analytics, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: payments, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: payments-api, namespace: payments}\nspec: {ports: [{port: 80}]}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: shared, namespace: istio-ingress}\nspec:\n  gatewayClassName: istio\n  listeners:\n  - name: http          # no hostname: it takes every host\n    port: 80\n    protocol: HTTP\n    allowedRoutes: {namespaces: {from: All}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: everything, namespace: analytics}\nspec:\n  parentRefs:\n  - {name: shared, namespace: istio-ingress}\n  rules:\n  - backendRefs:\n    - {name: collector, port: 80}',
            good: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: analytics, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: payments, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: payments-api, namespace: payments}\nspec: {ports: [{port: 80}]}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: shared, namespace: istio-ingress}\nspec:\n  gatewayClassName: istio\n  listeners:\n  - name: http          # no hostname: it takes every host\n    port: 80\n    protocol: HTTP\n    allowedRoutes: {namespaces: {from: All}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: reports, namespace: analytics}\nspec:\n  parentRefs:\n  - {name: shared, namespace: istio-ingress, sectionName: http}\n  hostnames: [reports.analytics.example.com]   # a host analytics owns\n  rules:\n  - backendRefs:\n    - {name: reports, port: 80}',
            references: [
                'https://gateway-api.sigs.k8s.io/reference/spec/#httproutespec',
                'https://gateway-api.sigs.k8s.io/guides/multiple-ns/',
                'https://istio.io/latest/blog/2026/security-considerations-on-namespace-based-multi-tenancy/',
            ],
        },
    },
    check({ model, report }) {
        const tenancy = model.tenancy;
        const gateways = gatewayApiGateways(model);
        for (const kind of HOSTNAME_ROUTE_KINDS) {
            for (const route of model.ofKind(GATEWAY_API_GROUP, kind)) {
                if (tenancy.isPlatform(route.namespace))
                    continue;
                const spec = route.obj?.spec;
                if (!isObject(spec))
                    continue;
                const hostnames = [];
                if (Array.isArray(spec.hostnames)) {
                    spec.hostnames.forEach((raw, index) => {
                        const host = normalizeHostname(raw);
                        if (host)
                            hostnames.push({ host, index, written: String(raw) });
                    });
                }
                const reported = new Set();
                for (const parent of gatewayParentRefs(route)) {
                    if (tenancy.sameTenant(parent.namespace, route.namespace))
                        continue;
                    const reason = sharedGatewayReason(model, parent.namespace, parent.name);
                    if (!reason)
                        continue;
                    const ref = `${parent.namespace}/${parent.name}`;
                    const gw = gateways.get(ref) ?? null;
                    // Listeners this route attaches to. Without the Gateway in the input, the listeners are unknown.
                    let listeners = null;
                    if (gw) {
                        listeners = listenersOf(gw).filter((l) => (parent.sectionName === null || l.name === parent.sectionName) && (parent.port === null || l.port === parent.port) && listenerAdmits(model, gw, l, route.namespace, kind));
                        if (!listeners.length)
                            continue; // the Gateway refuses the route: nothing attaches
                    }
                    if (tenancy.hasPolicy && !tenancy.mayBindGateway(route.namespace, ref) && !reported.has(`bind:${ref}`)) {
                        reported.add(`bind:${ref}`);
                        const allowed = allowedGateways(model, route.namespace);
                        report({
                            resource: route,
                            path: ['spec', 'parentRefs', parent.index],
                            severity: 'high',
                            key: `bind:${ref}`,
                            message: `${kind} ${route.namespace}/${route.name} attaches to the shared Gateway ${ref} (${reason}), which the tenant policy does not give tenant ${tenancy.tenantOf(route.namespace).name} (its gateways: ${allowed.length ? listSome(allowed, 4) : 'none'}).`,
                        });
                    }
                    const claims = [];
                    if (hostnames.length) {
                        for (const h of hostnames) {
                            const path = ['spec', 'hostnames', h.index];
                            if (!listeners)
                                claims.push({ host: h.host, path, written: h.written, listener: null });
                            else
                                for (const l of listeners) {
                                    const eff = intersectHostnames(h.host, l.hostname);
                                    if (eff)
                                        claims.push({ host: eff, path, written: h.written, listener: l });
                                }
                        }
                    }
                    else if (listeners) {
                        for (const l of listeners)
                            claims.push({ host: l.hostname ?? '*', path: ['spec', 'parentRefs', parent.index], written: '', listener: l });
                    }
                    for (const c of claims) {
                        const dedupe = `${ref}:${c.host}`;
                        if (reported.has(dedupe))
                            continue;
                        const verdict = judge(model, route, c.host);
                        if (!verdict)
                            continue;
                        reported.add(dedupe);
                        const where = c.listener ? `listener ${c.listener.name || `#${c.listener.index}`} of the shared Gateway ${ref}` : `the shared Gateway ${ref}`;
                        const subject = c.written
                            ? `hostname "${c.written}"${c.host !== c.written.toLowerCase() ? ` (${c.host} on that listener)` : ''}`
                            : c.host === '*'
                                ? 'no hostnames, and the listener has none either, so it matches every host'
                                : `no hostnames, so it inherits the listener's hostname ${c.host}`;
                        const evidence = [
                            ...(verdict.victims ? victimEvidence(model, c.host, verdict.victims) : []),
                            { role: 'shared-gateway', description: `Gateway ${ref} is shared: ${reason}`, resource: gw ?? undefined, path: c.listener ? ['spec', 'listeners', c.listener.index] : undefined },
                        ];
                        report({
                            resource: route,
                            path: c.path,
                            severity: verdict.severity,
                            key: `${ref}:${c.host}`,
                            message: `${kind} ${route.namespace}/${route.name} attaches to ${where} (${reason}) with ${subject}, which ${verdict.summary}: requests for ${c.host === '*' ? 'those hosts' : 'it'} that reach the gateway can be routed to ${route.namespace}'s backends.`,
                            evidence,
                        });
                    }
                }
            }
        }
    },
});
/** The verdict on one host a route takes. A catch-all (`*`) is high whatever it covers: more specific routes still win their hosts. */
function judge(model, route, host) {
    const claim = judgeIngressClaim(model, route.namespace, host);
    if (host !== '*')
        return claim;
    if (claim)
        return { ...claim, severity: 'high' };
    if (model.tenancy.mayClaimHost(route.namespace, '*'))
        return null;
    return { severity: 'high', summary: 'takes every request no more specific route claims', victims: null };
}
