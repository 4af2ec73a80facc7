import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate as NodeX509 } from 'node:crypto';
import { memoryIdentityStore } from '../server/identity-test-store.js';
import { startIdentityServer, type IdentityTestServer } from '../server/identity-test-server.js';
import { AgentIdentityError, certificateCluster, openAgentIdentity, renewalDueAt } from './enroll.js';
import { FileCredentialStore } from './credentials.js';
import type { AgentCredentials, CredentialStore } from './identity-types.js';

const HOUR = 3600_000;

function whoami(s: IdentityTestServer, c: AgentCredentials): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL('/test/whoami', s.url), { ca: s.identity.caCertificate(), key: c.keyPem, cert: c.certificatePem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (x) => chunks.push(x));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A credential store in memory that counts saves. */
function memoryCredentials(): CredentialStore & { saved: AgentCredentials[] } {
  const saved: AgentCredentials[] = [];
  return { saved, describe: () => 'memory', load: async () => saved.at(-1) ?? null, save: async (c) => void saved.push(c) };
}

describe('openAgentIdentity against a real agent listener', () => {
  const store = memoryIdentityStore();
  let s: IdentityTestServer;
  let dir: string;
  before(async () => {
    s = await startIdentityServer(store, { certificateTtlMs: 3 * HOUR });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-agent-'));
  });
  after(async () => {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const base = () => ({ server: s.url, serverCaPem: s.identity.caCertificate(), agentVersion: '0.1.0-test' });

  test('enrolls with the token, saves to a 0600 file, and authenticates; a restart reuses the file without the token', async () => {
    const file = path.join(dir, 'east', 'credentials.json');
    const { token } = await s.identity.registerCluster('east', HOUR, new Date());
    const id = await openAgentIdentity({ ...base(), cluster: 'east', bootstrapToken: token, store: new FileCredentialStore(file) });
    assert.equal(id.cluster, 'east');
    assert.equal(certificateCluster(id.current().certificatePem), 'east');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const saved = fs.readFileSync(file, 'utf8');
    assert.ok(!saved.includes(token), 'the token is not kept');
    assert.deepEqual((await whoami(s, id.current())).body, { cluster: 'east' });
    const enrollsBefore = s.bodies.length;
    const again = await openAgentIdentity({ ...base(), cluster: 'east', store: new FileCredentialStore(file) });
    assert.equal(again.current().certificatePem, id.current().certificatePem);
    assert.equal(s.bodies.length, enrollsBefore, 'no request to the server on restart');
    // Even with the (spent) token given again, valid stored credentials win.
    const third = await openAgentIdentity({ ...base(), cluster: 'east', bootstrapToken: token, store: new FileCredentialStore(file) });
    assert.equal(third.current().certificatePem, id.current().certificatePem);
  });

  test('renews at two thirds of the lifetime with a new key, saves first, then tells listeners; once for concurrent callers', async () => {
    const { token } = await s.identity.registerCluster('renewing', HOUR, new Date());
    const creds = memoryCredentials();
    const id = await openAgentIdentity({ ...base(), cluster: 'renewing', bootstrapToken: token, store: creds });
    const first = id.current();
    const cert = new NodeX509(first.certificatePem);
    const due = renewalDueAt(new Date(cert.validFrom), new Date(cert.validTo));
    assert.equal(await id.renewIfDue(new Date(due.getTime() - 60_000)), false, 'not yet');
    const heard: AgentCredentials[] = [];
    id.onRenewed((c) => heard.push(c));
    const [a, b] = await Promise.all([id.renewIfDue(due), id.renewIfDue(due)]);
    assert.deepEqual([a, b], [true, true]);
    assert.equal(heard.length, 1, 'one renewal for two callers');
    assert.equal(creds.saved.length, 2, 'enrolled, then renewed');
    const next = id.current();
    assert.notEqual(next.keyPem, first.keyPem, 'a new key');
    assert.notEqual(next.certificatePem, first.certificatePem);
    assert.equal(heard[0], next);
    assert.deepEqual(creds.saved.at(-1), next);
    assert.equal(certificateCluster(next.certificatePem), 'renewing');
    assert.deepEqual((await whoami(s, next)).body, { cluster: 'renewing' });
    assert.equal((await store.listCertificates('renewing')).length, 2);
    // The key never left: the server saw neither key.
    const seen = s.bodies.join('\n') + s.logs.join('\n');
    for (const k of [first.keyPem, next.keyPem]) assert.ok(!seen.includes(k.split('\n')[1]!), 'no key line reached the server');
  });

  test('no stored credentials and no token: a clear error naming the command that makes a token', async () => {
    const e = await openAgentIdentity({ ...base(), cluster: 'lonely', store: memoryCredentials() }).catch((x) => x);
    assert.ok(e instanceof AgentIdentityError);
    assert.match(e.message, /no credentials in memory/);
    assert.match(e.message, /meshward server register-cluster lonely/);
    assert.match(e.message, /--bootstrap-token-file/);
  });

  test('a spent or expired token: the server\'s refusal and what to do, never the token', async () => {
    const { token } = await s.identity.registerCluster('spent', HOUR, new Date());
    await openAgentIdentity({ ...base(), cluster: 'spent', bootstrapToken: token, store: memoryCredentials() });
    const e = await openAgentIdentity({ ...base(), cluster: 'spent', bootstrapToken: token, store: memoryCredentials() }).catch((x) => x);
    assert.ok(e instanceof AgentIdentityError);
    assert.equal(e.code, 'bad-token');
    assert.match(e.message, /register-cluster spent/);
    assert.equal(e.message.split('register-cluster').length, 2, `the advice is given once: ${e.message}`);
    assert.match(e.message, /--bootstrap-token-file/);
    assert.ok(!e.message.includes(token) && !e.message.includes(token.slice(4, 20)));
    const old = await s.identity.registerCluster('spent', 1000, new Date(Date.now() - HOUR));
    const e2 = await openAgentIdentity({ ...base(), cluster: 'spent', bootstrapToken: old.token, store: memoryCredentials() }).catch((x) => x);
    assert.equal(e2.code, 'bad-token');
  });

  test('expired stored credentials: enroll again when a token is given, else say so', async () => {
    const creds = memoryCredentials();
    const { token } = await s.identity.registerCluster('stale', HOUR, new Date());
    const id = await openAgentIdentity({ ...base(), cluster: 'stale', bootstrapToken: token, store: creds });
    // The certificate itself is what counts: claim nothing, just reuse another cluster's valid credentials.
    const other = memoryCredentials();
    const { token: t2 } = await s.identity.registerCluster('stale-other', HOUR, new Date());
    await openAgentIdentity({ ...base(), cluster: 'stale-other', bootstrapToken: t2, store: other });
    const e = await openAgentIdentity({ ...base(), cluster: 'stale', store: other }).catch((x) => x);
    assert.match(e.message, /cannot be used \(the certificate is for cluster stale-other, not stale\)/);
    const { token: t3 } = await s.identity.registerCluster('stale', HOUR, new Date());
    const fresh = await openAgentIdentity({ ...base(), cluster: 'stale', bootstrapToken: t3, store: other });
    assert.equal(certificateCluster(fresh.current().certificatePem), 'stale');
    assert.notEqual(fresh.current().keyPem, id.current().keyPem);
  });

  test('a revoked cluster cannot renew: the error says so', async () => {
    const { token } = await s.identity.registerCluster('gone', HOUR, new Date());
    const id = await openAgentIdentity({ ...base(), cluster: 'gone', bootstrapToken: token, store: memoryCredentials() });
    await s.identity.revokeCluster('gone', new Date());
    const e = await id.renewIfDue(new Date(Date.now() + 3 * HOUR - 60_000)).catch((x) => x);
    assert.ok(e instanceof AgentIdentityError, String(e));
    assert.equal(e.code, 'revoked');
    assert.match(e.message, /revoked/);
  });

  test('the server is trusted only through --server-ca; http:// is refused', async () => {
    const s2 = await startIdentityServer(memoryIdentityStore());
    try {
      const { token } = await s.identity.registerCluster('trust', HOUR, new Date());
      const e = await openAgentIdentity({ ...base(), serverCaPem: s2.identity.caCertificate(), cluster: 'trust', bootstrapToken: token, store: memoryCredentials() }).catch((x) => x);
      assert.ok(e instanceof AgentIdentityError);
      assert.equal(e.code, 'tls', 'a certificate not trusted is not tried again');
      assert.match(e.message, /--server-ca/);
      // The token was not sent anywhere it could be spent: it still works against the right CA.
      const ok = await openAgentIdentity({ ...base(), cluster: 'trust', bootstrapToken: token, store: memoryCredentials() });
      assert.equal(ok.cluster, 'trust');
    } finally {
      await s2.close();
    }
    const e = await openAgentIdentity({ ...base(), server: new URL('http://127.0.0.1:1'), cluster: 'x', store: memoryCredentials() }).catch((x) => x);
    assert.match(e.message, /https:\/\//);
  });

  test('an agent certificate (same CA, clientAuth only, no DNS name) cannot pose as the server', async () => {
    const { token } = await s.identity.registerCluster('poser', HOUR, new Date());
    const stolen = await openAgentIdentity({ ...base(), cluster: 'poser', bootstrapToken: token, store: memoryCredentials() });
    let requests = 0;
    const fake = https.createServer({ key: stolen.current().keyPem, cert: stolen.current().certificatePem }, (_req, res) => {
      requests++;
      res.end('{}');
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    try {
      const port = (fake.address() as import('node:net').AddressInfo).port;
      const { token: t2 } = await s.identity.registerCluster('victim', HOUR, new Date());
      const e = await openAgentIdentity({ ...base(), server: new URL(`https://127.0.0.1:${port}`), cluster: 'victim', bootstrapToken: t2, store: memoryCredentials() }).catch((x) => x);
      assert.ok(e instanceof AgentIdentityError, String(e));
      assert.equal(e.code, 'tls');
      assert.equal(requests, 0, 'the token was never sent to the impostor');
    } finally {
      fake.close();
    }
  });

  test('--cert/--key: used as given, never renewed; refused when they do not fit the cluster or each other', async () => {
    const { token } = await s.identity.registerCluster('fixed', HOUR, new Date());
    const issued = await openAgentIdentity({ ...base(), cluster: 'fixed', bootstrapToken: token, store: memoryCredentials() });
    const c = issued.current();
    const id = await openAgentIdentity({ ...base(), cluster: 'fixed', fixed: { certificatePem: c.certificatePem, keyPem: c.keyPem }, store: memoryCredentials() });
    assert.equal(id.current().certificatePem, c.certificatePem);
    assert.equal(await id.renewIfDue(new Date(Date.now() + 100 * HOUR)), false);
    await assert.rejects(openAgentIdentity({ ...base(), cluster: 'other', fixed: { certificatePem: c.certificatePem, keyPem: c.keyPem }, store: memoryCredentials() }), /for cluster fixed, not other/);
    const stranger = await openAgentIdentity({ ...base(), cluster: 'east', store: new FileCredentialStore(path.join(dir, 'east', 'credentials.json')) });
    await assert.rejects(openAgentIdentity({ ...base(), cluster: 'fixed', fixed: { certificatePem: c.certificatePem, keyPem: stranger.current().keyPem }, store: memoryCredentials() }), /key does not belong/);
  });
});

/**
 * A memory store whose `method` fails its next `failures.left` calls as SQLite does when its writers
 * are busy for too long; set `failures.left` again to fail more.
 */
function storeFailing(method: string, left: number) {
  const failures = { left };
  const store = new Proxy(memoryIdentityStore(), {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== method || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        if (failures.left-- > 0) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        return value.apply(target, args);
      };
    },
  });
  return { store, failures };
}

test('an enrollment the server cannot answer yet (503) is tried again after 1 s, 2 s...; a refusal that will not change is not', async () => {
  // The server's store fails its first calls.
  const { store: flaky, failures } = storeFailing('consumeBootstrapToken', 2);
  const srv = await startIdentityServer(flaky);
  try {
    const base = { server: srv.url, serverCaPem: srv.identity.caCertificate(), agentVersion: '0.1.0-test' };
    const { token } = await srv.identity.registerCluster('flaky', HOUR, new Date());
    const waits: number[] = [];
    const told: string[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    const id = await openAgentIdentity({ ...base, cluster: 'flaky', bootstrapToken: token, store: memoryCredentials(), sleep, onEnrollRetry: (reason) => told.push(reason) });
    assert.equal(certificateCluster(id.current().certificatePem), 'flaky');
    assert.deepEqual(waits, [1000, 2000]);
    assert.equal(told.length, 2);
    assert.match(told[0], /HTTP 503 unavailable/);
    assert.ok(told.every((t) => !t.includes(token)), 'the token is never told');
    // A spent token will not become good: no wait.
    waits.length = 0;
    const spent = await openAgentIdentity({ ...base, cluster: 'flaky', bootstrapToken: token, store: memoryCredentials(), sleep }).catch((x) => x);
    assert.equal(spent.code, 'bad-token');
    assert.deepEqual(waits, []);
    // enrollRetryMs 0: one try, its refusal as it came.
    const again = await srv.identity.registerCluster('flaky-once', HOUR, new Date());
    failures.left = 1;
    const once = await openAgentIdentity({ ...base, cluster: 'flaky-once', bootstrapToken: again.token, store: memoryCredentials(), sleep, enrollRetryMs: 0 }).catch((x) => x);
    assert.ok(once instanceof AgentIdentityError);
    assert.equal(once.code, 'unavailable');
    assert.deepEqual(waits, []);
  } finally {
    await srv.close();
  }
});

test('the store failing after the token was spent: the agent asks again with the same CSR and enrolls', async () => {
  // Found by the fleet bench on a saturated machine: the token was spent, recording the certificate met
  // SQLITE_BUSY, the server answered 503, and the agent's retry found its token burnt (bad-token), so the
  // agent needed a new token by hand. The retry carries the same key, and a token spent for a key is
  // good again for that key.
  const { store: flaky, failures } = storeFailing('touchCluster', 1);
  const srv = await startIdentityServer(flaky);
  try {
    const base = { server: srv.url, serverCaPem: srv.identity.caCertificate(), agentVersion: '0.1.0-test' };
    const { token } = await srv.identity.registerCluster('lost-answer', HOUR, new Date());
    const waits: number[] = [];
    const id = await openAgentIdentity({ ...base, cluster: 'lost-answer', bootstrapToken: token, store: memoryCredentials(), sleep: async (ms) => void waits.push(ms) });
    assert.equal(certificateCluster(id.current().certificatePem), 'lost-answer');
    assert.deepEqual(waits, [1000], 'one retry');
    assert.equal(failures.left, -1, 'the failure happened after the token was spent');
    // Another agent (another key) with the same token is still refused.
    const stranger = await openAgentIdentity({ ...base, cluster: 'lost-answer', bootstrapToken: token, store: memoryCredentials(), sleep: async () => undefined }).catch((x) => x);
    assert.ok(stranger instanceof AgentIdentityError);
    assert.equal(stranger.code, 'bad-token');
  } finally {
    await srv.close();
  }
});
