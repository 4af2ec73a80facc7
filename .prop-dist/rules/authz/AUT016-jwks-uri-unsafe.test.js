import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule, { classifyHost } from './AUT016-jwks-uri-unsafe.js';
import { findingsFor } from '../../testing/kit.js';
import { docs, requestAuthn } from './fixtures.js';
const ra = (...uris) => docs(requestAuthn('shop', 'jwt', { jwtRules: uris.map((jwksUri, i) => ({ issuer: `i${i}`, jwksUri })) }));
test('http:// to a public host: high, on the jwksUri', async () => {
    const f = await findingsFor(rule, ra('http://auth.example.com/jwks.json'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.jwtRules[0].jwksUri');
    assert.equal(f[0].message, 'RequestAuthentication shop/jwt jwtRules[0] takes its keys from http://auth.example.com/jwks.json: it is fetched over plain http, so anyone on the path can substitute the signing keys and mint accepted tokens.');
});
test('https to internal addresses: medium; metadata endpoints high; each rule separately', async () => {
    const f = await findingsFor(rule, ra('https://auth.example.com/jwks', 'https://10.1.2.3/jwks', 'https://169.254.169.254/latest', 'https://[::1]:8443/k', 'https://localhost/k'));
    assert.deepEqual(f.map((x) => `${x.location?.path} ${x.severity}`).sort(), ['spec.jwtRules[1].jwksUri medium', 'spec.jwtRules[2].jwksUri high', 'spec.jwtRules[3].jwksUri medium', 'spec.jwtRules[4].jwksUri medium']);
    assert.match(f.find((x) => x.location?.path.includes('[1]')).message, /points at a private address \(10.1.2.3\), so whoever can write a RequestAuthentication makes istiod fetch internal endpoints \(SSRF\)/);
});
test('obfuscated addresses are normalised before judging', () => {
    for (const host of [new URL('http://2130706433/').hostname, new URL('http://0x7f.1/').hostname, new URL('http://[::ffff:127.0.0.1]/').hostname]) {
        assert.match(classifyHost(host)?.what ?? 'none', /loopback/, host);
    }
    assert.equal(classifyHost('metadata.google.internal')?.severe, true);
    assert.equal(classifyHost('[fd00:ec2::254]')?.severe, true);
    assert.match(classifyHost('[fd12::1]').what, /unique local/);
    assert.match(classifyHost('100.100.1.1').what, /carrier-grade/);
    assert.equal(classifyHost('172.32.0.1'), null);
    assert.equal(classifyHost('keycloak.auth.svc.cluster.local'), null);
});
test('negatives: https to public or in-cluster names, inline jwks, junk', async () => {
    assert.deepEqual(await findingsFor(rule, ra('https://auth.example.com/.well-known/jwks.json', 'https://keycloak.auth.svc.cluster.local/certs')), []);
    assert.deepEqual(await findingsFor(rule, docs(requestAuthn('shop', 'jwt', { jwtRules: [{ issuer: 'x', jwks: '{"keys":[]}' }] }))), []);
    assert.deepEqual(await findingsFor(rule, ra('not a url', 42, null)), []);
    assert.deepEqual(await findingsFor(rule, docs(requestAuthn('shop', 'jwt', { jwtRules: 'x' }))), []);
});
test('the message never shows credentials or token-like query values of the jwksUri', async () => {
    const secrets = ['s3cr3t-pass', 'tok-123456', 'sig-abcdef', 'key-987654', 'pw-xyz'];
    const uri = `http://alice:${secrets[0]}@10.0.0.5/jwks.json?access_token=${secrets[1]}&sig=${secrets[2]}&key=${secrets[3]}&password=${secrets[4]}`;
    const f = await findingsFor(rule, docs(requestAuthn('shop', 'jwt', { jwtRules: [{ issuer: 'https://auth.example.com', jwksUri: uri }] })));
    assert.equal(f.length, 1);
    for (const s of secrets)
        assert.ok(!f[0].message.includes(s), `message leaks ${s}: ${f[0].message}`);
    assert.match(f[0].message, /takes its keys from http:\/\/alice:\S+@10\.0\.0\.5\/jwks\.json\?access_token=/);
    // A token passed as the user name is hidden too.
    const g = await findingsFor(rule, docs(requestAuthn('shop', 'jwt', { jwtRules: [{ issuer: 'x', jwksUri: 'http://ghp_tokenvalue1234@auth.example.com/jwks' }] })));
    assert.ok(!g[0].message.includes('ghp_tokenvalue1234'));
});
