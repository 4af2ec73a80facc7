import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { isObject } from '../../model/workloads.js';
import { UNKNOWN, addTo, anchorKey, listSome, q, ranked, subjectText, tallyText, trustDomainOf, windowText } from './common.js';
import { inboundByDestination } from './inbound.js';
import { meshSourceText } from '../egress/common.js';
/** The trust domains the mesh config accepts: trustDomain (default cluster.local), trustDomainAliases, and caCertificates[].trustDomains. */
export function trustedDomains(model) {
    const mc = model.mesh.config;
    const own = typeof mc.trustDomain === 'string' && mc.trustDomain ? mc.trustDomain.toLowerCase() : 'cluster.local';
    const all = new Set([own]);
    if (Array.isArray(mc.trustDomainAliases))
        for (const a of mc.trustDomainAliases)
            if (typeof a === 'string' && a)
                all.add(a.toLowerCase());
    if (Array.isArray(mc.caCertificates))
        for (const c of mc.caCertificates)
            if (isObject(c) && Array.isArray(c.trustDomains))
                for (const d of c.trustDomains)
                    if (typeof d === 'string' && d)
                        all.add(d.toLowerCase());
    return { own, all };
}
export default defineRule({
    meta: {
        id: 'INS007',
        title: 'A workload accepted callers from a trust domain the mesh does not trust',
        severity: 'high',
        category: 'telemetry',
        reads: ['ConfigMap', 'install.istio.io/IstioOperator', 'Namespace', ...WORKLOAD_READS],
        docs: {
            summary: "A workload's own proxy (`reporter=\"destination\"`) reported traffic whose `source_principal` is a SPIFFE ID in a trust domain that the mesh config neither owns (`trustDomain`, `cluster.local` when unset) nor accepts (`trustDomainAliases`, `caCertificates[].trustDomains`), or that is no SPIFFE ID at all. Needs traffic facts (`--metrics` or `--prometheus`).",
            why: "Istio's proxies refuse peers from trust domains outside the mesh's own and its aliases, unless trust-domain validation is switched off (PILOT_SKIP_VALIDATE_TRUST_DOMAIN) or the running mesh config differs from the scanned one. A foreign identity getting through means another mesh, or whoever holds a certificate signed by a shared root, can call this workload, and AuthorizationPolicies written for `cluster.local/ns/...` principals may not describe who really calls.",
            fix: 'Find where the foreign identities come from (the principals are listed). If the other mesh is meant to call in, say so in the mesh config (`trustDomainAliases`) and write AuthorizationPolicies for its principals; if not, give the meshes separate roots, make sure trust-domain validation is on, and compare the running mesh config with the scanned one.',
            bad: [
                '# istio_requests_total{reporter="destination",source_workload="unknown",source_principal="spiffe://partner.example/ns/x/sa/y",',
                '#   destination_workload="web",destination_workload_namespace="shop",connection_security_policy="mutual_tls",response_code="200"} 9',
                'apiVersion: apps/v1',
                'kind: Deployment',
                'metadata: {name: web, namespace: shop}',
                'spec:',
                '  selector: {matchLabels: {app: web}}',
                '  template:',
                '    metadata: {labels: {app: web}}',
                '    spec:',
                '      containers: [{name: web, image: example/web:1}]',
            ].join('\n'),
            references: ['https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig', 'https://istio.io/latest/docs/tasks/security/cert-management/custom-ca-k8s/'],
        },
    },
    check({ model, telemetry, report }) {
        if (!telemetry)
            return;
        const trusted = trustedDomains(model);
        for (const { anchor, edges } of inboundByDestination(model, telemetry)) {
            // Per foreign domain: one finding each, so accepting one partner later leaves the others standing.
            const byDomain = new Map();
            for (const e of edges) {
                const p = e.source.principal;
                if (!p || p === UNKNOWN)
                    continue;
                const td = trustDomainOf(p);
                if (td !== null && trusted.all.has(td))
                    continue;
                const key = td ?? '';
                let d = byDomain.get(key);
                if (!d)
                    byDomain.set(key, (d = { total: { requests: 0, connections: 0 }, principals: new Map() }));
                addTo(d.total, e);
                let t = d.principals.get(p);
                if (!t)
                    d.principals.set(p, (t = { requests: 0, connections: 0 }));
                addTo(t, e);
            }
            const dest = edges[0].destination;
            for (const [td, d] of [...byDomain].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
                const who = ranked(d.principals).map(([p, t]) => `${q(p, 120)} (${tallyText(t)})`);
                const domain = td ? `trust domain ${q(td)}` : 'principals that are no SPIFFE ID';
                report({
                    resource: anchor.resource,
                    path: anchor.path,
                    key: anchorKey(anchor, dest, `td:${td}`),
                    message: `${subjectText(anchor, dest)} accepted ${tallyText(d.total)} ${windowText(telemetry)} from ${domain}, which ${meshSourceText(model)} does not trust (it trusts ${listSome([...trusted.all].map((x) => q(x, 60)), 5)}): ${listSome(who, 5)}${anchor.standIn ? `; reported on ${anchor.standIn}` : ''}.`,
                    evidence: [
                        { role: 'traffic', description: `${tallyText(d.total)} from ${domain}, reported by the destination's proxy ${windowText(telemetry)}` },
                        { role: 'mesh-config', description: `trust domain ${q(trusted.own)}${trusted.all.size > 1 ? ` and ${trusted.all.size - 1} more accepted` : ''}`, resource: model.meshConfigResource, path: model.mesh.path },
                    ],
                });
            }
        }
    },
});
