import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { SourceTallies, addTo, anchorKey, listSome, subjectText, tallyText, windowText } from './common.js';
import { effectiveMtls, inboundByDestination } from './inbound.js';
export default defineRule({
    meta: {
        id: 'INS002',
        title: 'Sources still send plaintext to a PERMISSIVE workload (not yet safe to switch it to STRICT)',
        severity: 'low',
        category: 'telemetry',
        reads: ['security.istio.io/PeerAuthentication', 'Namespace', 'ConfigMap', 'install.istio.io/IstioOperator', ...WORKLOAD_READS],
        docs: {
            summary: "For each workload whose effective mTLS mode is PERMISSIVE and whose own proxy reported traffic (`reporter=\"destination\"`), answers \"is it safe to switch to STRICT?\": when some of that traffic came in plaintext (`connection_security_policy=\"none\"`), a low finding names the sources that would break; when all of it came over mutual TLS, an info finding says the workload is ready. Workloads that received no traffic in the window get no answer: the metrics cannot vouch for them. Needs traffic facts (`--metrics` or `--prometheus`).",
            why: 'PERMISSIVE accepts plaintext from anyone who can reach the pod, with no identity for AuthorizationPolicies to check. Teams keep it because they do not know who still depends on plaintext; the metrics say exactly who. The plaintext sources are usually workloads without a sidecar (jobs, legacy namespaces, node agents) or traffic from outside the mesh.',
            fix: 'Give the listed plaintext sources a sidecar (or an ambient identity), or route them through an ingress gateway, until the finding turns into the info "ready" answer for a whole window of normal traffic; then set the workload (or its namespace) to STRICT with a PeerAuthentication.',
            bad: [
                '# istio_requests_total{reporter="destination",source_workload="unknown",source_workload_namespace="unknown",source_principal="unknown",',
                '#   destination_workload="web",destination_workload_namespace="shop",connection_security_policy="none",response_code="200"} 40',
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
            references: ['https://istio.io/latest/docs/tasks/security/authentication/mtls-migration/', 'https://istio.io/latest/docs/reference/config/metrics/'],
        },
    },
    check({ model, telemetry, report }) {
        if (!telemetry)
            return;
        for (const { anchor, edges } of inboundByDestination(model, telemetry)) {
            const mtls = { requests: 0, connections: 0 };
            const sources = new SourceTallies();
            let permissive = null;
            for (const e of edges) {
                const m = effectiveMtls(model, anchor, e.destination.namespace, e.destinationPort);
                if (!m || m.mode !== 'PERMISSIVE')
                    continue;
                permissive ??= m;
                if (e.security === 'mutual_tls') {
                    addTo(mtls, e);
                    continue;
                }
                if (e.security !== 'none')
                    continue;
                sources.add(e);
            }
            if (!permissive)
                continue;
            const dest = edges[0].destination;
            const subject = subjectText(anchor, dest);
            const where = anchor.standIn ? `; reported on ${anchor.standIn}` : '';
            const policy = permissive.resource ? [{ role: 'mtls-policy', description: `${permissive.text} sets PERMISSIVE`, resource: permissive.resource, path: permissive.path }] : [];
            const plain = sources.total;
            if (plain.requests + plain.connections > 0) {
                const who = sources.ranked();
                report({
                    resource: anchor.resource,
                    path: anchor.path,
                    key: anchorKey(anchor, dest),
                    message: `${subject} is PERMISSIVE (${permissive.text}) and received ${tallyText(plain)} in plaintext ${windowText(telemetry)}, from ${sources.size} source${sources.size === 1 ? '' : 's'}: ${listSome(who, 5)}${where}. Switching it to STRICT now would cut them off; ${tallyText(mtls)} came over mutual TLS.`,
                    evidence: [{ role: 'traffic', description: `${tallyText(plain)} in plaintext and ${tallyText(mtls)} over mutual TLS, reported by the destination's proxy ${windowText(telemetry)}` }, ...policy],
                });
            }
            else if (mtls.requests + mtls.connections > 0) {
                report({
                    resource: anchor.resource,
                    path: anchor.path,
                    severity: 'info',
                    key: anchorKey(anchor, dest, 'ready'),
                    message: `${subject} is PERMISSIVE (${permissive.text}), and all of the ${tallyText(mtls)} it received ${windowText(telemetry)} came over mutual TLS${where}: by the metrics it is ready for STRICT.`,
                    evidence: [{ role: 'traffic', description: `${tallyText(mtls)} over mutual TLS and none in plaintext, reported by the destination's proxy ${windowText(telemetry)}` }, ...policy],
                });
            }
        }
    },
});
