// Every AUT rule over objects whose fields have the wrong types: no rule may throw (a throwing rule
// is reported as a failure by the engine), and garbage must not produce findings it cannot justify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rules } from './index.js';
import { scanYaml } from '../../testing/kit.js';
import { doc, docs, namespace } from './fixtures.js';
const WEIRD = [null, 0, 1, -1, 65536, '', 'x', true, [], [null], [1, 'a'], {}, { a: null }, [[[]]], { '': {} }];
function objects(value) {
    const out = [];
    const kinds = [
        ['security.istio.io/v1', 'PeerAuthentication', ['selector', 'mtls', 'portLevelMtls']],
        ['security.istio.io/v1', 'AuthorizationPolicy', ['selector', 'action', 'rules', 'targetRefs', 'targetRef', 'provider']],
        ['security.istio.io/v1', 'RequestAuthentication', ['selector', 'jwtRules', 'targetRefs']],
        ['networking.istio.io/v1', 'DestinationRule', ['host', 'trafficPolicy', 'subsets']],
        ['networking.istio.io/v1', 'Gateway', ['selector', 'servers']],
        ['gateway.networking.k8s.io/v1', 'Gateway', ['gatewayClassName', 'listeners']],
        ['v1', 'Service', ['selector', 'ports', 'type', 'loadBalancerSourceRanges']],
    ];
    let i = 0;
    for (const [apiVersion, kind, fields] of kinds) {
        for (const f of fields)
            out.push(doc({ apiVersion, kind, metadata: { name: `w${i++}`, namespace: 'shop' }, spec: { [f]: value } }));
        out.push(doc({ apiVersion, kind, metadata: { name: `w${i++}`, namespace: 'shop' }, spec: value }));
    }
    // Nested shapes: rules and tls blocks whose parts are the weird value.
    out.push(doc({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'nested', namespace: 'shop' }, spec: { action: 'DENY', rules: [{ from: [{ source: value }], to: [{ operation: value }], when: [value, { key: value, values: value }] }] } }));
    out.push(doc({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'nested', namespace: 'shop' }, spec: { host: 'web', trafficPolicy: { tls: value, portLevelSettings: [value, { port: value, tls: value }] }, subsets: [value, { trafficPolicy: value }] } }));
    out.push(doc({ apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name: 'nested', namespace: 'shop' }, spec: { jwtRules: [value, { jwksUri: value }] } }));
    out.push(doc({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'x', ports: value }] } } } }));
    return out;
}
test('every AUT rule survives fields of the wrong type', async () => {
    for (const value of WEIRD) {
        const res = await scanYaml(docs(namespace('shop'), namespace('istio-system', 'none'), ...objects(value)), { rules });
        assert.deepEqual(res.failures, [], `value ${JSON.stringify(value)}`);
    }
});
test('huge and deep values stay bounded', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => `h${i}.example.com`);
    const ap = doc({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'big', namespace: 'shop' }, spec: { action: 'DENY', rules: [{ to: [{ operation: { hosts: many, paths: many } }] }] } });
    const ra = doc({ apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name: 'big', namespace: 'shop' }, spec: { jwtRules: [{ jwksUri: `http://${'a'.repeat(5000)}.example.com/` }] } });
    const res = await scanYaml(docs(namespace('shop'), ap, ra), { rules });
    assert.deepEqual(res.failures, []);
    for (const f of res.findings)
        assert.ok(f.message.length < 2000, `${f.ruleId} message of ${f.message.length} characters`);
});
