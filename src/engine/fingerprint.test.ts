// The fingerprint memo (src/engine/fingerprint.ts) must hand out exactly the digest fingerprintDigest
// would for the same parts, whatever the parts hold: a key mix-up would give two findings one
// fingerprint, and the engine would drop one of them as a duplicate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FingerprintMemo, fingerprintDigest, type FingerprintParts } from './fingerprint.js';
import { propertySeed } from '../testing/property-seed.js';

const object = (name: string) => ({ cluster: 'c', kind: 'Service', namespace: 'ns', name });

test('FingerprintMemo gives the direct digest, first time and again', () => {
  const memo = new FingerprintMemo();
  const r = object('web');
  const parts: FingerprintParts = { ruleId: 'AUT013', ...r, path: 'spec.selector', key: 'app' };
  const first = memo.digest(parts, r);
  assert.deepEqual(first, fingerprintDigest(parts));
  assert.equal(memo.digest({ ...parts }, r), first, 'the same parts again: the kept digest');
  assert.notDeepEqual(memo.digest({ ...parts, key: undefined }, r), first, 'no key is another finding');
});

test('FingerprintMemo: rule IDs, paths and keys with separators in them never share a memo entry', () => {
  // Hostile object content reaches paths and keys (a map key with a NUL or a colon in it).
  const text = fc.string({ unit: fc.constantFrom('a', 'b', ':', '\u0000', '+', '-', '1', '2'), maxLength: 6 });
  const partsArb = fc.record({ ruleId: text, path: text, key: fc.option(text, { nil: undefined }) });
  fc.assert(
    fc.property(fc.array(partsArb, { minLength: 2, maxLength: 8 }), (list) => {
      const memo = new FingerprintMemo();
      const r = object('same-object');
      for (const p of list) {
        const parts = { ...p, ...r };
        assert.deepEqual(memo.digest(parts, r), fingerprintDigest(parts), JSON.stringify(p));
      }
    }),
    { numRuns: 300, seed: propertySeed('MESHWARD_PROPERTY_SEED') },
  );
});
