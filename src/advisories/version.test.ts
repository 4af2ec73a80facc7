import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions, compareVersionStrings, describeSuffix, formatVersion, parseIstioVersion, parseMinor, parseReleaseVersion } from './version.js';

test('plain releases, with or without a leading v', () => {
  const v = parseIstioVersion('1.22.3')!;
  assert.deepEqual([v.major, v.minor, v.patch, v.prerelease, v.vendor, v.variants], [1, 22, 3, null, null, []]);
  assert.equal(formatVersion(parseIstioVersion('v1.9.0')!), '1.9.0');
  assert.equal(formatVersion(parseIstioVersion('1.10.12')!), '1.10.12');
});

test('image variants keep the release and record the variant', () => {
  for (const [tag, variants] of [
    ['1.22.3-distroless', ['distroless']],
    ['1.22.3-debug', ['debug']],
    ['1.22.3_distroless', ['distroless']],
  ] as const) {
    const v = parseIstioVersion(tag)!;
    assert.equal(formatVersion(v), '1.22.3', tag);
    assert.deepEqual(v.variants, variants, tag);
    assert.equal(v.vendor, null, tag);
  }
});

test('vendor builds are the upstream release plus a vendor marker', () => {
  const cases: Array<[string, string, string[]]> = [
    ['1.22.3-solo', 'solo', []],
    ['1.22.3-tetrate-v0', 'tetrate-v0', []],
    ['1.22.3-asm.1', 'asm.1', []],
    ['1.22.3-solo-fips-distroless', 'solo-fips', ['distroless']],
  ];
  for (const [tag, vendor, variants] of cases) {
    const v = parseIstioVersion(tag)!;
    assert.equal(formatVersion(v), '1.22.3', tag);
    assert.equal(v.vendor, vendor, tag);
    assert.deepEqual(v.variants, variants, tag);
  }
  assert.match(describeSuffix(parseIstioVersion('1.22.3-solo-distroless')!)!, /vendor build "solo"; distroless/);
});

test('pre-releases and dev builds', () => {
  assert.equal(parseIstioVersion('1.23.0-beta.1')!.prerelease, 'beta.1');
  assert.equal(parseIstioVersion('1.23.0-rc.0')!.prerelease, 'rc.0');
  const dev = parseIstioVersion('1.24-alpha.0123456789abcdef')!;
  assert.equal(dev.patch, null);
  assert.equal(dev.prerelease, 'alpha.0123456789abcdef');
  assert.equal(parseIstioVersion('1.24-dev')!.prerelease, 'dev');
});

test('minor-only tags have an unknown patch', () => {
  const v = parseIstioVersion('1.22')!;
  assert.equal(v.patch, null);
  assert.equal(formatVersion(v), '1.22');
});

test('not versions: tags, revisions, digests, garbage', () => {
  for (const bad of [
    'latest',
    'master',
    '',
    ' ',
    '1',
    '1.',
    '1.x',
    '1.22.x',
    '1-22-3', // a revision name (istio.io/rev), never a version
    'sha256:0123456789abcdef',
    '1.22.3 ; rm -rf /',
    '1.22.3/evil',
    '1.22.3-',
    '.1.22',
    'v',
    '1234567.1.1', // more digits than any version has
    '1.22.3-\u0000',
    '١.٢٢.٣', // non-ASCII digits
  ]) {
    assert.equal(parseIstioVersion(bad), null, JSON.stringify(bad));
  }
  for (const wrongType of [undefined, null, 1.22, 1, {}, [], true]) assert.equal(parseIstioVersion(wrongType as unknown), null);
});

test('hostile sizes are refused quickly', () => {
  const t0 = performance.now();
  assert.equal(parseIstioVersion('1.22.3-' + 'a'.repeat(1_000_000)), null);
  assert.equal(parseIstioVersion('9'.repeat(1_000_000)), null);
  assert.equal(parseIstioVersion('1.' + '1.'.repeat(100_000)), null);
  assert.ok(parseIstioVersion('1.22.3-' + 'a'.repeat(100)), 'a 128-character tag is still a tag');
  assert.ok(performance.now() - t0 < 200);
});

test('release versions are strict x.y.z', () => {
  assert.ok(parseReleaseVersion('1.22.3'));
  for (const bad of ['1.22', '1.22.3-solo', 'v1.22.3', ' 1.22.3', '1.22.3\n']) assert.equal(parseReleaseVersion(bad), null, bad);
});

test('comparison is numeric, not lexical', () => {
  assert.ok(compareVersionStrings('1.9.10', '1.9.9') > 0);
  assert.ok(compareVersionStrings('1.10.0', '1.9.99') > 0);
  assert.ok(compareVersionStrings('2.0.0', '1.99.99') > 0);
  assert.equal(compareVersionStrings('1.22.3', '1.22.3'), 0);
  assert.equal(compareVersions(parseIstioVersion('1.22.3-solo')!, parseIstioVersion('1.22.3')!), 0);
  assert.equal(compareVersions(parseIstioVersion('1.22')!, parseIstioVersion('1.22.0')!), 0);
  assert.throws(() => compareVersionStrings('1.22', '1.22.0'));
});

test('minors', () => {
  assert.deepEqual(parseMinor('1.22'), [1, 22]);
  assert.equal(parseMinor('1.22.3'), null);
  assert.equal(parseMinor(1.22), null);
});
