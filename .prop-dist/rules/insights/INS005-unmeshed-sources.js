import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { SourceTallies, UNKNOWN, anchorKey, listSome, peerShort, q, subjectText, tallyText, windowText } from './common.js';
import { effectiveMtls, inboundByDestination } from './inbound.js';
/** A caller with no mesh identity: no principal on a connection that was not mutual TLS, or no workload and no principal at all. */
export function fromOutsideMesh(e) {
    if (e.source.principal !== UNKNOWN && e.source.principal !== '')
        return false;
    return e.security !== 'mutual_tls' || e.source.workload === UNKNOWN;
}
export default defineRule({
    meta: {
        id: 'INS005',
        title: 'Callers without a sidecar reach a mesh workload',
        severity: 'medium',
        category: 'telemetry',
        reads: ['security.istio.io/PeerAuthentication', 'Namespace', 'ConfigMap', 'install.istio.io/IstioOperator', ...WORKLOAD_READS],
        docs: {
            summary: "A workload's own proxy (`reporter=\"destination\"`) reported traffic from callers with no mesh identity: `source_principal=\"unknown\"` on a plaintext connection, or `source_workload=\"unknown\"` with no principal. These callers have no sidecar (pods outside the mesh, node processes, something outside the cluster). Reported for destinations that are not STRICT (plaintext into STRICT workloads is INS001). Needs traffic facts (`--metrics` or `--prometheus`).",
            why: 'A caller without a sidecar has no identity: AuthorizationPolicies that name principals or namespaces cannot tell it apart from an attacker on the pod network, and nothing encrypts what it sends. The labels that name it are also the caller\'s own word: without metadata exchange, `source_workload` is whatever the client claims or `unknown`.',
            fix: 'Bring the callers into the mesh (inject a sidecar, or enrol the namespace in ambient), or make them come through an ingress gateway; then set the workload to STRICT. Where a caller must stay outside, restrict it with a NetworkPolicy and an AuthorizationPolicy on source IP blocks.',
            bad: [
                '# istio_requests_total{reporter="destination",source_workload="unknown",source_workload_namespace="unknown",source_principal="unknown",',
                '#   destination_workload="web",destination_workload_namespace="shop",connection_security_policy="none",response_code="200"} 55',
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
            references: ['https://istio.io/latest/docs/reference/config/metrics/', 'https://istio.io/latest/docs/ops/configuration/traffic-management/tls-configuration/'],
        },
    },
    check({ model, telemetry, report }) {
        if (!telemetry)
            return;
        for (const { anchor, edges } of inboundByDestination(model, telemetry)) {
            const sources = new SourceTallies();
            let mode = '';
            for (const e of edges) {
                if (!fromOutsideMesh(e))
                    continue;
                const m = effectiveMtls(model, anchor, e.destination.namespace, e.destinationPort);
                // STRICT destinations are INS001's; where PeerAuthentication does not apply (a gateway), callers from outside are expected.
                if (!m || m.mode === 'STRICT')
                    continue;
                mode ||= `${m.mode}, ${m.text}`;
                sources.add(e, e.source.workload !== UNKNOWN ? peerShort(e.source) : e.source.namespace !== UNKNOWN ? `unknown workload in namespace ${q(e.source.namespace, 60)}` : 'unknown source');
            }
            if (!mode)
                continue;
            const dest = edges[0].destination;
            const total = sources.total;
            const who = sources.ranked();
            report({
                resource: anchor.resource,
                path: anchor.path,
                key: anchorKey(anchor, dest),
                message: `${subjectText(anchor, dest)} received ${tallyText(total)} ${windowText(telemetry)} from callers with no mesh identity (no sidecar): ${listSome(who, 5)}${anchor.standIn ? `; reported on ${anchor.standIn}` : ''}. Its effective mTLS is ${mode}.`,
                evidence: [{ role: 'traffic', description: `${tallyText(total)} with source_principal "unknown", reported by the destination's proxy ${windowText(telemetry)}` }],
            });
        }
    },
});
