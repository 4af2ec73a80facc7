import { defineRule } from '../types.js';
import { isObject } from '../../model/workloads.js';
import { SE, peerImports, shown } from './common.js';
const MAX = 1000;
/** East-west gateway addresses the configuration knows, with who says so. */
function knownGateways(model, plan) {
    const known = new Map();
    if (plan) {
        for (const m of plan.plan.meshes)
            known.set(`${m.eastWestGateway.address.toLowerCase()}:${m.eastWestGateway.port}`, `mesh ${m.name} of the plan`);
        return known;
    }
    // meshNetworks: the gateways istiod itself sends cross-network traffic to.
    const networks = model.mesh.config.meshNetworks;
    const nets = isObject(networks) && isObject(networks.networks) ? networks.networks : networks;
    if (isObject(nets)) {
        for (const [name, net] of Object.entries(nets).slice(0, MAX)) {
            if (!isObject(net) || !Array.isArray(net.gateways))
                continue;
            for (const g of net.gateways.slice(0, MAX)) {
                if (isObject(g) && typeof g.address === 'string')
                    known.set(`${g.address.toLowerCase()}:${typeof g.port === 'number' ? g.port : 15443}`, `network ${name} of meshNetworks`);
            }
        }
    }
    // East-west gateway Services in the input (a scan of every mesh's manifests holds the peers' too).
    for (const svc of model.ofKind('', 'Service')) {
        if (svc.labels['istio'] !== 'eastwestgateway' && svc.labels['topology.istio.io/network'] === undefined)
            continue;
        const spec = svc.obj?.spec;
        const ports = isObject(spec) && Array.isArray(spec.ports) ? spec.ports.slice(0, MAX).map((p) => (isObject(p) && typeof p.port === 'number' ? p.port : 0)) : [];
        const addrs = [];
        if (isObject(spec) && typeof spec.loadBalancerIP === 'string')
            addrs.push(spec.loadBalancerIP);
        if (isObject(spec) && Array.isArray(spec.externalIPs))
            addrs.push(...spec.externalIPs.slice(0, MAX).filter((a) => typeof a === 'string'));
        const ingress = svc.obj?.status?.loadBalancer?.ingress;
        if (Array.isArray(ingress))
            for (const i of ingress.slice(0, MAX))
                if (isObject(i))
                    for (const a of [i.ip, i.hostname])
                        if (typeof a === 'string')
                            addrs.push(a);
        for (const a of addrs)
            for (const p of ports)
                known.set(`${a.toLowerCase()}:${p}`, `Service ${svc.namespace}/${svc.name}`);
    }
    return known;
}
export default defineRule({
    meta: {
        id: 'FED004',
        title: 'ServiceEntry imports through an east-west address of a mesh the configuration does not know',
        severity: 'high',
        category: 'federation',
        reads: [SE, 'Service', 'ConfigMap', 'install.istio.io/IstioOperator'],
        docs: {
            summary: "A MESH_INTERNAL ServiceEntry sends traffic to an east-west port (15443, or a gateway port of the plan) at an address that is no known mesh's east-west gateway. Known: with a plan (`scan --federation-plan`), the plan's gateways; without one, the gateways of `meshNetworks` in the mesh config and the addresses of east-west gateway Services in the input (label `istio: eastwestgateway` or `topology.istio.io/network`). Without a plan and with nothing known the finding is low: nothing says whose gateway it is.",
            why: "The importing proxies send their mTLS stream, with their own client certificate and whatever credentials the requests carry, to that address. A gateway of a mesh nobody declared is a peer nobody agreed to: it may be a mesh under the same root that is not meant to be federated, a leftover of a decommissioned mesh whose address now belongs to someone else, or an attacker's listener that only needs one certificate of the shared root (see FED003) to pose as the service.",
            fix: 'Import only from meshes of the plan (`meshward federate` generates the ServiceEntries), declare the peer mesh in the plan (its trust domain, network, gateway and root), or remove the ServiceEntry.',
            bad: 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: card-api, namespace: shop}\nspec:\n  hosts: [card-api.east.global]\n  exportTo: ["."]\n  location: MESH_INTERNAL\n  resolution: STATIC\n  ports: [{number: 8080, name: http, protocol: HTTP}]\n  endpoints: [{address: 192.0.2.99, ports: {http: 15443}}]',
            good: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    meshNetworks:\n      net-east:\n        gateways: [{address: 198.51.100.10, port: 15443}]\n---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: card-api, namespace: shop}\nspec:\n  hosts: [card-api.east.global]\n  exportTo: ["."]\n  location: MESH_INTERNAL\n  resolution: STATIC\n  ports: [{number: 8080, name: http, protocol: HTTP}]\n  endpoints: [{address: 198.51.100.10, ports: {http: 15443}}]',
            references: ['https://istio.io/latest/docs/reference/config/networking/service-entry/', 'https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshNetworks'],
        },
    },
    check({ model, settings, report }) {
        const plan = settings.federationPlan ?? null;
        const imports = peerImports(model, plan);
        if (!imports.length)
            return;
        const known = knownGateways(model, plan);
        for (const imp of imports) {
            for (const ep of imp.endpoints) {
                if (known.has(`${ep.address.toLowerCase()}:${ep.port}`))
                    continue;
                const severity = plan || known.size ? 'high' : 'low';
                const basis = plan
                    ? `no mesh of the federation plan ${plan.file} has its east-west gateway there`
                    : known.size
                        ? `it is none of the east-west gateways the configuration knows (meshNetworks, east-west gateway Services)`
                        : 'nothing in the input says whose gateway it is (no plan, no meshNetworks gateway, no east-west gateway Service); give the plan with --federation-plan';
                report({
                    resource: imp.se,
                    path: ep.path,
                    severity,
                    key: `${ep.address}:${ep.port}`,
                    message: `ServiceEntry ${imp.se.namespace}/${imp.se.name} sends ${imp.hosts.length ? shown(imp.hosts[0]) : 'its hosts'} to ${shown(ep.address)} on east-west port ${ep.port}, but ${basis}: the importing workloads' mTLS streams and requests go to a peer nobody declared.`,
                });
            }
        }
    },
});
