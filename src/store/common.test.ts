import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldChanges, wireObjectJson, wireObjectJsonWith } from './common.js';
import type { WireObject } from '../relay/protocol.js';

test('wireObjectJsonWith: the object\'s own text makes the same JSON as serializing the wire object', () => {
  const objects: WireObject[] = [
    { apiVersion: 'v1', kind: 'Service', namespaced: true, obj: { metadata: { name: 'a"b', namespace: 'ns\\x' }, spec: { ports: [{ port: 80 }] } } },
    { apiVersion: 'v1', kind: 'Secret', namespaced: true, obj: { metadata: { name: 's', namespace: 'n' }, type: 'kubernetes.io/tls' }, secretFacts: { keys: ['tls.crt'] } as unknown as WireObject['secretFacts'] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespaced: false, obj: JSON.parse('{"metadata":{"name":"ünï"},"__proto__":{"x":1}}') },
  ];
  for (const o of objects) {
    const expected = JSON.stringify(o);
    assert.equal(wireObjectJson(o), expected);
    assert.equal(wireObjectJsonWith(o, JSON.stringify(o.obj)), expected);
    assert.deepEqual(JSON.parse(wireObjectJsonWith(o, JSON.stringify(o.obj))), JSON.parse(expected));
  }
  // foldChanges stores that text: the last upsert of a key wins, deletes fold the same way.
  const folded = foldChanges([{ op: 'upsert', object: objects[0]! }, { op: 'upsert', object: objects[2]! }]);
  assert.deepEqual(folded.upserts.map((u) => u.body), [JSON.stringify(objects[0]), JSON.stringify(objects[2])]);
});

test('foldChanges: one final operation per key, the last one winning, in the order of those final operations', () => {
  const key = (kind: string, namespace: string, name: string) => ({ kind, namespace, name });
  const folded = foldChanges([
    { op: 'upsert-json', key: key('Service', 'ns-10', 'b'), body: 'b1' },
    { op: 'upsert-json', key: key('Service', 'ns-1', 'z'), body: 'z1' },
    { op: 'delete', key: key('Service', 'ns-10', 'b') },
    { op: 'upsert-json', key: key('Namespace', '', 'ns-1'), body: 'n1' },
    { op: 'upsert-json', key: key('Service', 'ns-1', 'z'), body: 'z2' },
    { op: 'delete', key: key('Deployment', 'ns-1', 'gone') },
    { op: 'upsert-json', key: key('Deployment', 'ns-1', 'back'), body: 'x' },
    { op: 'delete', key: key('Deployment', 'ns-1', 'back') },
    { op: 'upsert-json', key: key('Deployment', 'ns-1', 'back'), body: 'back2' },
  ]);
  assert.deepEqual(folded.upserts, [
    { key: key('Namespace', '', 'ns-1'), body: 'n1' },
    { key: key('Service', 'ns-1', 'z'), body: 'z2' },
    { key: key('Deployment', 'ns-1', 'back'), body: 'back2' },
  ]);
  assert.deepEqual(folded.deletes, [key('Service', 'ns-10', 'b'), key('Deployment', 'ns-1', 'gone')]);
});
