import { defineRule } from '../types.js';
import { isObject } from '../../posture/util.js';
import { RA, WORKLOADS } from './common.js';
export const BLOCKED_CIDRS_ENV = 'BLOCKED_CIDRS_IN_JWKS_URIS';
export default defineRule({
    meta: {
        id: 'AUT024',
        title: 'istiod fetches jwksUri without BLOCKED_CIDRS_IN_JWKS_URIS (SSRF from the control plane)',
        severity: 'medium',
        category: 'authn-authz',
        reads: [RA, ...WORKLOADS],
        docs: {
            summary: "The input holds RequestAuthentications with a `jwksUri` and an istiod Deployment (label `app: istiod`, or a `discovery` container / `pilot` image) none of whose containers sets `BLOCKED_CIDRS_IN_JWKS_URIS` to a non-empty value (a `valueFrom` counts as set). Istio's analyzer reports the same as IST0175. Without istiod in the input nothing is reported.",
            why: "istiod fetches every jwksUri itself, from inside the cluster with the control plane's network reach. Anyone allowed to create a RequestAuthentication in any namespace can point it at the cloud metadata service, the node, or internal admin endpoints and make istiod request them (ISTIO-SECURITY-2026-003): a server-side request forgery from the most trusted pod in the mesh.",
            fix: 'Set `BLOCKED_CIDRS_IN_JWKS_URIS` on istiod (Helm `pilot.env`) to the ranges keys are never fetched from, for example `169.254.0.0/16,127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fd00::/8`, and restrict who may write RequestAuthentications.',
            bad: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istiod, namespace: istio-system, labels: {app: istiod}}\nspec:\n  template:\n    metadata: {labels: {app: istiod}}\n    spec:\n      containers:\n      - name: discovery\n        image: docker.io/istio/pilot:1.26.2\n---\napiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: jwt, namespace: shop}\nspec:\n  jwtRules:\n  - issuer: https://auth.example.com\n    jwksUri: https://auth.example.com/.well-known/jwks.json',
            good: '      containers:\n      - name: discovery\n        image: docker.io/istio/pilot:1.26.2\n        env:\n        - name: BLOCKED_CIDRS_IN_JWKS_URIS\n          value: "169.254.0.0/16,127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"',
            references: ['https://istio.io/latest/docs/reference/config/analysis/ist0175/', 'https://istio.io/latest/news/security/istio-security-2026-003/'],
        },
    },
    check({ model, report }) {
        const withUri = [];
        let count = 0;
        for (const r of model.ofKind('security.istio.io', 'RequestAuthentication')) {
            const rules = r.obj?.spec?.jwtRules;
            if (!Array.isArray(rules))
                continue;
            const i = rules.findIndex((x) => isObject(x) && typeof x.jwksUri === 'string' && x.jwksUri !== '');
            if (i < 0)
                continue;
            count++;
            if (withUri.length < 3)
                withUri.push({ role: 'request-authentication', description: `RequestAuthentication ${r.namespace}/${r.name} has istiod fetch its jwksUri`, resource: r, path: ['spec', 'jwtRules', i, 'jwksUri'] });
        }
        if (!count)
            return;
        if (count > withUri.length)
            withUri.push({ role: 'request-authentication', description: `…and ${count - withUri.length} more RequestAuthentications with a jwksUri` });
        for (const w of model.workloads) {
            const discovery = istiodContainer(w);
            if (!discovery)
                continue;
            if (w.containers.some(setsBlockedCidrs))
                continue;
            report({
                resource: w.resource,
                path: discovery.path,
                message: `${w.resource.kind} ${w.namespace}/${w.resource.name} runs istiod without ${BLOCKED_CIDRS_ENV} while ${count === 1 ? 'a RequestAuthentication has' : `${count} RequestAuthentications have`} it fetch a jwksUri: whoever can write a RequestAuthentication can make istiod request internal addresses such as the cloud metadata service (SSRF).`,
                evidence: withUri,
            });
        }
    },
});
/** istiod's container: named `discovery`, or running a `pilot` image, in a workload that is istiod. */
function istiodContainer(w) {
    const labelled = w.podLabels.app === 'istiod' || w.resource.labels.app === 'istiod';
    for (const c of w.containers) {
        if (c.kind !== 'container')
            continue;
        const pilotImage = /(?:^|\/)pilot(?:[:@]|$)/.test(c.image);
        if (pilotImage || (labelled && c.name === 'discovery'))
            return c;
    }
    return null;
}
function setsBlockedCidrs(c) {
    const env = c.spec.env;
    if (!Array.isArray(env))
        return false;
    return env.some((e) => isObject(e) && e.name === BLOCKED_CIDRS_ENV && ((typeof e.value === 'string' && e.value.trim() !== '') || isObject(e.valueFrom)));
}
