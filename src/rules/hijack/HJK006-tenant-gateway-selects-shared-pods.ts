import { defineRule } from '../types.js';
import type { MeshModel } from '../../model/model.js';
import { isObject, type Workload } from '../../model/workloads.js';
import { isEmptySelector, selectorMatches } from '../../model/selectors.js';
import type { Resource } from '../../model/resource.js';
import { listSome, MITIGATION } from './common.js';
import { WORKLOAD_READS } from '../reads.js';

const SCOPE_ENV = 'PILOT_SCOPE_GATEWAY_TO_NAMESPACE';

/** Pods that run an Istio gateway proxy: by Istio's labels and injection template, or a proxy started as `router`. */
function isGatewayWorkload(w: Workload): boolean {
  if (hasGatewayLabels(w.podLabels)) return true;
  const templates = w.podAnnotations['inject.istio.io/templates'];
  if (typeof templates === 'string' && templates.split(',').some((t) => t.trim() === 'gateway')) return true;
  return w.containers.some((c) => Array.isArray(c.spec.args) && c.spec.args.includes('router'));
}

/** Labels Istio gives gateway proxies (`istio: ingressgateway`, `istio: eastwestgateway`, the gateway-name labels). */
function hasGatewayLabels(labels: Record<string, unknown>): boolean {
  const istio = labels['istio'];
  if (typeof istio === 'string' && istio.includes('gateway')) return true;
  return 'gateway.networking.k8s.io/gateway-name' in labels || 'istio.io/gateway-name' in labels;
}

/**
 * Services of the platform namespaces that select gateway proxies (by Istio's gateway labels), with
 * their selectors as the labels every pod behind them carries: a Service selects pods of its own
 * namespace, and each pod it selects has every label of its selector. An Istio Gateway's selector is a
 * plain label map, so when it is part of such a selector, every pod behind the Service matches it.
 */
function platformGatewayServices(model: MeshModel): Array<{ svc: Resource; labels: Record<string, string> }> {
  const out: Array<{ svc: Resource; labels: Record<string, string> }> = [];
  for (const info of model.namespaces()) {
    if (!model.tenancy.isPlatform(info.name)) continue;
    for (const svc of model.ofKindInNamespace('', 'Service', info.name)) {
      const sel = svc.obj?.spec?.selector;
      if (!isObject(sel) || !Object.keys(sel).length || !hasGatewayLabels(sel)) continue;
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(sel)) labels[k] = String(v);
      out.push({ svc, labels });
    }
  }
  return out.sort((a, b) => a.svc.namespace.localeCompare(b.svc.namespace) || a.svc.name.localeCompare(b.svc.name));
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
    reads: ['networking.istio.io/Gateway', ...WORKLOAD_READS, 'Service', 'install.istio.io/IstioOperator', 'Namespace'],
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "An Istio `Gateway` in a tenant namespace has a `selector` that matches the gateway proxies the platform runs in its own namespaces (such as `istio: ingressgateway`), or no selector at all, which Istio applies to every gateway proxy of the mesh. When the gateway pods are not in the input, a Service of a platform namespace that selects gateway proxies (by Istio's gateway labels) and whose selector includes the Gateway's stands for them: every pod behind it carries those labels. By default Istio matches a Gateway's selector against pods in every namespace; istiod's `PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true` confines it to the Gateway's own namespace, and when the input shows istiod running with it this rule stays quiet.",
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
    let gatewayServices: Array<{ svc: Resource; labels: Record<string, string> }> | undefined;

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
      // The pods may not be in the input while a platform Service in front of them is (an add-on that
      // puts a Service beside the platform's gateway, as Knative's cluster-local gateway does).
      const services = !picked.length && !all ? (gatewayServices ??= platformGatewayServices(model)).filter((g) => selectorMatches(selector, g.labels)).map((g) => g.svc) : [];
      if (!picked.length && !all && !services.length) continue;
      const names = picked.map((w) => `${w.namespace}/${w.resource.name}`);
      const selText = all ? 'no selector, which Istio applies to every gateway proxy of the mesh' : `selector ${Object.entries(selector as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(',')}`;
      const podsText = picked.length
        ? `the shared gateway pods ${listSome(names, 3)}`
        : services.length
          ? `the shared gateway pods behind ${services.length === 1 ? 'Service' : 'Services'} ${listSome(services.map((r) => `${r.namespace}/${r.name}`), 3)} (the pods are not in the input; the Service's selector includes the Gateway's)`
          : 'every gateway proxy of the mesh, the shared ones included';
      report({
        resource: gw,
        path: all && selector === undefined ? ['spec'] : ['spec', 'selector'],
        severity: 'high',
        message: `Gateway ${gw.namespace}/${gw.name} of tenant ${tenancy.tenantOf(gw.namespace).name} has ${selText}, so it selects ${podsText}: istiod programs its servers into the platform's gateway, and ${gw.namespace} opens listeners and serves hosts on the entry point every tenant shares.`,
        evidence: [
          ...picked.slice(0, 10).map((w) => ({ role: 'shared-gateway-pods', description: `${w.resource.kind} ${w.namespace}/${w.resource.name} runs pods the selector matches`, resource: w.resource })),
          ...services.slice(0, 10).map((r) => ({ role: 'shared-gateway-service', description: `Service ${r.namespace}/${r.name} selects gateway pods of ${r.namespace} that carry every label of the Gateway's selector`, resource: r, path: ['spec', 'selector'] })),
        ],
      });
    }
  },
});
