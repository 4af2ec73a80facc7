import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anyGlob, anyPathGlob, expandBraces, Glob, GlobError, globMatch, isGlob } from './glob.js';
test('stars, question marks, braces and literal text, as docs/tenancy.md promises', () => {
    assert.ok(globMatch('shop-*', 'shop-eu'));
    assert.ok(globMatch('shop-*', 'shop-'));
    assert.ok(!globMatch('shop-*', 'shop'));
    assert.ok(!globMatch('shop-*', 'myshop-eu'));
    assert.ok(globMatch('shop-??', 'shop-eu'));
    assert.ok(!globMatch('shop-??', 'shop-eur'));
    assert.ok(globMatch('{shop,pay}-*', 'pay-1'));
    assert.ok(!globMatch('{shop,pay}-*', 'ads-1'));
    assert.ok(globMatch('a*b*c', 'abc'));
    assert.ok(globMatch('a*b*c', 'axxbyyc'));
    assert.ok(!globMatch('a*b*c', 'axxbyy'));
    assert.ok(globMatch('*', ''));
    assert.ok(globMatch('**', 'anything'), '** is the same as *');
    assert.ok(globMatch('a.b', 'a.b'));
    assert.ok(!globMatch('a.b', 'axb'), 'a dot is literal, not a regex wildcard');
    assert.ok(globMatch('serviceaccount:argocd:*', 'serviceaccount:argocd:app-controller'));
});
test('a star or question mark never crosses a slash', () => {
    assert.ok(globMatch('Deployment/analytics/*', 'Deployment/analytics/web'));
    assert.ok(!globMatch('Deployment/*', 'Deployment/analytics/web'));
    assert.ok(!globMatch('a?b', 'a/b'));
    assert.ok(globMatch('*/*/*', 'Pod/ns/name'));
    assert.ok(globMatch('istio-ingress/*', 'istio-ingress/public'));
    assert.ok(!globMatch('istio-ingress/*', 'other/public'));
});
test('names shaped like prototype members are plain text', () => {
    assert.ok(globMatch('__proto__', '__proto__'));
    assert.ok(globMatch('constructor*', 'constructor'));
    assert.ok(!globMatch('toString', 'valueOf'));
});
test('syntax meshward does not support is refused, not taken literally', () => {
    for (const p of ['!shop', 'shop-[ab]', 'shop-+(a)', 'shop\\*', 'a{b', 'a}b', '{a,{b,c}}', '{1..9}']) {
        assert.throws(() => new Glob(p, 'test pattern'), GlobError, p);
    }
    assert.throws(() => expandBraces('{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}', 'x'), /more than 256 alternatives/);
});
test('isGlob tells a plain name from a pattern', () => {
    assert.ok(isGlob('shop-*'));
    assert.ok(isGlob('shop-?'));
    assert.ok(isGlob('{a,b}'));
    assert.ok(!isGlob('shop'));
});
test('anyGlob: any pattern matches; an empty list matches nothing', () => {
    const m = anyGlob(['a-*', 'b']);
    assert.ok(m('a-1'));
    assert.ok(m('b'));
    assert.ok(!m('c'));
    assert.ok(!anyGlob([])('anything'));
});
/** The work a match does is bounded by (name + 1) × (pattern + 1) per alternative, whatever both are. */
function assertBounded(pattern, name, expected) {
    const counter = { steps: 0 };
    assert.equal(new Glob(pattern).test(name, counter), expected);
    const bound = (name.length + 1) * (pattern.length + 1);
    assert.ok(counter.steps <= bound, `${counter.steps} steps for a ${pattern.length}-char pattern and a ${name.length}-char name (bound ${bound})`);
    return counter.steps;
}
test('adversarial patterns take steps linear in the name, never exponential', () => {
    const evil = '*a*a*a*a*a*a*b';
    const steps40 = assertBounded(evil, 'a'.repeat(40), false);
    const steps10k = assertBounded(evil, 'a'.repeat(10_000), false);
    // Linear: 250x the name costs about 250x the steps (a backtracking regex grows as n^6 here).
    assert.ok(steps10k <= steps40 * 250 * 2, `${steps40} steps at 40 chars, ${steps10k} at 10,000`);
    assertBounded(evil, `${'a'.repeat(10_000)}b`, true);
    assertBounded('*'.repeat(100) + 'b', 'a'.repeat(10_000), false);
    assertBounded('?*?*?*?*?*x', 'y'.repeat(10_000), false);
    assertBounded('{*a*a*a*b,*a*a*c}', 'a'.repeat(10_000), false);
    assertBounded(`${'*a'.repeat(20)}*/*b`, `${'a'.repeat(5_000)}/${'a'.repeat(5_000)}`, false);
});
test('path globs (--exclude): ** crosses folders, * does not, and the work stays bounded', () => {
    const m = anyPathGlob(['**/charts/**', 'vendor/*.yaml']);
    assert.equal(m('charts'), true);
    assert.equal(m('deploy/charts'), true);
    assert.equal(m('a/b/charts/x/y.yaml'), true);
    assert.equal(m('chartsx/y.yaml'), false);
    assert.equal(m('vendor/a.yaml'), true);
    assert.equal(m('vendor/sub/a.yaml'), false);
    // Outside path globs ** is still one segment.
    assert.equal(new Glob('**/charts').test('a/b/charts'), false);
    const counter = { steps: 0 };
    const bomb = new Glob('**/a*a*a*a*a*b/**/a*a*a*b/**', 'glob', { globstar: true });
    const name = Array.from({ length: 40 }, () => 'a'.repeat(40)).join('/');
    assert.equal(bomb.test(name, counter), false);
    assert.ok(counter.steps < 40 * 40 * 41 * 20, `steps: ${counter.steps}`);
});
