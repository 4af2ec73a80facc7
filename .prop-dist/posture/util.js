import { isObject } from '../model/workloads.js';
export { isObject };
/** The value when it is a non-empty string. */
export function str(v) {
    return typeof v === 'string' && v !== '' ? v : undefined;
}
/** The value when it is an array, else an empty one. */
export function arr(v) {
    return Array.isArray(v) ? v : EMPTY;
}
/** The strings of an array (other entries dropped). */
export function strings(v) {
    if (!Array.isArray(v))
        return [];
    const out = [];
    for (const x of v)
        if (typeof x === 'string')
            out.push(x);
    return out;
}
/** True for a non-empty array. */
export function nonEmpty(v) {
    return Array.isArray(v) && v.length > 0;
}
/** A TCP port number (1..65535) from a number or a decimal string, else null. */
export function portNumber(v) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : NaN;
    return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : null;
}
/** The object's spec when it is a mapping, else null. */
export function specOf(r) {
    return isObject(r.obj?.spec) ? r.obj.spec : null;
}
/** `name` or `ns/name`, relative to a namespace the reader already knows. */
export function shortName(r, relativeTo) {
    return r.namespace && r.namespace !== relativeTo ? `${r.namespace}/${r.name}` : r.name;
}
export { listSome } from '../engine/text.js';
/** Singular or plural noun. */
export function plural(n, one, many = `${one}s`) {
    return `${n} ${n === 1 ? one : many}`;
}
/**
 * Oldest first, as Istio picks among policies: by `metadata.creationTimestamp`, then input order. An
 * object without a timestamp (a manifest not yet applied) counts as newer than every object with one.
 * The order must be total: comparing by time only when both have one, and by input order otherwise,
 * is not transitive once both kinds are mixed, and the sort's result then depends on where each object
 * happens to sit in the input.
 */
export function olderFirst(a, b) {
    const ta = str(a.obj?.metadata?.creationTimestamp);
    const tb = str(b.obj?.metadata?.creationTimestamp);
    if (ta && tb) {
        if (ta !== tb)
            return ta < tb ? -1 : 1;
    }
    else if (ta || tb)
        return ta ? -1 : 1;
    return a.id - b.id;
}
export function push(m, k, v) {
    const list = m.get(k);
    if (list)
        list.push(v);
    else
        m.set(k, [v]);
}
export const EMPTY = Object.freeze([]);
/** The posture's overlay maps are the model overlay's (src/model/overlay.ts). */
export { overlayMap } from '../model/overlay.js';
/** A workload's place in model order: objects' workloads by object id, the gateway pods the model makes up last. */
function workloadRank(w) {
    return w.synthetic ? Number.MAX_SAFE_INTEGER : w.resource.id;
}
/**
 * A copy of a workload list (in model order) with `removed` taken out and `added` put in its place in
 * model order; `list` itself when neither changes it.
 */
export function editWorkloads(list, removed, added) {
    const at = removed ? list.indexOf(removed) : -1;
    if (at < 0 && !added)
        return list;
    const out = list.slice();
    if (at >= 0)
        out.splice(at, 1);
    if (added) {
        const rank = workloadRank(added);
        let i = out.length;
        while (i > 0 && workloadRank(out[i - 1]) > rank)
            i--;
        out.splice(i, 0, added);
    }
    return out;
}
/** Same elements in the same order. */
export function sameList(a, b) {
    if (a === b)
        return true;
    if (a.length !== b.length)
        return false;
    for (let i = 0; i < a.length; i++)
        if (a[i] !== b[i])
            return false;
    return true;
}
