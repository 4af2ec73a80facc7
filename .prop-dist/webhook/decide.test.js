import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSettings } from '../config/settings.js';
import { decideIntroduced } from './decide.js';
import { CORPUS_CLUSTER, hijackYaml, PAY_SERVICE_YAML, parseObjects, reviewOf, stateOf, TENANT_NAMESPACES_YAML } from '../testing/decide-corpus.js';
const CLUSTER = CORPUS_CLUSTER;
const objects = parseObjects;
const cache = (yaml) => stateOf(parseObjects(yaml));
const review = reviewOf;
const CLUSTER_STATE = `${TENANT_NAMESPACES_YAML}---\n${PAY_SERVICE_YAML}`;
const HIJACK = objects(hijackYaml())[0];
const opts = { tenantPolicy: null, settings: defaultSettings(), cluster: CLUSTER };
test('a VirtualService claiming another namespace’s Service host is introduced as a hijack', () => {
    const d = decideIntroduced(review('CREATE', HIJACK), cache(CLUSTER_STATE), opts);
    assert.ok(d.introduced.some((f) => f.ruleId === 'HJK001'), JSON.stringify(d.introduced.map((f) => f.ruleId)));
    assert.deepEqual(d.failures, []);
});
test('the same claim on its own namespace’s host introduces nothing', () => {
    const own = structuredClone(HIJACK);
    own.spec.hosts = ['cart.shop.svc.cluster.local'];
    const d = decideIntroduced(review('CREATE', own), cache(CLUSTER_STATE), opts);
    assert.deepEqual(d.introduced.map((f) => f.ruleId), []);
});
test('an update that leaves an existing hijack as it was introduces nothing (the cluster’s old problems never refuse it)', () => {
    const state = cache(CLUSTER_STATE + '---\n' + JSON.stringify(HIJACK));
    const relabelled = structuredClone(HIJACK);
    relabelled.metadata.labels = { touched: 'yes' };
    const d = decideIntroduced(review('UPDATE', relabelled, HIJACK), state, opts);
    assert.deepEqual(d.introduced.map((f) => f.ruleId), []);
});
test('deleting the hijacking VirtualService introduces nothing; the review is not mutated', () => {
    const state = cache(CLUSTER_STATE + '---\n' + JSON.stringify(HIJACK));
    const old = structuredClone(HIJACK);
    const req = review('DELETE', null, old);
    assert.deepEqual(decideIntroduced(req, state, opts).introduced, []);
    assert.deepEqual(req.oldObject, HIJACK);
});
