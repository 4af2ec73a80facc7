/**
 * One live object as rules see it: sanitized, with its kind and apiVersion set by what the API said it
 * is (the list's resource, the watch's resource, the admission review's kind), never by the object's own
 * fields. Shared by the live scan, the cache's informers and the admission webhook, so all three build
 * exactly the same Resource from the same object.
 */
import { groupOf, isClusterScoped, stringMap } from '../model/resource.js';
import { sanitizeObject, sanitizeOwnedObject } from './sanitize.js';
/**
 * Mutates `raw` (sets apiVersion and kind) before sanitizing it: items of built-in lists come without
 * kind and apiVersion, and a server cannot make a Pod list hand out a Secret.
 *
 * `owned`: `raw` is JSON.parse's output that nothing else holds (a list page being read), so it is
 * sanitized in place (sanitizeOwnedObject: the same projection without copying the whole object).
 */
export function liveResource(raw, lk, cluster, owned = false) {
    raw.apiVersion = lk.apiVersion;
    raw.kind = lk.kind;
    const { obj, secretFacts } = owned ? sanitizeOwnedObject(raw) : sanitizeObject(raw);
    const meta = obj.metadata && typeof obj.metadata === 'object' && !Array.isArray(obj.metadata) ? obj.metadata : {};
    const name = typeof meta.name === 'string' && meta.name ? meta.name : '(unnamed)';
    const namespaced = lk.namespaced && !isClusterScoped(lk.kind);
    const namespace = namespaced ? (typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : 'default') : '';
    const r = {
        id: 0,
        cluster,
        apiVersion: lk.apiVersion,
        group: groupOf(lk.apiVersion),
        kind: lk.kind,
        namespace,
        name,
        labels: stringMap(meta.labels),
        annotations: stringMap(meta.annotations),
        obj,
        source: null,
    };
    if (secretFacts)
        r.secretFacts = secretFacts;
    return r;
}
