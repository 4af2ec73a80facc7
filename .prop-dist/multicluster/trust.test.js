import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanFiles, scanPaths } from '../engine/scan.js';
import { trustFindings } from './trust.js';
import { REPO_ROOT } from '../testing/kit.js';
/** Real certificates from the multicluster example: root1 + shared intermediate (east), root2 + another intermediate (north). */
async function exampleCerts() {
    const pems = async (c) => {
        const res = await scanPaths([path.join(REPO_ROOT, 'examples/multicluster', c)], { rules: [] });
        // The test reads the example's certificates itself: meshward's code reads Secrets only through their facts.
        const secret = res.model.ofKind('', 'Secret').find((s) => s.name === 'cacerts');
        const value = (k) => secret.obj.stringData?.[k] ?? Buffer.from(secret.obj.data[k], 'base64').toString('utf8');
        return { intermediate: value('ca-cert.pem'), root: value('root-cert.pem') };
    };
    return { east: await pems('east'), north: await pems('north') };
}
const b64 = (s) => Buffer.from(s).toString('base64');
async function cluster(name, certs, mesh = '') {
    const text = `apiVersion: v1
kind: Secret
metadata: {name: cacerts, namespace: istio-system}
data:
  ca-cert.pem: ${b64(certs.intermediate)}
  root-cert.pem: ${b64(certs.root)}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    ${mesh || 'trustDomain: cluster.local'}
`;
    const res = await scanFiles([{ file: `${name}.yaml`, text, format: 'yaml' }], { cluster: name, rules: [] });
    assert.deepEqual(res.errors, []);
    return { name, model: res.model, files: res.load.files };
}
test('the same signing CA in two clusters is high; different intermediates under one root are fine', async () => {
    const { east, north } = await exampleCerts();
    const same = trustFindings([await cluster('a', east), await cluster('b', east)]);
    assert.deepEqual(same.map((t) => [t.kind, t.severity, t.clusters]), [['shared-intermediate', 'high', ['a', 'b']]]);
    assert.match(same[0].message, /CN=int-shared intermediate CA/);
    // b signs with the root itself (MCL002's concern, not a shared intermediate); both trust one root.
    const ok = trustFindings([await cluster('a', east), await cluster('b', { intermediate: east.root, root: east.root })]);
    assert.deepEqual(ok, []);
    assert.notEqual(north.root, east.root);
});
test('different roots in one mesh are medium; separate meshIds are not one mesh', async () => {
    const { east, north } = await exampleCerts();
    const mixed = trustFindings([await cluster('a', east), await cluster('b', north)]);
    assert.deepEqual(mixed.map((t) => [t.kind, t.severity, t.clusters]), [['mixed-roots', 'medium', ['a', 'b']]]);
    const separate = trustFindings([await cluster('a', east, 'defaultConfig: {meshId: m1}'), await cluster('b', north, 'defaultConfig: {meshId: m2}')]);
    assert.deepEqual(separate, []);
});
test('separate meshes sharing a root and trust domain accept each other; distinct trust domains do not', async () => {
    const { east } = await exampleCerts();
    const shared = { intermediate: east.root, root: east.root };
    const found = trustFindings([await cluster('a', shared, 'defaultConfig: {meshId: m1}'), await cluster('b', shared, 'defaultConfig: {meshId: m2}')]);
    assert.deepEqual(found.map((t) => t.kind), ['shared-root-across-meshes']);
    assert.match(found[0].message, /meshes m1, m2 .* share a root and the trust domain "cluster\.local"/);
    const distinct = trustFindings([
        await cluster('a', shared, 'trustDomain: a.example\n    defaultConfig: {meshId: m1}'),
        await cluster('b', shared, 'trustDomain: b.example\n    defaultConfig: {meshId: m2}'),
    ]);
    assert.deepEqual(distinct, []);
});
test('unparseable certificates are compared by content, never printed', async () => {
    const junk = { intermediate: 'not a certificate', root: 'SECRET-LOOKING-CANARY' };
    const found = trustFindings([await cluster('a', junk), await cluster('b', junk)]);
    assert.deepEqual(found.map((t) => t.kind), ['shared-intermediate']);
    assert.doesNotMatch(JSON.stringify(found), /CANARY|not a certificate/);
});
