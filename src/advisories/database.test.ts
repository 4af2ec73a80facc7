import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AdvisoryDatabaseError,
  bundledDatabase,
  bundledDatabaseAge,
  databaseAge,
  describeDatabase,
  getAdvisoryDatabase,
  loadAdvisoryDatabase,
  parseAdvisoryDatabase,
  setAdvisoryDatabase,
  type Bulletin,
} from './database.js';
import { parseRangeText, rangeContains, type VersionRange } from './range.js';
import { cvssBaseScore, cvssTemporalScore, parseCvssVector } from './cvss.js';
import { checkVersion } from './match.js';
import { formatVersion, parseIstioVersion, parseReleaseVersion } from './version.js';

const db = bundledDatabase();
const rel = (s: string) => parseReleaseVersion(s)!;

test('the bundled database holds all 56 numbered bulletins, 2019-001 to 2026-006', () => {
  assert.equal(db.bulletins.length, 56);
  const ids = new Set(db.bulletins.map((b) => b.id));
  assert.equal(ids.size, 56);
  const perYear: Record<string, number> = { 2019: 7, 2020: 11, 2021: 8, 2022: 8, 2023: 5, 2024: 7, 2025: 4, 2026: 6 };
  for (const [year, n] of Object.entries(perYear)) {
    for (let i = 1; i <= n; i++) assert.ok(ids.has(`ISTIO-SECURITY-${year}-${String(i).padStart(3, '0')}`), `${year}-${i}`);
  }
  assert.equal(db.origin, 'bundled');
  assert.match(db.generated, /^\d{4}-\d{2}-\d{2}$/);
});

// bundledDatabase() normalises the bundled file without the schema (start-up cost): this is the
// check that keeps a broken bundled file from shipping, and that the two readings agree.
test('the bundled file passes the full schema, and reading it without the schema gives the same database', () => {
  const raw: unknown = JSON.parse(readFileSync(new URL('./istio-bulletins.json', import.meta.url), 'utf8'));
  const validated = parseAdvisoryDatabase(raw, 'bundled');
  assert.deepEqual(bundledDatabase(), validated);
});

test('every entry is well formed: dates, URLs, real CVE IDs, summaries in one line', () => {
  for (const b of db.bulletins) {
    const year = b.id.slice('ISTIO-SECURITY-'.length, 'ISTIO-SECURITY-'.length + 4);
    assert.ok(b.published.startsWith(year), `${b.id} published ${b.published}`);
    assert.equal(b.url, `https://istio.io/latest/news/security/${b.id.toLowerCase()}/`);
    for (const c of b.cves) assert.match(c, /^CVE-(19|20)\d{2}-\d{4,7}$/, `${b.id} ${c}`);
    assert.equal(new Set(b.cves).size, b.cves.length, `${b.id} duplicate CVE`);
    assert.ok(!/\n/.test(b.summary) && b.summary.length < 500, b.id);
    assert.ok(b.affected.length > 0, `${b.id} has affected ranges`);
  }
});

test('bulletins without CVEs stay in, with no placeholder IDs', () => {
  for (const id of ['2020-011', '2021-002', '2021-004', '2023-005', '2024-005', '2026-002']) {
    const b = db.bulletins.find((x) => x.id === `ISTIO-SECURITY-${id}`)!;
    assert.deepEqual(b.cves, [], id);
  }
  const all = JSON.stringify(db.bulletins.map((b) => b.cves));
  assert.ok(!/XXXX|N\/A|None/.test(all));
});

test('corrections against the published bulletins are in place', () => {
  const get = (id: string) => db.bulletins.find((b) => b.id === `ISTIO-SECURITY-${id}`)!;
  // 2025-002's front matter repeats 2025-001's CVEs; the body names the real ones.
  assert.deepEqual(get('2025-002').cves, ['CVE-2025-62504', 'CVE-2025-62409']);
  // 2026-003's placeholder CVE-2026-XXXXX is CVE-2026-41413 in the published body.
  assert.deepEqual(get('2026-003').cves, ['CVE-2026-39350', 'CVE-2026-41413']);
  // 2026-006 drops the CVE-XXXX-XXXXX placeholder, keeps the 13 Envoy CVEs and the GHSA.
  assert.equal(get('2026-006').cves.length, 13);
  assert.deepEqual(get('2026-006').advisories, ['GHSA-qm8v-g4f9-qhjx']);
  // 2019-007 was published on 2019-12-10, not 2019-09-10 (before 1.4.0 existed).
  assert.equal(get('2019-007').published, '2019-12-10');
  // 2026-005's releases include the fixing patches; the release notes say 1.30.2/1.29.5/1.28.9 fix it.
  assert.deepEqual(get('2026-005').fixedIn, ['1.28.9', '1.29.5', '1.30.2']);
  assert.equal(checkVersion(parseIstioVersion('1.30.2')!, db).affected.some((b) => b.id.endsWith('2026-005')), false);
  assert.equal(checkVersion(parseIstioVersion('1.30.1')!, db).affected.some((b) => b.id.endsWith('2026-005')), true);
  // 2020-003 has no vector in its front matter; the body's highest CVE supplies it.
  assert.equal(get('2020-003').cvssVector, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H/E:F');
});

test('exactly the three behavioural bulletins are flagged, and they map to posture rules', () => {
  const behavioural = db.bulletins.filter((b) => b.behavioural).map((b) => b.id).sort();
  assert.deepEqual(behavioural, ['ISTIO-SECURITY-2021-002', 'ISTIO-SECURITY-2021-004', 'ISTIO-SECURITY-2026-002']);
  for (const b of db.bulletins.filter((x) => x.behavioural)) {
    assert.ok(b.mapsTo.length > 0, b.id);
    assert.deepEqual(b.fixedIn, [], b.id);
  }
});

test('vectors are normalised CVSS v3 and agree with the published scores', () => {
  // Published vectors whose score differs from the bulletin's (documented in each entry's notes).
  const knownMismatch = new Set(['ISTIO-SECURITY-2026-001', 'ISTIO-SECURITY-2025-004', 'ISTIO-SECURITY-2025-002']);
  for (const b of db.bulletins) {
    if (b.cvssVector === null) {
      assert.ok(['ISTIO-SECURITY-2020-011', 'ISTIO-SECURITY-2021-002', 'ISTIO-SECURITY-2021-004', 'ISTIO-SECURITY-2023-005'].includes(b.id), `${b.id} has no vector`);
      assert.equal(b.cvss, null, b.id);
      continue;
    }
    assert.match(b.cvssVector, /^CVSS:3\.[01]\/AV:[NALP]\/AC:[LH]\/PR:[NLH]\/UI:[NR]\/S:[UC]\/C:[HLN]\/I:[HLN]\/A:[HLN](\/E:[XUPFH])?(\/RL:[XOTWU])?(\/RC:[XURC])?$/, b.id);
    const v = parseCvssVector(b.cvssVector)!;
    const agrees = b.cvss === cvssBaseScore(v) || b.cvss === cvssTemporalScore(v);
    if (knownMismatch.has(b.id)) {
      assert.ok(!agrees, `${b.id} is listed as a mismatch but agrees now: drop it from the list`);
      assert.ok(b.notes.some((n) => /scores/.test(n)), `${b.id} documents the mismatch`);
    } else {
      assert.ok(agrees, `${b.id}: cvss ${b.cvss} vs vector ${b.cvssVector} (base ${cvssBaseScore(v)})`);
    }
  }
});

test('every range that keeps its bulletin text parses back to the same structure', () => {
  for (const b of db.bulletins) {
    for (const r of b.affected as Array<VersionRange & { corrected?: boolean; source?: string }>) {
      if (r.corrected || r.source) {
        assert.ok(b.notes.length > 0, `${b.id}: a corrected or body-derived range needs a note`);
        continue;
      }
      assert.ok(r.text, `${b.id}: range without text`);
      const p = parseRangeText(r.text);
      assert.ok(p.ok, `${b.id}: ${r.text}`);
      assert.deepEqual(p.range, r, `${b.id}: ${r.text}`);
    }
  }
});

test('fixed releases sit just outside the ranges they fix', () => {
  for (const b of db.bulletins.filter((x) => !x.behavioural)) {
    for (const f of b.fixedIn) {
      const fv = rel(f);
      assert.ok(!b.affected.some((r) => rangeContains(r, fv)), `${b.id}: fix ${f} is inside its own range`);
      if (fv.patch! > 0) {
        const prev = { ...fv, patch: fv.patch! - 1 };
        assert.ok(b.affected.some((r) => rangeContains(r, prev)), `${b.id}: the release before fix ${f} is not affected`);
      }
    }
    for (const r of b.affected) {
      if (r.to) {
        const next = { ...rel(r.to), patch: rel(r.to).patch! + 1 };
        const covered = b.affected.some((o) => rangeContains(o, next));
        const fixed = b.fixedIn.includes(formatVersion(next));
        // Only 2021-007's "All 1.8 patch releases" and 2026-006's older releases have no fix in their minor.
        assert.ok(covered || fixed, `${b.id}: nothing says what follows ${r.to}`);
      }
      if (r.before && rel(r.before).patch === 0) {
        assert.ok(
          b.affected.some((o) => rangeContains(o, rel(r.before!))) || b.fixedIn.includes(r.before),
          `${b.id}: ${r.before} after "prior to" is neither affected nor a fix`,
        );
      }
    }
  }
});

/** Versions just inside and just outside one range, generated from its bounds. */
function boundaries(r: VersionRange): { inside: string[]; outside: string[] } {
  const inside: string[] = [];
  const outside: string[] = [];
  const prevOf = (s: string) => {
    const v = rel(s);
    if (v.patch! > 0) return `${v.major}.${v.minor}.${v.patch! - 1}`;
    if (v.minor > 0) return `${v.major}.${v.minor - 1}.999`;
    return null;
  };
  if (r.from) {
    inside.push(r.from);
    const p = prevOf(r.from);
    if (p) outside.push(p);
  } else {
    inside.push('0.0.0', '1.0.0');
  }
  if (r.to) {
    inside.push(r.to);
    const t = rel(r.to);
    outside.push(`${t.major}.${t.minor}.${t.patch! + 1}`);
  }
  if (r.before) {
    outside.push(r.before);
    const p = prevOf(r.before);
    if (p) inside.push(p);
  }
  if (!r.to && !r.before) inside.push('1.99.99', '99.0.0');
  return { inside, outside };
}

for (const b of bundledDatabase().bulletins) {
  test(`${b.id}: versions just inside and just outside every range`, () => {
    for (const r of b.affected) {
      const { inside, outside } = boundaries(r);
      for (const s of inside) {
        assert.ok(rangeContains(r, rel(s)), `${b.id} ${JSON.stringify(r.text ?? r)}: ${s} should be inside`);
        const res = checkVersion(parseIstioVersion(s)!, db);
        const list = b.behavioural ? res.behavioural : res.affected;
        assert.ok(list.some((x) => x.id === b.id), `${b.id}: checkVersion(${s}) should list it`);
        if (!b.behavioural) assert.ok(res.severity !== null && res.maxCvss === maxOf(res.affected));
      }
      for (const s of outside) {
        assert.ok(!rangeContains(r, rel(s)), `${b.id} ${JSON.stringify(r.text ?? r)}: ${s} should be outside`);
        const elsewhere = b.affected.some((o) => rangeContains(o, rel(s)));
        const res = checkVersion(parseIstioVersion(s)!, db);
        assert.equal([...res.affected, ...res.behavioural].some((x) => x.id === b.id), elsewhere, `${b.id}: ${s}`);
      }
    }
  });
}

function maxOf(bs: Bulletin[]): number | null {
  let m: number | null = null;
  for (const b of bs) if (b.cvss !== null && (m === null || b.cvss > m)) m = b.cvss;
  return m;
}

test('end-of-support table: every minor 1.0 to 1.31, dates in order, supported ones without a date', () => {
  const minors = db.minors.map((m) => m.minor);
  for (let i = 0; i <= 31; i++) assert.ok(minors.includes(`1.${i}`), `1.${i}`);
  const dated = db.minors.filter((m) => m.eol !== null);
  for (let i = 1; i < dated.length; i++) assert.ok(dated[i].eol! >= dated[i - 1].eol!, `${dated[i].minor} ends after ${dated[i - 1].minor}`);
  assert.deepEqual(db.minors.filter((m) => m.eol === null).map((m) => m.minor), ['1.30', '1.31']);
});

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'meshward-adv-'));
}

function minimal(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 1,
    generated: '2027-01-15',
    minors: [{ minor: '1.32', eol: null }],
    bulletins: [
      {
        id: 'ISTIO-SECURITY-2027-001',
        published: '2027-01-14',
        url: 'https://istio.io/latest/news/security/istio-security-2027-001/',
        cves: ['CVE-2027-12345'],
        cvss: 9.8,
        cvssVector: 'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
        affected: ['1.31.0 to 1.31.4', { from: '1.32.0', to: '1.32.1' }, 'All releases prior to 1.31'],
        fixedIn: ['1.32.2', '1.31.5'],
        summary: 'A newer bulletin.',
      },
    ],
    ...overrides,
  };
}

test('a newer database loads from a file; free-text ranges are parsed on load', () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'db.json');
    writeFileSync(file, JSON.stringify(minimal()));
    const newer = loadAdvisoryDatabase(file);
    assert.equal(newer.origin, file);
    assert.equal(newer.bulletins.length, 1);
    const b = newer.bulletins[0];
    assert.deepEqual(b.affected[0], { from: '1.31.0', to: '1.31.4', text: '1.31.0 to 1.31.4' });
    assert.deepEqual(b.affected[2], { before: '1.31.0', text: 'All releases prior to 1.31' });
    assert.equal(b.cvssVector, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
    assert.deepEqual(b.fixedIn, ['1.31.5', '1.32.2'], 'fixes sorted');
    assert.deepEqual(b.advisories, []);
    assert.equal(b.behavioural, false);
    const res = checkVersion(parseIstioVersion('1.31.4')!, newer);
    assert.equal(res.severity, 'critical');
    assert.equal(res.nearestFixed, '1.31.5');
    // A BOM is tolerated.
    writeFileSync(file, '\ufeff' + JSON.stringify(minimal()));
    assert.equal(loadAdvisoryDatabase(file).bulletins.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad database files give clear errors naming the file and the field', () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'db.json');
    assert.throws(() => loadAdvisoryDatabase(path.join(dir, 'missing.json')), (e: Error) => e instanceof AdvisoryDatabaseError && /missing\.json: no such file/.test(e.message));
    assert.throws(() => loadAdvisoryDatabase(dir), /is a folder, not a file/);
    writeFileSync(file, '{"schemaVersion": 1,');
    assert.throws(() => loadAdvisoryDatabase(file), /db\.json is not valid JSON/);
    writeFileSync(file, JSON.stringify({ ...minimal(), schemaVersion: 2 }));
    assert.throws(() => loadAdvisoryDatabase(file), /schemaVersion: must be 1/);
    const bad = minimal();
    const b = (bad.bulletins as any[])[0];
    b.cves = ['CVE-2026-XXXXX', 'N/A'];
    b.cvss = 'high';
    b.cvssVector = 'N/A';
    b.affected = ['sometime', { from: '1.2.0', to: '1.1.0' }, { from: 'one' }, 42];
    b.fixedIn = ['1.2'];
    b.published = '2027-02-30';
    writeFileSync(file, JSON.stringify(bad));
    try {
      loadAdvisoryDatabase(file);
      assert.fail('should not load');
    } catch (e) {
      assert.ok(e instanceof AdvisoryDatabaseError);
      const m = (e as Error).message;
      assert.match(m, /db\.json is not a valid advisory database/);
      assert.match(m, /bulletins\[0\] \(ISTIO-SECURITY-2027-001\)\.cves\[0\]: must be a CVE ID/);
      assert.match(m, /\.cvss: /);
      assert.match(m, /\.cvssVector: must be a CVSS v3 vector/);
      assert.match(m, /\.affected\[0\]: "sometime" is not a range/);
      assert.match(m, /\.affected\[1\]: "to" 1\.1\.0 is below "from" 1\.2\.0/);
      assert.match(m, /\.affected\[2\]\.from: must be a release version/);
      assert.match(m, /\.affected\[3\]/);
      assert.match(m, /\.fixedIn\[0\]: must be a release version/);
      assert.match(m, /\.published: is not a real date/);
    }
    const dup = minimal();
    (dup.bulletins as any[]).push({ ...(dup.bulletins as any[])[0] });
    assert.throws(() => parseAdvisoryDatabase(dup, 'dup.json'), /duplicate bulletin ISTIO-SECURITY-2027-001/);
    assert.throws(() => parseAdvisoryDatabase(null, 'x.json'), /x\.json is not a valid advisory database/);
    assert.throws(() => parseAdvisoryDatabase([], 'x.json'), AdvisoryDatabaseError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hostile databases: huge, deep, many problems', () => {
  const many = minimal({ bulletins: Array.from({ length: 200 }, (_, i) => ({ id: `bad-${i}` })) });
  try {
    parseAdvisoryDatabase(many, 'many.json');
    assert.fail('should not load');
  } catch (e) {
    const m = (e as Error).message;
    assert.match(m, /… and \d+ more/);
    assert.ok(m.length < 5000, 'the error stays readable');
  }
  const long = minimal();
  (long.bulletins as any[])[0].summary = 'x'.repeat(100_000);
  assert.throws(() => parseAdvisoryDatabase(long, 'long.json'), /summary/);
  let deep: any = {};
  for (let i = 0; i < 1000; i++) deep = { a: deep };
  assert.throws(() => parseAdvisoryDatabase({ ...minimal(), minors: deep }, 'deep.json'), AdvisoryDatabaseError);
});

test('set/get: rules read the installed database, null restores the bundled one', () => {
  const other = parseAdvisoryDatabase(minimal(), 'other.json');
  try {
    setAdvisoryDatabase(other);
    assert.equal(getAdvisoryDatabase(), other);
  } finally {
    setAdvisoryDatabase(null);
  }
  assert.equal(getAdvisoryDatabase(), bundledDatabase());
});

test('database age', () => {
  const age = bundledDatabaseAge(new Date(`${db.generated}T12:00:00Z`));
  assert.equal(age.days, 0);
  assert.equal(age.newestBulletin, 'ISTIO-SECURITY-2026-006');
  const later = new Date(Date.parse(`${db.generated}T00:00:00Z`) + 100 * 86_400_000);
  assert.equal(databaseAge(db, later).days, 100);
  assert.match(describeDatabase(db, later), /100 days old.*load a newer one with --advisories FILE/);
  assert.doesNotMatch(describeDatabase(db, new Date(`${db.generated}T00:00:00Z`)), /load a newer one/);
  assert.equal(databaseAge(db, new Date('2000-01-01T00:00:00Z')).days, 0, 'never negative');
});
