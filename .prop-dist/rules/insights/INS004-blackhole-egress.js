import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { BLACKHOLE, anchorKey, listSome, subjectText, tallyText, windowText } from './common.js';
import { catchAllBySource } from './egress.js';
export default defineRule({
    meta: {
        id: 'INS004',
        title: 'A workload tried to reach hosts the mesh blocks (BlackHoleCluster)',
        severity: 'medium',
        category: 'telemetry',
        reads: ['Namespace', 'ConfigMap', 'install.istio.io/IstioOperator', ...WORKLOAD_READS],
        docs: {
            summary: "A workload's proxy reported (`reporter=\"source\"`) traffic routed to `BlackHoleCluster`: attempts to reach a host that the registry does not hold while the outbound traffic policy is REGISTRY_ONLY (or the workload's Sidecar does not import it). The mesh refused them (HTTP 502, or a closed connection); the finding says who tried, which hosts, and how often. Needs traffic facts (`--metrics` or `--prometheus`).",
            why: 'Blocked egress is the control working, and also the trace an intruder leaves: code in a pod trying to call home, fetch a payload or reach a cloud metadata endpoint. It is just as often a dependency nobody declared, which breaks in production. Either way someone should look.',
            fix: 'For each host listed: if the workload needs it, declare it with a ServiceEntry (through an egress gateway); if nobody can account for it, treat the workload as compromised until shown otherwise (its image, its recent changes, its logs).',
            bad: [
                '# istio_tcp_connections_opened_total{reporter="source",source_workload="web",source_workload_namespace="shop",destination_workload="unknown",',
                '#   destination_service="unknown",destination_service_name="BlackHoleCluster",request_protocol="tcp"} 30',
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
            references: ['https://istio.io/latest/blog/2019/monitoring-external-service-traffic/'],
        },
    },
    check({ model, telemetry, report }) {
        if (!telemetry)
            return;
        for (const c of catchAllBySource(model, telemetry, BLACKHOLE)) {
            const src = c.edges[0].source;
            report({
                resource: c.anchor.resource,
                path: c.anchor.path,
                key: anchorKey(c.anchor, src),
                message: `${subjectText(c.anchor, src)} tried ${tallyText(c.total)} to hosts outside the registry ${windowText(telemetry)}, and the mesh blocked them (BlackHoleCluster): ${listSome(c.hosts, 5)}${c.anchor.standIn ? `; reported on ${c.anchor.standIn}` : ''}.`,
                evidence: [{ role: 'traffic', description: `${tallyText(c.total)} to BlackHoleCluster reported by the source's proxy ${windowText(telemetry)}` }],
            });
        }
    },
});
