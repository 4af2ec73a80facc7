const BASE_ORDER = ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'];
const TEMPORAL_ORDER = ['E', 'RL', 'RC'];
const BASE_VALUES = {
    AV: ['N', 'A', 'L', 'P'],
    AC: ['L', 'H'],
    PR: ['N', 'L', 'H'],
    UI: ['N', 'R'],
    S: ['U', 'C'],
    C: ['H', 'L', 'N'],
    I: ['H', 'L', 'N'],
    A: ['H', 'L', 'N'],
};
const TEMPORAL_VALUES = {
    E: ['X', 'U', 'P', 'F', 'H'],
    RL: ['X', 'O', 'T', 'W', 'U'],
    RC: ['X', 'U', 'R', 'C'],
};
/**
 * Parses a CVSS v3 vector with a `CVSS:3.0/` or `CVSS:3.1/` prefix or none (Istio's bulletins use all
 * three; `defaultVersion` is assumed without one). Temporal metrics are kept; environmental ones and
 * anything unknown are rejected. Returns null for `""`, `N/A`, `Unknown` and malformed vectors.
 */
export function parseCvssVector(text, defaultVersion = '3.1') {
    if (typeof text !== 'string' || text.length > 200)
        return null;
    let s = text.trim();
    let version = defaultVersion;
    const m = /^CVSS:(3\.[01])\//.exec(s);
    if (m) {
        version = m[1];
        s = s.slice(m[0].length);
    }
    if (!s)
        return null;
    const base = {};
    const temporal = {};
    for (const part of s.split('/')) {
        const [k, v, extra] = part.split(':');
        if (!k || !v || extra !== undefined)
            return null;
        if (BASE_ORDER.includes(k)) {
            if (base[k] !== undefined || !BASE_VALUES[k].includes(v))
                return null;
            base[k] = v;
        }
        else if (TEMPORAL_ORDER.includes(k)) {
            if (temporal[k] !== undefined || !TEMPORAL_VALUES[k].includes(v))
                return null;
            temporal[k] = v;
        }
        else {
            return null;
        }
    }
    for (const k of BASE_ORDER)
        if (base[k] === undefined)
            return null;
    return { version, base: base, temporal: temporal };
}
/** The canonical text: `CVSS:3.x/` prefix, base metrics in specification order, then temporal ones. */
export function formatCvssVector(v) {
    const parts = [`CVSS:${v.version}`, ...BASE_ORDER.map((k) => `${k}:${v.base[k]}`)];
    for (const k of TEMPORAL_ORDER)
        if (v.temporal[k] && v.temporal[k] !== 'X')
            parts.push(`${k}:${v.temporal[k]}`);
    return parts.join('/');
}
/** Normalised vector text, or null when the input is not a CVSS v3 vector. */
export function normaliseCvssVector(text, defaultVersion = '3.1') {
    const v = parseCvssVector(text, defaultVersion);
    return v ? formatCvssVector(v) : null;
}
const W = {
    AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
    AC: { L: 0.77, H: 0.44 },
    UI: { N: 0.85, R: 0.62 },
    CIA: { H: 0.56, L: 0.22, N: 0 },
    E: { X: 1, H: 1, F: 0.97, P: 0.94, U: 0.91 },
    RL: { X: 1, U: 1, W: 0.97, T: 0.96, O: 0.95 },
    RC: { X: 1, C: 1, R: 0.96, U: 0.92 },
};
/** CVSS 3.1 Roundup (also correct for 3.0's scores in every case the bulletins use). */
function roundup(x) {
    const i = Math.round(x * 100000);
    return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}
/** The base score of a vector. */
export function cvssBaseScore(v) {
    const b = v.base;
    const changed = b.S === 'C';
    const iss = 1 - (1 - W.CIA[b.C]) * (1 - W.CIA[b.I]) * (1 - W.CIA[b.A]);
    const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
    const pr = b.PR === 'N' ? 0.85 : b.PR === 'L' ? (changed ? 0.68 : 0.62) : changed ? 0.5 : 0.27;
    const exploitability = 8.22 * W.AV[b.AV] * W.AC[b.AC] * pr * W.UI[b.UI];
    if (impact <= 0)
        return 0;
    return changed ? roundup(Math.min(1.08 * (impact + exploitability), 10)) : roundup(Math.min(impact + exploitability, 10));
}
/** The temporal score (equal to the base score when the vector has no temporal metrics). */
export function cvssTemporalScore(v) {
    const t = v.temporal;
    return roundup(cvssBaseScore(v) * W.E[t.E ?? 'X'] * W.RL[t.RL ?? 'X'] * W.RC[t.RC ?? 'X']);
}
/** meshward's mapping from a CVSS score to a finding severity: ≥9 critical, ≥7 high, ≥4 medium, else low. */
export function severityFromCvss(score) {
    if (score === null || !Number.isFinite(score))
        return 'low';
    if (score >= 9)
        return 'critical';
    if (score >= 7)
        return 'high';
    if (score >= 4)
        return 'medium';
    return 'low';
}
