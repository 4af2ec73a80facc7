import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanPaths } from '../engine/scan.js';
import { REPO_ROOT } from '../testing/kit.js';
import { computeSecretFacts, flavourOf, keyOf, pemOfKey, secretFactsOf } from './secret-facts.js';
import { sanitizeObject } from './sanitize.js';
const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/secrets/credential-secrets.yaml');
async function secrets() {
    const res = await scanPaths([FIXTURE], { rules: [] });
    return new Map(res.model.ofKind('', 'Secret').map((s) => [`${s.namespace}/${s.name}`, s]));
}
/** Every decoded value of a Secret, read by the test itself to check none reaches the facts. */
function rawValues(r) {
    const out = [];
    for (const [field, decode] of [['data', true], ['stringData', false]]) {
        const m = r.obj?.[field];
        if (!m || typeof m !== 'object')
            continue;
        for (const v of Object.values(m))
            if (typeof v === 'string' && v.length > 8)
                out.push(decode ? Buffer.from(v, 'base64').toString('utf8') : v);
    }
    return out;
}
/** Secret-looking lines of a value (tokens, keys, passwords), each of which must be absent from the facts. */
function secretParts(value) {
    const parts = [];
    for (const m of value.matchAll(/(?:token|password|client-key-data|client-secret|refresh-token|bearerToken|keyData)["']?\s*[:=]\s*["']?([^\s"',}]+)/g))
        parts.push(m[1]);
    // Private key bodies.
    for (const m of value.matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----\s*([A-Za-z0-9+/=\s]+?)-----END/g))
        for (const line of m[1].split(/\s+/))
            if (line.length > 20)
                parts.push(line);
    return parts;
}
test('TLS Secret: certificate metadata, chain length, and the private key only as its public fingerprint', async () => {
    const s = (await secrets()).get('istio-ingress/shop-tls');
    const facts = secretFactsOf(s);
    const crt = pemOfKey(facts, 'tls.crt');
    assert.equal(crt.certificateCount, 2);
    assert.match(crt.certificate.subject, /CN=shop\.example\.com/);
    assert.match(crt.certificate.issuer, /CN=Root CA/);
    assert.deepEqual(crt.certificate.sans, ['DNS:shop.example.com', 'DNS:www.shop.example.com']);
    assert.equal(crt.certificate.isCA, false);
    assert.equal(crt.certificate.issuedBySelf, false);
    assert.deepEqual(crt.certificate.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.match(crt.certificate.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.ok(Date.parse(crt.certificate.notAfter) > Date.parse(crt.certificate.notBefore));
    const key = pemOfKey(facts, 'tls.key');
    assert.equal(key.certificate, null);
    assert.equal(key.unparsedSha256, null, 'a private key is never hashed');
    assert.equal(key.privateKey.type, 'ec');
    assert.equal(key.privateKey.publicKeyFingerprint, crt.certificate.publicKeyFingerprint, 'the key pairs with its certificate by public-key fingerprint');
    const ca = pemOfKey(facts, 'ca.crt').certificate;
    assert.equal(ca.isCA, true);
    assert.equal(ca.issuedBySelf, true);
    const text = JSON.stringify(facts);
    for (const part of secretParts(rawValues(s).join('\n')))
        assert.ok(!text.includes(part), 'no private key material in the facts');
    assert.ok(!text.includes('PRIVATE KEY'));
});
test('cacerts: key presence, field, self-signed CA; an unparsable certificate is identified by hash', async () => {
    const all = await secrets();
    const ss = secretFactsOf(all.get('istio-system/cacerts'));
    assert.deepEqual(ss.keys.map((k) => k.key), ['ca-cert.pem', 'ca-key.pem', 'root-cert.pem', 'cert-chain.pem']);
    assert.ok(pemOfKey(ss, 'ca-key.pem').privateKey);
    assert.equal(pemOfKey(ss, 'ca-cert.pem').certificate.issuedBySelf, true);
    const odd = secretFactsOf(all.get('istio-system-2/cacerts'));
    assert.equal(keyOf(odd, 'root-key.pem').field, 'stringData');
    assert.match(pemOfKey(odd, 'ca-cert.pem').unparsedSha256, /^[0-9a-f]{64}$/);
    assert.equal(pemOfKey(odd, 'root-cert.pem').blank, true);
    // Keys not named like certificates get no hash, whatever they hold.
    assert.equal(pemOfKey(odd, 'ca-key.pem').unparsedSha256, null);
});
test('kubeconfig Secrets: identities, verdicts and a fingerprinted view; no credential value', async () => {
    const all = await secrets();
    const check = (name) => {
        const r = all.get(name);
        const facts = secretFactsOf(r);
        const text = JSON.stringify(facts);
        const parts = rawValues(r).flatMap(secretParts);
        assert.ok(parts.length > 0, `${name}: the fixture has credentials to look for`);
        for (const part of parts)
            assert.ok(!text.includes(part), `${name}: a credential value reached the facts`);
        return facts;
    };
    const east = check('istio-system/istio-remote-secret-east');
    assert.equal(east.flavour, 'istio');
    assert.equal(east.kubeconfigs[0].target, 'east');
    assert.equal(east.kubeconfigs[0].users[0].principal, 'serviceaccount:istio-system:istio-reader-service-account');
    assert.equal(east.kubeconfigs[0].users[0].jwt.neverExpires, true);
    assert.match(east.kubeconfigs[0].users[0].tokenFingerprint, /^sha256:[0-9a-f]{12}$/);
    assert.deepEqual(east.kubeconfigs[0].users[0].servers, ['https://east.example:6443']);
    assert.ok(east.kubeconfigs[0].judged.findings.some((f) => f.id === 'KCF011'));
    assert.match(JSON.stringify(east.kubeconfigs[0].view.users), /<redacted sha256:[0-9a-f]{12}>/);
    const north = check('istio-system/istio-remote-secret-north');
    const cert = north.kubeconfigs.find((k) => k.dataKey === 'north');
    assert.equal(cert.users[0].principal, 'user:alice');
    assert.deepEqual(cert.users[0].groups, ['system:masters', 'devs']);
    assert.ok(cert.users[0].kinds.includes('password') && cert.users[0].kinds.includes('client key'));
    const broken = north.kubeconfigs.find((k) => k.dataKey === 'broken');
    assert.equal(broken.judged.errors.length, 1);
    assert.ok(broken.judged.errors[0].line > 0);
    const south = check('istio-system/istio-remote-secret-south');
    assert.deepEqual(south.kubeconfigs[0].path, ['stringData', 'south']);
    assert.ok(south.kubeconfigs[0].judged.findings.some((f) => f.id === 'KCF001'));
    const argo = check('argocd/cluster-token');
    assert.equal(argo.kubeconfigs[0].dataKey, 'config');
    assert.equal(argo.kubeconfigs[0].target, 'tok');
    const broke = secretFactsOf(all.get('argocd/cluster-broken'));
    assert.match(broke.credentialProblems[0].reason, /not valid JSON/);
    const linkerd = check('linkerd-multicluster/cluster-credentials-east');
    assert.equal(linkerd.flavour, 'linkerd');
    assert.equal(linkerd.kubeconfigs[0].target, 'east');
});
test('ordinary Secret: key names and sizes only', async () => {
    const db = secretFactsOf((await secrets()).get('shop/db'));
    assert.deepEqual(db, { version: 1, flavour: null, keys: [{ field: 'data', key: 'password', bytes: 7 }, { field: 'stringData', key: 'url', bytes: 35 }], unreadable: [], skippedKeys: 0, pem: [], kubeconfigs: [], credentialProblems: [] });
});
test('secretFactsOf: facts the sanitizer attached win; computed facts are cached per resource', async () => {
    const r = (await secrets()).get('istio-system/istio-remote-secret-east');
    assert.equal(secretFactsOf(r), secretFactsOf(r), 'computed once');
    const attached = sanitizeObject(r.obj).secretFacts;
    const live = { ...r, obj: {}, secretFacts: attached };
    assert.equal(secretFactsOf(live), attached);
    // Without attached facts and without values (a live object the sanitizer did not see), there is nothing to read.
    assert.deepEqual(secretFactsOf({ ...r, obj: {} }).kubeconfigs, []);
});
test('flavours from metadata', () => {
    const id = (o) => flavourOf({ kind: 'Secret', group: '', name: 'x', labels: {}, type: 'Opaque', ...o });
    assert.equal(id({ labels: { 'istio/multiCluster': 'true' } }), 'istio');
    assert.equal(id({ name: 'istio-kubeconfig' }), 'istio');
    assert.equal(id({ labels: { 'kiali.io/multiCluster': 'true' } }), 'kiali');
    assert.equal(id({ labels: { 'argocd.argoproj.io/secret-type': 'cluster' } }), 'argocd');
    assert.equal(id({ type: 'mirror.linkerd.io/remote-kubeconfig' }), 'linkerd');
    assert.equal(id({}), null);
    assert.equal(id({ group: 'example.com', labels: { 'istio/multiCluster': 'true' } }), null);
    // An inherited property is not a label.
    assert.equal(id({ labels: Object.create({ 'istio/multiCluster': 'true' }) }), null);
});
test('computeSecretFacts never throws on odd values and binary data', () => {
    const id = { kind: 'Secret', group: '', namespace: 'n', name: 'cacerts', labels: {}, annotations: {}, type: 'Opaque' };
    const bin = Buffer.from([0, 255, 254, 1, 2, 3, 0x2d, 0x2d]).toString('base64');
    const f = computeSecretFacts({ data: { 'ca-cert.pem': bin, 'ca-key.pem': '@@not base64@@', x: 1 }, stringData: 'no' }, id);
    assert.equal(keyOf(f, 'ca-cert.pem').bytes, 8);
    assert.equal(pemOfKey(f, 'ca-cert.pem').certificate, null);
    assert.equal(f.unreadable.length, 1);
    for (const v of [null, 1, 'x', [], { data: null }])
        assert.doesNotThrow(() => computeSecretFacts(v, id));
});
test('file scans still locate findings on the data key holding the value (positions from the source text)', async () => {
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(FIXTURE, 'utf8').split('\n');
    const lineOf = (re, after) => {
        const start = lines.findIndex((l) => after.test(l));
        return start + lines.slice(start).findIndex((l) => re.test(l)) + 1;
    };
    const res = await scanPaths([FIXTURE]);
    const kcf = res.findings.find((f) => f.ruleId === 'KCF011' && f.resource.name === 'istio-remote-secret-east');
    assert.equal(kcf.location?.path, 'data.east');
    assert.equal(kcf.location?.line, lineOf(/^ {2}east: /, /name: istio-remote-secret-east/));
    const mcl = res.findings.find((f) => f.ruleId === 'MCL002' && f.resource.namespace === 'istio-system-2');
    assert.equal(mcl.location?.path, 'stringData["root-key.pem"]');
    assert.equal(mcl.location?.line, lineOf(/^ {2}root-key\.pem: /, /namespace: istio-system-2/));
    const south = res.findings.find((f) => f.ruleId === 'KCF001' && f.resource.name === 'istio-remote-secret-south');
    assert.equal(south.location?.path, 'stringData.south');
});
