import path from 'node:path';
import { UsageError, EXIT_FINDINGS } from '../io.js';
import { AdvisoryDatabaseError, advisoryNow, databaseAge, describeDatabase, loadAdvisoryDatabase, } from '../../advisories/database.js';
import { checkVersion } from '../../advisories/match.js';
import { describeRange } from '../../advisories/range.js';
import { parseIstioVersion, describeSuffix } from '../../advisories/version.js';
import { parseImage } from '../../model/images.js';
import { shorten, versionOfImage } from '../../advisories/detect.js';
/**
 * `meshward advisories check VERSION` and `meshward advisories list`.
 * `check` exits 1 when a security bulletin an upgrade fixes applies to the version (end of support alone
 * does not change the exit code), 0 when none does, 2 for usage errors (bad version, bad database file).
 */
export function registerAdvisories(program, io, setExit) {
    const cmd = program.command('advisories').description("Istio security bulletins: check a version, list the database");
    cmd
        .command('check')
        .description('check an Istio version (1.22.3, 1.22.3-distroless) or image (docker.io/istio/proxyv2:1.22.3) against the security bulletins; exit 1 when affected')
        .argument('<version>', 'Istio version or image reference')
        .option('-f, --format <format>', 'text or json', 'text')
        .option('--advisories <file>', 'advisory database JSON to use instead of the bundled one')
        .action((input, opts) => {
        const format = checkFormat(opts.format, 'advisories check');
        const db = loadDb(opts.advisories, io);
        const version = parseInput(input);
        const now = advisoryNow();
        const res = checkVersion(version, db, now);
        if (format === 'json')
            io.stdout.write(JSON.stringify(checkJson(input, res, db, now), null, 2) + '\n');
        else
            io.stdout.write(checkText(res, db, now));
        if (res.affected.length)
            setExit(EXIT_FINDINGS);
    });
    cmd
        .command('list')
        .description('list every bulletin in the advisory database: ID, date, CVSS, affected releases, fixes')
        .option('-f, --format <format>', 'text or json', 'text')
        .option('--advisories <file>', 'advisory database JSON to use instead of the bundled one')
        .action((opts) => {
        const format = checkFormat(opts.format, 'advisories list');
        const db = loadDb(opts.advisories, io);
        const now = advisoryNow();
        if (format === 'json') {
            const age = databaseAge(db, now);
            const { origin: _origin, ...data } = db;
            io.stdout.write(JSON.stringify({ database: { ...age, bulletins: db.bulletins.length }, ...data }, null, 2) + '\n');
            return;
        }
        io.stdout.write(listText(db, now));
    });
}
function checkFormat(f, cmd) {
    if (f !== 'text' && f !== 'json')
        throw new UsageError(`unknown --format "${shorten(String(f), 40)}" for ${cmd}; use text or json`);
    return f;
}
function loadDb(file, io) {
    try {
        return loadAdvisoryDatabase(file === undefined ? undefined : path.resolve(io.cwd, file));
    }
    catch (err) {
        if (err instanceof AdvisoryDatabaseError)
            throw new UsageError(err.message);
        throw err;
    }
}
/** A version (`1.22.3`, `1.22.3-solo`, `1.22`) or an image reference whose tag is one. */
function parseInput(input) {
    const shown = shorten(input, 80);
    if (input.length > 1024)
        throw new UsageError('the version is too long to be an Istio version or image reference');
    const looksLikeImage = input.includes('/') || input.includes('@') || input.includes(':');
    if (looksLikeImage) {
        const ref = parseImage(input);
        if (!ref)
            throw new UsageError(`"${shown}" is neither an Istio version nor an image reference`);
        const { version, reason } = versionOfImage(ref);
        if (!version)
            throw new UsageError(`cannot tell the Istio version of image "${shown}": ${reason}`);
        return version;
    }
    const v = parseIstioVersion(input);
    if (!v) {
        const revision = /^\d+-\d+(?:-\d+)?$/.test(input) ? ` ("${shown}" looks like a revision name such as istio.io/rev: 1-22-3; revisions are names, not versions)` : '';
        throw new UsageError(`"${shown}" is not an Istio version; give one like 1.22.3${revision}`);
    }
    return v;
}
function checkText(res, db, now) {
    const out = [];
    const suffix = describeSuffix(res.version);
    const name = `Istio ${res.checked}${suffix ? ` (${suffix})` : ''}`;
    if (res.affected.length) {
        const n = res.affected.length;
        out.push(`${name}: AFFECTED by ${n} security bulletin${n === 1 ? '' : 's'} (highest CVSS ${res.maxCvss ?? 'n/a'}, severity ${res.severity})`);
        for (const b of res.affected)
            out.push(...bulletinLines(b));
        if (res.nearestFixed) {
            const sameMinor = res.nearestFixed.startsWith(`${res.support.minor}.`);
            out.push(`Nearest fixed version: ${res.nearestFixed}${sameMinor ? '' : ` (no ${res.support.minor} release fixes them all)`}`);
        }
        else {
            out.push('Nearest fixed version: none in the advisory database');
        }
        if (res.upgradeTo && res.upgradeTo !== res.nearestFixed)
            out.push(`Nearest fixed version on a supported minor: ${res.upgradeTo}`);
    }
    else {
        out.push(`${name}: no published security bulletin that an upgrade fixes applies to it`);
    }
    if (!res.precise) {
        out.push(`The patch release is unknown: only bulletins covering every ${res.support.minor} patch are counted.`);
        if (res.possiblyAffected.length)
            out.push(`Some ${res.support.minor} patches are affected by: ${res.possiblyAffected.map((b) => b.id).join(', ')}; give the full version.`);
    }
    if (res.version.vendor)
        out.push(`Vendor build "${res.version.vendor}": the vendor may have back-ported fixes; check its own advisories.`);
    const s = res.support;
    if (s.status === 'end-of-life')
        out.push(`Support: ${s.minor} ${s.eol ? `reached end of support on ${s.eol}` : 'is long out of support'}; supported minors: ${s.supportedMinors.join(', ') || 'none listed'}`);
    else if (s.status === 'supported')
        out.push(`Support: ${s.minor} is supported${s.eol ? ` until ${s.eol}` : ''}`);
    else
        out.push(`Support: ${s.minor} is not in the advisory database (newer than it?); load a newer one with --advisories FILE`);
    if (res.behavioural.length) {
        out.push(`Also applies, behaviour no upgrade changes (checked by meshward's posture rules): ${res.behavioural.map((b) => `${b.id} (${b.mapsTo.join(', ') || 'posture'})`).join(', ')}`);
    }
    out.push(capital(describeDatabase(db, now)));
    return out.join('\n') + '\n';
}
function bulletinLines(b) {
    return [
        `  ${b.id}  ${b.published}  CVSS ${b.cvss ?? 'n/a'}  fixed in ${b.fixedIn.join(', ') || 'no release'}`,
        `      ${b.summary}`,
        `      ${b.url}`,
    ];
}
function checkJson(input, res, db, now) {
    const brief = (b) => ({
        id: b.id,
        published: b.published,
        cvss: b.cvss,
        cvssVector: b.cvssVector,
        cves: b.cves,
        fixedIn: b.fixedIn,
        summary: b.summary,
        url: b.url,
    });
    return {
        input: shorten(input, 200),
        version: res.checked,
        precise: res.precise,
        prerelease: res.version.prerelease,
        vendor: res.version.vendor,
        variants: res.version.variants,
        affected: res.affected.length > 0,
        severity: res.severity,
        maxCvss: res.maxCvss,
        nearestFixed: res.nearestFixed,
        upgradeTo: res.upgradeTo,
        bulletins: res.affected.map(brief),
        possiblyAffected: res.possiblyAffected.map(brief),
        behavioural: res.behavioural.map((b) => ({ id: b.id, mapsTo: b.mapsTo, summary: b.summary, url: b.url })),
        support: res.support,
        database: { ...databaseAge(db, now), bulletins: db.bulletins.length },
    };
}
function listText(db, now) {
    const out = [];
    for (const b of db.bulletins) {
        const ranges = b.affected.map(describeRange).join('; ') || 'none';
        const kind = b.behavioural ? `  [behavioural: ${b.mapsTo.join(', ') || 'posture rules'}]` : '';
        out.push(`${b.id}  ${b.published}  CVSS ${String(b.cvss ?? 'n/a').padEnd(4)}  affected: ${ranges}  fixed in: ${b.fixedIn.join(', ') || '-'}${kind}`);
        out.push(`    ${b.summary}`);
    }
    out.push('', `${db.bulletins.length} bulletins. ${capital(describeDatabase(db, now))}.`);
    return out.join('\n') + '\n';
}
function capital(s) {
    return s ? s[0].toUpperCase() + s.slice(1) : s;
}
