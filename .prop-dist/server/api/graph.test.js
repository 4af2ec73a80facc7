/** GET /api/clusters/:cluster/graph through real HTTP: nodes and mTLS edges, namespace filter, 404, 400, schema. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { startTestServer, upsert } from '../testing-kit.js';
let t;
const ns = (name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'istio-injection': 'enabled' } } });
const deployment = (name, namespace) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080 }] }] } } },
});
const service = (name, namespace) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } });
const pa = (namespace, mode) => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace }, spec: { mtls: { mode } } });
before(async () => {
    t = await startTestServer();
    await t.store.createCluster('alpha', new Date());
    await t.send('alpha', {
        epoch: 'e1',
        seq: 1,
        type: 'snapshot',
        last: true,
        changes: [ns('shop'), ns('pay'), deployment('web', 'shop'), service('web', 'shop'), pa('shop', 'PERMISSIVE'), deployment('ledger', 'pay'), service('ledger', 'pay'), pa('pay', 'STRICT')].map((o) => upsert(o, o.kind !== 'Namespace')),
    });
    await t.server.analysis.idle();
});
after(async () => {
    await t?.close();
});
test('the graph of a cluster: Service → workload edges with the posture mTLS state', async () => {
    const r = await t.get('/api/clusters/alpha/graph');
    assert.equal(r.status, 200, r.text);
    const edge = (svc) => r.body.edges.find((e) => e.from === `Service:${svc}` && e.kind === 'selects');
    assert.equal(edge('shop/web')?.mtls, 'permissive');
    assert.equal(edge('pay/ledger')?.mtls, 'strict');
    const doc = await t.get('/api/openapi.json');
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.body.components });
    const schema = JSON.parse(JSON.stringify(doc.body.paths['/api/clusters/{cluster}/graph'].get.responses['200'].content['application/json'].schema).replaceAll('"#/components/', '"doc#/components/'));
    assert.ok(ajv.validate(schema, r.body), ajv.errorsText());
});
test('namespace= keeps that namespace; unknown clusters 404; bad namespaces and unknown parameters 400; no token 401', async () => {
    const r = await t.get('/api/clusters/alpha/graph?namespace=pay');
    assert.equal(r.status, 200);
    assert.ok(r.body.nodes.length > 0);
    assert.ok(r.body.nodes.every((n) => n.namespace === 'pay'));
    assert.equal((await t.get('/api/clusters/nope/graph')).status, 404);
    assert.equal((await t.get('/api/clusters/alpha/graph?namespace=%3Cscript%3E')).status, 400);
    assert.equal((await t.get('/api/clusters/alpha/graph?__proto__=1')).status, 400);
    assert.equal((await t.get('/api/clusters/alpha/graph', null)).status, 401);
});
