import { severityFromCvss } from './cvss.js';
import { advisoryNow } from './database.js';
import { rangeContains, rangeCoversMinor, rangeTouchesMinor } from './range.js';
import { compareVersions, formatVersion, minorOf, parseMinor, parseReleaseVersion } from './version.js';
/** Does the bulletin's affected list contain this release (patch known)? */
export function bulletinAffects(b, v) {
    return b.affected.some((r) => rangeContains(r, v));
}
function today(now) {
    return now.toISOString().slice(0, 10);
}
/** Minors still supported at `now` according to the database. */
export function supportedMinors(db, now = advisoryNow()) {
    const d = today(now);
    return db.minors
        .filter((m) => m.eol === null || m.eol > d)
        .map((m) => m.minor)
        .sort(compareMinors);
}
function compareMinors(a, b) {
    const pa = parseMinor(a);
    const pb = parseMinor(b);
    return pa[0] - pb[0] || pa[1] - pb[1];
}
/**
 * Support status of a version's minor. A minor the database lists is end-of-life once its `eol` date is
 * reached; a minor older than every listed one is end-of-life; one newer than every listed one, or in a
 * gap, is `unknown` (the database predates it).
 */
export function supportStatus(v, db, now = advisoryNow()) {
    const minor = minorOf(v);
    const supported = supportedMinors(db, now);
    const entry = db.minors.find((m) => m.minor === minor);
    if (entry) {
        const ended = entry.eol !== null && entry.eol <= today(now);
        return { minor, status: ended ? 'end-of-life' : 'supported', eol: entry.eol, supportedMinors: supported };
    }
    const listed = db.minors.map((m) => m.minor).sort(compareMinors);
    if (listed.length && compareMinors(minor, listed[0]) < 0) {
        return { minor, status: 'end-of-life', eol: null, supportedMinors: supported };
    }
    return { minor, status: 'unknown', eol: null, supportedMinors: supported };
}
/**
 * Checks one version against the database. Pre-releases count as their release (`1.23.0-beta.1` as
 * 1.23.0: a pre-release holds at most the fixes of its release); vendor builds as the upstream release
 * they are based on (callers should say the vendor may have back-ported fixes).
 */
export function checkVersion(v, db, now = advisoryNow()) {
    const precise = v.patch !== null;
    const affected = [];
    const possiblyAffected = [];
    const behavioural = [];
    for (const b of db.bulletins) {
        let hit;
        if (precise)
            hit = bulletinAffects(b, v) ? 'yes' : 'no';
        else if (b.affected.some((r) => rangeCoversMinor(r, v.major, v.minor)))
            hit = 'yes';
        else if (b.affected.some((r) => rangeTouchesMinor(r, v.major, v.minor)))
            hit = 'maybe';
        else
            hit = 'no';
        if (hit === 'no')
            continue;
        if (b.behavioural)
            behavioural.push(b);
        else if (hit === 'yes')
            affected.push(b);
        else
            possiblyAffected.push(b);
    }
    let maxCvss = null;
    for (const b of affected)
        if (b.cvss !== null && (maxCvss === null || b.cvss > maxCvss))
            maxCvss = b.cvss;
    const base = { major: v.major, minor: v.minor, patch: v.patch ?? 0 };
    const fixes = affected.length || possiblyAffected.length ? fixCandidates(base, db, now) : { nearest: null, upgradeTo: null };
    return {
        version: v,
        checked: formatVersion(v),
        precise,
        affected,
        possiblyAffected,
        behavioural,
        maxCvss,
        severity: affected.length ? severityFromCvss(maxCvss) : null,
        nearestFixed: fixes.nearest,
        upgradeTo: fixes.upgradeTo,
        support: supportStatus(v, db, now),
    };
}
const cleanFixesCache = new WeakMap();
/** The database's fixed releases that no version bulletin affects, ascending (computed once per database). */
function cleanFixes(db) {
    let clean = cleanFixesCache.get(db);
    if (!clean) {
        const seen = new Set();
        clean = [];
        for (const b of db.bulletins) {
            if (b.behavioural)
                continue;
            for (const f of b.fixedIn) {
                if (seen.has(f))
                    continue;
                seen.add(f);
                const fv = parseReleaseVersion(f);
                if (!fv || db.bulletins.some((o) => !o.behavioural && bulletinAffects(o, fv)))
                    continue;
                clean.push(fv);
            }
        }
        clean.sort(compareVersions);
        cleanFixesCache.set(db, clean);
    }
    return clean;
}
/** Releases later than `v` that the database names as fixes and that no version bulletin affects. */
function fixCandidates(v, db, now) {
    const clean = cleanFixes(db).filter((c) => compareVersions(c, v) > 0);
    const supported = new Set(supportedMinors(db, now));
    const sameMinor = clean.find((c) => c.major === v.major && c.minor === v.minor);
    const inSupported = clean.find((c) => supported.has(minorOf(c)));
    const nearest = sameMinor ?? inSupported ?? clean[0];
    return { nearest: nearest ? formatVersion(nearest) : null, upgradeTo: inSupported ? formatVersion(inSupported) : null };
}
const checkCache = new WeakMap();
/**
 * checkVersion, memoised per database, release and day: a mesh of 100,000 pods runs a handful of
 * distinct releases. The result's `version` is that of the first caller with the same release; read
 * suffixes (vendor, pre-release) from your own parsed version.
 */
export function checkVersionCached(v, db, now = advisoryNow()) {
    let m = checkCache.get(db);
    if (!m)
        checkCache.set(db, (m = new Map()));
    const key = `${formatVersion(v)}@${today(now)}`;
    let res = m.get(key);
    if (!res) {
        if (m.size > 10_000)
            m.clear(); // bounded: hostile input may name many releases
        res = checkVersion(v, db, now);
        m.set(key, res);
    }
    return res;
}
/** `ISTIO-SECURITY-2024-001, ISTIO-SECURITY-2024-002 and 3 more` for messages. */
export function listBulletinIds(bs, max = 8) {
    const ids = bs.map((b) => b.id);
    if (ids.length <= max)
        return ids.join(', ');
    return `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}
