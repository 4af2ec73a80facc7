import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch } from '../engine/glob.js';
import { selectorMatches } from '../model/selectors.js';
import { globsMayMeet, mayShareNamespace, selectorsMayMeet } from './tenant-overlap.js';

// "No" must be certain: a pair of tenants said not to overlap is not excluded from each other's Kyverno
// rules, so a namespace both match would be judged twice. Each test checks every answer against an
// exhaustive search over a small universe, then that the answer is "no" where it should be.

/** Every string over `alphabet` up to `max` characters. */
function strings(alphabet: string, max: number): string[] {
  let level = [''];
  const out = [''];
  for (let i = 0; i < max; i++) {
    level = level.flatMap((s) => [...alphabet].map((c) => s + c));
    out.push(...level);
  }
  return out;
}

test('globsMayMeet never says no when a name matches both globs', () => {
  const names = strings('ab-', 5);
  const globs = ['a', 'ab', 'a-b', 'a*', '*b', 'a*b', '*-*', 'a?', '?b', 'a?b', '*', 'b-*', '*-a', 'a*-', 'ab*ba', '??', 'a*a*'];
  let disjoint = 0;
  for (const g of globs) {
    for (const h of globs) {
      const meet = names.some((n) => globMatch(g, n) && globMatch(h, n));
      const said = globsMayMeet(g, h);
      if (meet) assert.ok(said, `${g} and ${h} share a name but were said not to`);
      if (!said) disjoint++;
      assert.equal(said, globsMayMeet(h, g), `${g} / ${h} symmetric`);
    }
  }
  assert.ok(disjoint > 20, `disjoint pairs found: ${disjoint}`);
});

test('globsMayMeet: plain names, a name against a glob, and globs with different literal ends', () => {
  assert.equal(globsMayMeet('shop', 'shop'), true);
  assert.equal(globsMayMeet('shop', 'payments'), false);
  assert.equal(globsMayMeet('shop-eu', 'shop-*'), true);
  assert.equal(globsMayMeet('shop', 'shop-*'), false);
  assert.equal(globsMayMeet('shop-*', 'pay-*'), false);
  assert.equal(globsMayMeet('*-prod', '*-dev'), false);
  assert.equal(globsMayMeet('shop-*', '*-prod'), true, 'shop-prod');
  assert.equal(globsMayMeet('team-?', 'team-*'), true);
});

type Sel = Parameters<typeof selectorsMayMeet>[0];

test('selectorsMayMeet never says no when some labels satisfy both selectors', () => {
  const keys = ['k', 'j'];
  const values = ['x', 'y', 'z'];
  // Every label set over two keys, each absent or one of three values.
  const labelSets: Array<Record<string, string>> = [{}];
  for (const k of keys) labelSets.splice(0, labelSets.length, ...labelSets.flatMap((l) => [l, ...values.map((v) => ({ ...l, [k]: v }))]));
  const selectors: Sel[] = [
    {},
    { matchLabels: { k: 'x' } },
    { matchLabels: { k: 'y' } },
    { matchLabels: { k: 'x', j: 'y' } },
    { matchLabels: { j: 'z' } },
    { matchExpressions: [{ key: 'k', operator: 'In', values: ['x', 'y'] }] },
    { matchExpressions: [{ key: 'k', operator: 'In', values: ['z'] }] },
    { matchExpressions: [{ key: 'k', operator: 'NotIn', values: ['x'] }] },
    { matchExpressions: [{ key: 'k', operator: 'NotIn', values: ['x', 'y', 'z'] }] },
    { matchExpressions: [{ key: 'k', operator: 'Exists' }] },
    { matchExpressions: [{ key: 'k', operator: 'DoesNotExist' }] },
    { matchExpressions: [{ key: 'j', operator: 'DoesNotExist' }, { key: 'k', operator: 'In', values: ['y', 'z'] }] },
    { matchLabels: { k: 'x' }, matchExpressions: [{ key: 'k', operator: 'NotIn', values: ['x'] }] },
  ];
  let disjoint = 0;
  for (const a of selectors) {
    for (const b of selectors) {
      const meet = labelSets.some((l) => selectorMatches(a, l) && selectorMatches(b, l));
      const said = selectorsMayMeet(a, b);
      if (meet) assert.ok(said, `${JSON.stringify(a)} and ${JSON.stringify(b)} share labels but were said not to`);
      if (!said) disjoint++;
    }
  }
  assert.ok(disjoint > 20, `disjoint pairs found: ${disjoint}`);
  assert.equal(selectorsMayMeet({ matchLabels: { team: 'a' } }, { matchLabels: { team: 'b' } }), false);
  assert.equal(selectorsMayMeet({ matchLabels: { team: 'a' } }, { matchLabels: { tier: 'b' } }), true);
});

test('mayShareNamespace: names against a selector always may; each side\'s names and selector count', () => {
  const names = (...g: string[]) => ({ namespaceGlobs: g, selector: undefined });
  const sel = (team: string) => ({ namespaceGlobs: [], selector: { matchLabels: { team } } });
  assert.equal(mayShareNamespace(names('a'), names('b')), false);
  assert.equal(mayShareNamespace(names('a', 'b'), names('c', 'b')), true);
  assert.equal(mayShareNamespace(names('a'), sel('x')), true, 'namespace a may carry team=x');
  assert.equal(mayShareNamespace(sel('x'), sel('y')), false);
  assert.equal(mayShareNamespace({ namespaceGlobs: ['a'], selector: { matchLabels: { team: 'x' } } }, sel('y')), true, 'a by name, with team=y');
  // A selector whose demands contradict each other matches nothing.
  assert.equal(selectorsMayMeet({ matchLabels: { k: 'x' }, matchExpressions: [{ key: 'k', operator: 'DoesNotExist' }] }, {}), false);
  // An empty In list is invalid in Kubernetes: nothing is concluded from it but that the key is there.
  assert.equal(selectorsMayMeet({ matchExpressions: [{ key: 'k', operator: 'In', values: [] }] }, { matchLabels: { k: 'x' } }), true);
});
