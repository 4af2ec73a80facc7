// objectsWhere (src/rules/objects-where.ts) gives list.filter(keep) whatever list it filtered last:
// random lists in and out of id order, edited from the last one by replacements, insertions and
// removals (long enough to be kept; shorter ones are filtered every time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Resource } from '../model/resource.js';
import { objectsWhere } from './objects-where.js';
import { propertySeed } from '../testing/property-seed.js';

const object = (id: number, keep: boolean) => ({ id, name: `o${id}`, keep }) as unknown as Resource & { keep: boolean };
const keep = (r: Resource) => (r as Resource & { keep: boolean }).keep;

test('objectsWhere equals a plain filter after any edit of the last list filtered, sorted or not', () => {
  let asked = 0;
  const counted = (r: Resource) => {
    asked++;
    return keep(r);
  };
  fc.assert(
    fc.property(
      fc.array(fc.boolean(), { minLength: 70, maxLength: 120 }),
      fc.array(fc.record({ op: fc.constantFrom('replace', 'insert', 'remove'), at: fc.nat(), keep: fc.boolean() }), { maxLength: 6 }),
      fc.boolean(),
      (keeps, edits, shuffle) => {
        const first = keeps.map((k, i) => object(i * 10, k));
        assert.deepEqual(objectsWhere(first, 'test', counted), first.filter(keep));
        const next = [...first];
        let id = 10_000;
        for (const e of edits) {
          const at = next.length ? e.at % next.length : 0;
          if (e.op === 'replace' && next.length) next[at] = object(next[at].id, e.keep);
          else if (e.op === 'remove' && next.length) next.splice(at, 1);
          else next.splice(at, 0, object(next.length ? next[at].id - 1 : id++, e.keep));
        }
        if (shuffle) next.reverse();
        asked = 0;
        assert.deepEqual(objectsWhere(next, 'test', counted), next.filter(keep));
        if (!shuffle && next.length >= 64) assert.ok(asked <= edits.length, `asked ${asked} for ${edits.length} edits`);
        // The same list again: the kept answer, nothing asked.
        if (next.length >= 64) {
          asked = 0;
          assert.equal(objectsWhere(next, 'test', counted), objectsWhere(next, 'test', counted));
          assert.equal(asked, 0);
        }
      },
    ),
    { numRuns: 300, seed: propertySeed('MESHWARD_PROPERTY_SEED') },
  );
});
