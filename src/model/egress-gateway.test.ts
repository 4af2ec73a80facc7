import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectsEgressGateway } from './egress-gateway.js';

test('selectsEgressGateway: a label map or matchLabels picking the egress gateway by one of its labels', () => {
  assert.equal(selectsEgressGateway({ istio: 'egressgateway' }), true);
  assert.equal(selectsEgressGateway({ app: 'istio-egressgateway', version: 'v1' }), true);
  assert.equal(selectsEgressGateway({ matchLabels: { istio: 'egressgateway' } }), true);
  assert.equal(selectsEgressGateway({ istio: 'ingressgateway' }), false);
  assert.equal(selectsEgressGateway({ istio: 'egressgateway-2' }), false);
  assert.equal(selectsEgressGateway({ matchLabels: { app: 'web' }, istio: 'egressgateway' }), false, 'a LabelSelector is read by its matchLabels');
  for (const hostile of [null, undefined, 'istio=egressgateway', [], { matchLabels: null }, { matchLabels: ['istio'] }, Object.create({ istio: 'egressgateway' }), JSON.parse('{"__proto__": {"istio": "egressgateway"}}')]) {
    assert.equal(selectsEgressGateway(hostile), false, JSON.stringify(hostile));
  }
});
