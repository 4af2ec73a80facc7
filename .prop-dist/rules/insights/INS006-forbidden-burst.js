import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { UNKNOWN, anchorFor, anchorKey, listSome, num, peerKey, plural, q, subjectText, windowText } from './common.js';
/** Denied requests (403) from one source in the window at or above which it is reported. */
export const MIN_FORBIDDEN = 20;
/** ...and the share they must make up of the source's requests to the destinations that refused it (a client's occasional denials are not probing). */
export const MIN_FORBIDDEN_SHARE = 0.1;
export default defineRule({
    meta: {
        id: 'INS006',
        title: 'A burst of 403 responses from one source (probing)',
        severity: 'medium',
        category: 'telemetry',
        reads: ['Namespace', 'ConfigMap', 'install.istio.io/IstioOperator', ...WORKLOAD_READS],
        docs: {
            summary: `One source received at least ${MIN_FORBIDDEN} responses 403 (Forbidden) in the window, making up at least ${MIN_FORBIDDEN_SHARE * 100}% of its requests to the destinations that refused it (so traffic elsewhere cannot hide a probe), as reported by the destinations' proxies (\`reporter="destination"\`, so each request is counted once; RBAC denials by AuthorizationPolicies answer 403). A source is a workload and namespace, or the principal of an unknown workload, or "unknown" for callers without identity. For a single scrape (a metrics file), the window is the proxies' lifetime. Needs traffic facts (\`--metrics\` or \`--prometheus\`).`,
            why: 'Legitimate clients rarely hit the same wall over and over. A run of denials from one caller across paths or services is what scanning and privilege probing look like from the inside: a compromised workload mapping what its identity can reach. It is also what a client broken by a policy change looks like, which is worth knowing too.',
            fix: 'Look at the source named in the finding: what it requested (access logs of the destinations listed), whether it changed recently, and whether its identity should exist. If it is compromised, isolate it (NetworkPolicy, revoke its ServiceAccount); if it is a client broken by a policy, fix the policy or the client.',
            bad: [
                `# istio_requests_total{reporter="destination",source_workload="web",source_workload_namespace="shop",`,
                `#   destination_workload="payments",destination_workload_namespace="pay",response_code="403"} 250`,
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
            references: ['https://istio.io/latest/docs/reference/config/security/authorization-policy/', 'https://istio.io/latest/docs/reference/config/metrics/'],
        },
    },
    check({ model, telemetry, report }) {
        if (!telemetry)
            return;
        // Per source, per destination: requests and 403s. The share is taken over the destinations that
        // refused the source, so a client busy elsewhere cannot hide a probe behind its other traffic.
        const bySource = new Map();
        for (const e of telemetry.edges) {
            if (e.reporter !== 'destination')
                continue;
            const requests = num(e.requests);
            if (requests === 0)
                continue;
            const k = peerKey(e.source);
            let s = bySource.get(k);
            if (!s)
                bySource.set(k, (s = { peer: e.source, targets: new Map() }));
            // Keyed by the raw labels; quoted only for the message, for the few sources reported.
            const target = e.destination.workload === UNKNOWN ? `\u0000${e.destinationService}` : `${e.destination.namespace}\u0000${e.destination.workload}`;
            let t = s.targets.get(target);
            if (!t)
                s.targets.set(target, (t = { requests: 0, forbidden: 0 }));
            t.requests += requests;
            t.forbidden += Math.min(requests, num(e.responses.get('403')));
        }
        for (const s of bySource.values()) {
            let forbidden = 0;
            let requests = 0;
            const refusing = [];
            for (const [target, t] of s.targets) {
                if (t.forbidden === 0)
                    continue;
                forbidden += t.forbidden;
                requests += t.requests;
                refusing.push([target, t.forbidden]);
            }
            if (forbidden < MIN_FORBIDDEN || forbidden < requests * MIN_FORBIDDEN_SHARE)
                continue;
            const anchor = anchorFor(model, s.peer);
            const targets = refusing.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t, n]) => `${targetText(t)} (${n})`);
            const share = Math.round((forbidden / requests) * 100);
            report({
                resource: anchor.resource,
                path: anchor.path,
                key: anchorKey(anchor, s.peer),
                message: `${subjectText(anchor, s.peer)} was refused ${plural(forbidden, 'time')} with 403 ${windowText(telemetry)} (${share}% of its ${plural(requests, 'request')} to them), by ${plural(refusing.length, 'destination')}: ${listSome(targets, 5)}${anchor.standIn ? `; reported on ${anchor.standIn}` : ''}. A burst like this is what probing looks like.`,
                evidence: [{ role: 'traffic', description: `${forbidden} of ${requests} requests to the refusing destinations answered 403, reported by the destinations' proxies ${windowText(telemetry)}; thresholds ${MIN_FORBIDDEN} and ${MIN_FORBIDDEN_SHARE * 100}%` }],
            });
        }
    },
});
/** A target key back in words: `"ns"/"workload"`, or the quoted service for a destination without a workload. */
function targetText(key) {
    const cut = key.indexOf('\u0000');
    return cut === 0 ? q(key.slice(1), 80) : `${q(key.slice(0, cut), 60)}/${q(key.slice(cut + 1), 60)}`;
}
