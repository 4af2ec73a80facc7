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
  // Hostile object content reaches paths and keys (a map key with a NUL in it).
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

test('fingerprints: parts with NULs in them cannot take another finding\'s fingerprint; plain parts hash as they always have', async () => {
  const { createHash } = await import('node:crypto');
  const base = { ruleId: 'HJK001', cluster: '', kind: 'VirtualService', namespace: 'shop' };
  // Joined by NUL, these two read the same: the name of the second swallows the first's path boundary.
  const victim = { ...base, name: 'x', path: 'p\u0000q' };
  const crafted = { ...base, name: 'x\u0000p', path: 'q' };
  assert.notDeepEqual(fingerprintDigest(victim), fingerprintDigest(crafted));
  // A plain identity's digest is unchanged (baselines and stored finding histories keep matching).
  const plain = { ...base, name: 'reviews', path: 'spec.hosts[0]', key: 'reviews.shop.svc.cluster.local' };
  const expected = createHash('sha256').update(['HJK001', '', 'VirtualService', 'shop', 'reviews', 'spec.hosts[0]', 'reviews.shop.svc.cluster.local'].join('\u0000')).digest();
  assert.deepEqual(fingerprintDigest(plain), expected);
  // Any two different identities have different fingerprints, whatever NULs and backslashes they hold.
  const text = fc.string({ unit: fc.constantFrom('a', '\\', '0', '\u0000', 'escaped'), maxLength: 5 });
  const partsArb = fc.record({ ruleId: text, cluster: text, kind: text, namespace: text, name: text, path: text, key: fc.option(text, { nil: undefined }) });
  const identity = (p: FingerprintParts) => JSON.stringify([p.ruleId, p.cluster, p.kind, p.namespace, p.name, p.path, p.key ?? '']);
  fc.assert(
    fc.property(partsArb, partsArb, (a, b) => {
      if (identity(a) === identity(b)) return;
      assert.notDeepEqual(fingerprintDigest(a), fingerprintDigest(b), `${identity(a)} / ${identity(b)}`);
    }),
    { numRuns: 2000, seed: propertySeed('MESHWARD_PROPERTY_SEED') },
  );
});
