import { defineRule, type ReportInput } from '../types.js';
import { exportScope, type ExportScope } from '../../tenancy/visibility.js';
import { objectsWhere } from '../objects-where.js';
import type { MeshModel } from '../../model/model.js';
import type { Resource } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { allowedGateways, claimsTouched, describeScope, judgeIngressClaim, listSome, MITIGATION, parseGatewayRef, sharedGatewayReason, victimEvidence } from './common.js';

export default defineRule({
  meta: {
    id: 'HJK002',
    title: "VirtualService on a shared gateway claims hosts outside its tenant's allowance",
    severity: 'high',
    category: 'traffic-hijack',
    reads: ['networking.istio.io/VirtualService', 'networking.istio.io/Gateway', 'Service', 'networking.istio.io/ServiceEntry', 'Namespace', 'ConfigMap'],
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "A tenant's VirtualService is bound (`gateways: [ns/name]`) to a shared gateway — one in a platform namespace, or one the tenant policy offers to several tenants — and claims a host that is not the tenant's: another tenant's Service, a host another tenant's policy allowance holds, another namespace's ServiceEntry host, or, with a tenant policy, any host outside the tenant's allowed hosts. With a tenant policy, binding to a shared gateway the tenant is not allowed to use is reported too.",
      why:
        "Istio merges every VirtualService bound to a gateway into that gateway's routes, whichever namespace it comes from. On a shared ingress gateway, a tenant that claims another tenant's hostname (or a wildcard over it, such as `*`) receives the requests the internet sends for it: it can phish users, read credentials and session cookies, or answer in the victim's name. A wildcard claim also takes every host nobody else routes yet, so a tenant's new hostname lands at the attacker first.",
      fix:
        `Keep each tenant's gateway-bound VirtualServices to hosts its tenant owns (list them in the tenant policy's \`hosts\`), and let tenants bind only the gateways the policy gives them. Prefix the gateway's server hosts with the namespaces allowed to bind them (\`shop/www.shop.example.com\`, see HJK005). ${MITIGATION}`,
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: legacy, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: storefront, namespace: shop}\nspec: {ports: [{port: 80}]}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: istio-ingress}\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: public, namespace: istio-ingress}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*/*"]\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: catch-all, namespace: legacy}\nspec:\n  hosts: ["*"]\n  gateways: [istio-ingress/public]\n  http:\n  - route:\n    - destination: {host: portal.legacy.svc.cluster.local}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: legacy, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: storefront, namespace: shop}\nspec: {ports: [{port: 80}]}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: istio-ingress}\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: public, namespace: istio-ingress}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*/*"]\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: portal, namespace: legacy}\nspec:\n  hosts: [legacy.example.com]   # in tenant legacy\'s allowed hosts\n  gateways: [istio-ingress/public]\n  exportTo: [".", istio-ingress]\n  http:\n  - route:\n    - destination: {host: portal.legacy.svc.cluster.local}',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService',
        'https://istio.io/latest/docs/reference/config/networking/gateway/#Server',
        'https://istio.io/latest/blog/2026/security-considerations-on-namespace-based-multi-tenancy/',
        'https://istio.io/latest/docs/ops/best-practices/security/',
      ],
    },
  },
  check({ model, report }) {
    const tenancy = model.tenancy;
    // Only a VirtualService bound to another tenant's shared gateway can be reported: which are depends
    // on the object, the tenancy and the mesh config, so the list is kept while the tenancy is the same
    // (objectsWhere; a model's overlays share it, a Namespace moved to another tenant rebuilds the model).
    const binders = objectsWhere(model.ofKind('networking.istio.io', 'VirtualService'), 'hjk002-binds', (vs) => sharedBindings(model, vs).length > 0, tenancy);
    // Of those, the ones with something to report, kept against the host index as HJK001 keeps its
    // claimants: a Service or ServiceEntry changed asks again only the binders whose hosts can cover a
    // host whose owners changed (claimsTouched), not every binder's every host.
    const reporting = objectsWhere(binders, 'hjk002-reports', (vs) => judge(model, vs, null), model.hosts, claimsTouched(model, boundHosts, binders));
    for (const vs of reporting) judge(model, vs, report);
  },
});

/** A VirtualService's hosts as written (one function: claimsTouched keys its index of written hosts by it). */
function boundHosts(vs: Resource): readonly unknown[] {
  const hosts = vs.obj?.spec?.hosts;
  return Array.isArray(hosts) ? hosts : [];
}

/**
 * Reports what binder `vs` does wrong on the shared gateways it binds; with `report` null, only says
 * whether there is anything to report (stopping at the first), for the kept list above.
 */
function judge(model: MeshModel, vs: Resource, report: ((input: ReportInput) => void) | null): boolean {
  const tenancy = model.tenancy;
  const spec = vs.obj.spec;
  const scope = exportScope(model, 'VirtualService', vs.namespace, spec.exportTo);
  const shared = sharedBindings(model, vs, scope);
  let found = false;
  for (const { ref, reason, index } of shared) {
    if (tenancy.hasPolicy && !tenancy.mayBindGateway(vs.namespace, ref)) {
      if (!report) return true;
      found = true;
      const allowed = allowedGateways(model, vs.namespace);
      report({
        resource: vs,
        path: ['spec', 'gateways', index],
        severity: 'high',
        key: `bind:${ref}`,
        message: `VirtualService ${vs.namespace}/${vs.name} binds the shared gateway ${ref} (${reason}), which the tenant policy does not give tenant ${tenancy.tenantOf(vs.namespace).name} (its gateways: ${allowed.length ? listSome(allowed, 4) : 'none'}): its routes are merged into a gateway other tenants' traffic passes through.`,
      });
    }
  }
  if (!Array.isArray(spec.hosts)) return found;

  const gwText = shared.length === 1 ? `the shared gateway ${shared[0].ref} (${shared[0].reason})` : `the shared gateways ${listSome(shared.map((s) => s.ref), 3)}`;
  const seen = new Set<string>();
  for (let i = 0; i < spec.hosts.length; i++) {
    const raw: unknown = spec.hosts[i];
    if (typeof raw !== 'string') continue;
    const host = model.resolveHost(raw, vs.namespace);
    if (!host || seen.has(host)) continue;
    seen.add(host);
    const claim = judgeIngressClaim(model, vs.namespace, host);
    if (!claim) continue;
    if (!report) return true;
    found = true;
    report({
      resource: vs,
      path: ['spec', 'hosts', i],
      severity: claim.severity,
      key: host,
      message: `VirtualService ${vs.namespace}/${vs.name} claims "${raw}"${host !== raw ? ` (${host})` : ''} on ${gwText}, which ${claim.summary}: requests arriving there for ${host === '*' ? 'any host no more specific route takes' : 'that host'} go to ${vs.namespace}'s routes.`,
      evidence: [
        ...(claim.victims ? victimEvidence(model, host, claim.victims) : []),
        ...shared.map((s) => ({ role: 'shared-gateway', description: `gateway ${s.ref} is shared: ${s.reason}` })),
        { role: 'export-scope', description: describeScope(scope, 'VirtualService'), resource: scope.origin === 'mesh-default' ? model.mesh.resource ?? undefined : undefined },
      ],
    });
  }
  return found;
}

/**
 * The shared gateways of other tenants a VirtualService outside the platform binds to and that can see
 * it (its exportTo reaches the gateway's namespace), with the reason each is shared and the entry's
 * index in `spec.gateways`.
 */
function sharedBindings(model: MeshModel, vs: Resource, scope?: ExportScope): Array<{ ref: string; reason: string; index: number }> {
  const tenancy = model.tenancy;
  const spec = vs.obj?.spec;
  if (tenancy.isPlatform(vs.namespace) || !isObject(spec) || !Array.isArray(spec.gateways)) return [];
  const seen = scope ?? exportScope(model, 'VirtualService', vs.namespace, spec.exportTo);
  const shared: Array<{ ref: string; reason: string; index: number }> = [];
  spec.gateways.forEach((raw: unknown, index: number) => {
    const gw = parseGatewayRef(raw, vs.namespace);
    if (!gw || tenancy.sameTenant(gw.namespace, vs.namespace)) return;
    const reason = sharedGatewayReason(model, gw.namespace, gw.name);
    if (!reason) return;
    if (!seen.all && !seen.namespaces.has(gw.namespace)) return; // the gateway's proxies never see this config
    shared.push({ ref: `${gw.namespace}/${gw.name}`, reason, index });
  });
  return shared;
}
