// `meshward server` end to end: the built CLI with --data, register-cluster beside it, a real
// `meshward agent` watching the stand-in, findings through the API with a token from --tokens-file,
// canaries (Secret data, env values, the API token) nowhere in logs or responses, SIGTERM exits 0.
// Synchronised on the server's JSON log lines, never on time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT, runCli } from '../../testing/kit.js';
import { startStandIn } from '../../testing/apiserver/index.js';
import { sha256Hex } from '../../server/api/auth.js';

const BIN = path.join(REPO_ROOT, 'bin', 'meshward.js');

function spawnCli(args: string[], cwd: string): { child: ChildProcess; out: () => string; err: () => string; waitFor: (pred: (line: any) => boolean, what: string) => Promise<any>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', HOME: cwd }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: Array<{ pred: (l: any) => boolean; resolve: (l: any) => void }> = [];
  const scan = () => {
    for (const line of (out + '\n' + err).split('\n')) {
      if (!line.startsWith('{')) continue;
      let parsed: any;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue;
      }
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].pred(parsed)) {
          waiters[i].resolve(parsed);
          waiters.splice(i, 1);
        }
      }
    }
  };
  child.stdout!.on('data', (d) => {
    out += d;
    scan();
  });
  child.stderr!.on('data', (d) => {
    err += d;
    scan();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    waitFor: (pred, what) =>
      new Promise((resolve, reject) => {
        waiters.push({ pred, resolve });
        scan();
        void exited.then(() => reject(new Error(`process exited before ${what}:\n${out}\n${err}`)));
      }),
  };
}

test('meshward server: agent → store → analysis → API, tokens and canaries nowhere, SIGTERM exits 0', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-server-e2e-'));
  const canary = `CANARY${randomBytes(12).toString('hex')}`;
  const token = `tok_${randomBytes(20).toString('hex')}`;
  const viewerToken = `tok_${randomBytes(20).toString('hex')}`;
  await fs.writeFile(path.join(dir, 'tokens.yaml'), `tokens:\n  - {name: ops, role: admin, sha256: ${sha256Hex(token)}}\n  - {name: reader, role: viewer, sha256: ${sha256Hex(viewerToken)}}\n`);
  const standIn = await startStandIn({
    clusters: [
      {
        name: 'east',
        objects: [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
          { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'shop', name: 'db' }, type: 'Opaque', data: { password: Buffer.from(canary).toString('base64') } },
          { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'shop', name: 'storefront' }, spec: { selector: { matchLabels: { app: 's' } }, template: { metadata: { labels: { app: 's' } }, spec: { securityContext: { runAsUser: 1337 }, containers: [{ name: 'web', image: 'web:1.0.0', env: [{ name: 'API_KEY', value: canary }] }] } } } },
        ],
      },
    ],
  });
  await fs.writeFile(path.join(dir, 'kubeconfig.yaml'), standIn.kubeconfig({ clusters: ['east'] }), { mode: 0o600 });
  const server = spawnCli(['server', '--data', 'data', '--host', '127.0.0.1', '--agent-port', '0', '--api-port', '0', '--tokens-file', 'tokens.yaml'], dir);
  let agent: ReturnType<typeof spawnCli> | null = null;
  t.after(async () => {
    agent?.child.kill('SIGKILL');
    server.child.kill('SIGKILL');
    await standIn.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });
  const listening = await server.waitFor((l) => l.msg === 'meshward server listening', 'listening');
  const api: string = listening.apiUrl;
  const agentUrl: string = listening.agentUrl;
  assert.match(api, /^http:\/\/127\.0\.0\.1:\d+$/);

  const reg = await runCli(['server', '--data', 'data', 'register-cluster', 'east'], { cwd: dir });
  assert.equal(reg.code, 0, reg.stderr);
  await fs.writeFile(path.join(dir, 'east.token'), reg.stdout.trim(), { mode: 0o600 });
  // The CA the server generated in --data on first start (agents verify the agent port with it).
  const caFile = path.join('identity', 'ca.crt');
  assert.match(await fs.readFile(path.join(dir, 'data', caFile), 'utf8'), /BEGIN CERTIFICATE/);

  const analysed = server.waitFor((l) => l.msg === 'cluster analysed' && l.cluster === 'east', 'east analysed');
  agent = spawnCli(['agent', '--server', agentUrl, '--cluster', 'east', '--server-ca', path.join('data', caFile), '--bootstrap-token-file', 'east.token', '--credentials-file', 'east.json', '--kubeconfig', 'kubeconfig.yaml'], dir);
  const done = await analysed;
  assert.ok(done.findings > 0);

  const get = async (p: string, tok: string | null = viewerToken) => {
    const res = await fetch(api + p, { headers: tok ? { authorization: `Bearer ${tok}` } : {} });
    return { status: res.status, text: await res.text() };
  };
  const findings = await get('/api/findings?cluster=east&rule=BYP001');
  assert.equal(findings.status, 200);
  const items = JSON.parse(findings.text).items;
  assert.ok(items.some((f: any) => f.resource.name === 'storefront'));
  const detail = await get(`/api/findings/east/${items[0].fingerprint}`);
  assert.equal(detail.status, 200);
  const clusters = JSON.parse((await get('/api/clusters')).text).items;
  assert.equal(clusters[0].name, 'east');
  assert.ok(clusters[0].agentVersion);
  assert.ok(clusters[0].lastSeenAt);
  const metrics = await get('/metrics');
  assert.match(metrics.text, /meshward_server_findings_open\{cluster="east"/);
  assert.equal((await get('/api/clusters', null)).status, 401);
  assert.equal((await get('/readyz', null)).status, 200);

  agent.child.kill('SIGTERM');
  assert.equal(await agent.exited, 0);
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  assert.match(server.out(), /meshward server stopped/);
  // No canary and no API token in any output, response or the store's files.
  const everything = [server.out(), server.err(), agent.out(), agent.err(), findings.text, detail.text, metrics.text];
  for (const f of await fs.readdir(path.join(dir, 'data'))) if (/\.(db|sqlite|wal)|-wal$/.test(f)) everything.push(await fs.readFile(path.join(dir, 'data', f), 'latin1'));
  for (const s of everything) {
    assert.ok(!s.includes(canary), 'a canary leaked');
    assert.ok(!s.includes(token) && !s.includes(viewerToken), 'an API token leaked');
  }
});

test('meshward server: usage errors say what to fix', async () => {
  const none = await runCli(['server']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--data DIR/);
  const proxy = await runCli(['server', '--data', os.tmpdir(), '--trusted-proxy-header', 'X-Forwarded-User']);
  assert.equal(proxy.code, 2);
  assert.match(proxy.stderr, /--trusted-proxy-cidr/);
  const retention = await runCli(['server', '--data', os.tmpdir(), '--retention', 'forever']);
  assert.equal(retention.code, 2);
  assert.match(retention.stderr, /--retention/);
  for (const threads of ['0', '9', '1.5', 'two']) {
    const bad = await runCli(['server', '--data', os.tmpdir(), '--analysis-threads', threads]);
    assert.equal(bad.code, 2, threads);
    assert.match(bad.stderr, /--analysis-threads takes a whole number from 1 to 8/);
  }
  for (const threads of ['0', '17', 'many']) {
    const bad = await runCli(['server', '--data', os.tmpdir(), '--ingest-threads', threads]);
    assert.equal(bad.code, 2, threads);
    assert.match(bad.stderr, /--ingest-threads takes a whole number from 1 to 16/);
  }
  // A custom rule file is checked before anything listens: file and line of the bad field.
  const rulesDir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-server-rules-'));
  try {
    await fs.writeFile(path.join(rulesDir, 'bad.yaml'), 'rules:\n  - id: X-BAD\n    title: t\n    severity: low\n    match: {kinds: [Service]}\n    condition: "object.spec.(("\n    message: m\n    path: metadata.name\n    fix: f\n    docs: {summary: s, why: w}\n');
    const bad = await runCli(['server', '--data', 'data', '--rules', 'bad.yaml'], { cwd: rulesDir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^meshward: bad\.yaml:2: rule X-BAD: /);
  } finally {
    await fs.rm(rulesDir, { recursive: true, force: true });
  }
});
