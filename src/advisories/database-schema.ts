/**
 * The advisory database's schema (zod) and its validation, apart from ./database.ts: the advisory rules
 * run in every scan and every live analysis worker, and zod costs each thread about 0.1-0.2 s to load.
 * A worker given the main thread's database never validates one, and the bundled database is checked
 * against this schema by its unit test rather than on every run, so only `--advisories FILE` loads it.
 */
import { z } from 'zod';
import { terminalSafe } from '../engine/text.js';
import { AdvisoryDatabaseError, normaliseDatabase, type AdvisoryDatabase } from './database.js';
import { normaliseCvssVector } from './cvss.js';
import { parseRangeText, validateRange } from './range.js';

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

/** A database as the schema lets it through: what normaliseDatabase (./database.ts) turns into an AdvisoryDatabase. */
export type ValidatedDatabase = z.output<typeof databaseSchema>;

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
  return normaliseDatabase(res.data, origin);
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

