// Operations: certificates reloaded from disk, graceful shutdown draining a review in flight, the tenant
// policy reloaded (and a bad new one refused), and canaries: a Secret-like value in an object never
// reaches the log, the answer or the metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { admissionReview, startTestWebhook, type TestWebhook } from '../testing/webhook.js';
import { TENANT_NAMESPACES_YAML } from '../testing/decide-corpus.js';
import { until as waitUntil } from '../testing/until.js';

/** The SHA-256 fingerprint of the certificate a fresh connection is served. */
function servedFingerprint(wh: TestWebhook): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: wh.server.port, path: '/healthz', ca: wh.ca.certPem, servername: 'localhost', agent: false }, (res) => {
      const fp = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
      res.resume();
      res.on('end', () => resolve(fp));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The shared wait, checking about every millisecond, for 5 s unless told. */
async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  await waitUntil(what, cond, { timeoutMs: ms, everyMs: 1 });
}

test('TLS: a new certificate on disk is served to new connections; a broken one is refused and the old kept', async () => {
  const wh = await startTestWebhook({ reloadIntervalMs: 20 });
  try {
    const first = await servedFingerprint(wh);
    const next = await wh.ca.issueServer();
    // As a Secret mount changes: the key and the certificate both replaced.
    await fs.writeFile(wh.keyFile + '.new', next.keyPem);
    await fs.writeFile(wh.certFile + '.new', next.certPem);
    await fs.rename(wh.keyFile + '.new', wh.keyFile);
    await fs.rename(wh.certFile + '.new', wh.certFile);
    let second = first;
    await until('the new certificate to be served', async () => (second = await servedFingerprint(wh)) !== first);
    assert.notEqual(second, first);
    await until('the reload to be logged', () => wh.logs().some((l) => l.event === 'tls-reloaded'));

    await fs.writeFile(wh.certFile, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
    await wh.server.reloadTls();
    assert.ok(wh.logs().some((l) => l.event === 'tls-reload-refused'));
    assert.equal(await servedFingerprint(wh), second, 'still the last good certificate');
    assert.match((await wh.request('GET', '/metrics')).body, /meshward_webhook_reloads_total\{what="tls",result="refused"\} [1-9]/);
  } finally {
    await wh.close();
  }
});

test('shutdown: no new connections, the review in flight is answered, then close resolves', async () => {
  const wh = await startTestWebhook({ cacheYaml: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n' });
  const body = Buffer.from(JSON.stringify(admissionReview('CREATE', { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v', namespace: 'shop' }, spec: { hosts: ['web'] } }, null, { uid: 'in-flight' })));
  const answer = new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port: wh.server.port, method: 'POST', path: '/validate', ca: wh.ca.certPem, servername: 'localhost', agent: false, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), connection: res.headers.connection }));
      },
    );
    req.on('error', reject);
    // Half the body now; the rest once the shutdown has begun.
    req.write(body.subarray(0, 100));
    (globalThis as any).__finish = () => req.end(body.subarray(100));
  });
  try {
    await until('the review to be in flight', () => wh.server.inFlight === 1);
    const closed = wh.server.close(10_000);
    let closedYet = false;
    void closed.then(() => (closedYet = true));
    const refused = await new Promise<string>((resolve) => {
      const r = https.request({ host: '127.0.0.1', port: wh.server.port, path: '/healthz', ca: wh.ca.certPem, servername: 'localhost', agent: false }, () => resolve('answered'));
      r.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      r.end();
    });
    assert.equal(refused, 'ECONNREFUSED', 'no new connections once draining');
    assert.equal(closedYet, false, 'close waits for the review in flight');
    (globalThis as any).__finish();
    const a = await answer;
    assert.equal(a.status, 200);
    assert.equal(JSON.parse(a.body).response.uid, 'in-flight');
    assert.equal(a.connection, 'close');
    await closed;
  } finally {
    await wh.close();
  }
});

const PAYMENTS = TENANT_NAMESPACES_YAML;
const claim = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'stripe', namespace: 'shop' },
  spec: { hosts: ['api.stripe.com'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], resolution: 'DNS' },
};
const POLICY_PAYMENTS_OWNS = 'tenants:\n- name: shop\n  namespaces: [shop]\n- name: payments\n  namespaces: [payments]\n  hosts: [api.stripe.com]\n';
const POLICY_SHOP_OWNS = 'tenants:\n- name: shop\n  namespaces: [shop]\n  hosts: [api.stripe.com]\n- name: payments\n  namespaces: [payments]\n';

test('tenant policy: reloaded when the file changes; an invalid new version is refused and the old one kept', async () => {
  const wh = await startTestWebhook({ cacheYaml: PAYMENTS, tenantsYaml: POLICY_PAYMENTS_OWNS, tenantsFile: true, denyOn: 'medium' });
  try {
    const before = await wh.review(admissionReview('CREATE', claim));
    assert.equal(before.allowed, false, 'shop may not claim the host the policy gives payments');
    await fs.writeFile(`${wh.dir}/tenants.yaml`, POLICY_SHOP_OWNS);
    await wh.tenants.check();
    assert.ok(wh.logs().some((l) => l.event === 'tenants-reloaded'));
    assert.equal((await wh.review(admissionReview('CREATE', claim))).allowed, true, 'the new policy gives shop the host');
    await fs.writeFile(`${wh.dir}/tenants.yaml`, 'tenants:\n- name: shop\n  namespacez: [shop]\n');
    await wh.tenants.check();
    const refused = wh.logs().find((l) => l.event === 'tenants-reload-refused');
    assert.ok(refused, 'the refusal is logged');
    assert.match(refused.reason, /namespacez/);
    assert.equal((await wh.review(admissionReview('CREATE', claim))).allowed, true, 'the previous policy stays in force');
  } finally {
    await wh.close();
  }
});

test('canaries: Secret-like values in an object never reach the log, the answer or the metrics', async () => {
  const canary = `canary-${randomBytes(16).toString('hex')}`;
  const wh = await startTestWebhook({ cacheYaml: PAYMENTS });
  try {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'shop', annotations: { 'example.com/token': canary } },
      spec: {
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' } },
          spec: {
            containers: [
              {
                name: 'api',
                image: 'example.com/api:1',
                env: [{ name: 'DB_PASSWORD', value: canary }],
                args: [`--token=${canary}`],
                securityContext: { runAsUser: 1337 },
              },
            ],
          },
        },
      },
    };
    const denied = await wh.request('POST', '/validate', JSON.stringify(admissionReview('CREATE', deployment)));
    assert.equal(denied.json.response.allowed, false, 'running as the proxy UID is refused');
    assert.ok(!denied.body.includes(canary), 'not in the answer');
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop' }, data: { password: Buffer.from(canary).toString('base64') }, stringData: { token: canary } };
    const s = await wh.request('POST', '/validate', JSON.stringify(admissionReview('CREATE', secret)));
    assert.equal(s.json.response.allowed, true);
    assert.ok(!s.body.includes(canary));
    // A malformed review quoting the canary: the 400 says what is wrong without echoing it.
    const bad = await wh.request('POST', '/validate', `{"apiVersion":"${canary}","kind":"AdmissionReview"}`);
    assert.equal(bad.status, 400);
    const bad2 = await wh.request('POST', '/validate', `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"${canary}"`);
    assert.equal(bad2.status, 400);
    for (const review of [{ apiVersion: 'admission.k8s.io/v1', kind: canary }, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', operation: canary } }]) {
      const r = await wh.request('POST', '/validate', JSON.stringify(review));
      assert.equal(r.status, 400);
      assert.ok(!r.body.includes(canary));
    }
    const metrics = await wh.request('GET', '/metrics');
    const all = [wh.logText(), metrics.body, bad2.body].join('\n');
    const at = all.indexOf(canary);
    assert.ok(at < 0, `not in the log or the metrics: ${all.slice(Math.max(0, at - 300), at + 50)}`);
    assert.ok(!all.includes(Buffer.from(canary).toString('base64')));
    assert.ok(wh.logs().some((l) => l.event === 'review' && l.name === 'api' && l.verdict === 'denied'), 'the review itself is logged');
  } finally {
    await wh.close();
  }
});
