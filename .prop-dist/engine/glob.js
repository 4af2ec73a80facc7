import { terminalSafe } from './text.js';
/**
 * The one glob matcher for every pattern a user writes: tenant namespace globs, platform subjects and
 * gateways (src/tenancy/policy.ts), config ignore patterns (src/engine/suppress.ts). Patterns come from
 * files that may be an attacker's, and names from manifests that may be too, so matching must take time
 * linear in the name whatever the pattern: a backtracking regular expression (what picomatch compiles
 * to) spends minutes on `*a*a*a*a*a*a*b` against forty `a`s.
 *
 * Syntax (what docs/tenancy.md promises): `*` is any run of characters except `/`, `?` is one character
 * except `/`, `{a,b}` lists alternatives (not nested, no ranges), everything else is literal. `**` is
 * the same as `*`, except in path globs (`{ globstar: true }`, for `--exclude`), where a `**` segment
 * matches any number of whole path segments. Brackets, parentheses, backslashes and a leading `!` are refused rather than taken
 * literally, so a pattern written for another glob dialect fails loudly instead of matching nothing.
 *
 * Matching splits pattern and name at `/` (a star never crosses it, so segments match independently)
 * and matches each segment with the classic two-pointer algorithm that only ever backtracks to the last
 * star: at most (name length + 1) × (pattern length + 1) steps, never exponential.
 */
export class GlobError extends Error {
}
/** A pattern as error messages show it: quoted, control and bidi characters escaped. */
function shown(pattern) {
    return terminalSafe(JSON.stringify(pattern.length > 200 ? `${pattern.slice(0, 200)}…` : pattern));
}
/** Most alternatives one pattern's braces may expand to. */
export const MAX_GLOB_ALTERNATIVES = 256;
const REFUSED = /[[\]()\\]/;
/** `{a,b}` alternatives expanded into separate brace-free globs. `what` names the pattern in errors. */
export function expandBraces(glob, what) {
    const open = glob.indexOf('{');
    if (open < 0) {
        if (glob.includes('}'))
            throw new GlobError(`${what} ${shown(glob)}: unbalanced "}"`);
        return [glob];
    }
    const close = glob.indexOf('}', open);
    if (close < 0)
        throw new GlobError(`${what} ${shown(glob)}: unbalanced "{"`);
    const inner = glob.slice(open + 1, close);
    if (inner.includes('{'))
        throw new GlobError(`${what} ${shown(glob)}: nested braces cannot be translated; list the alternatives instead`);
    if (inner.includes('..'))
        throw new GlobError(`${what} ${shown(glob)}: brace ranges cannot be translated; list the alternatives instead`);
    const out = [];
    for (const alt of inner.split(',')) {
        for (const rest of expandBraces(glob.slice(close + 1), what)) {
            out.push(glob.slice(0, open) + alt + rest);
            if (out.length > MAX_GLOB_ALTERNATIVES)
                throw new GlobError(`${what} ${shown(glob)}: expands to more than ${MAX_GLOB_ALTERNATIVES} alternatives`);
        }
    }
    return out;
}
/** Does the pattern use glob syntax at all? A name without any is matched literally. */
export function isGlob(pattern) {
    return /[*?{}]/.test(pattern);
}
/** One compiled pattern: its brace alternatives, each split into `/`-separated segments. */
export class Glob {
    pattern;
    alternatives;
    globstar;
    constructor(pattern, what = 'glob', opts = {}) {
        this.pattern = pattern;
        this.globstar = opts.globstar === true;
        if (pattern.startsWith('!'))
            throw new GlobError(`${what} ${shown(pattern)}: negated globs are not supported; list the names to match instead`);
        const bad = REFUSED.exec(pattern);
        if (bad)
            throw new GlobError(`${what} ${shown(pattern)}: the character ${JSON.stringify(bad[0])} is not glob syntax meshward supports; use "*", "?", "{a,b}" and literal text`);
        this.alternatives = expandBraces(pattern, what).map((alt) => alt.split('/'));
    }
    test(name, counter) {
        const segments = name.split('/');
        for (const alt of this.alternatives) {
            if (this.globstar && alt.includes('**')) {
                if (matchSegments(alt, segments, counter))
                    return true;
                continue;
            }
            if (alt.length !== segments.length)
                continue;
            let all = true;
            for (let i = 0; i < alt.length && all; i++)
                all = matchSegment(alt[i], segments[i], counter);
            if (all)
                return true;
        }
        return false;
    }
}
/** A predicate true when any of the patterns matches; false for an empty list. */
export function anyGlob(patterns, what = 'glob') {
    const globs = patterns.map((p) => new Glob(p, what));
    return (name) => globs.some((g) => g.test(name));
}
/** Path globs (`--exclude`): `**` segments cross folders. */
export function anyPathGlob(patterns, what = 'glob') {
    const globs = patterns.map((p) => new Glob(p, what, { globstar: true }));
    return (path) => globs.some((g) => g.test(path));
}
/**
 * The same two-pointer walk as matchSegment, one level up: a `**` pattern segment absorbs whole name
 * segments, and only the most recent `**` is ever revisited, so the work stays polynomial
 * (segments × pattern segments segment matches), never exponential.
 */
function matchSegments(p, s, counter) {
    let pi = 0;
    let si = 0;
    let starP = -1;
    let starS = 0;
    while (si < s.length) {
        if (counter)
            counter.steps++;
        if (pi < p.length && p[pi] !== '**' && matchSegment(p[pi], s[si], counter)) {
            pi++;
            si++;
        }
        else if (pi < p.length && p[pi] === '**') {
            starP = pi++;
            starS = si;
        }
        else if (starP >= 0) {
            pi = starP + 1;
            si = ++starS;
        }
        else
            return false;
    }
    while (pi < p.length && p[pi] === '**')
        pi++;
    return pi === p.length;
}
/** One-off match (compiles the pattern each call: use `Glob` for repeated matching). */
export function globMatch(pattern, name) {
    return new Glob(pattern).test(name);
}
/**
 * Star/question-mark matching of one segment (no `/` in either) in O(|s| × |p|): on a mismatch, the
 * most recent star absorbs one more character and matching resumes right after it. Earlier stars never
 * need revisiting, because the last star can absorb anything they could.
 */
function matchSegment(p, s, counter) {
    let pi = 0;
    let si = 0;
    let starP = -1;
    let starS = 0;
    let steps = 0;
    while (si < s.length) {
        steps++;
        const c = p.charCodeAt(pi);
        if (pi < p.length && c !== 42 /* * */ && (c === 63 /* ? */ || c === s.charCodeAt(si))) {
            pi++;
            si++;
        }
        else if (pi < p.length && c === 42) {
            starP = pi++;
            starS = si;
        }
        else if (starP >= 0) {
            pi = starP + 1;
            si = ++starS;
        }
        else {
            if (counter)
                counter.steps += steps;
            return false;
        }
    }
    while (pi < p.length && p.charCodeAt(pi) === 42) {
        pi++;
        steps++;
    }
    if (counter)
        counter.steps += steps;
    return pi === p.length;
}
