import { isObject } from './workloads.js';
/**
 * Does a Kubernetes label selector (`matchLabels` + `matchExpressions`, or a plain map as Services and
 * Istio `workloadSelector.labels` use) select these labels? An empty selector selects everything.
 */
export function selectorMatches(selector, labels) {
    if (!isObject(selector))
        return true;
    const hasStructured = 'matchLabels' in selector || 'matchExpressions' in selector;
    const matchLabels = hasStructured ? selector.matchLabels : selector;
    if (isObject(matchLabels)) {
        for (const [k, v] of Object.entries(matchLabels))
            if (!Object.hasOwn(labels, k) || labels[k] !== String(v))
                return false;
    }
    if (hasStructured && Array.isArray(selector.matchExpressions)) {
        for (const e of selector.matchExpressions) {
            if (!isObject(e) || typeof e.key !== 'string')
                return false;
            const values = Array.isArray(e.values) ? e.values.map(String) : [];
            const has = Object.prototype.hasOwnProperty.call(labels, e.key);
            switch (e.operator) {
                case 'In':
                    if (!has || !values.includes(labels[e.key]))
                        return false;
                    break;
                case 'NotIn':
                    if (has && values.includes(labels[e.key]))
                        return false;
                    break;
                case 'Exists':
                    if (!has)
                        return false;
                    break;
                case 'DoesNotExist':
                    if (has)
                        return false;
                    break;
                default:
                    return false;
            }
        }
    }
    return true;
}
export function isEmptySelector(selector) {
    if (selector === undefined || selector === null)
        return true;
    if (!isObject(selector))
        return false;
    const ml = selector.matchLabels;
    const me = selector.matchExpressions;
    const hasStructured = 'matchLabels' in selector || 'matchExpressions' in selector;
    if (!hasStructured)
        return Object.keys(selector).length === 0;
    return (!isObject(ml) || Object.keys(ml).length === 0) && (!Array.isArray(me) || me.length === 0);
}
