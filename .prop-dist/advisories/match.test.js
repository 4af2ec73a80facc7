import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundledDatabase, parseAdvisoryDatabase } from './database.js';
import { checkVersion, listBulletinIds, supportStatus, supportedMinors } from './match.js';
import { parseIstioVersion } from './version.js';
const db = bundledDatabase();
const NOW = new Date('2026-11-22T00:00:00Z');
const check = (s, now = NOW) => checkVersion(parseIstioVersion(s), db, now);
const ids = (s) => check(s).affected.map((b) => b.id.replace('ISTIO-SECURITY-', ''));
test('the newest releases of the supported minors are clean', () => {
    for (const v of ['1.30.4', '1.30.5', '1.31.0', '1.31.1']) {
        const res = check(v);
        assert.deepEqual(res.affected, [], v);
        assert.equal(res.severity, null, v);
        assert.equal(res.maxCvss, null, v);
        assert.equal(res.nearestFixed, null, v);
        assert.equal(res.support.status, 'supported', v);
    }
});
test('a 2021 release: bulletins, highest CVSS, critical severity, nearest fix', () => {
    const res = check('1.9.4');
    const got = ids('1.9.4');
    for (const id of ['2021-008', '2021-007', '2021-006', '2021-005', '2026-006'])
        assert.ok(got.includes(id), id);
    assert.ok(!got.includes('2021-003'), '1.9.3 fixed 2021-003');
    assert.ok(!got.includes('2021-001'), '1.9.1 fixed 2021-001');
    assert.equal(res.maxCvss, 10);
    assert.equal(res.severity, 'critical');
    assert.equal(res.support.status, 'end-of-life');
    assert.equal(res.support.eol, '2021-10-08');
    // Every 1.9 patch is affected by 2026-006 ("older releases"), so no 1.9 release fixes them all.
    assert.equal(res.nearestFixed, '1.30.4');
    assert.equal(res.upgradeTo, '1.30.4');
});
test('nearest fixed release within the minor when there is one', () => {
    const res = check('1.29.3');
    assert.deepEqual(ids('1.29.3').sort(), ['2026-004', '2026-006']);
    assert.equal(res.nearestFixed, '1.29.7');
    assert.equal(res.severity, 'high');
    assert.equal(res.maxCvss, 7.7);
    const r2 = check('1.30.0');
    assert.deepEqual(ids('1.30.0').sort(), ['2026-004', '2026-006']);
    assert.equal(r2.nearestFixed, '1.30.4', '1.30.1 and 1.30.2 are affected by later bulletins');
    assert.equal(check('1.30.1').affected.length, 2);
});
test('severity follows the highest CVSS; unscored bulletins count as low', () => {
    // 2022-006 (5.9) only? 1.13.6 is also in 2022-007, 2023-001..., so build a tiny database instead.
    const small = parseAdvisoryDatabase({
        schemaVersion: 1,
        generated: '2026-11-22',
        minors: [],
        bulletins: [
            { id: 'ISTIO-SECURITY-2030-001', published: '2030-01-01', url: 'https://x.example/1', cves: [], cvss: null, cvssVector: null, affected: ['1.40.0'], fixedIn: ['1.40.1'], summary: 'unscored' },
            { id: 'ISTIO-SECURITY-2030-002', published: '2030-01-02', url: 'https://x.example/2', cves: [], cvss: 4.0, cvssVector: null, affected: ['1.41.0'], fixedIn: ['1.41.1'], summary: 'medium' },
            { id: 'ISTIO-SECURITY-2030-003', published: '2030-01-03', url: 'https://x.example/3', cves: [], cvss: 3.9, cvssVector: null, affected: ['1.42.0'], fixedIn: ['1.42.1'], summary: 'low' },
            { id: 'ISTIO-SECURITY-2030-004', published: '2030-01-04', url: 'https://x.example/4', cves: [], cvss: 9.0, cvssVector: null, affected: ['1.42.0'], fixedIn: ['1.42.1'], summary: 'critical' },
            { id: 'ISTIO-SECURITY-2030-005', published: '2030-01-05', url: 'https://x.example/5', cves: [], cvss: 10, cvssVector: null, affected: ['All releases 1.0 and later'], fixedIn: [], summary: 'behaviour', behavioural: true, mapsTo: ['authn-authz'] },
        ],
    }, 'small');
    const c = (s) => checkVersion(parseIstioVersion(s), small, NOW);
    assert.equal(c('1.40.0').severity, 'low');
    assert.equal(c('1.40.0').maxCvss, null);
    assert.equal(c('1.41.0').severity, 'medium');
    assert.equal(c('1.42.0').severity, 'critical');
    assert.equal(c('1.42.0').maxCvss, 9);
    // Behavioural bulletins never make a version "affected", whatever their score.
    assert.equal(c('1.43.0').affected.length, 0);
    assert.equal(c('1.43.0').severity, null);
    assert.deepEqual(c('1.43.0').behavioural.map((b) => b.id), ['ISTIO-SECURITY-2030-005']);
});
test('behavioural bulletins are listed apart for every release since they apply', () => {
    const res = check('1.31.1');
    assert.deepEqual(res.behavioural.map((b) => b.id).sort(), ['ISTIO-SECURITY-2021-002', 'ISTIO-SECURITY-2021-004', 'ISTIO-SECURITY-2026-002']);
    assert.deepEqual(check('1.5.0').behavioural.map((b) => b.id).sort(), ['ISTIO-SECURITY-2021-004', 'ISTIO-SECURITY-2026-002']);
    assert.deepEqual(check('1.4.0').behavioural.map((b) => b.id), ['ISTIO-SECURITY-2026-002']);
});
test('regressions in single releases: 2022-006 (1.13.6, 1.14.2) and 2022-008 (1.15.2)', () => {
    assert.ok(ids('1.13.6').includes('2022-006'));
    assert.ok(!ids('1.13.5').includes('2022-006'));
    assert.ok(!ids('1.13.7').includes('2022-006'));
    assert.ok(ids('1.15.2').includes('2022-008'));
    assert.ok(!ids('1.15.2').includes('2022-007'), '1.15.2 fixed 2022-007 ...');
    assert.ok(ids('1.15.1').includes('2022-007'));
    assert.ok(!ids('1.15.3').includes('2022-008'), '... and 1.15.3 fixed 2022-008');
});
test('pre-releases count as their release; vendor builds as their upstream release', () => {
    assert.deepEqual(ids('1.30.0-beta.1'), ids('1.30.0'));
    assert.deepEqual(ids('1.22.3-solo'), ids('1.22.3'));
    assert.deepEqual(ids('1.22.3-distroless'), ids('1.22.3'));
    assert.equal(check('1.22.3-tetrate-v0').version.vendor, 'tetrate-v0');
});
test('a version without patch: only bulletins that cover every patch count; the rest are "possibly"', () => {
    const res = check('1.12');
    assert.equal(res.precise, false);
    const all = res.affected.map((b) => b.id);
    assert.ok(all.includes('ISTIO-SECURITY-2022-007'), '"All releases prior to 1.13" covers every 1.12 patch');
    assert.ok(!all.includes('ISTIO-SECURITY-2022-002'), '1.12.0 to 1.12.1 does not');
    assert.ok(res.possiblyAffected.some((b) => b.id === 'ISTIO-SECURITY-2022-002'));
    const latest = check('1.31');
    assert.deepEqual(latest.affected, []);
    assert.deepEqual(latest.possiblyAffected, []);
});
test('support status with a fixed clock', () => {
    assert.equal(supportStatus({ major: 1, minor: 29 }, db, new Date('2026-10-11T23:00:00Z')).status, 'supported');
    assert.equal(supportStatus({ major: 1, minor: 29 }, db, new Date('2026-10-12T00:00:00Z')).status, 'end-of-life');
    assert.equal(supportStatus({ major: 1, minor: 30 }, db, NOW).status, 'supported');
    assert.equal(supportStatus({ major: 0, minor: 8 }, db, NOW).status, 'end-of-life', 'older than every listed minor');
    assert.equal(supportStatus({ major: 1, minor: 32 }, db, NOW).status, 'unknown', 'newer than the database');
    assert.equal(supportStatus({ major: 2, minor: 0 }, db, NOW).status, 'unknown');
    assert.deepEqual(supportedMinors(db, NOW), ['1.30', '1.31']);
    assert.deepEqual(supportedMinors(db, new Date('2026-09-01T00:00:00Z')), ['1.29', '1.30', '1.31']);
});
test('versions newer than the database: nothing applies, support unknown', () => {
    const res = check('1.35.0');
    assert.deepEqual(res.affected, []);
    assert.equal(res.support.status, 'unknown');
});
test('bulletin lists are shortened in messages', () => {
    const bs = check('1.1.0').affected;
    assert.ok(bs.length > 8);
    assert.match(listBulletinIds(bs), / and \d+ more$/);
    assert.equal(listBulletinIds(bs.slice(0, 2)).split(', ').length, 2);
});
