import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeltaQueue } from './queue.js';
import { SnapshotPlan, sized, wireKeyString } from './snapshot.js';
const res = (name, extra = {}) => ({ id: 0, cluster: 'c', apiVersion: 'v1', group: '', kind: 'Service', namespace: 'ns', name, labels: {}, annotations: {}, obj: { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns', name }, ...extra }, source: null });
const up = (r) => ({ op: 'upsert', object: { apiVersion: r.apiVersion, kind: r.kind, namespaced: true, obj: r.obj } });
const del = (r) => ({ op: 'delete', key: { kind: 'Service', namespace: 'ns', name: r.name } });
test('changes to the same object coalesce: the last one wins and keeps its place', () => {
    const q = new DeltaQueue({ maxObjects: 10, maxBytes: 1 << 20 });
    const a = res('a');
    const b = res('b');
    q.push(wireKeyString(a), up(a));
    q.push(wireKeyString(b), up(b));
    q.push(wireKeyString(a), del(a));
    assert.equal(q.size, 2);
    const out = q.take();
    assert.deepEqual(out.map((c) => c.op), ['delete', 'upsert']);
    assert.equal(q.size, 0);
    assert.equal(q.bytes, 0);
    assert.equal(q.oldestAt, null);
});
test('past its object bound the queue empties itself and says so, until reset', () => {
    const q = new DeltaQueue({ maxObjects: 3, maxBytes: 1 << 20 });
    for (const n of ['a', 'b', 'c'])
        assert.equal(q.push(n, up(res(n))), true);
    assert.equal(q.push('d', up(res('d'))), false);
    assert.equal(q.overflowed, true);
    assert.equal(q.size, 0);
    assert.equal(q.push('e', up(res('e'))), false, 'stays overflowed until the resync resets it');
    q.reset();
    assert.equal(q.overflowed, false);
    assert.equal(q.push('e', up(res('e'))), true);
});
test('past its byte bound too', () => {
    const q = new DeltaQueue({ maxObjects: 1000, maxBytes: 2000 });
    assert.equal(q.push('a', up(res('a', { spec: { pad: 'x'.repeat(1000) } }))), true);
    assert.equal(q.push('b', up(res('b', { spec: { pad: 'x'.repeat(1000) } }))), false);
    assert.equal(q.overflowed, true);
});
test('take respects the change and byte limits, and always makes progress', () => {
    const q = new DeltaQueue({ maxObjects: 100, maxBytes: 1 << 20 });
    for (let i = 0; i < 10; i++)
        q.push(`k${i}`, up(res(`k${i}`, { spec: { pad: 'x'.repeat(100) } })));
    assert.equal(q.take(3).length, 3);
    assert.equal(q.take(100, 1).length, 1, 'one change even over the byte limit');
    const one = sized(up(res('k0', { spec: { pad: 'x'.repeat(100) } }))).bytes;
    assert.equal(q.take(100, Math.floor(2.5 * one)).length, 2);
    assert.equal(q.size, 4);
});
test('snapshot parts: bounded in changes and bytes, objects over the object limit skipped, rewind replays', () => {
    const rs = Array.from({ length: 11 }, (_, i) => res(`s${i}`));
    rs.push(res('huge', { spec: { pad: 'x'.repeat(2 * 1024 * 1024 + 1) } }));
    const plan = new SnapshotPlan(rs);
    assert.equal(plan.total, 12);
    const first = plan.next(5);
    assert.equal(first.length, 5);
    const pos = plan.position;
    const second = plan.next(5);
    plan.rewind(pos);
    assert.deepEqual(plan.next(5), second);
    const rest = plan.next(5);
    assert.equal(rest.length, 1, 'the last small object; the huge one skipped');
    assert.equal(plan.skipped, 1);
    assert.equal(plan.done, true);
    const byBytes = new SnapshotPlan(rs.slice(0, 10));
    assert.ok(byBytes.next(100, 300).length < 10);
});
