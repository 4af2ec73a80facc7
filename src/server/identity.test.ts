import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync, randomBytes, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { AGENT_PATHS, clusterSpiffeId, type EnrollResponse } from '../relay/protocol.js';
import { newKeyAndCsr } from '../relay/enroll.js';
import { memoryIdentityStore } from './identity-test-store.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { startIdentityServer, type IdentityTestServer } from './identity-test-server.js';
import { createAgentIdentityService, identityOfCertificate, registerCluster, RegistrationError } from './identity.js';
import { randomSerial, verifiedCsrKey } from './ca.js';
import { hashBootstrapToken } from './tokens.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const HOUR = 3600_000;

interface Res {
  status: number;
  body: any;
  port: number;
}

function request(
  url: URL,
  opts: { method?: string; body?: string | Buffer; headers?: Record<string, string>; ca: string; key?: string; cert?: string; agent?: https.Agent },
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: opts.method ?? 'GET',
        ca: opts.ca,
        key: opts.key,
        cert: opts.cert,
        agent: opts.agent ?? false,
        headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: any = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body, port: res.socket?.localPort ?? -1 });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function enrollRaw(s: IdentityTestServer, token: string | undefined, body: unknown): Promise<Res> {
  return request(new URL(AGENT_PATHS.enroll, s.url), {
    method: 'POST',
    ca: s.identity.caCertificate(),
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

async function enrolled(s: IdentityTestServer, cluster: string): Promise<{ keyPem: string; cert: string; res: EnrollResponse }> {
  const { token } = await s.identity.registerCluster(cluster, HOUR, new Date());
  const { keyPem, csrPem } = await newKeyAndCsr(cluster);
  const r = await enrollRaw(s, token, { v: 1, cluster, csr: csrPem, agentVersion: 'test-1' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { keyPem, cert: r.body.certificate, res: r.body };
}

function sans(pem: string): Array<{ type: string; value: string }> {
  const san = new x509.X509Certificate(pem).getExtension(x509.SubjectAlternativeNameExtension);
  return (san?.names.items ?? []).map((n) => ({ type: n.type, value: n.value }));
}

const whoami = (s: IdentityTestServer, c: { keyPem: string; cert: string }, agent?: https.Agent) =>
  request(new URL('/test/whoami', s.url), { ca: s.identity.caCertificate(), key: c.keyPem, cert: c.cert, agent });

/** A CA of the test's own (key in hand), to sign certificates the relay CA never would. */
async function testCa() {
  const keys = (await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=test-ca',
    notBefore: new Date(Date.now() - 24 * HOUR),
    notAfter: new Date(Date.now() + 24 * HOUR),
    signingAlgorithm: P256,
    keys,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64')}\n-----END PRIVATE KEY-----\n`;
  async function sign(o: { sans: Array<{ type: 'url' | 'dns'; value: string }>; eku?: string[]; notBefore?: Date; notAfter?: Date }) {
    const leaf = (await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const c = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: 'CN=leaf',
      issuer: cert.subject,
      notBefore: o.notBefore ?? new Date(Date.now() - HOUR),
      notAfter: o.notAfter ?? new Date(Date.now() + HOUR),
      signingAlgorithm: P256,
      publicKey: leaf.publicKey,
      signingKey: keys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(o.eku ?? [x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(o.sans),
      ],
    });
    const lk = await webcrypto.subtle.exportKey('pkcs8', leaf.privateKey);
    return { cert: c.toString('pem') + '\n', keyPem: `-----BEGIN PRIVATE KEY-----\n${Buffer.from(lk).toString('base64')}\n-----END PRIVATE KEY-----\n` };
  }
  return { certPem: cert.toString('pem') + '\n', keyPem, sign };
}

interface StoreUnderTest {
  store: Store;
  /** Everything the store holds, as text (for canaries). */
  dump(): string;
  close(): Promise<void>;
}

const STORES: Array<[string, () => Promise<StoreUnderTest>]> = [
  [
    'memory',
    async () => {
      const store = memoryIdentityStore();
      return { store, dump: () => store.dump(), close: async () => {} };
    },
  ],
  [
    'sqlite',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-idstore-'));
      const store = await openStore({ engine: 'sqlite', dataDir: dir });
      return {
        store,
        // Every byte of the database, its WAL and shared memory.
        dump: () => fs.readdirSync(dir).filter((f) => f.startsWith('meshward.db')).map((f) => fs.readFileSync(path.join(dir, f)).toString('latin1')).join('\n'),
        close: async () => {
          await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
];

for (const [storeName, openUnderTest] of STORES) describe(`relay identity over real TLS (${storeName} store)`, () => {
  let sut: StoreUnderTest;
  let store: Store;
  let s: IdentityTestServer;
  before(async () => {
    sut = await openUnderTest();
    store = sut.store;
    s = await startIdentityServer(store);
  });
  after(async () => {
    await s.close();
    await sut.close();
  });

  test('enroll: the certificate names exactly the token\'s cluster, for client auth, short-lived, serial recorded; it authenticates', async () => {
    const t0 = Date.now();
    const { keyPem, cert, res } = await enrolled(s, 'east');
    assert.equal(res.cluster, 'east');
    assert.deepEqual(sans(cert), [{ type: 'url', value: clusterSpiffeId('east') }]);
    const node = new NodeX509(cert);
    assert.equal(node.ca, false);
    assert.deepEqual(node.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    const life = Date.parse(node.validTo) - t0;
    assert.ok(life <= 24 * HOUR + 5000 && life > 23 * HOUR, `lifetime ${life}`);
    assert.equal(res.caCertificate, s.identity.caCertificate());
    const certs = await store.listCertificates('east');
    assert.equal(certs.length, 1);
    assert.equal(certs[0]!.serial, node.serialNumber.toLowerCase());
    assert.match(certs[0]!.serial, /^[0-9a-f]{32}$/);
    const w = await whoami(s, { keyPem, cert });
    assert.equal(w.status, 200, JSON.stringify(w.body));
    assert.deepEqual(w.body, { cluster: 'east' });
    assert.equal((await store.getCluster('east'))!.agentVersion, 'test-1');
  });

  test('the agent key never leaves: the server saw a CSR, never the private key', async () => {
    const before = s.bodies.length;
    const { keyPem } = await enrolled(s, 'keyless');
    const keyB64 = keyPem.replace(/-----[A-Z ]+-----|\s/g, '');
    const seen = s.bodies.slice(before).join('\n') + s.logs.join('\n') + sut.dump();
    assert.ok(s.bodies.slice(before).some((b) => b.includes('BEGIN CERTIFICATE REQUEST')), 'the CSR was sent');
    assert.ok(!seen.includes(keyB64.slice(0, 40)), 'no part of the private key reached the server');
    assert.ok(!seen.includes('PRIVATE KEY'));
  });

  test('a bootstrap token works for one key: another key is refused, the same key again (a lost answer) is not', async () => {
    const { token } = await s.identity.registerCluster('once', HOUR, new Date());
    const a = await newKeyAndCsr('once');
    const first = await enrollRaw(s, token, { v: 1, cluster: 'once', csr: a.csrPem, agentVersion: '1' });
    assert.equal(first.status, 200);
    const b = await newKeyAndCsr('once');
    const second = await enrollRaw(s, token, { v: 1, cluster: 'once', csr: b.csrPem, agentVersion: '1' });
    assert.equal(second.status, 401);
    assert.equal(second.body.code, 'bad-token');
    assert.match(second.body.message, /register-cluster once/);
    assert.equal((await store.listCertificates('once')).length, 1);
    // The first agent asking again with its own CSR (its answer was lost) gets a certificate for its key.
    const replay = await enrollRaw(s, token, { v: 1, cluster: 'once', csr: a.csrPem, agentVersion: '1' });
    assert.equal(replay.status, 200);
    assert.equal(new NodeX509(replay.body.certificate).publicKey.export({ type: 'spki', format: 'pem' }), new NodeX509(first.body.certificate).publicKey.export({ type: 'spki', format: 'pem' }));
    assert.equal((await store.listCertificates('once')).length, 2);
    // ...and a token spent for that key still does not enroll another cluster name.
    const elsewhere = await enrollRaw(s, token, { v: 1, cluster: 'twice', csr: a.csrPem, agentVersion: '1' });
    assert.notEqual(elsewhere.status, 200);
  });

  test('an expired bootstrap token is refused, with the command that makes a new one', async () => {
    const { token } = await s.identity.registerCluster('late', 1000, new Date(Date.now() - 60_000));
    const { csrPem } = await newKeyAndCsr('late');
    const r = await enrollRaw(s, token, { v: 1, cluster: 'late', csr: csrPem, agentVersion: '1' });
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'bad-token');
    assert.match(r.body.message, /meshward server register-cluster late/);
  });

  test('no token, a malformed token, a token for another cluster: refused, no certificate', async () => {
    const { csrPem } = await newKeyAndCsr('west');
    for (const t of [undefined, 'mwb_short', 'x'.repeat(300)]) {
      const r = await enrollRaw(s, t, { v: 1, cluster: 'west', csr: csrPem, agentVersion: '1' });
      assert.equal(r.status, 401, String(t));
      assert.equal(r.body.code, 'bad-token');
    }
    const { token } = await s.identity.registerCluster('tok-a', HOUR, new Date());
    await s.identity.registerCluster('tok-b', HOUR, new Date());
    const r = await enrollRaw(s, token, { v: 1, cluster: 'tok-b', csr: csrPem, agentVersion: '1' });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'forbidden-cluster');
    assert.doesNotMatch(r.body.message, /tok-a/, 'which cluster the token was for is not said');
    assert.equal((await store.listCertificates('tok-a')).length + (await store.listCertificates('tok-b')).length, 0);
  });

  test('a revoked cluster is refused at once, on an already open keep-alive connection too; its tokens die with it', async () => {
    const c = await enrolled(s, 'doomed');
    const spare = await s.identity.registerCluster('doomed', HOUR, new Date());
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ok = await whoami(s, c, agent);
      assert.equal(ok.status, 200);
      assert.equal(await s.identity.revokeCluster('doomed', new Date()), true);
      const refused = await whoami(s, c, agent);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'revoked');
      assert.equal(refused.port, ok.port, 'the same TLS connection');
      assert.equal(s.whoamiPorts.at(-1), s.whoamiPorts.at(-2), 'the server saw one connection');
    } finally {
      agent.destroy();
    }
    const { csrPem } = await newKeyAndCsr('doomed');
    const r = await enrollRaw(s, spare.token, { v: 1, cluster: 'doomed', csr: csrPem, agentVersion: '1' });
    assert.equal(r.body.code, 'bad-token');
    const renew = await request(new URL(AGENT_PATHS.renew, s.url), {
      method: 'POST', ca: s.identity.caCertificate(), key: c.keyPem, cert: c.cert, body: JSON.stringify({ v: 1, csr: csrPem, agentVersion: '1' }),
    });
    assert.equal(renew.status, 403);
    assert.equal(renew.body.code, 'revoked');
    await assert.rejects(s.identity.registerCluster('doomed', HOUR, new Date()), RegistrationError);
  });

  test('a CSR asking for another cluster\'s SAN (and CA powers) gets only the token\'s cluster', async () => {
    const { token } = await s.identity.registerCluster('honest', HOUR, new Date());
    await s.identity.registerCluster('victim', HOUR, new Date());
    const keys = (await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const forged = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=victim, O=system:masters',
      keys,
      signingAlgorithm: P256,
      extensions: [
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: clusterSpiffeId('victim') }, { type: 'dns', value: 'localhost' }]),
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
    });
    const r = await enrollRaw(s, token, { v: 1, cluster: 'honest', csr: forged.toString('pem'), agentVersion: '1' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(sans(r.body.certificate), [{ type: 'url', value: clusterSpiffeId('honest') }]);
    const node = new NodeX509(r.body.certificate);
    assert.equal(node.ca, false);
    assert.deepEqual(node.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.doesNotMatch(node.subject, /victim|system:masters/);
    const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64')}\n-----END PRIVATE KEY-----\n`;
    const w = await whoami(s, { keyPem, cert: r.body.certificate });
    assert.deepEqual(w.body, { cluster: 'honest' });
  });

  test('renew: an authenticated cluster gets a new certificate for itself only, over a new key', async () => {
    const a = await enrolled(s, 'renewer');
    const next = await newKeyAndCsr('someone-else');
    const r = await request(new URL(AGENT_PATHS.renew, s.url), {
      method: 'POST', ca: s.identity.caCertificate(), key: a.keyPem, cert: a.cert, body: JSON.stringify({ v: 1, csr: next.csrPem, agentVersion: '2' }),
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.cluster, 'renewer');
    assert.deepEqual(sans(r.body.certificate), [{ type: 'url', value: clusterSpiffeId('renewer') }]);
    assert.notEqual(new NodeX509(r.body.certificate).publicKey.export({ type: 'spki', format: 'der' }).toString('hex'), new NodeX509(a.cert).publicKey.export({ type: 'spki', format: 'der' }).toString('hex'));
    assert.equal((await store.listCertificates('renewer')).length, 2);
    const w = await whoami(s, { keyPem: next.keyPem, cert: r.body.certificate });
    assert.deepEqual(w.body, { cluster: 'renewer' });
    // Without a client certificate there is nothing to renew.
    const anon = await request(new URL(AGENT_PATHS.renew, s.url), { method: 'POST', ca: s.identity.caCertificate(), body: JSON.stringify({ v: 1, csr: next.csrPem, agentVersion: '2' }) });
    assert.equal(anon.status, 401);
    assert.equal(anon.body.code, 'unauthenticated');
  });

  test('a certificate from another CA is refused, even one naming a registered cluster', async () => {
    await enrolled(s, 'target');
    const other = await testCa();
    const fake = await other.sign({ sans: [{ type: 'url', value: clusterSpiffeId('target') }] });
    const w = await whoami(s, fake);
    assert.equal(w.status, 401);
    assert.equal(w.body.code, 'unauthenticated');
    // And a second relay server's CA (same software, other data folder) is just as foreign.
    const s2 = await startIdentityServer(memoryIdentityStore());
    try {
      const foreign = await enrolled(s2, 'target');
      const w2 = await whoami(s, foreign);
      assert.equal(w2.status, 401);
    } finally {
      await s2.close();
    }
  });

  test('a resumed TLS session still proves its cluster, and revocation still applies to it', async () => {
    const c = await enrolled(s, 'resumer');
    const reused: boolean[] = [];
    const onConn = (sock: import('node:tls').TLSSocket) => void reused.push(sock.isSessionReused());
    s.app.server.on('secureConnection', onConn);
    // No keep-alive, one agent: each request is a new connection resuming the first one's session.
    const agent = new https.Agent({ keepAlive: false });
    try {
      for (let i = 0; i < 3; i++) assert.deepEqual((await whoami(s, c, agent)).body, { cluster: 'resumer' });
      assert.ok(reused.includes(true), `a session was resumed (${reused.join()})`);
      await s.identity.revokeCluster('resumer', new Date());
      assert.equal((await whoami(s, c, agent)).body.code, 'revoked');
    } finally {
      agent.destroy();
      s.app.server.off('secureConnection', onConn);
    }
  });

  test('the serving certificate (same CA, serverAuth, no cluster SAN) cannot act as an agent', async () => {
    const tls = s.identity.agentTlsOptions();
    const w = await whoami(s, { keyPem: tls.key, cert: tls.cert });
    assert.equal(w.status, 401);
    assert.equal(w.body.code, 'unauthenticated');
  });

  test('no client certificate: refused with how to enroll', async () => {
    const w = await request(new URL('/test/whoami', s.url), { ca: s.identity.caCertificate() });
    assert.equal(w.status, 401);
    assert.match(w.body.message, /bootstrap token/);
  });

  test('hostile enroll bodies are refused without spending the token', async () => {
    const { token } = await s.identity.registerCluster('hostile', HOUR, new Date());
    const csr = (await newKeyAndCsr('hostile')).csrPem;
    const ed = generateKeyPairSync('ed25519');
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const rsaCsr = async (kp: { privateKey: import('node:crypto').KeyObject; publicKey: import('node:crypto').KeyObject }) => {
      const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      const priv = await webcrypto.subtle.importKey('pkcs8', kp.privateKey.export({ type: 'pkcs8', format: 'der' }), alg, true, ['sign']);
      const pub = await webcrypto.subtle.importKey('spki', kp.publicKey.export({ type: 'spki', format: 'der' }), alg, true, ['verify']);
      return (await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=x', keys: { privateKey: priv, publicKey: pub }, signingAlgorithm: alg })).toString('pem');
    };
    // A valid CSR with one byte of its signature flipped.
    const der = Buffer.from(csr.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    der[der.length - 3] ^= 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const cases: Array<[string, string | object, number, string]> = [
      ['not JSON', '{"v":1,', 400, 'malformed'],
      ['an array', [], 400, 'malformed'],
      ['wrong version', { v: 2, cluster: 'hostile', csr, agentVersion: '1' }, 400, 'unsupported-version'],
      ['csr a number', { v: 1, cluster: 'hostile', csr: 42, agentVersion: '1' }, 400, 'malformed'],
      ['csr an object', { v: 1, cluster: 'hostile', csr: { __proto__: { polluted: 1 } }, agentVersion: '1' }, 400, 'malformed'],
      ['csr garbage', { v: 1, cluster: 'hostile', csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', agentVersion: '1' }, 400, 'malformed'],
      ['csr with text around', { v: 1, cluster: 'hostile', csr: 'hello\n' + csr, agentVersion: '1' }, 400, 'malformed'],
      ['csr huge', { v: 1, cluster: 'hostile', csr: csr + 'A'.repeat(20_000), agentVersion: '1' }, 400, 'malformed'],
      ['tampered signature', { v: 1, cluster: 'hostile', csr: tampered, agentVersion: '1' }, 400, 'malformed'],
      ['ed25519 key', { v: 1, cluster: 'hostile', csr: 'ED', agentVersion: '1' }, 400, 'malformed'],
      ['rsa 1024', { v: 1, cluster: 'hostile', csr: await rsaCsr(rsa1024), agentVersion: '1' }, 400, 'malformed'],
      ['cluster __proto__', { v: 1, cluster: '__proto__', csr, agentVersion: '1' }, 400, 'malformed'],
      ['agentVersion with control characters', { v: 1, cluster: 'hostile', csr, agentVersion: 'x\u001b[31m' }, 400, 'malformed'],
      ['body over the limit', JSON.stringify({ v: 1, cluster: 'hostile', csr: 'A'.repeat(100_000), agentVersion: '1' }), 413, 'too-large'],
    ];
    // An Ed25519 CSR (WebCrypto's Ed25519 in Node 20 can sign one).
    try {
      const priv = await webcrypto.subtle.importKey('pkcs8', ed.privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'Ed25519' }, true, ['sign']);
      const pub = await webcrypto.subtle.importKey('spki', ed.publicKey.export({ type: 'spki', format: 'der' }), { name: 'Ed25519' }, true, ['verify']);
      const edCsr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=x', keys: { privateKey: priv, publicKey: pub }, signingAlgorithm: { name: 'Ed25519' } });
      (cases.find((c) => c[0] === 'ed25519 key')![1] as any).csr = edCsr.toString('pem');
    } catch {
      cases.splice(cases.findIndex((c) => c[0] === 'ed25519 key'), 1);
    }
    for (const [name, body, status, code] of cases) {
      const r = await enrollRaw(s, token, body);
      assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, code, name);
      assert.ok(!JSON.stringify(r.body).includes('AAAAAAAAAA'), `${name}: the body is not echoed`);
    }
    assert.equal(({} as any).polluted, undefined);
    // The token survived every bad request.
    const good = await enrollRaw(s, token, { v: 1, cluster: 'hostile', csr, agentVersion: '1' });
    assert.equal(good.status, 200, JSON.stringify(good.body));
  });

  test('accepted key types: ECDSA P-384 and RSA 2048', async () => {
    for (const [name, alg, gen] of [
      ['p384', { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' }, { name: 'ECDSA', namedCurve: 'P-384' }],
      ['rsa2048', { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }],
    ] as const) {
      const keys = (await webcrypto.subtle.generateKey(gen as any, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=x', keys, signingAlgorithm: alg as any });
      const { token } = await s.identity.registerCluster(name, HOUR, new Date());
      const r = await enrollRaw(s, token, { v: 1, cluster: name, csr: csr.toString('pem'), agentVersion: '1' });
      assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.body)}`);
      const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
      const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64')}\n-----END PRIVATE KEY-----\n`;
      assert.deepEqual((await whoami(s, { keyPem, cert: r.body.certificate })).body, { cluster: name });
    }
  });

  test('canary: a bootstrap token never reaches logs, answers, or the store (only its hash)', async () => {
    const { token } = await s.identity.registerCluster('canary', HOUR, new Date());
    const { csrPem } = await newKeyAndCsr('canary');
    const answers: string[] = [];
    // Refused (wrong cluster named), then used, then reused.
    await s.identity.registerCluster('canary-other', HOUR, new Date());
    const { token: t2 } = await s.identity.registerCluster('canary', HOUR, new Date());
    answers.push(JSON.stringify((await enrollRaw(s, t2, { v: 1, cluster: 'canary-other', csr: csrPem, agentVersion: '1' })).body));
    answers.push(JSON.stringify((await enrollRaw(s, token, { v: 1, cluster: 'canary', csr: csrPem, agentVersion: '1' })).body));
    answers.push(JSON.stringify((await enrollRaw(s, token, { v: 1, cluster: 'canary', csr: csrPem, agentVersion: '1' })).body));
    const everything = s.logs.join('\n') + answers.join('\n') + sut.dump();
    for (const t of [token, t2]) {
      assert.ok(!everything.includes(t), 'token in the clear');
      assert.ok(!everything.includes(t.slice(4, 24)), 'part of the token');
      assert.ok(sut.dump().includes(hashBootstrapToken(t)), 'stored as its hash');
    }
    assert.ok(s.logs.some((l) => /enroll-refused/.test(l)) && s.logs.some((l) => /"cluster":"canary"/.test(l)), 'the logs did record the events');
  });
});

describe('what a client certificate proves (identityOfCertificate)', () => {
  let ca: Awaited<ReturnType<typeof testCa>>;
  let caNode: NodeX509;
  before(async () => {
    ca = await testCa();
    caNode = new NodeX509(ca.certPem);
  });
  test('exactly one meshward cluster URI SAN with clientAuth', async () => {
    const ok = await ca.sign({ sans: [{ type: 'url', value: clusterSpiffeId('a') }] });
    assert.equal(identityOfCertificate(new NodeX509(ok.cert), caNode).cluster, 'a');
  });
  test('two cluster SANs, a SAN beside the cluster, a near-miss URI, no clientAuth, another issuer: none', async () => {
    const cases = [
      await ca.sign({ sans: [{ type: 'url', value: clusterSpiffeId('a') }, { type: 'url', value: clusterSpiffeId('b') }] }),
      await ca.sign({ sans: [{ type: 'url', value: clusterSpiffeId('a') }, { type: 'dns', value: 'b' }] }),
      await ca.sign({ sans: [{ type: 'url', value: clusterSpiffeId('a') + '/x' }] }),
      await ca.sign({ sans: [{ type: 'url', value: 'spiffe://meshward/cluster/A' }] }),
      await ca.sign({ sans: [{ type: 'url', value: 'spiffe://cluster.local/ns/a/sa/b' }] }),
      await ca.sign({ sans: [{ type: 'dns', value: 'a' }] }),
      await ca.sign({ sans: [{ type: 'url', value: clusterSpiffeId('a') }], eku: [x509.ExtendedKeyUsage.serverAuth] }),
    ];
    for (const [i, c] of cases.entries()) assert.equal(identityOfCertificate(new NodeX509(c.cert), caNode).cluster, null, `case ${i}`);
    const other = await testCa();
    const foreign = await other.sign({ sans: [{ type: 'url', value: clusterSpiffeId('a') }] });
    assert.equal(identityOfCertificate(new NodeX509(foreign.cert), caNode).cluster, null);
  });
});

describe('CA from files, expired and premature certificates', () => {
  let dir: string;
  let ca: Awaited<ReturnType<typeof testCa>>;
  let s: IdentityTestServer;
  const store = memoryIdentityStore();
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-ca-'));
    ca = await testCa();
    fs.writeFileSync(path.join(dir, 'ca.crt'), ca.certPem);
    fs.writeFileSync(path.join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
    s = await startIdentityServer(store, { caCertFile: path.join(dir, 'ca.crt'), caKeyFile: path.join(dir, 'ca.key') });
    await store.createCluster('filed', new Date());
  });
  after(async () => {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  test('replicas sharing the CA files accept each other\'s certificates', async () => {
    const s2 = await startIdentityServer(store, { caCertFile: path.join(dir, 'ca.crt'), caKeyFile: path.join(dir, 'ca.key') });
    try {
      const c = await enrolled(s2, 'shared');
      assert.deepEqual((await whoami(s, c)).body, { cluster: 'shared' });
    } finally {
      await s2.close();
    }
  });
  test('an expired certificate of the right CA is refused', async () => {
    const old = await ca.sign({ sans: [{ type: 'url', value: clusterSpiffeId('filed') }], notBefore: new Date(Date.now() - 3 * HOUR), notAfter: new Date(Date.now() - HOUR) });
    const w = await whoami(s, old);
    assert.equal(w.status, 401);
    assert.match(w.body.message, /expire|CERT_HAS_EXPIRED/i);
    const fresh = await ca.sign({ sans: [{ type: 'url', value: clusterSpiffeId('filed') }] });
    assert.deepEqual((await whoami(s, fresh)).body, { cluster: 'filed' });
  });
  test('authenticate checks validity against the time it is given', async () => {
    const c = await ca.sign({ sans: [{ type: 'url', value: clusterSpiffeId('filed') }] });
    assert.deepEqual((await whoami(s, c)).body, { cluster: 'filed' });
    // The socket as TLS leaves it (verified), asked as of two hours from now, and of two hours ago.
    const socket = () => ({ getPeerX509Certificate: () => new NodeX509(c.cert), authorized: true }) as any;
    const later: any = await s.identity.authenticate(socket(), new Date(Date.now() + 2 * HOUR));
    assert.equal(later.code, 'unauthenticated');
    assert.match(later.message, /expired/);
    const earlier: any = await s.identity.authenticate(socket(), new Date(Date.now() - 2 * HOUR));
    assert.match(earlier.message, /not yet valid/);
    assert.deepEqual(await s.identity.authenticate(socket(), new Date()), { cluster: 'filed' });
  });
  test('a key that does not match the CA certificate, or a non-CA certificate, is refused at start', async () => {
    const other = await testCa();
    fs.writeFileSync(path.join(dir, 'other.key'), other.keyPem, { mode: 0o600 });
    await assert.rejects(createAgentIdentityService(store, { caCertFile: path.join(dir, 'ca.crt'), caKeyFile: path.join(dir, 'other.key') }), /does not belong/);
    const leaf = await ca.sign({ sans: [{ type: 'dns', value: 'x' }] });
    fs.writeFileSync(path.join(dir, 'leaf.crt'), leaf.cert);
    fs.writeFileSync(path.join(dir, 'leaf.key'), leaf.keyPem, { mode: 0o600 });
    await assert.rejects(createAgentIdentityService(store, { caCertFile: path.join(dir, 'leaf.crt'), caKeyFile: path.join(dir, 'leaf.key') }), /not a CA/);
    const e = await createAgentIdentityService(store, { caCertFile: path.join(dir, 'ca.crt'), caKeyFile: path.join(dir, 'leaf.key') }).catch((x) => x);
    assert.ok(!String(e.message).includes(leaf.keyPem.slice(30, 60)), 'the key is never quoted');
  });
});

describe('CA generated into --data DIR', () => {
  test('first start generates it (keys mode 0600), later starts reuse it, two at once agree', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-data-'));
    try {
      const store = memoryIdentityStore();
      const [a, b] = await Promise.all([createAgentIdentityService(store, { dataDir: dir }), createAgentIdentityService(store, { dataDir: dir })]);
      assert.equal(a.caCertificate(), b.caCertificate(), 'one CA, whoever won');
      for (const f of ['ca.key', 'server.key', 'ca.crt', 'server.crt']) {
        assert.equal(fs.statSync(path.join(dir, 'identity', f)).mode & 0o777, 0o600, f);
      }
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.identity-')), [], 'no staging folder left');
      const c = await createAgentIdentityService(store, { dataDir: dir });
      assert.equal(c.caCertificate(), a.caCertificate());
      assert.equal(c.agentTlsOptions().cert, a.agentTlsOptions().cert, 'the serving certificate is reused too');
      // A new serving name re-issues the serving certificate under the same CA.
      const d = await createAgentIdentityService(store, { dataDir: dir, servingNames: ['relay.example.com', '127.0.0.1'] });
      assert.equal(d.caCertificate(), a.caCertificate());
      const served = new NodeX509(d.agentTlsOptions().cert);
      assert.equal(served.checkHost('relay.example.com'), 'relay.example.com');
      assert.ok(served.checkIssued(new NodeX509(a.caCertificate())));
      assert.equal(d.agentTlsOptions().requestCert, true);
      assert.equal(d.agentTlsOptions().rejectUnauthorized, false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  test('certificate lifetime is configurable within bounds', async () => {
    const store = memoryIdentityStore();
    await assert.rejects(createAgentIdentityService(store, { dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'mw-')), certificateTtlMs: 1000 }), /between 5 minutes and 30 days/);
    const s = await startIdentityServer(store, { certificateTtlMs: HOUR });
    try {
      const t0 = Date.now();
      const c = await enrolled(s, 'brief');
      const life = Date.parse(new NodeX509(c.cert).validTo) - t0;
      assert.ok(life <= HOUR + 2000 && life > HOUR - 60_000, String(life));
    } finally {
      await s.close();
    }
  });
});

describe('registerCluster', () => {
  test('tokens are 32 random bytes, distinct, stored hashed, expiring; names are DNS labels', async () => {
    const store = memoryIdentityStore();
    const at = new Date();
    const a = await registerCluster(store, 'reg', HOUR, at);
    const b = await registerCluster(store, 'reg', HOUR, at);
    assert.match(a.token, /^mwb_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(a.token.slice(4), 'base64url').length, 32);
    assert.notEqual(a.token, b.token);
    assert.equal(a.expiresAt, new Date(at.getTime() + HOUR).toISOString());
    assert.deepEqual(store.tokenHashes().sort(), [hashBootstrapToken(a.token), hashBootstrapToken(b.token)].sort());
    for (const bad of ['', 'UPPER', '-x', 'a'.repeat(64), '__proto__', 'a/b', 'a\u001b']) await assert.rejects(registerCluster(store, bad, HOUR, at), RegistrationError, JSON.stringify(bad));
    await assert.rejects(registerCluster(store, 'ok', 0, at), RegistrationError);
  });
  test('verifiedCsrKey refuses non-strings without throwing anything else', async () => {
    for (const x of [null, undefined, 1, {}, [], randomBytes(10)]) await assert.rejects(verifiedCsrKey(x), /csr must be a PEM string/);
  });
});

describe('a failing store', () => {
  test('enroll answers 503 unavailable, logs the failure by kind, and never the token', async () => {
    const store = memoryIdentityStore();
    const canaryMessage = `db down ${randomBytes(8).toString('hex')}`;
    store.consumeBootstrapToken = async () => {
      throw Object.assign(new Error(canaryMessage), { code: 'SQLITE_BUSY' });
    };
    const s = await startIdentityServer(store);
    try {
      const { token } = await s.identity.registerCluster('flaky', HOUR, new Date());
      const { csrPem } = await newKeyAndCsr('flaky');
      const r = await enrollRaw(s, token, { v: 1, cluster: 'flaky', csr: csrPem, agentVersion: '1' });
      assert.equal(r.status, 503);
      assert.equal(r.body.code, 'unavailable');
      const logs = s.logs.join('\n');
      assert.match(logs, /"event":"identity-failure".*"code":"SQLITE_BUSY"/);
      assert.ok(!logs.includes(token) && !logs.includes(canaryMessage), 'neither the token nor the error text is logged');
      assert.ok(!JSON.stringify(r.body).includes(canaryMessage));
    } finally {
      await s.close();
    }
  });
});
