/**
 * The advisory database: meshward's own JSON file of Istio security bulletins and end-of-support dates
 * (schema and sources in docs/advisories.md). The bundled copy ships in the package; `--advisories FILE`
 * loads a newer one, validated with clear errors. Rules read whichever is current through
 * getAdvisoryDatabase(); the CLI (or any other front door) installs another with setAdvisoryDatabase().
 */
import { createRequire } from 'node:module';
import { readSideTextSync, SideFileError } from '../engine/side-file.js';
import { jsonErrorPosition } from '../engine/redact.js';
/** Thrown for a database that cannot be read or does not validate; the message says what and where. */
export class AdvisoryDatabaseError extends Error {
}
/** Largest database file accepted (the bundled one is about 60 KB). */
export const MAX_DATABASE_BYTES = 16 * 1024 * 1024;
/** The schema module (zod), loaded the first time a database is validated: see ./database-schema.ts. */
let schemaModule = null;
/**
 * Validates parsed JSON as an advisory database and normalises it (free-text ranges parsed, vectors in
 * canonical form, optional fields filled). Throws AdvisoryDatabaseError naming every problem's path.
 */
export function parseAdvisoryDatabase(value, origin) {
    // require() of an ES module (Node >= 20.19, which package.json's engines asks for): synchronous, as the
    // rules ask for the database synchronously, and the same module instance `import` would give.
    schemaModule ??= createRequire(import.meta.url)('./database-schema.js');
    return schemaModule.parseAdvisoryDatabase(value, origin);
}
/**
 * Loads an advisory database: the bundled one without a path, else the JSON file at `path`.
 * Throws AdvisoryDatabaseError with a message fit for the user.
 */
export function loadAdvisoryDatabase(path) {
    if (path === undefined)
        return bundledDatabase();
    let text;
    try {
        text = readSideTextSync(path, MAX_DATABASE_BYTES);
    }
    catch (err) {
        if (err instanceof SideFileError)
            throw new AdvisoryDatabaseError(`cannot read advisory database ${path}: ${err.reason}`);
        throw err;
    }
    let value;
    try {
        value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    }
    catch (err) {
        throw new AdvisoryDatabaseError(`advisory database ${path} is not valid JSON${jsonErrorPosition(text, err)}; check the file (docs/advisories.md describes the format)`);
    }
    return parseAdvisoryDatabase(value, path);
}
let bundled = null;
/**
 * The database shipped with meshward (src/advisories/istio-bulletins.json, copied beside this module by
 * tsc). Read with require so it works on every Node 20 release and from dist/ after `npm ci`.
 */
export function bundledDatabase() {
    if (!bundled) {
        const json = createRequire(import.meta.url)('./istio-bulletins.json');
        bundled = parseAdvisoryDatabase(json, 'bundled');
    }
    return bundled;
}
let current = null;
/** Installs the database the advisory rules read (e.g. from `--advisories FILE`); null restores the bundled one. */
export function setAdvisoryDatabase(db) {
    current = db;
}
/** The database the advisory rules read: the one installed with setAdvisoryDatabase, else the bundled one. */
export function getAdvisoryDatabase() {
    return current ?? bundledDatabase();
}
let clock = null;
/** Fixes "today" for end-of-support decisions (tests); null restores the system clock. */
export function setAdvisoryClock(now) {
    clock = now === null ? null : typeof now === 'function' ? now : () => now;
}
/** "Today" for end-of-support decisions. */
export function advisoryNow() {
    return clock ? clock() : new Date();
}
/** How old a database is, for reports: "advisory database of 2026-11-22 (12 days old)". */
export function databaseAge(db, now = advisoryNow()) {
    const gen = Date.parse(`${db.generated}T00:00:00Z`);
    const days = Math.max(0, Math.floor((now.getTime() - gen) / 86_400_000));
    const newest = db.bulletins.reduce((a, b) => (!a || b.published > a.published ? b : a), null);
    return { generated: db.generated, days, newestBulletin: newest?.id ?? null, origin: db.origin };
}
/** Age of the bundled database. */
export function bundledDatabaseAge(now = advisoryNow()) {
    return databaseAge(bundledDatabase(), now);
}
/** Days after which reports should suggest loading a newer database with --advisories. */
export const STALE_DATABASE_DAYS = 90;
/** One line for reports: `advisory database of 2026-11-22 (bundled, 3 days old, newest ISTIO-SECURITY-2026-006)`. */
export function describeDatabase(db, now = advisoryNow()) {
    const age = databaseAge(db, now);
    const stale = age.days > STALE_DATABASE_DAYS ? `; over ${STALE_DATABASE_DAYS} days old, load a newer one with --advisories FILE` : '';
    return `advisory database of ${age.generated} (${age.origin}, ${age.days} day${age.days === 1 ? '' : 's'} old, ${db.bulletins.length} bulletin${db.bulletins.length === 1 ? '' : 's'}, newest ${age.newestBulletin ?? 'none'}${stale})`;
}
