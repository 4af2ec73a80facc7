export const T0 = new Date('2026-03-01T10:00:00.000Z');
/** Hostile strings: quotes, SQL, prototype names, control characters, NUL, non-ASCII. Each also serves as a key. */
export const HOSTILE_STRINGS = [
    `it's "quoted"`,
    `x'); DROP TABLE objects; --`,
    '__proto__',
    'constructor',
    'a\u0001b\u001bc\u007f\nd\re\tf',
    'nul\u0000inside',
    '%_\\ like metacharacters',
    'ünïcödé ✓ 𝕏 <script>alert(1)</script>',
];
/** A huge value for fields that are not keys (bodies, messages, reasons): stored whole. */
export const HUGE_STRING = 'huge-' + 'x\u0000\\y'.repeat(30_000);
export function wireObject(kind, namespace, name, extra = {}) {
    const group = kind.includes('/') ? kind.slice(0, kind.indexOf('/')) : '';
    const bare = kind.includes('/') ? kind.slice(kind.indexOf('/') + 1) : kind;
    return {
        apiVersion: group ? `${group}/v1` : 'v1',
        kind: bare,
        namespaced: namespace !== '',
        obj: { metadata: namespace ? { name, namespace } : { name }, ...extra },
    };
}
export function upsert(o) {
    return { op: 'upsert', object: o };
}
export function batch(epoch, seq, type, changes, last, extra = {}) {
    return { v: 1, cluster: 'ignored-by-the-store', agentVersion: 'test', epoch, seq, type, ...(last === undefined ? {} : { last }), sentAt: T0.toISOString(), changes, ...extra };
}
export function finding(fingerprint, severity, extra = {}) {
    return {
        fingerprint,
        ruleId: extra.ruleId ?? 'MW-TEST-001',
        severity,
        title: `title ${fingerprint}`,
        message: `message ${fingerprint}`,
        remediation: 'fix it',
        resource: { cluster: 'c', apiVersion: 'v1', kind: 'Service', namespace: 'ns', name: fingerprint },
        location: null,
        evidence: [{ role: 'namespace', description: 'because', resource: { cluster: 'c', apiVersion: 'v1', kind: 'Namespace', namespace: '', name: 'ns' }, location: null }],
        ...extra,
    };
}
