/**
 * The advisory database: meshward's own JSON file of Istio security bulletins and end-of-support dates
 * (schema and sources in docs/advisories.md). The bundled copy ships in the package; `--advisories FILE`
 * loads a newer one, validated with clear errors. Rules read whichever is current through
 * getAdvisoryDatabase(); the CLI (or any other front door) installs another with setAdvisoryDatabase().
 */
import { createRequire } from 'node:module';
import { readSideTextSync, SideFileError } from '../engine/side-file.js';
import { terminalSafe } from '../engine/text.js';
import { jsonErrorPosition } from '../engine/redact.js';
import { z } from 'zod';
import type BundledJson from './istio-bulletins.json';
import { normaliseCvssVector } from './cvss.js';
import { parseRangeText, validateRange, type VersionRange } from './range.js';
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

const RELEASE = /^\d{1,6}\.\d{1,6}\.\d{1,6}$/;
const releaseVersion = z.string().regex(RELEASE, 'must be a release version x.y.z');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a real date');

const rangeObject = z
  .object({
    from: releaseVersion.optional(),
    to: releaseVersion.optional(),
    before: releaseVersion.optional(),
    text: z.string().max(500).optional(),
    prose: z.boolean().optional(),
    corrected: z.boolean().optional(),
    source: z.string().max(200).optional(),
  })
  .superRefine((r, ctx) => {
    for (const p of validateRange(r)) ctx.addIssue({ code: 'custom', message: p });
  });

/** A range is a structured object, or one of the bulletins' free-text forms (parsed on load). */
const rangeSchema = z.unknown().transform((v, ctx): string | z.infer<typeof rangeObject> => {
  if (typeof v === 'string') {
    const r = parseRangeText(v);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
    return v;
  }
  const res = rangeObject.safeParse(v);
  if (!res.success) {
    for (const iss of res.error.issues) ctx.addIssue({ code: 'custom', path: iss.path as (string | number)[], message: iss.message });
    return z.NEVER;
  }
  return res.data;
});

/** Only an ID of this form is echoed in messages; anything else in `id` could be any text. */
const BULLETIN_ID = /^ISTIO-SECURITY-\d{4}-\d{3}$/;

const bulletinSchema = z.object({
  id: z.string().regex(BULLETIN_ID, 'must look like ISTIO-SECURITY-2026-001'),
  published: isoDate,
  url: z.string().max(500).regex(/^https:\/\/[^\s]+$/, 'must be an https URL'),
  cves: z.array(z.string().regex(/^CVE-\d{4}-\d{4,7}$/, 'must be a CVE ID like CVE-2026-12345 (leave N/A, None and placeholders out)')).max(500),
  advisories: z.array(z.string().regex(/^GHSA(?:-[0-9a-z]{4}){3}$/, 'must be a GHSA ID like GHSA-xxxx-xxxx-xxxx')).max(100).optional(),
  cvss: z.number().min(0).max(10).nullable(),
  cvssVector: z
    .string()
    .max(200)
    .nullable()
    .refine((v) => v === null || normaliseCvssVector(v) !== null, 'must be a CVSS v3 vector (CVSS:3.1/AV:…/AC:…/PR:…/UI:…/S:…/C:…/I:…/A:…) or null'),
  affected: z.array(rangeSchema).max(200),
  fixedIn: z.array(releaseVersion).max(200),
  summary: z.string().min(1).max(2000),
  behavioural: z.boolean().optional(),
  mapsTo: z.array(z.string().max(100)).max(20).optional(),
  notes: z.array(z.string().max(4000)).max(50).optional(),
});

const databaseSchema = z
  .object({
    schemaVersion: z.literal(1, { message: 'must be 1 (this meshward reads schema version 1)' }),
    generated: isoDate,
    description: z.string().max(2000).optional(),
    sources: z.array(z.string().max(1000)).max(100).optional(),
    minorsSource: z.string().max(2000).optional(),
    minors: z
      .array(z.object({ minor: z.string().regex(/^\d{1,6}\.\d{1,6}$/, 'must be a minor like 1.22'), eol: isoDate.nullable(), note: z.string().max(2000).optional() }))
      .max(2000),
    bulletins: z.array(bulletinSchema).max(10000),
  })
  .superRefine((db, ctx) => {
    const ids = new Map<string, number>();
    db.bulletins.forEach((b, i) => {
      if (ids.has(b.id)) ctx.addIssue({ code: 'custom', path: ['bulletins', i, 'id'], message: `duplicate bulletin ${b.id} (also bulletins[${ids.get(b.id)}])` });
      else ids.set(b.id, i);
    });
    const minors = new Set<string>();
    db.minors.forEach((m, i) => {
      if (minors.has(m.minor)) ctx.addIssue({ code: 'custom', path: ['minors', i, 'minor'], message: `duplicate minor ${m.minor}` });
      minors.add(m.minor);
    });
  });

/**
 * Validates parsed JSON as an advisory database and normalises it (free-text ranges parsed, vectors in
 * canonical form, optional fields filled). Throws AdvisoryDatabaseError naming every problem's path.
 */
export function parseAdvisoryDatabase(value: unknown, origin: string): AdvisoryDatabase {
  const res = databaseSchema.safeParse(value);
  if (!res.success) {
    const issues = res.error.issues;
    // Messages may quote a range's text as written: escaped, so control characters cannot act on a terminal.
    const lines = issues.slice(0, 20).map((iss) => `  ${formatPath(iss.path, value)}: ${terminalSafe(iss.message)}`);
    if (issues.length > 20) lines.push(`  … and ${issues.length - 20} more`);
    throw new AdvisoryDatabaseError(`${origin} is not a valid advisory database (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
  }
  const d = res.data;
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
      if (!parsed.ok) throw new AdvisoryDatabaseError(`${origin}: ${parsed.error}`); // unreachable: validated above
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

/** `bulletins[3] (ISTIO-SECURITY-2026-001).affected[0]`: the path, with the bulletin's ID when known. */
function formatPath(path: readonly PropertyKey[], root: unknown): string {
  let out = '';
  let node: any = root;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
    node = node !== null && typeof node === 'object' ? node[seg as any] : undefined;
    if (typeof seg === 'number' && out.startsWith('bulletins[') && out.indexOf(']') === out.length - 1 && node && typeof node.id === 'string' && BULLETIN_ID.test(node.id)) {
      out += ` (${node.id.slice(0, 40)})`;
    }
  }
  return out || '(top level)';
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
 */
export function bundledDatabase(): AdvisoryDatabase {
  if (!bundled) {
    const json: typeof BundledJson = createRequire(import.meta.url)('./istio-bulletins.json');
    bundled = parseAdvisoryDatabase(json, 'bundled');
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
