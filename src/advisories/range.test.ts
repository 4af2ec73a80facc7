import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRange, parseRangeText, rangeContains, rangeCoversMinor, rangeTouchesMinor, validateRange, type VersionRange } from './range.js';
import { parseReleaseVersion } from './version.js';

function parsed(text: string): VersionRange {
  const r = parseRangeText(text);
  if (!r.ok) throw new Error(r.error);
  const { text: _t, ...rest } = r.range;
  return rest;
}

const v = (s: string) => parseReleaseVersion(s)!;
const inRange = (r: VersionRange, s: string) => rangeContains(r, v(s));

test('"x.y.z to x.y.z" is inclusive at both ends', () => {
  const r = parsed('1.9.0 to 1.9.5');
  assert.deepEqual(r, { from: '1.9.0', to: '1.9.5' });
  assert.ok(inRange(r, '1.9.0'));
  assert.ok(inRange(r, '1.9.3'));
  assert.ok(inRange(r, '1.9.5'));
  assert.ok(!inRange(r, '1.9.6'));
  assert.ok(!inRange(r, '1.8.99'));
  assert.ok(!inRange(r, '1.10.0'));
});

test('"x.y to x.y.z" starts at x.y.0', () => {
  const r = parsed('1.5 to 1.5.8');
  assert.deepEqual(r, { from: '1.5.0', to: '1.5.8' });
  assert.ok(inRange(r, '1.5.0'));
  assert.ok(inRange(r, '1.5.8'));
  assert.ok(!inRange(r, '1.5.9'));
  assert.ok(!inRange(r, '1.4.9'));
});

test('other separators of the "to" form', () => {
  for (const t of ['1.9.0 - 1.9.5', '1.9.0–1.9.5', '1.9.0 through 1.9.5', '  1.9.0   TO   1.9.5  ']) assert.deepEqual(parsed(t), { from: '1.9.0', to: '1.9.5' }, t);
});

test('"All releases prior to x.y" and "prior to x.y.z" are exclusive, from the first release', () => {
  const minor = parsed('All releases prior to 1.13');
  assert.deepEqual(minor, { before: '1.13.0' });
  assert.ok(inRange(minor, '1.12.99'));
  assert.ok(inRange(minor, '0.8.0'));
  assert.ok(inRange(minor, '1.0.0'));
  assert.ok(!inRange(minor, '1.13.0'));
  assert.ok(!inRange(minor, '1.13.1'));
  const patch = parsed('All releases prior to 1.20.0');
  assert.deepEqual(patch, { before: '1.20.0' });
  assert.deepEqual(parsed('prior to 1.20.0'), { before: '1.20.0' });
  assert.deepEqual(parsed('All releases prior to 1.9.8'), { before: '1.9.8' });
  assert.ok(inRange(parsed('All releases prior to 1.9.8'), '1.9.7'));
  assert.ok(!inRange(parsed('All releases prior to 1.9.8'), '1.9.8'));
  assert.deepEqual(parsed('All releases prior to 1.5'), { before: '1.5.0' });
});

test('"All x.y patch releases" is every patch of that minor and nothing else', () => {
  const r = parsed('All 1.8 patch releases');
  assert.deepEqual(r, { from: '1.8.0', before: '1.9.0' });
  assert.ok(inRange(r, '1.8.0'));
  assert.ok(inRange(r, '1.8.6'));
  assert.ok(inRange(r, '1.8.999'));
  assert.ok(!inRange(r, '1.9.0'));
  assert.ok(!inRange(r, '1.7.8'));
  assert.deepEqual(parsed('1.8.x'), { from: '1.8.0', before: '1.9.0' });
});

test('"All releases x.y and later" is open-ended and matches every later release', () => {
  const r = parsed('All releases 1.5 and later');
  assert.deepEqual(r, { from: '1.5.0' });
  assert.ok(inRange(r, '1.5.0'));
  assert.ok(inRange(r, '1.31.1'));
  assert.ok(inRange(r, '99.99.99'), 'open-ended means open-ended, not "never"');
  assert.ok(!inRange(r, '1.4.99'));
  assert.deepEqual(parsed('All releases 1.6 and later'), { from: '1.6.0' });
  assert.deepEqual(parsed('1.6.2 or later'), { from: '1.6.2' });
});

test('single versions, including a bare minor meaning its .0 release', () => {
  const r = parsed('1.15.2');
  assert.deepEqual(r, { from: '1.15.2', to: '1.15.2' });
  assert.ok(inRange(r, '1.15.2'));
  assert.ok(!inRange(r, '1.15.1'));
  assert.ok(!inRange(r, '1.15.3'));
  const bare = parsed('1.5'); // ISTIO-SECURITY-2020-004: "1.5", fixed in 1.5.1
  assert.deepEqual(bare, { from: '1.5.0', to: '1.5.0' });
  assert.ok(inRange(bare, '1.5.0'));
  assert.ok(!inRange(bare, '1.5.1'));
});

test('prose that means every release', () => {
  const r = parseRangeText('All releases since the introduction of the mesh gateway option in the `VirtualService` resource');
  assert.ok(r.ok);
  assert.equal(r.range.prose, true);
  assert.equal(r.range.from, undefined);
  assert.ok(rangeContains(r.range, v('0.1.0')));
  assert.ok(rangeContains(r.range, v('1.31.1')));
  assert.ok(rangeContains(r.range, v('999.0.0')));
  assert.ok(parseRangeText('All releases').ok);
  assert.ok(parseRangeText('all versions').ok);
});

test('the original text is kept', () => {
  const r = parseRangeText('1.9.0 to 1.9.5');
  assert.ok(r.ok);
  assert.equal(r.range.text, '1.9.0 to 1.9.5');
});

test('anything else is an error, never a guess', () => {
  for (const bad of [
    '',
    '   ',
    'Some releases',
    '1.9.5 to 1.9.0', // backwards
    '1.9.0 to',
    'to 1.9.5',
    '1.x',
    '1.22.3-solo',
    'All releases prior to',
    'prior to latest',
    'All 1.8.3 patch releases',
    '1.2.3.4',
    'All releases 1.5 and earlier',
    'Not affected',
    'a'.repeat(10_000),
  ]) {
    const r = parseRangeText(bad);
    assert.equal(r.ok, false, bad.slice(0, 40));
  }
  for (const wrongType of [undefined, null, 1.5, {}, ['1.5.0']]) assert.equal(parseRangeText(wrongType as unknown).ok, false);
});

test('hostile range text is handled in linear time', () => {
  const t0 = performance.now();
  parseRangeText('1.' + '1'.repeat(400) + ' to ' + '9'.repeat(90));
  parseRangeText('all releases prior to ' + '1.'.repeat(200));
  parseRangeText(' '.repeat(499) + 'x');
  parseRangeText('1.1 ' + 'to '.repeat(160));
  assert.ok(performance.now() - t0 < 200);
});

test('structured ranges are validated', () => {
  assert.deepEqual(validateRange({ from: '1.2.0', to: '1.2.3' }), []);
  assert.deepEqual(validateRange({}), []);
  assert.equal(validateRange({ from: '1.2' }).length, 1);
  assert.equal(validateRange({ from: '1.3.0', to: '1.2.0' }).length, 1);
  assert.equal(validateRange({ from: '1.3.0', before: '1.3.0' }).length, 1);
  assert.equal(validateRange({ to: '1.3.0', before: '1.4.0' }).length, 1);
});

test('a version known only as x.y: covered only when every patch is', () => {
  assert.ok(rangeCoversMinor(parsed('All releases prior to 1.13'), 1, 12));
  assert.ok(!rangeCoversMinor(parsed('All releases prior to 1.13'), 1, 13));
  assert.ok(rangeCoversMinor(parsed('All 1.8 patch releases'), 1, 8));
  assert.ok(rangeCoversMinor(parsed('All releases 1.5 and later'), 1, 22));
  assert.ok(!rangeCoversMinor(parsed('All releases 1.5 and later'), 1, 4));
  assert.ok(!rangeCoversMinor(parsed('1.9.0 to 1.9.5'), 1, 9), 'later 1.9 patches are fixed');
  assert.ok(rangeTouchesMinor(parsed('1.9.0 to 1.9.5'), 1, 9));
  assert.ok(!rangeTouchesMinor(parsed('1.9.0 to 1.9.5'), 1, 10));
  assert.ok(!rangeTouchesMinor(parsed('All releases prior to 1.13'), 1, 13));
  assert.ok(rangeTouchesMinor(parsed('All releases prior to 1.9.8'), 1, 9));
  assert.throws(() => rangeContains({}, { major: 1, minor: 2, patch: null }));
});

test('ranges read back for humans', () => {
  assert.equal(describeRange(parsed('1.9.0 to 1.9.5')), '1.9.0 to 1.9.5');
  assert.equal(describeRange(parsed('1.15.2')), '1.15.2');
  assert.equal(describeRange(parsed('All releases prior to 1.13')), 'all releases before 1.13.0');
  assert.equal(describeRange(parsed('All 1.8 patch releases')), '1.8.0 up to (not including) 1.9.0');
  assert.equal(describeRange(parsed('All releases 1.5 and later')), '1.5.0 and later');
  assert.equal(describeRange({ prose: true }), 'all releases');
});
