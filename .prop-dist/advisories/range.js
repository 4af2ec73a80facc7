/**
 * Affected-version ranges of Istio security bulletins.
 *
 * Istio's bulletins state affected releases as free text (the `releases` front-matter key). This module
 * turns every form they use into an exact structured range, and matches versions against it:
 *
 * | text                                        | range                                   |
 * |---------------------------------------------|-----------------------------------------|
 * | `1.9.0 to 1.9.5`                            | `{from: 1.9.0, to: 1.9.5}` (inclusive)  |
 * | `1.5 to 1.5.8`                              | `{from: 1.5.0, to: 1.5.8}`              |
 * | `All releases prior to 1.13` / `… 1.20.0`   | `{before: 1.13.0}` (exclusive)          |
 * | `All 1.8 patch releases`                    | `{from: 1.8.0, before: 1.9.0}`          |
 * | `All releases 1.5 and later`                | `{from: 1.5.0}` (open-ended)            |
 * | `1.15.2`, `1.5`                             | `{from: 1.15.2, to: 1.15.2}`, `1.5.0`   |
 * | `All releases since <prose>`                | `{}` (every release), `prose: true`     |
 *
 * A missing `from` means "from the first release"; neither `to` nor `before` means open-ended.
 */
import { compareVersions, compareVersionStrings, parseReleaseVersion } from './version.js';
/** Longest free-text range accepted. */
const MAX_RANGE_TEXT = 500;
const V = '(\\d{1,6}\\.\\d{1,6}(?:\\.\\d{1,6})?)';
const FORMS = [
    // "1.9.0 to 1.9.5", "1.5 to 1.5.8", "1.9.0 - 1.9.5", "1.9.0 – 1.9.5", "1.9.0 through 1.9.5"
    {
        re: new RegExp(`^${V}\\s*(?:to|through|-|–|—)\\s*${V}$`),
        build: (m) => {
            const from = full(m[1]);
            const to = full(m[2]);
            if (compareVersionStrings(from, to) > 0)
                return `the range ends (${to}) before it starts (${from})`;
            return { from, to };
        },
    },
    // "All releases prior to 1.13", "All releases prior to 1.20.0", "prior to 1.20.0", "all versions before 1.20"
    {
        re: new RegExp(`^(?:all\\s+(?:releases|versions)\\s+)?(?:prior\\s+to|before|older\\s+than|earlier\\s+than)\\s+${V}$`),
        build: (m) => ({ before: full(m[1]) }),
    },
    // "All 1.8 patch releases", "all 1.8 releases", "1.8.x"
    {
        re: /^(?:all\s+(\d{1,6}\.\d{1,6})(?:\s+patch)?\s+(?:releases|versions)|(\d{1,6}\.\d{1,6})\.x)$/,
        build: (m) => {
            const [major, minor] = (m[1] ?? m[2]).split('.').map(Number);
            return { from: `${major}.${minor}.0`, before: `${major}.${minor + 1}.0` };
        },
    },
    // "All releases 1.5 and later", "1.5 and later", "1.5.0 or later", "1.5+"
    {
        re: new RegExp(`^(?:all\\s+(?:releases|versions)\\s+)?${V}\\s*(?:and\\s+later|or\\s+later|and\\s+newer|and\\s+above|\\+)$`),
        build: (m) => ({ from: full(m[1]) }),
    },
    // "1.15.2", "1.5" (a bare minor names its first release, as in 2020-004's "1.5" fixed by 1.5.1)
    {
        re: new RegExp(`^${V}$`),
        build: (m) => ({ from: full(m[1]), to: full(m[1]) }),
    },
];
/**
 * Parses one free-text `releases` entry. Prose that means every release ("All releases since the
 * introduction of …", "All releases", "All versions") becomes `{}` with `prose: true`; anything else that
 * is not one of the forms above is an error, never a silent guess.
 */
export function parseRangeText(text) {
    if (typeof text !== 'string')
        return { ok: false, error: 'a range must be a string' };
    if (text.length > MAX_RANGE_TEXT)
        return { ok: false, error: `range text is over ${MAX_RANGE_TEXT} characters` };
    const norm = text.trim().replace(/\s+/g, ' ').toLowerCase();
    if (!norm)
        return { ok: false, error: 'empty range' };
    for (const form of FORMS) {
        const m = form.re.exec(norm);
        if (!m)
            continue;
        const built = form.build(m);
        if (typeof built === 'string')
            return { ok: false, error: `"${text}": ${built}` };
        return { ok: true, range: { ...built, text } };
    }
    if (/^all (?:releases|versions)(?: since\b.*| of istio)?$/.test(norm) || /^every (?:release|version)\b/.test(norm)) {
        return { ok: true, range: { text, prose: true } };
    }
    return { ok: false, error: `"${text}" is not a range meshward understands (forms: "1.9.0 to 1.9.5", "All releases prior to 1.13", "All 1.8 patch releases", "All releases 1.5 and later", "1.15.2")` };
}
/** `1.5` → `1.5.0`; `1.5.8` unchanged. */
function full(v) {
    return v.split('.').length === 2 ? `${v}.0` : v;
}
/**
 * Checks a structured range: bounds are `x.y.z`, `to` and `before` are not both set, and the range is
 * not empty. Returns the problems found (empty when valid).
 */
export function validateRange(r) {
    const problems = [];
    for (const key of ['from', 'to', 'before']) {
        const v = r[key];
        if (v !== undefined && !parseReleaseVersion(v))
            problems.push(`${key}: "${v}" is not a version x.y.z`);
    }
    if (problems.length)
        return problems;
    if (r.to !== undefined && r.before !== undefined)
        problems.push('set "to" (inclusive) or "before" (exclusive), not both');
    if (r.from !== undefined && r.to !== undefined && compareVersionStrings(r.from, r.to) > 0)
        problems.push(`"to" ${r.to} is below "from" ${r.from}`);
    if (r.from !== undefined && r.before !== undefined && compareVersionStrings(r.from, r.before) >= 0)
        problems.push(`"before" ${r.before} is not above "from" ${r.from}`);
    return problems;
}
function rel(s) {
    const v = parseReleaseVersion(s);
    if (!v)
        throw new Error(`not a release version: ${s}`);
    return v;
}
/** Is this exact release (patch known) inside the range? */
export function rangeContains(r, v) {
    if (v.patch === null)
        throw new Error('rangeContains needs a full version; use rangeCoversMinor for x.y');
    if (r.from !== undefined && compareVersions(v, rel(r.from)) < 0)
        return false;
    if (r.to !== undefined && compareVersions(v, rel(r.to)) > 0)
        return false;
    if (r.before !== undefined && compareVersions(v, rel(r.before)) >= 0)
        return false;
    return true;
}
/** Is every patch release of `major.minor` inside the range (so a version known only as `x.y` is affected)? */
export function rangeCoversMinor(r, major, minor) {
    const first = { major, minor, patch: 0 };
    if (r.from !== undefined && compareVersions(first, rel(r.from)) < 0)
        return false;
    if (r.to !== undefined)
        return false; // an inclusive end inside any minor leaves later patches out
    if (r.before !== undefined && compareVersions({ major, minor: minor + 1, patch: 0 }, rel(r.before)) > 0)
        return false;
    return true;
}
/** Is some patch release of `major.minor` inside the range? */
export function rangeTouchesMinor(r, major, minor) {
    if (r.from !== undefined) {
        const f = rel(r.from);
        if (f.major > major || (f.major === major && f.minor > minor))
            return false;
    }
    const upper = r.to ?? r.before;
    if (upper !== undefined) {
        const u = rel(upper);
        if (u.major < major || (u.major === major && u.minor < minor))
            return false;
        if (r.before !== undefined && u.major === major && u.minor === minor && u.patch === 0)
            return false;
    }
    return true;
}
/** Human-readable form of a structured range, for `advisories list`. */
export function describeRange(r) {
    if (r.prose)
        return 'all releases';
    if (r.from && r.to)
        return r.from === r.to ? r.from : `${r.from} to ${r.to}`;
    if (r.from && r.before)
        return `${r.from} up to (not including) ${r.before}`;
    if (r.before)
        return `all releases before ${r.before}`;
    if (r.from)
        return `${r.from} and later`;
    return 'all releases';
}
