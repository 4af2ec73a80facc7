import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cvssBaseScore, cvssTemporalScore, normaliseCvssVector, parseCvssVector, severityFromCvss } from './cvss.js';
test('prefixes are normalised: 3.1 assumed, 3.0 kept', () => {
    assert.equal(normaliseCvssVector('AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H'), 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H');
    assert.equal(normaliseCvssVector('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H'), 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H');
    assert.equal(normaliseCvssVector('AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N', '3.0'), 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N');
});
test('metrics are put in specification order; temporal metrics are kept after the base', () => {
    assert.equal(normaliseCvssVector('CVSS:3.1/A:H/I:N/C:N/S:U/UI:N/PR:N/AC:L/AV:N/RC:C/E:F'), 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H/E:F/RC:C');
});
test('not vectors', () => {
    for (const bad of ['', 'N/A', 'Unknown', 'CVSS:3.1/', 'AV:N/AC:L', 'AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:X', 'AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 'CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P', 'AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H/MAV:N', 'x'.repeat(10_000)]) {
        assert.equal(parseCvssVector(bad), null, bad.slice(0, 60));
    }
    assert.equal(parseCvssVector(null), null);
    assert.equal(parseCvssVector(7.5), null);
});
test('base scores match the CVSS 3.1 calculator', () => {
    const cases = [
        ['AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 7.5],
        ['AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10],
        ['AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:L/A:L', 9.1],
        ['AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H', 9],
        ['AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L', 4.7],
        ['AV:A/AC:L/PR:L/UI:N/S:C/C:H/I:L/A:N', 7.6],
        ['AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H', 8.6],
        ['AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0],
    ];
    for (const [vec, score] of cases)
        assert.equal(cvssBaseScore(parseCvssVector(vec)), score, vec);
});
test('temporal scores', () => {
    // ISTIO-SECURITY-2019-001 publishes 8.9: the temporal score of its vector (base 9.3).
    const v = parseCvssVector('CVSS:3.0/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:N/E:H/RL:O/RC:C');
    assert.equal(cvssBaseScore(v), 9.3);
    assert.equal(cvssTemporalScore(v), 8.9);
    assert.equal(cvssTemporalScore(parseCvssVector('AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H')), 7.5);
});
test('severity from CVSS: >=9 critical, >=7 high, >=4 medium, else low', () => {
    assert.equal(severityFromCvss(10), 'critical');
    assert.equal(severityFromCvss(9), 'critical');
    assert.equal(severityFromCvss(8.9), 'high');
    assert.equal(severityFromCvss(7), 'high');
    assert.equal(severityFromCvss(6.9), 'medium');
    assert.equal(severityFromCvss(4), 'medium');
    assert.equal(severityFromCvss(3.9), 'low');
    assert.equal(severityFromCvss(0), 'low');
    assert.equal(severityFromCvss(null), 'low');
    assert.equal(severityFromCvss(Number.NaN), 'low');
});
