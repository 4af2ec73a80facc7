/**
 * Label and field selectors with the real apiserver's grammar and error wording
 * (k8s.io/apimachinery labels.Parse, fields.ParseSelector). Parse errors become 400 BadRequest.
 */
export class SelectorError extends Error {
}
const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
function splitTopLevel(text) {
    const parts = [];
    let depth = 0, start = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '(')
            depth++;
        else if (c === ')')
            depth--;
        else if (c === ',' && depth === 0) {
            parts.push(text.slice(start, i));
            start = i + 1;
        }
    }
    parts.push(text.slice(start));
    return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}
function checkKey(key) {
    if (key.length > 317 || !KEY.test(key))
        throw new SelectorError(`unable to parse requirement: invalid label key "${key}"`);
    return key;
}
function checkValue(v) {
    if (v.length > 63 || !VALUE.test(v))
        throw new SelectorError(`unable to parse requirement: invalid label value: "${v}"`);
    return v;
}
export function parseLabelSelector(text) {
    if (text === null || text.trim() === '')
        return [];
    if (text.length > 4096)
        throw new SelectorError('label selector is longer than 4096 characters');
    const out = [];
    for (const part of splitTopLevel(text)) {
        let m;
        if ((m = part.match(/^!\s*(\S+)$/)))
            out.push({ key: checkKey(m[1]), op: '!exists' });
        else if ((m = part.match(/^(\S+?)\s*(==|!=|=)\s*(\S*)$/))) {
            const key = checkKey(m[1]), value = checkValue(m[3]);
            out.push({ key, op: m[2] === '!=' ? 'notin' : 'in', values: new Set([value]) });
        }
        else if ((m = part.match(/^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/))) {
            const values = new Set(m[3].split(',').map((v) => checkValue(v.trim())));
            out.push({ key: checkKey(m[1]), op: m[2], values });
        }
        else if ((m = part.match(/^(\S+)$/)))
            out.push({ key: checkKey(m[1]), op: 'exists' });
        else
            throw new SelectorError(`unable to parse requirement: found '${part.slice(0, 100)}', expected: identifier, '!', '=', '==', '!=', 'in' or 'notin'`);
    }
    return out;
}
export function labelsMatch(reqs, labels) {
    const l = labels && typeof labels === 'object' ? labels : {};
    for (const r of reqs) {
        const has = Object.hasOwn(l, r.key);
        const value = has ? l[r.key] : undefined;
        switch (r.op) {
            case 'exists':
                if (!has)
                    return false;
                break;
            case '!exists':
                if (has)
                    return false;
                break;
            case 'in':
                if (!has || typeof value !== 'string' || !r.values.has(value))
                    return false;
                break;
            case 'notin':
                if (has && typeof value === 'string' && r.values.has(value))
                    return false;
                break;
        }
    }
    return true;
}
/**
 * Field labels beyond metadata.name/namespace, per resource (`group/resource`), as the real server
 * registers them for what meshward uses: Secrets are selectable by `type` (Linkerd's remote
 * kubeconfigs are found that way). Each maps to the object's field it reads.
 */
const EXTRA_FIELD_LABELS = new Map([
    ['/secrets', new Map([['type', (obj) => obj?.type]])],
]);
export function parseFieldSelector(text, resource = '') {
    if (text === null || text.trim() === '')
        return [];
    if (text.length > 4096)
        throw new SelectorError('field selector is longer than 4096 characters');
    const extra = EXTRA_FIELD_LABELS.get(resource);
    const out = [];
    for (const part of text.split(',')) {
        const m = part.trim().match(/^([^=!]+?)\s*(==|!=|=)\s*(.*)$/);
        if (!m)
            throw new SelectorError(`invalid selector: '${part.slice(0, 100)}'; can't understand '${part.slice(0, 100)}'`);
        const field = m[1];
        if (field !== 'metadata.name' && field !== 'metadata.namespace' && !extra?.has(field))
            throw new SelectorError(`field label not supported: ${field.slice(0, 100)}`);
        out.push({ field, equals: m[2] !== '!=', value: m[3] });
    }
    return out;
}
export function fieldsMatch(reqs, name, namespace, obj, resource = '') {
    for (const r of reqs) {
        let actual;
        if (r.field === 'metadata.name')
            actual = name;
        else if (r.field === 'metadata.namespace')
            actual = namespace;
        else
            actual = EXTRA_FIELD_LABELS.get(resource)?.get(r.field)?.(obj) ?? '';
        if ((actual === r.value) !== r.equals)
            return false;
    }
    return true;
}
