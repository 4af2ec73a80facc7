import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listSome, listSomeOf } from './text.js';

test('listSome: the first few, and how many more', () => {
  assert.equal(listSome(['a', 'b']), 'a, b');
  assert.equal(listSome(['a', 'b', 'c', 'd'], 2), 'a, b and 2 more');
  assert.equal(listSome([], 3), '');
});

test('listSome: a name already shown is not shown again; repeats that follow are not "more"', () => {
  // One object defined in three files of a scanned folder (src/engine/twins.ts), then others.
  const twins = ['Deployment default/customer', 'Deployment default/customer', 'Deployment default/customer', 'Deployment default/preference', 'Deployment default/recommendation', 'Deployment default/recommendation', 'Deployment default/web'];
  assert.equal(listSome(twins, 3), 'Deployment default/customer, Deployment default/preference, Deployment default/recommendation and 1 more');
  assert.equal(listSome(['x', 'x', 'x'], 3), 'x');
  assert.equal(listSome(['x', 'y', 'x'], 2), 'x, y');
});

test('listSomeOf names at most 4 × max items however the names repeat (a list of thousands stays cheap)', () => {
  let named = 0;
  const items = Array.from({ length: 100_000 }, () => 'same');
  const text = listSomeOf(items, 3, (s) => (named++, s));
  assert.equal(text, 'same and 99988 more');
  assert.ok(named <= 12, `named ${named} items`);
  named = 0;
  listSomeOf(Array.from({ length: 100_000 }, (_, i) => `w${i}`), 3, (s) => (named++, s));
  assert.ok(named <= 4, `named ${named} items`);
});
