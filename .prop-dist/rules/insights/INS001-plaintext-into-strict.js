import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { SourceTallies, listSome, subjectText, tallyText, windowText, anchorKey } from './common.js';
import { effectiveMtls, inboundByDestination } from './inbound.js';
export default defineRule({
    meta: {
        id: 'INS001',
        title: 'Plaintext traffic reaches a workload whose mTLS is STRICT',
        severity: 'high',
        category: 'telemetry',
        reads: ['security.istio.io/PeerAuthentication', 'Namespace', 'ConfigMap', 'install.istio.io/IstioOperator', ...WORKLOAD_READS],
        docs: {
            summary: "Istio's metrics show requests or connections that the destination's own proxy reported (`reporter=\"destination\"`) with `connection_security_policy=\"none\"`, into a workload whose effective mTLS mode in the scanned manifests is STRICT (on that port when the metric names one). Needs traffic facts: `--metrics FILE` or `--prometheus URL`.",
            why: 'STRICT is the promise that every caller proved its identity and that nobody on the network read or changed the traffic. A proxy that reports plaintext into a STRICT workload breaks that promise: the PeerAuthentication running in the cluster is not the one in the manifests (drift, or someone changed it), a port-level exception lets plaintext in, or the workload is reached past its sidecar. Identity-based AuthorizationPolicies see no principal on such traffic, and anyone on the pod network can send it.',
            fix: 'Compare the PeerAuthentication in the cluster with the manifests (`kubectl get peerauthentication -A -o yaml`), look for port-level overrides, and find the plaintext callers named in the finding: give them a sidecar or route them through a gateway. Then confirm with the metrics that the plaintext stopped.',
            bad: [
                '# istio_requests_total{reporter="destination",source_workload="legacy",source_workload_namespace="shop",source_principal="unknown",',
                '#   destination_workload="web",destination_workload_namespace="shop",destination_service="web.shop.svc.cluster.local",',
                '#   connection_security_policy="none",response_code="200"} 120',
                'apiVersion: security.istio.io/v1',
                'kind: PeerAuthentication',
                'metadata: {name: default, namespace: shop}',
                'spec:',
                '  mtls: {mode: STRICT}',
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
            references: ['https://istio.io/latest/docs/reference/config/metrics/', 'https://istio.io/latest/docs/reference/config/security/peer_authentication/'],
        },
    },
    check({ model, telemetry, report }) {
        if (!telemetry)
            return;
        for (const { anchor, edges } of inboundByDestination(model, telemetry)) {
            const sources = new SourceTallies();
            let strict = null;
            for (const e of edges) {
                if (e.security !== 'none')
                    continue;
                const m = effectiveMtls(model, anchor, e.destination.namespace, e.destinationPort);
                if (!m || m.mode !== 'STRICT')
                    continue;
                strict ??= m;
                sources.add(e);
            }
            if (!strict)
                continue;
            const dest = edges[0].destination;
            const total = sources.total;
            const who = sources.ranked();
            const evidence = [
                { role: 'traffic', description: `${tallyText(total)} with connection_security_policy "none", reported by the destination's proxy ${windowText(telemetry)}` },
            ];
            if (strict.resource)
                evidence.push({ role: 'mtls-policy', description: `${strict.text} sets STRICT`, resource: strict.resource, path: strict.path });
            report({
                resource: anchor.resource,
                path: anchor.path,
                key: anchorKey(anchor, dest),
                message: `${subjectText(anchor, dest)} received ${tallyText(total)} in plaintext ${windowText(telemetry)}, although its effective mTLS is STRICT (${strict.text})${anchor.standIn ? `; reported on ${anchor.standIn}` : ''}. Plaintext sources: ${listSome(who, 5)}. The policy in the cluster differs from the manifests, a port is exempt, or callers reach it past its sidecar.`,
                evidence,
            });
        }
    },
});
