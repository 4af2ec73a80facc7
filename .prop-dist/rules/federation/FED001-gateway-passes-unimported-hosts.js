import { defineRule } from '../types.js';
import { listSome } from '../../posture/util.js';
import { exportedHost } from '../../federation/hosts.js';
import { DR, ISTIO_GW, SE, covers, passthroughHosts, peerImports, shown, sniReferences } from './common.js';
export default defineRule({
    meta: {
        id: 'FED001',
        title: 'East-west gateway passes through hosts that no peer imports',
        severity: 'medium',
        category: 'federation',
        reads: [ISTIO_GW, SE, DR],
        docs: {
            summary: "An `AUTO_PASSTHROUGH` server of an Istio Gateway (an east-west gateway) lists a host that nothing imports: with a federation plan (`scan --federation-plan`), a host the plan does not export; without one, a host no ServiceEntry of the scanned manifests declares and no DestinationRule names in an `outbound_.PORT_._.HOST` SNI, or a wildcard, which always covers more than the imports. Without a plan the rule judges only gateways some of whose hosts the input imports (scan every mesh's configuration together, or give the plan): a gateway whose importers were not scanned is left alone. `*`, `*.local` and the whole cluster domain are AUT019's.",
            why: "AUTO_PASSTHROUGH forwards any mTLS stream whose SNI names a host the server lists, straight to that service's workloads, without a VirtualService in between. Every host beyond what peers import is a service reachable from the other networks for no reason: a workload of any mesh that trusts the same root (or whoever holds one of its certificates) can call it, and only that service's AuthorizationPolicy stands in the way.",
            fix: 'List exactly the hosts peers import on the east-west gateway (`meshward federate` generates it from the plan), and remove the others.',
            bad: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: federation-eastwest, namespace: istio-system}\nspec:\n  selector: {istio: eastwestgateway}\n  servers:\n  - port: {number: 15443, name: tls, protocol: TLS}\n    tls: {mode: AUTO_PASSTHROUGH}\n    hosts: [card-api.payments.svc.cluster.local, admin.payments.svc.cluster.local]\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: card-api, namespace: shop}\nspec:\n  host: card-api.east.global\n  trafficPolicy:\n    tls:\n      mode: ISTIO_MUTUAL\n      sni: outbound_.8080_._.card-api.payments.svc.cluster.local\n      subjectAltNames: [spiffe://east.example.com/ns/payments/sa/card-api]',
            good: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: federation-eastwest, namespace: istio-system}\nspec:\n  selector: {istio: eastwestgateway}\n  servers:\n  - port: {number: 15443, name: tls, protocol: TLS}\n    tls: {mode: AUTO_PASSTHROUGH}\n    hosts: [card-api.payments.svc.cluster.local]\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: card-api, namespace: shop}\nspec:\n  host: card-api.east.global\n  trafficPolicy:\n    tls:\n      mode: ISTIO_MUTUAL\n      sni: outbound_.8080_._.card-api.payments.svc.cluster.local\n      subjectAltNames: [spiffe://east.example.com/ns/payments/sa/card-api]',
            references: ['https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSmode', 'https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/'],
        },
    },
    check({ model, settings, report }) {
        const hosts = passthroughHosts(model);
        if (!hosts.length)
            return;
        const plan = settings.federationPlan ?? null;
        const domain = model.clusterDomain.toLowerCase();
        const aut019 = new Set(['*', '*.local', `*.${domain}`, `*.svc.${domain}`]);
        const imported = new Map();
        if (plan) {
            for (const m of plan.plan.meshes)
                for (const e of m.exports)
                    imported.set(exportedHost(m, e), `exported by mesh ${m.name} in the plan`);
        }
        else {
            for (const [h, refs] of sniReferences(model))
                imported.set(h, `named in the SNI of DestinationRule ${refs[0].dr.namespace}/${refs[0].dr.name}`);
            for (const imp of peerImports(model, null))
                for (const h of imp.hosts)
                    if (!imported.has(h))
                        imported.set(h, `declared by ServiceEntry ${imp.se.namespace}/${imp.se.name}`);
            // Nothing imports anything here: this is one mesh's config alone, and what its peers import is not known.
            if (!imported.size)
                return;
        }
        const basis = plan ? `the federation plan ${plan.file}` : 'the scanned manifests';
        // Without a plan, a gateway none of whose hosts the input imports belongs to a mesh whose importers
        // were not scanned (one mesh's config alone): what its peers import is unknown, so it is not judged.
        const judged = new Set();
        for (const h of hosts)
            if (plan || imported.has(h.host))
                judged.add(h.gateway);
        for (const h of hosts) {
            if (aut019.has(h.host) || !judged.has(h.gateway))
                continue;
            const where = `Gateway ${h.gateway.namespace}/${h.gateway.name} server ${h.server} (port ${h.port ?? '?'})`;
            if (h.host.includes('*')) {
                const inside = [...imported.keys()].filter((i) => covers(h.host, i));
                report({
                    resource: h.gateway,
                    path: h.path,
                    key: `${h.server}/${h.host}`,
                    message: `${where} passes TLS through for the wildcard ${shown(h.raw)}: every service under it is reachable from other networks, while ${basis} import${plan ? 's' : ''} ${inside.length ? `only ${listSome(inside, 3)} of them` : 'none of them'}.`,
                });
                continue;
            }
            if (imported.has(h.host))
                continue;
            report({
                resource: h.gateway,
                path: h.path,
                key: `${h.server}/${h.host}`,
                message: `${where} passes TLS through for ${shown(h.raw)}, which nothing in ${basis} imports${plan ? ' (no mesh exports it)' : ' (no ServiceEntry declares it, no DestinationRule names it in an outbound_ SNI)'}: the service is reachable from other networks for no reason.`,
            });
        }
    },
});
