// End-to-end tests of `meshward advisories`. They need registerAdvisories in src/cli/commands/index.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../testing/kit.js';
test('check: an affected version exits 1 and lists bulletins, highest CVSS and the nearest fix', async () => {
    const r = await runCli(['advisories', 'check', '1.29.3']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^Istio 1\.29\.3: AFFECTED by 2 security bulletins \(highest CVSS 7\.7, severity high\)/);
    assert.match(r.stdout, /ISTIO-SECURITY-2026-006 {2}2026-08-26 {2}CVSS 7\.7 {2}fixed in 1\.29\.7, 1\.30\.4/);
    assert.match(r.stdout, /ISTIO-SECURITY-2026-004 {2}2026-06-04 {2}CVSS 7\.5/);
    assert.match(r.stdout, /https:\/\/istio\.io\/latest\/news\/security\/istio-security-2026-004\//);
    assert.match(r.stdout, /Nearest fixed version: 1\.29\.7\n/);
    assert.match(r.stdout, /Nearest fixed version on a supported minor: 1\.30\.4/);
    assert.match(r.stdout, /Support: 1\.29 reached end of support on 2026-10-12/);
    assert.match(r.stdout, /Also applies, behaviour no upgrade changes.*ISTIO-SECURITY-2026-002 \(traffic-hijack\)/);
    assert.match(r.stdout, /Advisory database of \d{4}-\d{2}-\d{2} \(bundled, \d+ days? old, 56 bulletins, newest ISTIO-SECURITY-2026-006/);
    assert.equal(r.stderr, '');
});
test('check: a fixed, supported version exits 0', async () => {
    const r = await runCli(['advisories', 'check', '1.31.1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Istio 1\.31\.1: no published security bulletin that an upgrade fixes applies to it/);
    assert.match(r.stdout, /Support: 1\.31 is supported/);
});
test('check: image references, suffixes and vendor builds', async () => {
    const r = await runCli(['advisories', 'check', 'gcr.io/istio-release/proxyv2:1.9.4-distroless']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Istio 1\.9\.4 \(distroless\): AFFECTED by \d+ security bulletins \(highest CVSS 10, severity critical\)/);
    const v = await runCli(['advisories', 'check', '1.22.3-tetrate-v0']);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /Vendor build "tetrate-v0": the vendor may have back-ported fixes/);
    const digest = await runCli(['advisories', 'check', `docker.io/istio/pilot@sha256:${'a'.repeat(64)}`]);
    assert.equal(digest.code, 2);
    assert.match(digest.stderr, /cannot tell the Istio version of image .*pinned by digest only/);
});
test('check --format json', async () => {
    const r = await runCli(['advisories', 'check', '1.30.1', '--format', 'json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.version, '1.30.1');
    assert.equal(out.affected, true);
    assert.equal(out.severity, 'high');
    assert.equal(out.maxCvss, 7.7);
    assert.equal(out.nearestFixed, '1.30.4');
    assert.deepEqual(out.bulletins.map((b) => b.id), ['ISTIO-SECURITY-2026-006', 'ISTIO-SECURITY-2026-005']);
    assert.equal(out.bulletins[1].cvssVector, 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:L/A:N');
    assert.equal(out.support.status, 'supported');
    assert.equal(out.database.bulletins, 56);
    assert.equal(typeof out.database.days, 'number');
    const clean = JSON.parse((await runCli(['advisories', 'check', '1.31.1', '-f', 'json'])).stdout);
    assert.equal(clean.affected, false);
    assert.deepEqual(clean.bulletins, []);
    assert.equal(clean.behavioural.length, 3);
});
test('check: a version without patch counts only bulletins covering every patch', async () => {
    const r = await runCli(['advisories', 'check', '1.12']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /The patch release is unknown/);
    assert.match(r.stdout, /Some 1\.12 patches are affected by: .*ISTIO-SECURITY-2022-002/);
});
test('usage errors exit 2 with a message', async () => {
    const cases = [
        [['advisories', 'check'], /missing required argument 'version'/],
        [['advisories', 'check', 'latest'], /"latest" is not an Istio version; give one like 1\.22\.3/],
        [['advisories', 'check', '1-22-3'], /looks like a revision name .*revisions are names, not versions/],
        [['advisories', 'check', '1.22.3', '--format', 'xml'], /unknown --format "xml" for advisories check; use text or json/],
        [['advisories', 'list', '--format', 'yaml'], /unknown --format "yaml" for advisories list/],
        [['advisories', 'check', 'x'.repeat(5000)], /too long/],
        [['advisories', 'check', '1.22.3', '--advisories', 'no-such-file.json'], /cannot read advisory database .*no-such-file\.json: no such file/],
    ];
    for (const [args, re] of cases) {
        const r = await runCli(args);
        assert.equal(r.code, 2, args.join(' ').slice(0, 60));
        assert.match(r.stderr, re, args.join(' ').slice(0, 60));
        assert.ok(r.stderr.length < 2000, 'errors stay short');
    }
});
test('--advisories FILE loads a newer database, and rejects a broken one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshward-adv-cli-'));
    try {
        const good = path.join(dir, 'newer.json');
        writeFileSync(good, JSON.stringify({
            schemaVersion: 1,
            generated: '2027-03-01',
            minors: [{ minor: '1.31', eol: '2026-02-01' }, { minor: '1.32', eol: null }],
            bulletins: [
                {
                    id: 'ISTIO-SECURITY-2027-001',
                    published: '2027-02-27',
                    url: 'https://istio.io/latest/news/security/istio-security-2027-001/',
                    cves: ['CVE-2027-10001'],
                    cvss: 9.8,
                    cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
                    affected: ['1.32.0 to 1.32.2'],
                    fixedIn: ['1.32.3'],
                    summary: 'A future bulletin.',
                },
            ],
        }));
        const hit = await runCli(['advisories', 'check', '1.32.2', '--advisories', good, '-f', 'json']);
        assert.equal(hit.code, 1, hit.stderr);
        const out = JSON.parse(hit.stdout);
        assert.equal(out.severity, 'critical');
        assert.equal(out.nearestFixed, '1.32.3');
        assert.equal(out.database.origin, good);
        // End of support alone does not make `check` fail.
        const eol = await runCli(['advisories', 'check', '1.31.1', '--advisories', good]);
        assert.equal(eol.code, 0, eol.stderr);
        assert.match(eol.stdout, /Support: 1\.31 reached end of support on 2026-02-01; supported minors: 1\.32/);
        const list = await runCli(['advisories', 'list', '--advisories', good]);
        assert.equal(list.code, 0);
        assert.match(list.stdout, /ISTIO-SECURITY-2027-001 {2}2027-02-27 {2}CVSS 9\.8 +affected: 1\.32\.0 to 1\.32\.2 {2}fixed in: 1\.32\.3/);
        const bad = path.join(dir, 'bad.json');
        writeFileSync(bad, JSON.stringify({ schemaVersion: 1, generated: '2027-03-01', minors: [], bulletins: [{ id: 'ISTIO-SECURITY-2027-002', cves: ['CVE-XXXX-XXXXX'] }] }));
        const r = await runCli(['advisories', 'check', '1.32.2', '--advisories', bad]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /bad\.json is not a valid advisory database/);
        assert.match(r.stderr, /bulletins\[0\] \(ISTIO-SECURITY-2027-002\)\.cves\[0\]: must be a CVE ID/);
        writeFileSync(bad, 'not json');
        const j = await runCli(['advisories', 'list', '--advisories', bad]);
        assert.equal(j.code, 2);
        assert.match(j.stderr, /bad\.json is not valid JSON/);
    }
    finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
test('list: every bulletin, text and JSON', async () => {
    const r = await runCli(['advisories', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.match(/^ISTIO-SECURITY-\d{4}-\d{3} /gm) ?? []).length, 56);
    assert.match(r.stdout, /^ISTIO-SECURITY-2026-006 /, 'newest first');
    assert.match(r.stdout, /ISTIO-SECURITY-2021-007 {2}2021-06-24 {2}CVSS 9\.1 +affected: 1\.8\.0 up to \(not including\) 1\.9\.0; 1\.9\.0 to 1\.9\.5; 1\.10\.0 to 1\.10\.1 {2}fixed in: 1\.9\.6, 1\.10\.2/);
    assert.match(r.stdout, /ISTIO-SECURITY-2021-004 .*\[behavioural: authn-authz\]/);
    assert.match(r.stdout, /\n56 bulletins\. Advisory database of /);
    const j = await runCli(['advisories', 'list', '--format', 'json']);
    assert.equal(j.code, 0);
    const out = JSON.parse(j.stdout);
    assert.equal(out.bulletins.length, 56);
    assert.equal(out.schemaVersion, 1);
    assert.equal(out.database.newestBulletin, 'ISTIO-SECURITY-2026-006');
    assert.ok(Array.isArray(out.minors));
});
