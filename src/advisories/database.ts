/**
 * The advisory database: meshward's own JSON file of Istio security bulletins and end-of-support dates
 * (schema and sources in docs/advisories.md). The bundled copy ships in the package; `--advisories FILE`
 * loads a newer one, validated with clear errors. Rules read whichever is current through
 * getAdvisoryDatabase(); the CLI (or any other front door) installs another with setAdvisoryDatabase().
 */
import { createRequire } from 'node:module';
import { readSideTextSync, SideFileError } from '../engine/side-file.js';
import { jsonErrorPosition } from '../engine/redact.js';
import type * as SchemaModule from './database-schema.js';
import type { ValidatedDatabase } from './database-schema.js';
// tsc copies a JSON file into dist only when a module imports it, and the require in bundledDatabase()
// is invisible to it: this type-only import (erased at run time) keeps the database in a clean build.
import type BundledJson from './istio-bulletins.json';
import { normaliseCvssVector } from './cvss.js';
import { parseRangeText, type VersionRange } from './range.js';
import { compareVersionStrings } from './version.js';

export interface Bulletin {
  /** `ISTIO-SECURITY-YYYY-NNN`. */
  id: string;
  /** Publish date, `YYYY-MM-DD`. */
  published: string;
  url: string;
  /** Real CVE IDs only: no `N/A`, `None` or placeholders. */
  cves: string[];
  /** Other advisory IDs (GHSA) the bulletin names. */
  advisories: string[];
  /** The bulletin's maximum CVSS score; null when it has none. */
  cvss: number | null;
  /** Normalised CVSS v3 vector (`CVSS:3.x/` prefix, canonical order); null when none. */
  cvssVector: string | null;
  /** Affected releases as exact ranges; a version is affected when any range contains it. */
  affected: VersionRange[];
  /** The releases that fix it, one per minor that got a fix. */
  fixedIn: string[];
  /** One line, in meshward's words. */
  summary: string;
  /**
   * Behaviour no upgrade fixes (2021-002, 2021-004, 2026-002): never reported as a vulnerable
   * version; the posture rules of the categories in `mapsTo` cover it.
   */
  behavioural: boolean;
  /** Rule categories that check the behaviour (`traffic-hijack`, `authn-authz`...). */
  mapsTo: string[];
  /** Data-quality notes: where this entry departs from the bulletin's front matter, and why. */
  notes: string[];
}

export interface MinorSupport {
  /** `1.22`. */
  minor: string;
  /** Date support ends or ended (`YYYY-MM-DD`); null when still supported at `generated`. */
  eol: string | null;
  note?: string;
}

export interface AdvisoryDatabase {
  schemaVersion: 1;
  /** Date the data was last checked against Istio's site, `YYYY-MM-DD`. */
  generated: string;
  description?: string;
  sources: string[];
  minors: MinorSupport[];
  bulletins: Bulletin[];
  /** `bundled`, or the file it was loaded from. */
  origin: string;
}

/** Thrown for a database that cannot be read or does not validate; the message says what and where. */
export class AdvisoryDatabaseError extends Error {}

/** Largest database file accepted (the bundled one is about 60 KB). */
export const MAX_DATABASE_BYTES = 16 * 1024 * 1024;

/** The schema module (zod), loaded the first time a database is validated: see ./database-schema.ts. */
let schemaModule: typeof SchemaModule | null = null;

/**
 * Validates parsed JSON as an advisory database and normalises it (free-text ranges parsed, vectors in
 * canonical form, optional fields filled). Throws AdvisoryDatabaseError naming every problem's path.
 */
export function parseAdvisoryDatabase(value: unknown, origin: string): AdvisoryDatabase {
  // require() of an ES module (Node >= 20.19, which package.json's engines asks for): synchronous, as the
  // rules ask for the database synchronously, and the same module instance `import` would give.
  schemaModule ??= createRequire(import.meta.url)('./database-schema.js') as typeof SchemaModule;
  return schemaModule.parseAdvisoryDatabase(value, origin);
}

/**
 * A validated database in the form the rules read: free-text ranges parsed, vectors in canonical
 * form, releases and bulletins in order, optional fields filled. No zod here: the bundled database
 * comes through this alone (see bundledDatabase).
 */
export function normaliseDatabase(d: ValidatedDatabase, origin: string): AdvisoryDatabase {
  const bulletins: Bulletin[] = d.bulletins.map((b) => ({
    id: b.id,
    published: b.published,
    url: b.url,
    cves: [...b.cves],
    advisories: [...(b.advisories ?? [])],
    cvss: b.cvss,
    cvssVector: b.cvssVector === null ? null : normaliseCvssVector(b.cvssVector),
    affected: b.affected.map((r) => {
      if (typeof r !== 'string') return { ...r };
      const parsed = parseRangeText(r);
      // A file given with --advisories was validated, so never here; a damaged bundled copy could be.
      if (!parsed.ok) throw new AdvisoryDatabaseError(`${origin}: ${parsed.error}`);
      return parsed.range;
    }),
    fixedIn: [...b.fixedIn].sort(compareVersionStrings),
    summary: b.summary,
    behavioural: b.behavioural === true,
    mapsTo: [...(b.mapsTo ?? [])],
    notes: [...(b.notes ?? [])],
  }));
  bulletins.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return {
    schemaVersion: 1,
    generated: d.generated,
    description: d.description,
    sources: [...(d.sources ?? [])],
    minors: d.minors.map((m) => ({ ...m })),
    bulletins,
    origin,
  };
}

/**
 * Loads an advisory database: the bundled one without a path, else the JSON file at `path`.
 * Throws AdvisoryDatabaseError with a message fit for the user.
 */
export function loadAdvisoryDatabase(path?: string): AdvisoryDatabase {
  if (path === undefined) return bundledDatabase();
  let text: string;
  try {
    text = readSideTextSync(path, MAX_DATABASE_BYTES);
  } catch (err) {
    if (err instanceof SideFileError) throw new AdvisoryDatabaseError(`cannot read advisory database ${path}: ${err.reason}`);
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new AdvisoryDatabaseError(`advisory database ${path} is not valid JSON${jsonErrorPosition(text, err)}; check the file (docs/advisories.md describes the format)`);
  }
  return parseAdvisoryDatabase(value, path);
}

let bundled: AdvisoryDatabase | null = null;

/**
 * The database shipped with meshward (src/advisories/istio-bulletins.json, copied beside this module by
 * tsc). Read with require so it works on every Node 20 release and from dist/ after `npm ci`.
 *
 * Normalised without the schema: the file is meshward's own build artifact, checked against the full
 * schema by database.test.ts, and every scan reads it; loading zod to check it again cost each run
 * about 0.15 s (normalising alone takes under 10 ms). The schema version is still looked at, so a copy
 * of another format is an error rather than a wrong reading.
 */
export function bundledDatabase(): AdvisoryDatabase {
  if (!bundled) {
    const json = createRequire(import.meta.url)('./istio-bulletins.json') as Partial<Pick<typeof BundledJson, 'schemaVersion'>>;
    if (json.schemaVersion !== 1) throw new AdvisoryDatabaseError(`the bundled advisory database has schema version ${JSON.stringify(json.schemaVersion)}, not 1; reinstall meshward`);
    bundled = normaliseDatabase(json as ValidatedDatabase, 'bundled');
  }
  return bundled;
}

let current: AdvisoryDatabase | null = null;

/** Installs the database the advisory rules read (e.g. from `--advisories FILE`); null restores the bundled one. */
export function setAdvisoryDatabase(db: AdvisoryDatabase | null): void {
  current = db;
}

/** The database the advisory rules read: the one installed with setAdvisoryDatabase, else the bundled one. */
export function getAdvisoryDatabase(): AdvisoryDatabase {
  return current ?? bundledDatabase();
}

let clock: (() => Date) | null = null;

/** Fixes "today" for end-of-support decisions (tests); null restores the system clock. */
export function setAdvisoryClock(now: Date | (() => Date) | null): void {
  clock = now === null ? null : typeof now === 'function' ? now : () => now;
}

/** "Today" for end-of-support decisions. */
export function advisoryNow(): Date {
  return clock ? clock() : new Date();
}

export interface DatabaseAge {
  /** `YYYY-MM-DD` the data was last checked. */
  generated: string;
  /** Whole days between `generated` and `now` (0 when `now` is earlier). */
  days: number;
  /** The newest bulletin it holds. */
  newestBulletin: string | null;
  origin: string;
}

/** How old a database is, for reports: "advisory database of 2026-11-22 (12 days old)". */
export function databaseAge(db: AdvisoryDatabase, now: Date = advisoryNow()): DatabaseAge {
  const gen = Date.parse(`${db.generated}T00:00:00Z`);
  const days = Math.max(0, Math.floor((now.getTime() - gen) / 86_400_000));
  const newest = db.bulletins.reduce<Bulletin | null>((a, b) => (!a || b.published > a.published ? b : a), null);
  return { generated: db.generated, days, newestBulletin: newest?.id ?? null, origin: db.origin };
}

/** Age of the bundled database. */
export function bundledDatabaseAge(now: Date = advisoryNow()): DatabaseAge {
  return databaseAge(bundledDatabase(), now);
}

/** Days after which reports should suggest loading a newer database with --advisories. */
export const STALE_DATABASE_DAYS = 90;

/** One line for reports: `advisory database of 2026-11-22 (bundled, 3 days old, newest ISTIO-SECURITY-2026-006)`. */
export function describeDatabase(db: AdvisoryDatabase, now: Date = advisoryNow()): string {
  const age = databaseAge(db, now);
  const stale = age.days > STALE_DATABASE_DAYS ? `; over ${STALE_DATABASE_DAYS} days old, load a newer one with --advisories FILE` : '';
  return `advisory database of ${age.generated} (${age.origin}, ${age.days} day${age.days === 1 ? '' : 's'} old, ${db.bulletins.length} bulletin${db.bulletins.length === 1 ? '' : 's'}, newest ${age.newestBulletin ?? 'none'}${stale})`;
}
