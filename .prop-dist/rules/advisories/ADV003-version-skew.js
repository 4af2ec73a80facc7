import { defineRule } from '../types.js';
import { detectIstioVersions } from '../../advisories/detect.js';
import { formatVersion } from '../../advisories/version.js';
import { ADVISORY_READS, runsPhrase } from './common.js';
/**
 * Istio's skew policy (https://istio.io/latest/docs/releases/supported-releases/#control-planedata-plane-skew):
 * "The Istio control plane can be one version ahead of the data plane. However, the data plane cannot be
 * ahead of control plane." So a proxy's minor must be the control plane's or the one before it.
 */
export const MAX_CONTROL_PLANE_LEAD = 1;
function revKey(rev) {
    return !rev || rev === 'default' ? 'default' : rev;
}
export default defineRule({
    meta: {
        id: 'ADV003',
        title: 'Data-plane version is further from the control plane than Istio supports',
        severity: 'medium',
        category: 'advisories',
        reads: ADVISORY_READS,
        docs: {
            summary: "A proxy (sidecar, gateway, the sidecar.istio.io/proxyImage annotation, the injector's Helm values) or ztunnel runs an Istio minor that is newer than its control plane, or more than one minor older. Istio supports a control plane at most one minor ahead of its data plane, and never behind it. Proxies are paired with the istiod of their revision (istio.io/rev on the pod or namespace); revision names are never read as versions.",
            why: 'Outside the supported skew, istiod may generate configuration the proxy reads differently, and security settings can silently change meaning: ISTIO-SECURITY-2022-001 is exactly that, a 1.12 control plane producing AuthorizationPolicy host rules that 1.11 proxies enforced wrongly, so requests were allowed or denied by mistake. Old proxies also keep every Envoy vulnerability fixed since.',
            fix: 'Upgrade the lagging side: restart workloads after a control-plane upgrade so sidecars are re-injected with the new proxy, or upgrade istiod before pinning newer proxies. Use revisions (canary upgrades) so each proxy talks to a control plane of its own version, and drop sidecar.istio.io/proxyImage pins that outlive upgrades.',
            bad: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istiod, namespace: istio-system}\nspec:\n  template:\n    spec:\n      containers:\n      - name: discovery\n        image: docker.io/istio/pilot:1.31.1\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata:\n      annotations:\n        sidecar.istio.io/proxyImage: docker.io/istio/proxyv2:1.29.3\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/shop/web:2.4.0',
            good: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istiod, namespace: istio-system}\nspec:\n  template:\n    spec:\n      containers:\n      - name: discovery\n        image: docker.io/istio/pilot:1.31.1\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata:\n      annotations:\n        sidecar.istio.io/proxyImage: docker.io/istio/proxyv2:1.31.1\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/shop/web:2.4.0',
            references: [
                'https://istio.io/latest/docs/releases/supported-releases/#control-planedata-plane-skew',
                'https://istio.io/latest/docs/setup/upgrade/canary/',
                'https://istio.io/latest/news/security/istio-security-2022-001/',
            ],
        },
    },
    check({ model, report }) {
        const all = detectIstioVersions(model);
        // Control planes by revision; running images win over IstioOperator tags of the same revision.
        const planes = new Map();
        for (const d of all) {
            if (d.component !== 'istiod' || !d.version)
                continue;
            const k = revKey(d.revision);
            const list = planes.get(k) ?? [];
            list.push(d);
            planes.set(k, list);
        }
        for (const [k, list] of planes) {
            const images = list.filter((d) => d.source === 'image');
            if (images.length)
                planes.set(k, images);
        }
        if (!planes.size)
            return;
        for (const d of all) {
            if ((d.component !== 'proxy' && d.component !== 'ztunnel') || !d.version)
                continue;
            let cps = planes.get(revKey(d.revision));
            if (!cps && planes.size === 1)
                cps = [...planes.values()][0];
            if (!cps)
                continue; // the proxy's revision has no control plane in the input: nothing to compare with
            const v = d.version;
            const comparable = cps.filter((cp) => cp.version.major === v.major);
            if (!comparable.length)
                continue;
            // Supported when compatible with at least one control plane of its revision.
            if (comparable.some((cp) => cp.version.minor - v.minor >= 0 && cp.version.minor - v.minor <= MAX_CONTROL_PLANE_LEAD))
                continue;
            const cp = comparable.reduce((a, b) => (Math.abs(b.version.minor - v.minor) < Math.abs(a.version.minor - v.minor) ? b : a));
            const lead = cp.version.minor - v.minor;
            const cpText = `istiod ${formatVersion(cp.version)} (${cp.where})`;
            const problem = lead < 0
                ? `${-lead} minor${lead === -1 ? '' : 's'} ahead of its control plane ${cpText}: Istio does not support a data plane newer than its control plane`
                : `${lead} minors behind its control plane ${cpText}: Istio supports a control plane at most ${MAX_CONTROL_PLANE_LEAD} minor ahead of its proxies`;
            report({
                resource: d.resource,
                path: d.path,
                key: d.key,
                message: `${runsPhrase(d)}, ${problem}.`,
                remediation: lead < 0
                    ? `Upgrade the control plane of revision "${revKey(d.revision)}" to ${v.major}.${v.minor} before running ${v.major}.${v.minor} proxies, or pin the proxy back to ${formatVersion(cp.version)}.`
                    : `Move the proxy to ${cp.version.major}.${cp.version.minor} (restart the workload after upgrading, or update the pinned image).`,
                evidence: [{ role: 'control-plane', description: `${cp.where} runs Istio ${formatVersion(cp.version)}`, resource: cp.resource, path: cp.path }],
            });
        }
    },
});
