/**
 * The gate, end to end through readClusters: every refusal is proved with canaries. A refused exec
 * plugin never runs (each canary script leaves `<its path>.ran` when run), a refused file is never
 * opened (it is a FIFO: opening one for reading blocks until a writer comes, so a read would hang the
 * test rather than pass), and no connection reaches a refused server or proxy (listeners count accepts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readClusters } from './read.js';
import { LiveSelectionError } from './kubeconfig-source.js';
import type { ClusterSummary, ReadClustersOptions } from './types.js';
import { liveReadOptions } from '../testing/live.js';

const TOKEN_CANARY = `tok-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
const SECRET_ARG_CANARY = `sec-${Math.random().toString(36).slice(2)}`;

let dir = '';
let bin = '';
let otherBin = '';
let listener: { server: Server; port: number; accepts: number };
let proxy: { server: Server; port: number; accepts: number };

async function countingListener(): Promise<{ server: Server; port: number; accepts: number }> {
  const l = { server: createServer((s) => { l.accepts++; s.destroy(); }), port: 0, accepts: 0 };
  await new Promise<void>((r) => l.server.listen(0, '127.0.0.1', r));
  l.port = (l.server.address() as { port: number }).port;
  return l;
}

/** A script that leaves `<path>.ran` and prints an ExecCredential with the canary token. */
function canaryScript(p: string): void {
  writeFileSync(p, `#!/bin/sh\ntouch "$0.ran"\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${TOKEN_CANARY}"}}'\n`);
  chmodSync(p, 0o755);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshward-gate-'));
  bin = join(dir, 'bin');
  otherBin = join(dir, 'other');
  mkdirSync(bin);
  mkdirSync(otherBin);
  for (const name of ['aws', 'kubelogin', 'gke-gcloud-auth-plugin', 'my-plugin', 'doctl']) canaryScript(join(bin, name));
  canaryScript(join(otherBin, 'aws'));
  canaryScript(join(dir, 'aws'));
  canaryScript(join(dir, 'gcp.sh'));
  execFileSync('mkfifo', ['token.fifo', 'cert.fifo', 'key.fifo', 'ca.fifo'].map((f) => join(dir, f)));
  listener = await countingListener();
  proxy = await countingListener();
});

after(() => {
  listener?.server.close();
  proxy?.server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function ran(p: string): boolean {
  return existsSync(`${p}.ran`);
}

function resetRan(): void {
  for (const p of [join(bin, 'aws'), join(bin, 'kubelogin'), join(bin, 'gke-gcloud-auth-plugin'), join(bin, 'my-plugin'), join(bin, 'doctl'), join(otherBin, 'aws'), join(dir, 'aws'), join(dir, 'gcp.sh')]) {
    rmSync(`${p}.ran`, { force: true });
  }
}

/** A kubeconfig with one context `c` pairing the given cluster and user bodies. */
function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>, extra = ''): string {
  return `apiVersion: v1
kind: Config
current-context: c
clusters:
- name: k
  cluster: ${JSON.stringify({ server: `https://127.0.0.1:${listener.port}`, ...cluster })}
users:
- name: u
  user: ${JSON.stringify(user)}
contexts:
- name: c
  context: {cluster: k, user: u}
${extra}`;
}

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function options(kubeconfigPath: string, over: Partial<ReadClustersOptions> = {}): ReadClustersOptions {
  return liveReadOptions(kubeconfigPath, dir, { requestTimeoutMs: 10_000, clusterTimeoutMs: 20_000, env: { PATH: bin }, ...over });
}

async function read(opts: ReadClustersOptions): Promise<{ summaries: ClusterSummary[]; notes: string[] }> {
  const notes: string[] = [];
  const consumed: string[] = [];
  const summaries = await readClusters({ ...opts, onNote: (n) => notes.push(n) }, async (r) => {
    consumed.push(r.summary.name);
  });
  assert.deepEqual(consumed.sort(), summaries.map((s) => s.name).sort(), 'every cluster is consumed, refused ones too');
  const all = JSON.stringify({ summaries, notes });
  assert.ok(!all.includes(TOKEN_CANARY), 'no token value in summaries or notes');
  assert.ok(!all.includes(SECRET_ARG_CANARY), 'no secret argument in summaries or notes');
  return { summaries, notes };
}

async function expectRefused(kc: string, over: Partial<ReadClustersOptions>, rule: string, flag: RegExp, field: RegExp): Promise<ClusterSummary> {
  const before = listener.accepts;
  const proxyBefore = proxy.accepts;
  const { summaries } = await read(options(write(`kc-${Math.random().toString(36).slice(2)}.yaml`, kc), over));
  assert.equal(summaries.length, 1);
  const s = summaries[0];
  assert.equal(s.status, 'error');
  assert.equal(s.resources, 0);
  assert.ok(s.errors.length >= 1);
  const e = s.errors.find((x) => x.message.includes(rule));
  assert.ok(e, `an error names ${rule}: ${JSON.stringify(s.errors)}`);
  assert.equal(e.kind, 'kubeconfig');
  assert.equal(e.status, null);
  assert.match(e.message, flag, 'names the flag that allows it');
  assert.match(e.message, field, 'names the field');
  assert.equal(listener.accepts, before, 'no connection to the refused server');
  assert.equal(proxy.accepts, proxyBefore, 'no connection to the proxy');
  return s;
}

test('exec: a plugin not on the list never runs without --allow-exec', async () => {
  resetRan();
  await expectRefused(kubeconfig({}, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'my-plugin', args: ['token'] } }), {}, 'KCF001', /--allow-exec my-plugin/, /users\[0\]\.user\.exec/);
  assert.ok(!ran(join(bin, 'my-plugin')), 'the refused plugin did not run');
});

test('exec: a listed plugin with another shape of arguments never runs', async () => {
  resetRan();
  for (const args of [['s3', 'cp', 's3://bucket/x', '/tmp/x'], ['--debug', 's3', 'eks', 'get-token'], ['eks', 'get-token', '--cli-input-json', 'file:///etc/passwd'], ['eks', 'get-token', '$(touch /tmp/x)']]) {
    await expectRefused(kubeconfig({}, { exec: { command: 'aws', args } }), {}, 'KCF001', /--allow-exec aws/, /exec\.args/);
  }
  assert.ok(!ran(join(bin, 'aws')));
});

test('exec: a refusal that lists the args shows no credential in them (header lines, URL passwords)', async () => {
  resetRan();
  const args = ['eks', 'get-token', '--header', `Authorization: Bearer ${SECRET_ARG_CANARY}`, '-H', `X-Api-Key: ${SECRET_ARG_CANARY}`, `--endpoint-url=https://x:${SECRET_ARG_CANARY}@sts`, `https://u:${SECRET_ARG_CANARY}@h`];
  const s = await expectRefused(kubeconfig({}, { exec: { command: 'aws', args } }), {}, 'KCF001', /--allow-exec aws/, /exec\.args/);
  const all = JSON.stringify(s);
  assert.match(all, /Authorization: <redacted sha256:/, 'the header name is kept');
  assert.ok(!all.includes(SECRET_ARG_CANARY), all);
  assert.ok(!ran(join(bin, 'aws')));
});

test('exec: a relative or ./ command never runs, whatever the flags', async () => {
  resetRan();
  for (const command of ['./aws', 'bin/aws']) {
    await expectRefused(kubeconfig({}, { exec: { command, args: ['eks', 'get-token'] } }), { allowExec: ['aws', command], allowInsecureKubeconfig: true }, 'KCF001', /relative/, /exec\.command/);
  }
  assert.ok(!ran(join(dir, 'aws')) && !ran(join(bin, 'aws')));
});

test('exec: an absolute command must be the one PATH resolves its name to', async () => {
  resetRan();
  await expectRefused(kubeconfig({}, { exec: { command: join(otherBin, 'aws'), args: ['eks', 'get-token', '--cluster-name', 'x'] } }), {}, 'KCF001', /--allow-exec \//, /exec\.command/);
  assert.ok(!ran(join(otherBin, 'aws')));
});

test('exec: a hazardous environment entry refuses even a listed plugin', async () => {
  resetRan();
  await expectRefused(
    kubeconfig({}, { exec: { command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'x'], env: [{ name: 'LD_PRELOAD', value: '/tmp/evil.so' }] } }),
    {},
    'KCF001',
    /--allow-exec aws/,
    /exec\.env/,
  );
  assert.ok(!ran(join(bin, 'aws')));
});

test('exec: a listed plugin with its token shape runs, resolved from PATH, and is shown in verbose notes with secrets hidden', async () => {
  resetRan();
  const before = listener.accepts;
  const kc = kubeconfig({}, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'kubelogin', args: ['get-token', '--server-id', 'abc', `--client-secret=${SECRET_ARG_CANARY}`], env: [{ name: 'AZURE_ENV', value: SECRET_ARG_CANARY }] } });
  const { summaries, notes } = await read(options(write('kc-ok-exec.yaml', kc)));
  assert.ok(ran(join(bin, 'kubelogin')), 'the allowed plugin ran');
  assert.equal(summaries[0].status, 'error', 'the counting listener speaks no TLS');
  assert.equal(summaries[0].errors[0].kind, 'connection');
  assert.ok(listener.accepts > before, 'it went on to connect');
  const note = notes.find((n) => n.includes('kubelogin'));
  assert.ok(note, 'the exec run is reported');
  assert.ok(note.includes(join(bin, 'kubelogin')), 'with its absolute path');
  assert.match(note, /AZURE_ENV/, 'env names shown');
});

test('exec: the same shapes for the other listed plugins (aws with global options, gke, doctl)', async () => {
  resetRan();
  const cases: Array<[string, string[]]> = [
    ['aws', ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'prod', '--output', 'json']],
    ['gke-gcloud-auth-plugin', []],
    ['doctl', ['kubernetes', 'cluster', 'kubeconfig', 'exec-credential', '--version=v1beta1', '--context=default', '1234-abcd']],
  ];
  for (const [command, args] of cases) {
    const { summaries } = await read(options(write(`kc-${command}.yaml`, kubeconfig({}, { exec: { command, args } }))));
    assert.ok(ran(join(bin, command)), `${command} ran`);
    assert.equal(summaries[0].errors[0].kind, 'connection', `${command}: passed the gate`);
  }
});

test('exec: --allow-exec NAME lets an unlisted plugin run; an exact absolute path can be allowed too', async () => {
  resetRan();
  const { summaries } = await read(options(write('kc-allowed.yaml', kubeconfig({}, { exec: { command: 'my-plugin', args: ['whatever'] } })), { allowExec: ['my-plugin'] }));
  assert.ok(ran(join(bin, 'my-plugin')));
  assert.equal(summaries[0].errors[0].kind, 'connection');
  const abs = join(otherBin, 'aws');
  const r2 = await read(options(write('kc-allowed-abs.yaml', kubeconfig({}, { exec: { command: abs, args: ['eks', 'get-token'] } })), { allowExec: [abs] }));
  assert.ok(ran(abs));
  assert.equal(r2.summaries[0].errors[0].kind, 'connection');
});

test('tokenFile, certificate and key paths, CA path: refused and never opened', async () => {
  await expectRefused(kubeconfig({}, { tokenFile: join(dir, 'token.fifo') }), {}, 'KCF003', /--allow-insecure-kubeconfig/, /tokenFile/);
  await expectRefused(kubeconfig({}, { 'client-certificate': join(dir, 'cert.fifo'), 'client-key': join(dir, 'key.fifo') }), {}, 'KCF004', /--allow-insecure-kubeconfig/, /client-(certificate|key)/);
  await expectRefused(kubeconfig({ 'certificate-authority': join(dir, 'ca.fifo') }, { token: TOKEN_CANARY }), {}, 'KCF004', /--allow-insecure-kubeconfig/, /certificate-authority/);
});

test('tokenFile with --allow-insecure-kubeconfig is read and used (then the connection is attempted)', async () => {
  const tokenPath = write('token.txt', `${TOKEN_CANARY}\n`);
  const before = listener.accepts;
  const { summaries } = await read(options(write('kc-tokenfile.yaml', kubeconfig({}, { tokenFile: tokenPath })), { allowInsecureKubeconfig: true }));
  assert.equal(summaries[0].errors[0].kind, 'connection');
  assert.ok(listener.accepts > before);
});

test('insecure TLS, plain http, proxy, impersonation, metadata server: refused before any connection', async () => {
  await expectRefused(kubeconfig({ 'insecure-skip-tls-verify': true }, { token: TOKEN_CANARY }), {}, 'KCF005', /--allow-insecure-kubeconfig/, /insecure-skip-tls-verify/);
  await expectRefused(kubeconfig({ server: `http://127.0.0.1:${listener.port}` }, { token: TOKEN_CANARY }), {}, 'KCF006', /--allow-insecure-kubeconfig/, /server/);
  await expectRefused(kubeconfig({ 'proxy-url': `http://127.0.0.1:${proxy.port}` }, { token: TOKEN_CANARY }), {}, 'KCF007', /--allow-insecure-kubeconfig/, /proxy-url/);
  await expectRefused(kubeconfig({}, { token: TOKEN_CANARY, as: 'system:admin', 'as-groups': ['system:masters'] }), {}, 'KCF010', /--allow-insecure-kubeconfig/, /\bas\b/);
  await expectRefused(kubeconfig({ server: 'https://169.254.169.254' }, { token: TOKEN_CANARY }), {}, 'KCF009', /--allow-insecure-kubeconfig/, /server/);
});

test('a refusal in a second spelling (Exec, TokenFile) still refuses', async () => {
  await expectRefused(kubeconfig({}, { token: TOKEN_CANARY, TokenFile: join(dir, 'token.fifo') }), {}, 'KCF003', /--allow-insecure-kubeconfig/, /TokenFile/);
  resetRan();
  await expectRefused(kubeconfig({}, { token: TOKEN_CANARY, Exec: { command: 'aws', args: ['eks', 'get-token'] } }), {}, 'KCF001', /spelling/, /\.Exec/);
  assert.ok(!ran(join(bin, 'aws')));
});

test('auth-provider: refused whatever the flags, its command never runs', async () => {
  resetRan();
  const s = await expectRefused(
    kubeconfig({}, { 'auth-provider': { name: 'gcp', config: { 'cmd-path': join(dir, 'gcp.sh'), 'cmd-args': 'x' } } }),
    { allowInsecureKubeconfig: true, allowExec: ['gcp.sh'] },
    'KCF002',
    /No flag allows it/,
    /auth-provider/,
  );
  assert.ok(!ran(join(dir, 'gcp.sh')));
  assert.match(s.errors[0].message, /exec plugin/);
});

test('the proxy, when allowed, is where the traffic goes', async () => {
  const before = proxy.accepts;
  const direct = listener.accepts;
  const { summaries } = await read(options(write('kc-proxy-ok.yaml', kubeconfig({ 'proxy-url': `http://127.0.0.1:${proxy.port}` }, { token: TOKEN_CANARY })), { allowInsecureKubeconfig: true }));
  assert.equal(summaries[0].status, 'error');
  assert.ok(proxy.accepts > before, 'through the proxy');
  assert.equal(listener.accepts, direct, 'not to the server directly');
});

test('a refused context does not stop the others; an unknown context is an error of its own', async () => {
  resetRan();
  const kc = `apiVersion: v1
kind: Config
current-context: good
clusters:
- name: k
  cluster: {server: "https://127.0.0.1:${listener.port}"}
users:
- name: good
  user: {token: ${TOKEN_CANARY}}
- name: bad
  user: {exec: {command: my-plugin}}
contexts:
- name: bad
  context: {cluster: k, user: bad}
- name: good
  context: {cluster: k, user: good}
`;
  const before = listener.accepts;
  const { summaries } = await read(options(write('kc-mixed.yaml', kc), { contexts: ['bad', 'nope', 'good'], clusterNames: new Map([['good', 'prod-eu']]) }));
  assert.deepEqual(summaries.map((s) => s.name), ['bad', 'nope', 'prod-eu'], 'selection order, --cluster-name applied');
  assert.equal(summaries[0].errors[0].kind, 'kubeconfig');
  assert.match(summaries[1].errors[0].message, /no context named "nope"/);
  assert.equal(summaries[2].errors[0].kind, 'connection', 'the good context was tried');
  assert.equal(summaries[2].context, 'good');
  assert.ok(listener.accepts > before);
  assert.ok(!ran(join(bin, 'my-plugin')));
});

test('KUBECONFIG merges as kubectl does: first definition of a name wins, current-context from the first file that sets it', async () => {
  const first = write('merge-1.yaml', `apiVersion: v1
kind: Config
clusters:
- name: k
  cluster: {server: "https://127.0.0.1:${listener.port}"}
users:
- name: u
  user: {token: ${TOKEN_CANARY}}
`);
  const second = write('merge-2.yaml', `apiVersion: v1
kind: Config
current-context: c
clusters:
- name: k
  cluster: {server: "http://127.0.0.1:${proxy.port}", insecure-skip-tls-verify: true}
users:
- name: u
  user: {exec: {command: my-plugin}}
contexts:
- name: c
  context: {cluster: k, user: u}
`);
  const third = write('merge-3.yaml', `apiVersion: v1
kind: Config
current-context: other
contexts:
- name: other
  context: {cluster: k, user: u}
`);
  resetRan();
  const before = listener.accepts;
  const proxyBefore = proxy.accepts;
  const { summaries } = await read(options('', { kubeconfig: undefined, env: { PATH: bin, KUBECONFIG: [first, join(dir, 'missing.yaml'), second, third].join(':') } }));
  assert.deepEqual(summaries.map((s) => s.name), ['c'], 'current-context from the first file that sets it');
  assert.equal(summaries[0].errors[0].kind, 'connection', "the first file's cluster and user were used, the second file's refused ones ignored");
  assert.ok(listener.accepts > before);
  assert.equal(proxy.accepts, proxyBefore);
  assert.ok(!ran(join(bin, 'my-plugin')));
  const all = await read(options('', { kubeconfig: undefined, allContexts: true, env: { PATH: bin, KUBECONFIG: [first, second, third].join(':') } }));
  assert.deepEqual(all.summaries.map((s) => s.name), ['c', 'other']);
});

test('no kubeconfig at all, or no current context: a selection error that says what to do', async () => {
  await assert.rejects(() => readClusters(options('', { kubeconfig: undefined, env: {}, homedir: join(dir, 'nohome') }), async () => {}), (e: unknown) => e instanceof LiveSelectionError && /--kubeconfig/.test((e as Error).message));
  const noCurrent = write('no-current.yaml', 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: [{name: a, context: {cluster: k}}]\n');
  await assert.rejects(() => readClusters(options(noCurrent), async () => {}), (e: unknown) => e instanceof LiveSelectionError && /--context/.test((e as Error).message));
  await assert.rejects(() => readClusters(options(join(dir, 'absent.yaml')), async () => {}), (e: unknown) => e instanceof LiveSelectionError && /absent\.yaml/.test((e as Error).message));
});

test('--in-cluster: token and CA from the service account paths, server from the environment', async () => {
  const token = write('sa-token', TOKEN_CANARY);
  const ca = write('sa-ca.crt', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const before = listener.accepts;
  const { summaries } = await read({
    ...options('', { kubeconfig: undefined, inCluster: true, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(listener.port) } }),
    inClusterPaths: { token, ca },
  } as ReadClustersOptions);
  assert.deepEqual(summaries.map((s) => s.name), ['in-cluster']);
  assert.equal(summaries[0].context, null);
  assert.equal(summaries[0].server, `https://127.0.0.1:${listener.port}`);
  assert.ok(listener.accepts > before || summaries[0].errors[0].kind === 'connection');
  const { summaries: none } = await read(options('', { kubeconfig: undefined, inCluster: true, env: {} }));
  assert.match(none[0].errors[0].message, /not running in a pod/);
});

test('an exec plugin that never answers is killed at the cluster timeout, and gets no terminal', async () => {
  const hang = join(bin, 'hang-plugin');
  writeFileSync(hang, `#!/bin/sh\necho $$ > "$0.pid"\n[ -t 0 ] && touch "$0.tty"\nexec sleep 60\n`);
  chmodSync(hang, 0o755);
  await import('@kubernetes/client-node'); // loaded once, so the plugin starts well within the timeout
  const started = Date.now();
  const { summaries } = await read(options(write('kc-hang.yaml', kubeconfig({}, { exec: { command: 'hang-plugin' } })), { allowExec: ['hang-plugin'], clusterTimeoutMs: 5000 }));
  assert.equal(summaries[0].status, 'error');
  assert.match(summaries[0].errors[0].message, /cluster timeout/);
  assert.ok(Date.now() - started < 30_000, 'not a hang');
  const pid = Number(readFileSync(`${hang}.pid`, 'utf8'));
  // The kill is asynchronous: wait for the process to be gone (bounded), without sleeping on a timer guess.
  let alive = true;
  for (let i = 0; i < 200 && alive; i++) {
    try {
      process.kill(pid, 0);
      await new Promise((r) => setTimeout(r, 25));
    } catch {
      alive = false;
    }
  }
  assert.ok(!alive, 'the plugin process was killed');
  assert.ok(!existsSync(`${hang}.tty`), 'stdin was not a terminal');
});
