/**
 * The cache store on its own: changes and their order, several informers holding one object (overlapping
 * Secret selectors), the object bound, subscribers that throw or unsubscribe mid-change, hostile keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CacheStore, kindId, objectKey } from './cache.js';
function res(namespace, name, rv, labels = {}) {
    return { id: 0, cluster: 'c', apiVersion: 'v1', group: '', kind: 'Secret', namespace, name, labels, annotations: {}, obj: { metadata: { name, namespace, resourceVersion: rv } }, source: null };
}
test('upsert and remove emit ADDED, MODIFIED, DELETED in order, with previous states and stable ids', () => {
    const errors = [];
    const store = new CacheStore(10, (e) => errors.push(e));
    const seen = [];
    store.subscribe((c) => seen.push(`${c.type} ${c.resource.name}@${c.resource.obj.metadata.resourceVersion} prev=${c.previous?.obj?.metadata.resourceVersion ?? '-'}`));
    const k = kindId('', 'Secret');
    assert.equal(store.upsert(1, k, res('ns', 'a', '1')), 'ADDED');
    const id = store.get(k, 'ns', 'a').id;
    assert.equal(store.upsert(1, k, res('ns', 'a', '1')), 'unchanged', 'the same resourceVersion is not a change');
    assert.equal(store.upsert(1, k, res('ns', 'a', '2')), 'MODIFIED');
    assert.equal(store.get(k, 'ns', 'a').id, id);
    assert.equal(store.remove(1, k, 'ns', 'a', res('ns', 'a', '3')), true);
    assert.equal(store.remove(1, k, 'ns', 'a', null), false, 'removing twice is no change');
    assert.deepEqual(seen, ['ADDED a@1 prev=-', 'MODIFIED a@2 prev=1', 'DELETED a@3 prev=2']);
    assert.equal(store.version, 3);
    assert.equal(store.size, 0);
    assert.deepEqual(errors, []);
});
test('an object held by two informers (overlapping selectors) leaves only when both let it go', () => {
    const store = new CacheStore(10, () => { });
    const k = kindId('', 'Secret');
    const types = [];
    store.subscribe((c) => types.push(c.type));
    store.upsert(1, k, res('istio-system', 'cacerts', '5'));
    assert.equal(store.upsert(2, k, res('istio-system', 'cacerts', '5')), 'unchanged');
    assert.equal(store.remove(1, k, 'istio-system', 'cacerts', null), false, 'the other selector still holds it');
    assert.ok(store.get(k, 'istio-system', 'cacerts'));
    assert.equal(store.remove(3, k, 'istio-system', 'cacerts', null), false, 'an informer that never held it cannot remove it');
    assert.equal(store.remove(2, k, 'istio-system', 'cacerts', null), true);
    assert.deepEqual(types, ['ADDED', 'DELETED']);
});
test('the object bound refuses new objects, never replacements', () => {
    const store = new CacheStore(2, () => { });
    const k = kindId('', 'Secret');
    assert.equal(store.upsert(1, k, res('n', 'a', '1')), 'ADDED');
    assert.equal(store.upsert(1, k, res('n', 'b', '1')), 'ADDED');
    assert.equal(store.upsert(1, k, res('n', 'c', '1')), 'full');
    assert.equal(store.upsert(1, k, res('n', 'a', '2')), 'MODIFIED');
    assert.equal(store.size, 2);
});
test('subscribers: called in order; one that throws does not stop the others; unsubscribing mid-change is safe', () => {
    const errors = [];
    const store = new CacheStore(10, (e) => errors.push(e));
    const order = [];
    let offB = () => { };
    store.subscribe(() => {
        order.push('a');
        offB();
    });
    offB = store.subscribe(() => order.push('b'));
    store.subscribe(() => {
        throw new Error('bug');
    });
    store.subscribe((c) => order.push(`c:${c.type}`));
    store.upsert(1, 'Secret', res('n', 'x', '1'));
    assert.deepEqual(order, ['a', 'b', 'c:ADDED'], 'the round in progress is not disturbed');
    store.upsert(1, 'Secret', res('n', 'x', '2'));
    assert.deepEqual(order.slice(3), ['a', 'c:MODIFIED'], 'b is gone from the next round');
    assert.equal(errors.length, 2);
});
test('hostile names are plain keys', () => {
    const store = new CacheStore(10, () => { });
    store.upsert(1, '__proto__', res('constructor', '__proto__', '1'));
    store.upsert(1, '__proto__', res('a/b', 'c', '1'));
    store.upsert(1, '__proto__', res('a', 'b/c', '1'));
    assert.equal(store.size, 3, "names holding '/' do not collide");
    assert.notEqual(objectKey('a/b', 'c'), objectKey('a', 'b/c'));
    assert.ok(store.get('__proto__', 'constructor', '__proto__'));
    assert.equal(store.get('toString', '', 'x'), undefined);
    assert.equal(Object.prototype.hasOwnProperty.call({}, 'constructor'), false);
});
