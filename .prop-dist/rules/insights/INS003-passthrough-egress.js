import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { PASSTHROUGH, anchorKey, listSome, outboundFor, subjectText, tallyText, windowText } from './common.js';
import { catchAllBySource } from './egress.js';
export default defineRule({
    meta: {
        id: 'INS003',
        title: 'Traffic leaves the mesh through PassthroughCluster to hosts the mesh does not know',
        severity: 'critical',
        category: 'telemetry',
        reads: ['networking.istio.io/Sidecar', 'ConfigMap', 'install.istio.io/IstioOperator', 'Namespace', ...WORKLOAD_READS],
        docs: {
            summary: "A workload's proxy reported (`reporter=\"source\"`) traffic routed to `PassthroughCluster`: egress to a host that no Service or ServiceEntry declares, passed straight through because the outbound traffic policy is ALLOW_ANY. Critical when the manifests make that workload REGISTRY_ONLY (the mesh config, and no Sidecar of its own says ALLOW_ANY): what runs is not what was reviewed. Medium when the manifests do allow it (EGR001, EGR002 say so; this rule says which workloads use the hole, and where they go). Needs traffic facts (`--metrics` or `--prometheus`).",
            why: 'Passthrough traffic goes to whatever address the application dialled, unrecorded by any ServiceEntry: the path of exfiltration, command-and-control, and tools downloaded at run time. Under a REGISTRY_ONLY mesh it should not exist at all, so seeing it means the running mesh config or a Sidecar differs from the manifests.',
            fix: 'Declare each legitimate external host the finding lists with a ServiceEntry (and send it through an egress gateway), set outboundTrafficPolicy.mode REGISTRY_ONLY mesh-wide and in no Sidecar ALLOW_ANY, and investigate hosts nobody can account for. When the mesh is meant to be REGISTRY_ONLY already, compare the running istio ConfigMap and Sidecars with the manifests.',
            bad: [
                '# istio_requests_total{reporter="source",source_workload="web",source_workload_namespace="shop",destination_workload="unknown",',
                '#   destination_service="paste.example.net",destination_service_name="PassthroughCluster",response_code="200"} 7',
                'apiVersion: v1',
                'kind: ConfigMap',
                'metadata: {name: istio, namespace: istio-system}',
                'data:',
                '  mesh: |',
                '    outboundTrafficPolicy:',
                '      mode: REGISTRY_ONLY',
                '---',
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
            references: ['https://istio.io/latest/blog/2019/monitoring-external-service-traffic/', 'https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/'],
        },
    },
    check({ model, telemetry, report }) {
        if (!telemetry)
            return;
        for (const c of catchAllBySource(model, telemetry, PASSTHROUGH)) {
            const src = c.edges[0].source;
            const policy = outboundFor(model, src.namespace, c.anchor.workload);
            const meant = policy.mode === 'REGISTRY_ONLY';
            const evidence = [{ role: 'traffic', description: `${tallyText(c.total)} to PassthroughCluster reported by the source's proxy ${windowText(telemetry)}` }];
            if (policy.resource)
                evidence.push({ role: 'outbound-policy', description: `${policy.from} gives ${policy.mode}`, resource: policy.resource });
            report({
                resource: c.anchor.resource,
                path: c.anchor.path,
                severity: meant ? 'critical' : 'medium',
                key: anchorKey(c.anchor, src),
                message: `${subjectText(c.anchor, src)} sent ${tallyText(c.total)} through PassthroughCluster ${windowText(telemetry)}, to hosts no Service or ServiceEntry declares: ${listSome(c.hosts, 5)}${c.anchor.standIn ? `; reported on ${c.anchor.standIn}` : ''}. ${meant ? `The manifests make its outbound policy REGISTRY_ONLY (${policy.from}), so the running configuration differs from them.` : `Its outbound policy is ALLOW_ANY (${policy.from}).`}`,
                evidence,
            });
        }
    },
});
