import { defineRule } from '../types.js';
import type { MeshModel } from '../../model/model.js';
import { isObject, type Workload } from '../../model/workloads.js';
import { isEmptySelector } from '../../model/selectors.js';
import { listSome, MITIGATION } from './common.js';
import { WORKLOAD_READS } from '../reads.js';

const SCOPE_ENV = 'PILOT_SCOPE_GATEWAY_TO_NAMESPACE';

/** Pods that run an Istio gateway proxy: by Istio's labels and injection template, or a proxy started as `router`. */
function isGatewayWorkload(w: Workload): boolean {
  const istio = w.podLabels['istio'];
  if (typeof istio === 'string' && istio.includes('gateway')) return true;
  if ('gateway.networking.k8s.io/gateway-name' in w.podLabels || 'istio.io/gateway-name' in w.podLabels) return true;
  const templates = w.podAnnotations['inject.istio.io/templates'];
  if (typeof templates === 'string' && templates.split(',').some((t) => t.trim() === 'gateway')) return true;
  return w.containers.some((c) => Array.isArray(c.spec.args) && c.spec.args.includes('router'));
}

/** Is istiod in the input run with PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true (a Gateway then selects pods of its own namespace only)? */
export function gatewaysScopedToNamespace(model: MeshModel, platformNs: string[]): boolean {
  const truthy = (v: unknown) => typeof v === 'string' ? /^(true|1)$/i.test(v.trim()) : v === true;
  for (const ns of platformNs) {
    for (const w of model.workloadsIn(ns)) {
      for (const c of w.containers) {
        if (!Array.isArray(c.spec.env)) continue;
        if (c.spec.env.some((e: unknown) => isObject(e) && e.name === SCOPE_ENV && truthy(e.value))) return true;
      }
    }
  }
  for (const iop of model.ofKind('install.istio.io', 'IstioOperator')) {
    const spec = iop.obj?.spec;
    if (!isObject(spec)) continue;
    const valuesEnv = spec.values?.pilot?.env;
    if (isObject(valuesEnv) && truthy(valuesEnv[SCOPE_ENV])) return true;
    const k8sEnv = spec.components?.pilot?.k8s?.env;
    if (Array.isArray(k8sEnv) && k8sEnv.some((e: unknown) => isObject(e) && e.name === SCOPE_ENV && truthy(e.value))) return true;
  }
  return false;
}

export default defineRule({
  meta: {
    id: 'HJK006',
    title: "Tenant's Istio Gateway selects the shared gateway's pods",
    severity: 'high',
    category: 'traffic-hijack',
    reads: ['networking.istio.io/Gateway', ...WORKLOAD_READS, 'install.istio.io/IstioOperator', 'Namespace'],
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "An Istio `Gateway` in a tenant namespace has a `selector` that matches the gateway proxies the platform runs in its own namespaces (such as `istio: ingressgateway`), or no selector at all, which Istio applies to every gateway proxy of the mesh. By default Istio matches a Gateway's selector against pods in every namespace; istiod's `PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true` confines it to the Gateway's own namespace, and when the input shows istiod running with it this rule stays quiet.",
      why:
        "The tenant programs the platform's shared ingress: its Gateway opens ports and serves hosts (with any `namespace/` prefix it likes) on the proxy every tenant's traffic enters through. Together with its own VirtualServices it can take other tenants' hostnames, present certificates for them, or redirect their users, without any right on the platform namespace.",
      fix:
        `Keep Istio Gateway objects for the shared gateway in the platform namespace and let tenants attach routes to them (Gateway API routes, or VirtualServices on hosts reserved for them). Set \`PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true\` on istiod so a Gateway only selects pods of its own namespace; a tenant that needs its own gateway runs its own gateway deployment in its namespace. ${MITIGATION}`,
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: analytics, labels: {istio-injection: enabled}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istio-ingressgateway, namespace: istio-ingress}\nspec:\n  selector:\n    matchLabels: {istio: ingressgateway}\n  template:\n    metadata:\n      labels: {istio: ingressgateway}\n    spec:\n      containers:\n      - {name: istio-proxy, image: auto}\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: promo, namespace: analytics}\nspec:\n  selector: {istio: ingressgateway}   # the platform\'s ingress pods\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["analytics/*"]',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: analytics, labels: {istio-injection: enabled}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istio-ingressgateway, namespace: istio-ingress}\nspec:\n  selector:\n    matchLabels: {istio: ingressgateway}\n  template:\n    metadata:\n      labels: {istio: ingressgateway}\n    spec:\n      containers:\n      - {name: istio-proxy, image: auto}\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: promo, namespace: analytics}\nspec:\n  selector: {istio: analytics-gateway}   # a gateway deployment in analytics\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["./promo.analytics.example.com"]',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/gateway/#Gateway',
        'https://istio.io/latest/docs/setup/additional-setup/gateway/',
        'https://istio.io/latest/blog/2026/security-considerations-on-namespace-based-multi-tenancy/',
      ],
    },
  },
  check({ model, report }) {
    const tenancy = model.tenancy;
    const gateways = model.ofKind('networking.istio.io', 'Gateway').filter((g) => !tenancy.isPlatform(g.namespace));
    if (!gateways.length) return;
    const platformNs = model.namespaces().map((n) => n.name).filter((ns) => tenancy.isPlatform(ns) && model.workloadsIn(ns).length > 0).sort();
    if (gatewaysScopedToNamespace(model, platformNs)) return;

    for (const gw of gateways) {
      const spec = gw.obj?.spec;
      if (!isObject(spec)) continue;
      const selector = spec.selector;
      if (selector !== undefined && selector !== null && !isObject(selector)) continue;
      const all = isEmptySelector(selector);
      const picked: Workload[] = [];
      for (const ns of platformNs) {
        // An empty selector takes every gateway proxy; an explicit one takes whatever it matches.
        const ws = all ? model.workloadsIn(ns).filter(isGatewayWorkload) : model.selectWorkloads(ns, selector);
        picked.push(...ws);
      }
      if (!picked.length && !all) continue;
      const names = picked.map((w) => `${w.namespace}/${w.resource.name}`);
      const selText = all ? 'no selector, which Istio applies to every gateway proxy of the mesh' : `selector ${Object.entries(selector as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(',')}`;
      const podsText = picked.length ? `the shared gateway pods ${listSome(names, 3)}` : 'every gateway proxy of the mesh, the shared ones included';
      report({
        resource: gw,
        path: all && selector === undefined ? ['spec'] : ['spec', 'selector'],
        severity: 'high',
        message: `Gateway ${gw.namespace}/${gw.name} of tenant ${tenancy.tenantOf(gw.namespace).name} has ${selText}, so it selects ${podsText}: istiod programs its servers into the platform's gateway, and ${gw.namespace} opens listeners and serves hosts on the entry point every tenant shares.`,
        evidence: picked.slice(0, 10).map((w) => ({ role: 'shared-gateway-pods', description: `${w.resource.kind} ${w.namespace}/${w.resource.name} runs pods the selector matches`, resource: w.resource })),
      });
    }
  },
});
