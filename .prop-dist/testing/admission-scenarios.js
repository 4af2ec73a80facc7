/**
 * The tenancy scenarios every admission decision must agree on: the generated ValidatingAdmissionPolicy
 * and Kyverno policy (src/tenancy/generate-admission.test.ts) and the webhook (src/webhook/scenarios.test.ts)
 * judge the same requests under the same policy (issue 12, "one decision everywhere").
 */
import { parseTenantPolicy } from '../tenancy/policy.js';
/** The tenant policy the scenarios are judged under, as a file would hold it. */
export const POLICY_YAML = `apiVersion: meshward.io/v1
kind: TenantPolicy
platform:
  namespaces: ["platform-*"]
  subjects: ["group:platform-admins", "serviceaccount:argocd:argocd-*", "user:alice@example.com"]
tenants:
  - name: commerce
    namespaces: [shop, "shop-*"]
    hosts: ["*.shop.example.com", api.stripe.com]
  - name: payments
    namespaces: [payments]
    hosts: [pay.example.com]
  - name: data
    namespaceSelector:
      matchLabels: {team: data}
      matchExpressions:
      - {key: tier, operator: NotIn, values: [sandbox]}
    hosts: ["*.data.example.org"]
  - name: wide
    namespaces: [wide, "shop-wide"]
    hosts: ["*"]
`;
export const POLICY = parseTenantPolicy(POLICY_YAML, 'tenants.yaml');
export const KINDS = {
    VirtualService: { group: 'networking.istio.io', version: 'v1', resource: 'virtualservices' },
    ServiceEntry: { group: 'networking.istio.io', version: 'v1', resource: 'serviceentries' },
    DestinationRule: { group: 'networking.istio.io', version: 'v1', resource: 'destinationrules' },
    Gateway: { group: 'networking.istio.io', version: 'v1', resource: 'gateways' },
    HTTPRoute: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
    GRPCRoute: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'grpcroutes' },
    TLSRoute: { group: 'gateway.networking.k8s.io', version: 'v1alpha2', resource: 'tlsroutes' },
    ApiGateway: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gateways' },
    Sidecar: { group: 'networking.istio.io', version: 'v1', resource: 'sidecars' },
};
export function request(kind, namespace, spec, opts = {}) {
    const k = KINDS[kind];
    const realKind = kind === 'ApiGateway' ? 'Gateway' : kind;
    return {
        kind: { group: k.group, version: k.version, kind: realKind },
        resource: { group: k.group, version: k.version, resource: k.resource },
        namespace,
        name: 'obj',
        operation: opts.operation ?? 'CREATE',
        userInfo: { username: opts.user ?? 'jane@example.com', groups: opts.groups ?? ['system:authenticated'] },
        object: { apiVersion: `${k.group}/${k.version}`, kind: realKind, metadata: { name: 'obj', namespace }, spec },
        namespaceLabels: { 'kubernetes.io/metadata.name': namespace, ...opts.labels },
    };
}
export const vs = (hosts, extra = {}) => ({ hosts, http: [{ route: [{ destination: { host: 'web' } }] }], ...extra });
export const gw = (hosts) => ({ selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }] });
export const route = (hostnames, parentRefs = [{ name: 'public', namespace: 'platform-ingress' }]) => ({
    ...(hostnames ? { hostnames } : {}),
    parentRefs,
    rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
});
export const SCENARIOS = [
    { name: 'own Service FQDN', req: request('VirtualService', 'shop', vs(['storefront.shop.svc.cluster.local'])), allow: true },
    { name: 'own short name', req: request('VirtualService', 'shop', vs(['storefront'])), allow: true },
    { name: 'own namespace wildcard', req: request('VirtualService', 'shop', vs(['*.shop.svc.cluster.local'])), allow: true },
    { name: 'allowed external host', req: request('VirtualService', 'shop', vs(['www.shop.example.com', 'api.stripe.com'])), allow: true },
    { name: 'allowed external wildcard, covered by the pattern', req: request('VirtualService', 'shop', vs(['*.shop.example.com', '*.eu.shop.example.com'])), allow: true },
    {
        name: "another tenant's Service",
        req: request('VirtualService', 'shop', vs(['storefront', 'payments-api.payments.svc.cluster.local'])),
        allow: false,
        says: /VirtualService in namespace shop names hosts outside its allowance: payments-api\.payments\.svc\.cluster\.local\. Allowed: its own Services \(short names, \*\.shop\.svc\.cluster\.local\) and tenant commerce's hosts \*\.shop\.example\.com, api\.stripe\.com/,
    },
    { name: "another tenant's external host", req: request('VirtualService', 'shop', vs(['pay.example.com'])), allow: false, says: /pay\.example\.com/ },
    { name: 'a wider wildcard than the pattern', req: request('VirtualService', 'shop', vs(['*.example.com'])), allow: false },
    { name: 'the bare suffix of a pattern', req: request('VirtualService', 'shop', vs(['shop.example.com'])), allow: false },
    { name: 'wildcard *', req: request('VirtualService', 'shop', vs(['*'])), allow: false, says: /outside its allowance: \*\./ },
    { name: 'wildcard over every Service', req: request('VirtualService', 'shop', vs(['*.svc.cluster.local'])), allow: false },
    { name: 'wildcard over a namespace', req: request('VirtualService', 'shop', vs(['*.payments.svc.cluster.local'])), allow: false },
    { name: 'name.namespace.svc short form of another namespace', req: request('VirtualService', 'shop', vs(['payments-api.payments.svc'])), allow: false },
    { name: 'malformed wildcard', req: request('VirtualService', 'shop', vs(['a*.shop.example.com'])), allow: false },
    { name: 'trailing dot is not normalised into an allowance', req: request('VirtualService', 'shop', vs(['www.shop.example.com.'])), allow: false },
    { name: 'upper case is not normalised into an allowance', req: request('VirtualService', 'shop', vs(['WWW.SHOP.EXAMPLE.COM'])), allow: false },
    { name: 'UPDATE is checked too', req: request('VirtualService', 'shop', vs(['*']), { operation: 'UPDATE' }), allow: false },
    { name: 'DELETE is not checked', req: request('VirtualService', 'shop', vs(['*']), { operation: 'DELETE' }), allow: true },
    { name: 'namespace glob shop-* belongs to commerce', req: request('VirtualService', 'shop-admin', vs(['admin.shop.example.com', 'svc.shop-admin.svc.cluster.local'])), allow: true },
    { name: "namespace glob tenant, other namespace's Service", req: request('VirtualService', 'shop-admin', vs(['storefront.shop.svc.cluster.local'])), allow: false },
    { name: 'first tenant wins (shop-wide matches commerce before wide)', req: request('VirtualService', 'shop-wide', vs(['anything.example.net'])), allow: false },
    { name: 'tenant allowed "*" may claim external hosts', req: request('VirtualService', 'wide', vs(['anything.example.net', '*.example.net'])), allow: true },
    { name: 'tenant allowed "*" still may not claim *', req: request('VirtualService', 'wide', vs(['*'])), allow: false },
    { name: "tenant allowed \"*\" still may not claim other tenants' Services", req: request('VirtualService', 'wide', vs(['payments-api.payments.svc.cluster.local'])), allow: false },
    { name: 'tenant allowed "*" may not claim *.cluster.local', req: request('VirtualService', 'wide', vs(['*.cluster.local'])), allow: false },
    { name: 'label-selector tenant', req: request('VirtualService', 'analytics', vs(['x.data.example.org']), { labels: { team: 'data' } }), allow: true },
    { name: 'label-selector tenant, NotIn excludes', req: request('VirtualService', 'analytics', vs(['x.data.example.org']), { labels: { team: 'data', tier: 'sandbox' } }), allow: false },
    { name: 'namespace of no tenant: own Services only', req: request('VirtualService', 'scratch', vs(['web', 'web.scratch.svc.cluster.local'])), allow: true },
    { name: 'namespace of no tenant: no external host', req: request('VirtualService', 'scratch', vs(['x.data.example.org'])), allow: false, says: /Allowed: its own Services \(short names, \*\.scratch\.svc\.cluster\.local\)\./ },
    { name: 'ServiceEntry shadowing another tenant', req: request('ServiceEntry', 'shop', { hosts: ['pay.example.com'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }] }), allow: false, says: /^ServiceEntry in namespace shop/ },
    { name: 'ServiceEntry for an allowed host', req: request('ServiceEntry', 'shop', { hosts: ['api.stripe.com'], resolution: 'DNS' }), allow: true },
    { name: "DestinationRule for another namespace's host", req: request('DestinationRule', 'shop', { host: 'payments-api.payments.svc.cluster.local', trafficPolicy: { tls: { mode: 'DISABLE' } } }), allow: false, says: /^DestinationRule/ },
    { name: 'DestinationRule for its own host', req: request('DestinationRule', 'shop', { host: 'storefront' }), allow: true },
    { name: 'Gateway host */foo', req: request('Gateway', 'shop', gw(['*/www.shop.example.com'])), allow: false, says: /Gateway in namespace shop has server hosts .*: \*\/www\.shop\.example\.com/ },
    { name: 'Gateway host without namespace prefix', req: request('Gateway', 'shop', gw(['www.shop.example.com'])), allow: false },
    { name: 'Gateway host ./ with an allowed host', req: request('Gateway', 'shop', gw(['./www.shop.example.com', 'shop/api.stripe.com'])), allow: true },
    { name: 'Gateway host for a same-tenant namespace (glob)', req: request('Gateway', 'shop', gw(['shop-admin/admin.shop.example.com'])), allow: true },
    { name: "Gateway host for another tenant's namespace", req: request('Gateway', 'shop', gw(['payments/www.shop.example.com'])), allow: false },
    { name: "Gateway host ./ with another tenant's host", req: request('Gateway', 'shop', gw(['./pay.example.com'])), allow: false },
    { name: 'Gateway host with an empty prefix', req: request('Gateway', 'shop', gw(['/www.shop.example.com'])), allow: false },
    { name: 'Gateway host ./*', req: request('Gateway', 'shop', gw(['./*'])), allow: false },
    { name: 'Gateway API Gateway is not in scope', req: request('ApiGateway', 'shop', { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', hostname: '*' }] }), allow: true },
    { name: 'HTTPRoute hostnames allowed', req: request('HTTPRoute', 'shop', route(['www.shop.example.com'])), allow: true },
    { name: 'HTTPRoute hostname of another tenant', req: request('HTTPRoute', 'shop', route(['www.shop.example.com', 'pay.example.com'])), allow: false, says: /^HTTPRoute in namespace shop names hosts outside its allowance: pay\.example\.com\./ },
    { name: 'GRPCRoute wildcard hostname', req: request('GRPCRoute', 'shop', route(['*'])), allow: false },
    { name: 'TLSRoute allowed hostname', req: request('TLSRoute', 'shop', route(['api.stripe.com'])), allow: true },
    { name: "HTTPRoute without hostnames on another tenant's Gateway", req: request('HTTPRoute', 'shop', route(undefined)), allow: false, says: /has no hostnames but attaches to Gateways of other tenants \(platform-ingress\/public\)/ },
    { name: 'HTTPRoute without hostnames on its own Gateway', req: request('HTTPRoute', 'shop', route(undefined, [{ name: 'own' }, { name: 'admin', namespace: 'shop-admin' }])), allow: true },
    { name: 'HTTPRoute without hostnames for a Service (GAMMA)', req: request('HTTPRoute', 'shop', route(undefined, [{ group: '', kind: 'Service', name: 'payments-api', namespace: 'payments' }])), allow: true },
    { name: 'platform namespace is exempt', req: request('VirtualService', 'istio-system', vs(['*'])), allow: true },
    { name: 'platform namespace glob is exempt', req: request('VirtualService', 'platform-tools', vs(['payments-api.payments.svc.cluster.local'])), allow: true },
    { name: 'platform group is exempt', req: request('VirtualService', 'shop', vs(['*']), { groups: ['system:authenticated', 'platform-admins'] }), allow: true },
    { name: 'platform user is exempt', req: request('VirtualService', 'shop', vs(['*']), { user: 'alice@example.com' }), allow: true },
    { name: 'platform service account glob is exempt', req: request('VirtualService', 'shop', vs(['*']), { user: 'system:serviceaccount:argocd:argocd-application-controller' }), allow: true },
    { name: 'another service account of the platform namespace is not', req: request('VirtualService', 'shop', vs(['*']), { user: 'system:serviceaccount:argocd:default' }), allow: false },
    { name: 'a look-alike service account in a tenant namespace is not', req: request('VirtualService', 'shop', vs(['*']), { user: 'system:serviceaccount:shop:argocd-x' }), allow: false },
    { name: 'a user named like the group is not', req: request('VirtualService', 'shop', vs(['*']), { user: 'platform-admins' }), allow: false },
    { name: 'Sidecar is not in scope', req: request('Sidecar', 'shop', { egress: [{ hosts: ['*/*'] }] }), allow: true },
];
