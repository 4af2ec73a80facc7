import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceLookup } from './suppress.js';
function res(id, kind, namespace, name, cluster = 'default') {
    return { id, cluster, apiVersion: 'v1', group: '', kind, namespace, name, labels: {}, annotations: {}, obj: {} };
}
const about = (kind, namespace, name, cluster = 'default') => ({ resource: { cluster, apiVersion: 'v1', kind, namespace, name } });
test('resourceLookup finds the object by cluster, kind, namespace and name; the last of equal keys wins', () => {
    const rs = [
        res(0, 'Service', 'a', 'web'),
        res(1, 'Deployment', 'a', 'web'),
        res(2, 'Service', 'b', 'web'),
        res(3, 'Service', 'a', 'web', 'east'),
        res(4, 'Deployment', 'a', 'web'),
        res(5, 'ConfigMap', 'a', '__proto__'),
        res(6, 'Namespace', '', 'constructor'),
    ];
    const find = resourceLookup(rs);
    assert.equal(find(about('Service', 'a', 'web'))?.id, 0);
    assert.equal(find(about('Deployment', 'a', 'web'))?.id, 4, 'the later of two equal keys');
    assert.equal(find(about('Service', 'b', 'web'))?.id, 2);
    assert.equal(find(about('Service', 'a', 'web', 'east'))?.id, 3);
    assert.equal(find(about('ConfigMap', 'a', '__proto__'))?.id, 5);
    assert.equal(find(about('Namespace', '', 'constructor'))?.id, 6);
    assert.equal(find(about('Service', 'c', 'web')), undefined, 'same name, other namespace');
    assert.equal(find(about('Secret', 'a', 'web')), undefined, 'same name, other kind');
    assert.equal(find(about('ConfigMap', 'a', 'toString')), undefined, 'a name no object has');
    assert.equal(find(about('ConfigMap', 'a', '__proto__', 'west')), undefined, 'other cluster');
});
