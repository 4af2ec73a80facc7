import { describe } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { shown } from './proxy.js';
const GROUP = 'admissionregistration.k8s.io';
/**
 * A hostile input can hold any number of entries (Istio renders four per revision); beyond this many
 * in all, the rest are not examined, which keeps the pairwise overlap check bounded.
 */
export const MAX_WEBHOOKS = 200;
/**
 * Webhook entries that inject sidecars: named `*sidecar-injector.istio.io` (every Istio chart and
 * revision tag names them so), or calling an `/inject` path on their service or URL.
 */
export function injectionWebhooks(model) {
    const out = [];
    for (const config of model.ofKind(GROUP, 'MutatingWebhookConfiguration')) {
        const list = config.obj?.webhooks;
        if (!Array.isArray(list))
            continue;
        list.slice(0, MAX_WEBHOOKS).forEach((w, index) => {
            if (!isObject(w) || out.length >= MAX_WEBHOOKS)
                return;
            const name = typeof w.name === 'string' ? w.name : '';
            const cc = isObject(w.clientConfig) ? w.clientConfig : {};
            const servicePath = isObject(cc.service) && typeof cc.service.path === 'string' ? cc.service.path : '';
            let urlPath = '';
            if (typeof cc.url === 'string' && cc.url.length <= 2048) {
                try {
                    urlPath = new URL(cc.url).pathname;
                }
                catch {
                    /* not a URL: not recognisable as the injector by its path */
                }
            }
            const injects = name.endsWith('sidecar-injector.istio.io') || servicePath.startsWith('/inject') || urlPath.startsWith('/inject');
            if (injects)
                out.push({ config, index, name, spec: w, path: ['webhooks', index] });
        });
    }
    return out;
}
/** `webhook "x.istio.io" of MutatingWebhookConfiguration istio-sidecar-injector`. */
export function webhookLabel(w) {
    return `webhook ${shown(w.name || `#${w.index}`, 80)} of ${describe(w.config)}`;
}
