// `meshward webhook` end to end: the built CLI (bin/meshward.js) serving HTTPS on a free loopback port
// over objects from a file, denying a hijack, logging JSON lines without object content, draining
// and exiting 0 on SIGTERM; and its usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT, runCli } from '../testing/kit.js';
import { admissionReview, testCa } from '../testing/webhook.js';
import { startStandIn } from '../testing/apiserver/index.js';
import { PAY_SERVICE_YAML, TENANT_NAMESPACES_YAML } from '../testing/decide-corpus.js';

const BIN = path.join(REPO_ROOT, 'bin', 'meshward.js');

const CLUSTER = `${TENANT_NAMESPACES_YAML}---\n${PAY_SERVICE_YAML}`;

async function files() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-webhook-e2e-'));
  const ca = await testCa();
  const leaf = await ca.issueServer();
  await fs.writeFile(path.join(dir, 'tls.crt'), leaf.certPem);
  await fs.writeFile(path.join(dir, 'tls.key'), leaf.keyPem);
  await fs.writeFile(path.join(dir, 'cluster.yaml'), CLUSTER);
  await fs.writeFile(path.join(dir, 'tenants.yaml'), 'tenants:\n- name: shop\n  namespaces: [shop]\n');
  return { dir, ca };
}

function post(port: string, ca: string, body: string): Promise<{ status: number; json: any; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, method: 'POST', path: '/validate', ca, servername: 'localhost', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, json: JSON.parse(text), body: text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('meshward webhook: serves, denies a hijack, logs JSON without object content, drains and exits 0 on SIGTERM', async () => {
  const { dir, ca } = await files();
  const canary = `canary-${randomBytes(16).toString('hex')}`;
  const child = spawn(
    process.execPath,
    [BIN, 'webhook', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key', '--port', '0', '--host', '127.0.0.1', '--objects', 'cluster.yaml', '--tenants', 'tenants.yaml', '--namespace', 'meshward'],
    { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /"event":"listening","port":(\d+)/.exec(stdout);
        if (m) resolve(m[1]);
      });
      void exited.then((code) => reject(new Error(`webhook exited ${code} before listening: ${stderr}`)));
    });
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'steal', namespace: 'shop', annotations: { 'example.com/api-key': canary } },
      spec: { hosts: ['pay.payments.svc.cluster.local'], http: [{ route: [{ destination: { host: 'evil.shop.svc.cluster.local' } }] }] },
    };
    const denied = await post(port, ca.certPem, JSON.stringify(admissionReview('CREATE', vs, null, { uid: 'e2e-1' })));
    assert.equal(denied.status, 200);
    assert.equal(denied.json.response.uid, 'e2e-1');
    assert.equal(denied.json.response.allowed, false);
    assert.match(denied.json.response.status.message, /HJK001/);
    assert.ok(!denied.body.includes(canary));
    const fine = await post(port, ca.certPem, JSON.stringify(admissionReview('CREATE', { ...vs, metadata: { name: 'mine', namespace: 'shop' }, spec: { ...vs.spec, hosts: ['cart.shop.svc.cluster.local'] } }, null, { uid: 'e2e-2' })));
    assert.equal(fine.json.response.allowed, true);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await fs.rm(dir, { recursive: true, force: true });
  }
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  const review = lines.find((l) => l.event === 'review' && l.uid === 'e2e-1');
  assert.equal(review?.verdict, 'denied');
  assert.deepEqual(review?.rules, ['HJK001']);
  // A clean allow is logged at debug, below the default --log-level info.
  assert.ok(!lines.some((l) => l.uid === 'e2e-2'), 'a clean allow is not logged at info');
  // The decision warmed up on reviews of its own before the webhook said ready (warm-up.ts).
  const warmed = lines.find((l) => l.event === 'warmed-up');
  assert.ok(warmed && warmed.decisions > 0 && warmed.ended === 'done', JSON.stringify(warmed));
  assert.ok(lines.some((l) => l.event === 'shutdown' && l.signal === 'SIGTERM'));
  assert.equal(lines.at(-1)?.event, 'stopped');
  assert.ok(!(stdout + stderr).includes(canary), 'no object content in the log');
});

test('meshward webhook: usage errors say what is missing', async () => {
  const { dir } = await files();
  try {
    const cases: Array<[string[], RegExp]> = [
      [['webhook', '--objects', 'cluster.yaml'], /needs --tls-cert FILE and --tls-key FILE/],
      [['webhook', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key'], /needs a cluster to judge against/],
      [['webhook', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key', '--objects', 'cluster.yaml', '--in-cluster'], /--objects replaces the live cluster/],
      [['webhook', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key', '--objects', 'cluster.yaml', '--mode', 'block'], /Allowed choices are enforce, warn, audit/],
      [['webhook', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key', '--objects', 'cluster.yaml', '--namespace', 'Bad_NS'], /--namespace: "Bad_NS" is not a namespace name/],
      [['webhook', '--tls-cert', 'missing.crt', '--tls-key', 'tls.key', '--objects', 'cluster.yaml', '--port', '0'], /cannot read .*missing\.crt: ENOENT/],
      [['webhook', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key', '--objects', 'cluster.yaml', '--tenants', 'cluster.yaml'], /cluster\.yaml:\d+: /],
      [['webhook', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key', '--objects', 'cluster.yaml', '--decision-budget', 'soon'], /--decision-budget takes a duration/],
      [['webhook', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key', '--objects', 'cluster.yaml', '--warm-up-decisions', '-1'], /--warm-up-decisions must be a whole number from 0/],
      [['webhook', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key', '--objects', 'cluster.yaml', '--warm-up-decisions', 'lots'], /--warm-up-decisions must be a whole number from 0/],
    ];
    for (const [args, says] of cases) {
      const r = await runCli(args, { cwd: dir });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, says, args.join(' '));
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('meshward webhook --kubeconfig: judges against the live cluster (informer cache) with the policy from a ConfigMap', async () => {
  const { dir, ca } = await files();
  const standIn = await startStandIn({
    clusters: [
      {
        name: 'prod',
        objects: [
          ...['payments', 'shop', 'meshward'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'istio-injection': 'enabled' } } })),
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tenants', namespace: 'meshward' }, data: { 'tenants.yaml': 'tenants:\n- name: payments\n  namespaces: [payments]\n  hosts: [api.stripe.com]\n' } },
        ],
      },
    ],
  });
  await fs.writeFile(path.join(dir, 'kubeconfig'), standIn.kubeconfig({ clusters: ['prod'] }));
  const child = spawn(
    process.execPath,
    [BIN, 'webhook', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key', '--port', '0', '--host', '127.0.0.1', '--kubeconfig', 'kubeconfig', '--tenants-configmap', 'meshward/tenants', '--deny-on', 'medium'],
    { cwd: dir, env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    const ready = new Promise<string>((resolve, reject) => {
      let port = '';
      child.stdout.on('data', (d) => {
        stdout += d;
        port ||= /"event":"listening","port":(\d+)/.exec(stdout)?.[1] ?? '';
        if (port && stdout.includes('"event":"synced"')) resolve(port);
      });
      void exited.then((code) => reject(new Error(`webhook exited ${code}: ${stderr}${stdout}`)));
    });
    const port = await ready;
    const se = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'stripe', namespace: 'shop' }, spec: { hosts: ['api.stripe.com'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], resolution: 'DNS' } };
    const r = await post(port, ca.certPem, JSON.stringify(admissionReview('CREATE', se)));
    assert.equal(r.json.response.allowed, false, 'the ConfigMap\'s policy gives api.stripe.com to payments');
    assert.match(r.json.response.status.message, /api\.stripe\.com/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await standIn.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
  assert.ok(stdout.includes('"cluster":"prod"'), 'the listening line names the cluster');
});
