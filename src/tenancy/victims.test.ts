// claimVictims keeps its answers per host index and tenancy (src/tenancy/victims.ts): the same answer
// while both are the model's, a fresh one as soon as a Service changes the host index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshModel } from '../model/model.js';
import { overlayModel } from '../model/overlay.js';
import { toResource, type Obj } from '../testing/decide-corpus.js';
import { claimVictims } from './victims.js';

const svc = (name: string, ns: string): Obj => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ port: 80 }] } });

test('claimVictims answers again from its memo while the host index and tenancy stay, afresh when a Service changes them', () => {
  const namespace = (name: string): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const objects = [svc('pay', 'payments'), svc('web', 'shop'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'shop' }, data: {} }, namespace('payments'), namespace('shop')].map((o, id) => ({ ...toResource(o), id }));
  const model = new MeshModel(objects);
  const host = 'pay.payments.svc.cluster.local';
  const first = claimVictims(model, 'shop', host);
  assert.deepEqual(first.services.map((s) => `${s.namespace}/${s.resource.name}`), ['payments/pay']);
  assert.equal(claimVictims(model, 'shop', host), first, 'the same question, the same answer');
  assert.equal(claimVictims(model, 'payments', host).any, false, 'keyed by the claiming namespace too');
  // A ConfigMap changed: the overlay shares the host index, and the answer.
  const cm = objects[2];
  const edited = { ...cm, obj: { ...cm.obj, data: { a: '1' } } };
  const same = overlayModel(model, cm, edited).model!;
  assert.equal(claimVictims(same, 'shop', host), first);
  // The owning Service deleted: a new host index, a new answer with no victims left.
  const gone = overlayModel(model, objects[0], null).model!;
  assert.equal(claimVictims(gone, 'shop', host).services.length, 0);
});
