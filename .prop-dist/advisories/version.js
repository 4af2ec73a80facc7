/**
 * Istio version numbers: parsing, comparison and formatting.
 *
 * Istio releases are `major.minor.patch` (https://istio.io/latest/docs/releases/supported-releases/#naming-scheme).
 * Image tags add suffixes: `-distroless` and `-debug` are variants of the same build; `-alpha.N`, `-beta.N`,
 * `-rc.N` are pre-releases; anything else (`-solo`, `-tetrate-v0`, `-asm.1`, `-fips`...) is a vendor build
 * that may carry back-ported fixes. Everything here treats its input as hostile: bounded length, bounded
 * numbers, no regular expression that can backtrack badly.
 */
/** Longest input accepted: Docker tags are at most 128 characters. */
export const MAX_VERSION_TEXT = 128;
/** Each numeric component is at most this many digits (Istio's are one to three). */
const MAX_DIGITS = 6;
const VARIANT_TOKENS = new Set(['distroless', 'debug']);
const PRERELEASE_TOKENS = new Set(['alpha', 'beta', 'rc', 'dev']);
/**
 * Parses an Istio version or image tag: `1.22.3`, `v1.22.3`, `1.22.3-distroless`, `1.22.3-solo`,
 * `1.22.3-tetrate-v0`, `1.23.0-beta.1`, `1.24-dev`, `1.22` (patch unknown). Returns null for anything
 * else (`latest`, digests, garbage, huge strings).
 */
export function parseIstioVersion(text) {
    if (typeof text !== 'string')
        return null;
    const raw = text;
    if (raw.length === 0 || raw.length > MAX_VERSION_TEXT)
        return null;
    let s = raw.trim();
    if (s.startsWith('v') || s.startsWith('V'))
        s = s.slice(1);
    // Numeric core: up to three dot-separated runs of digits.
    const nums = [];
    let i = 0;
    for (;;) {
        const start = i;
        while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57)
            i++;
        if (i === start || i - start > MAX_DIGITS)
            return null;
        nums.push(Number(s.slice(start, i)));
        if (nums.length === 3 || s[i] !== '.')
            break;
        // A dot followed by a non-digit ends the core (e.g. `1.22.x` is not a version).
        if (!(i + 1 < s.length && s.charCodeAt(i + 1) >= 48 && s.charCodeAt(i + 1) <= 57))
            return null;
        i++;
    }
    if (nums.length < 2)
        return null;
    const rest = s.slice(i);
    const v = {
        major: nums[0],
        minor: nums[1],
        patch: nums.length === 3 ? nums[2] : null,
        prerelease: null,
        variants: [],
        vendor: null,
        raw,
    };
    if (!rest)
        return v;
    if (rest[0] !== '-' && rest[0] !== '_' && rest[0] !== '+')
        return null;
    if (!/^[A-Za-z0-9._+-]+$/.test(rest.slice(1)) || rest.length < 2)
        return null;
    // Split the suffix into tokens; variants may appear anywhere (`1.22.3-solo-distroless`).
    const tokens = rest.slice(1).split(/[-_+]/).filter(Boolean);
    const other = [];
    for (let t = 0; t < tokens.length; t++) {
        const tok = tokens[t];
        const lower = tok.toLowerCase();
        if (VARIANT_TOKENS.has(lower)) {
            v.variants.push(lower);
            continue;
        }
        const head = lower.split('.')[0];
        if (other.length === 0 && v.prerelease === null && PRERELEASE_TOKENS.has(head)) {
            v.prerelease = lower;
            continue;
        }
        other.push(tok);
    }
    if (other.length)
        v.vendor = other.join('-');
    return v;
}
/** Like parseIstioVersion but only for plain release numbers `x.y.z` (the database's own versions). */
export function parseReleaseVersion(text) {
    if (typeof text !== 'string' || !/^\d{1,6}\.\d{1,6}\.\d{1,6}$/.test(text))
        return null;
    return parseIstioVersion(text);
}
/** Compares release numbers (major, minor, patch; a missing patch counts as 0). Suffixes are ignored. */
export function compareVersions(a, b) {
    return a.major - b.major || a.minor - b.minor || (a.patch ?? 0) - (b.patch ?? 0);
}
/** Compares two `x.y.z` strings; throws on anything that is not one (database versions only). */
export function compareVersionStrings(a, b) {
    const va = parseReleaseVersion(a);
    const vb = parseReleaseVersion(b);
    if (!va || !vb)
        throw new Error(`not a release version: ${va ? b : a}`);
    return compareVersions(va, vb);
}
/** `1.22.3`, or `1.22` when the patch is unknown. */
export function formatVersion(v) {
    return v.patch === null ? `${v.major}.${v.minor}` : `${v.major}.${v.minor}.${v.patch}`;
}
/** `1.22`. */
export function minorOf(v) {
    return `${v.major}.${v.minor}`;
}
/** Parses `1.22` into [1, 22]; null for anything else. */
export function parseMinor(text) {
    if (typeof text !== 'string' || !/^\d{1,6}\.\d{1,6}$/.test(text))
        return null;
    const [a, b] = text.split('.').map(Number);
    return [a, b];
}
/** A short description of what the suffix means, for messages: `pre-release beta.1`, `vendor build "solo"`. */
export function describeSuffix(v) {
    const parts = [];
    if (v.prerelease)
        parts.push(`pre-release ${v.prerelease}`);
    if (v.vendor)
        parts.push(`vendor build "${v.vendor}"`);
    if (v.variants.length)
        parts.push(v.variants.join(', '));
    return parts.length ? parts.join('; ') : null;
}
