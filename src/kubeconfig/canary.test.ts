/**
 * The guarantee, tested: parsing, judging and reporting a kubeconfig never runs, opens or fetches what
 * it names, and never lets a secret value out.
 *
 * Canaries: commands that would leave a marker file if run, token/key/CA paths that are FIFOs (opening
 * a FIFO for reading blocks until a writer comes, so any read would hang, not pass silently; running as
 * root, a file without read permission would prove nothing), and URLs that point at a local listener
 * counting connections. On top of that, every Node entry point for files, processes and the network is
 * replaced by a tripwire while the code under test runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fsMod from 'node:fs';
import { mkdtempSync, writeFileSync, chmodSync, readdirSync, existsSync, rmSync, cpSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { syncBuiltinESMExports, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { parseKubeconfig } from './parse.js';
import { judgeKubeconfig, credentialsOf } from './judge.js';
import { judgeKubeconfigSource, makeKubeconfigRules, type KubeconfigSource } from './rules.js';
import { kubeconfigFindingsToReport } from '../cli/commands/kubeconfig.js';
import { REPORTERS } from '../report/index.js';
import { kubeconfigRules } from './rules.js';
import { yamlLib } from '../loader/yaml-lib.js';
import { sanitizeObject } from '../cluster/sanitize.js';
import { redactedMarker, secretFingerprint } from './redact.js';

const render = (format: 'text' | 'sarif' | 'junit', report: Parameters<(typeof REPORTERS)['text']>[0], cwd: string) =>
  REPORTERS[format](report, { rules: kubeconfigRules, color: false, cwd, version: '0.0.0' });
import { findingsFor } from '../testing/kit.js';

/** An unsigned JWT with the given claims (the signature part is a fixed canary). */
function makeJwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', kid: 'k1' }): string {
  const seg = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${seg(header)}.${seg(claims)}.CANARYSIGNATURExyz`;
}

const require = createRequire(import.meta.url);

let dir = '';
let server: Server;
let port = 0;
let connections = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshward-canary-'));
  // Each canary command leaves "<its own path>.ran" when it runs.
  for (const name of ['canary.sh', 'canary-plugin', 'gcp-canary.sh', 'azure-canary.sh']) {
    writeFileSync(join(dir, name), '#!/bin/sh\ntouch "$0.ran"\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x"}}\'\n');
    chmodSync(join(dir, name), 0o755);
  }
  execFileSync('mkfifo', ['token.fifo', 'token2.fifo', 'key.fifo', 'cert.fifo', 'ca.fifo', 'idp-ca.fifo', 'provider-token.fifo'].map((f) => join(dir, f)));
  server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});

after(() => {
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function canaryKubeconfig(): string {
  const url = `http://127.0.0.1:${port}`;
  return `apiVersion: v1
kind: Config
current-context: harmless
clusters:
- name: harmless
  cluster: {server: "https://example.invalid"}
- name: listener
  cluster:
    server: "${url}/api"
    proxy-url: "${url}"
    certificate-authority: ${join(dir, 'ca.fifo')}
contexts:
- name: harmless
  context: {cluster: harmless, user: token-only}
- name: bad
  context: {cluster: listener, user: exec-abs}
users:
- name: token-only
  user: {token: t}
- name: exec-abs
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: ${join(dir, 'canary.sh')}, interactiveMode: Never}
- name: exec-rel
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: ./canary.sh, interactiveMode: Never}
- name: exec-path
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: canary-plugin
      env: [{name: PATH, value: "${dir}"}]
      interactiveMode: Never
- name: exec-shell
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: /bin/sh
      args: ["-c", "touch ${join(dir, 'shell.ran')}"]
      interactiveMode: Never
- name: gcp
  user:
    auth-provider:
      name: gcp
      config: {cmd-path: ${join(dir, 'gcp-canary.sh')}, cmd-args: "; touch ${join(dir, 'gcp-args.ran')}"}
- name: azure
  user:
    auth-provider:
      name: azure
      config: {cmd-path: /bin/sh, cmd-args: "-c 'touch ${join(dir, 'azure.ran')}'"}
- name: oidc
  user:
    auth-provider:
      name: oidc
      config: {idp-issuer-url: "${url}", idp-certificate-authority: ${join(dir, 'idp-ca.fifo')}}
- name: files
  user:
    tokenFile: ${join(dir, 'token.fifo')}
    token-file: ${join(dir, 'token2.fifo')}
    client-certificate: ${join(dir, 'cert.fifo')}
    client-key: ${join(dir, 'key.fifo')}
- name: provider-file
  user:
    auth-provider: {name: file, config: {tokenFile: ${join(dir, 'provider-token.fifo')}}}
`;
}

/** Replaces every file, process and network entry point with a tripwire for the duration of `fn`. */
function withTripwires<T>(fn: () => T): { result: T; calls: string[] } {
  const calls: string[] = [];
  const restore: Array<() => void> = [];
  const trap = (obj: any, name: string, label: string) => {
    const orig = obj[name];
    if (typeof orig !== 'function') return;
    obj[name] = function tripwire() {
      calls.push(label);
      throw new Error(`tripwire: ${label} called`);
    };
    restore.push(() => {
      obj[name] = orig;
    });
  };
  const fs = require('node:fs');
  for (const k of Object.keys(fs)) if (/^(open|read|stat|lstat|access|exists|realpath|createReadStream|watch|opendir|readv|readlink|cp)/.test(k)) trap(fs, k, `fs.${k}`);
  for (const k of Object.keys(fs.promises)) if (/^(open|read|stat|lstat|access|realpath|opendir|watch|readlink|cp)/.test(k)) trap(fs.promises, k, `fs.promises.${k}`);
  const cp = require('node:child_process');
  for (const k of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) trap(cp, k, `child_process.${k}`);
  const net = require('node:net');
  for (const k of ['connect', 'createConnection']) trap(net, k, `net.${k}`);
  trap(require('node:tls'), 'connect', 'tls.connect');
  for (const mod of ['node:http', 'node:https']) for (const k of ['request', 'get']) trap(require(mod), k, `${mod}.${k}`);
  const dns = require('node:dns');
  for (const k of ['lookup', 'resolve', 'resolve4', 'resolve6']) trap(dns, k, `dns.${k}`);
  trap(globalThis, 'fetch', 'fetch');
  syncBuiltinESMExports();
  try {
    return { result: fn(), calls };
  } finally {
    for (const r of restore.reverse()) r();
    syncBuiltinESMExports();
  }
}

test('the canaries work: run directly, a canary command leaves its marker', () => {
  const control = mkdtempSync(join(tmpdir(), 'meshward-canary-control-'));
  try {
    cpSync(join(dir, 'canary.sh'), join(control, 'canary.sh'));
    execFileSync(join(control, 'canary.sh'));
    assert.ok(existsSync(join(control, 'canary.sh.ran')));
  } finally {
    rmSync(control, { recursive: true, force: true });
  }
});

test('the tripwires work: a file read inside them is caught', () => {
  const { calls } = withTripwires(() => {
    try {
      fsMod.readFileSync(join(dir, 'canary.sh'));
    } catch {
      /* expected */
    }
  });
  assert.deepEqual(calls, ['fs.readFileSync']);
});

test('parsing, judging and reporting run, open and fetch nothing a kubeconfig names', () => {
  const text = canaryKubeconfig();
  // meshward's own `yaml` library loads on first use (src/loader/yaml-lib.ts), resolving its path with
  // fs.realpathSync; loaded before the tripwires go up, so they count only what a kubeconfig could cause.
  yamlLib();
  const { result, calls } = withTripwires(() => {
    const parsed = parseKubeconfig(text, { file: join(dir, 'kubeconfig.yaml') });
    const asFile = judgeKubeconfig(parsed, { origin: { kind: 'file', folder: dir } });
    const asSecret = judgeKubeconfig(parsed, { origin: { kind: 'secret' } });
    const creds = credentialsOf(parsed);
    const report = kubeconfigFindingsToReport([{ parsed, findings: asFile }]);
    const rendered = [JSON.stringify(report), render('text', report, dir), render('sarif', report, dir), render('junit', report, dir), JSON.stringify(creds)];
    const embedded = judgeKubeconfigSource({ resource: fakeSecret(), path: ['data', 'east'], text });
    return { parsed, asFile, asSecret, rendered, embedded };
  });
  assert.deepEqual(calls, [], 'no file, process or network call');
  assert.equal(result.parsed.ok, true);
  assert.deepEqual(result.parsed.errors, []);
  // Every hazard was seen, so the canaries were judged, not skipped.
  const paths = new Set(result.asFile.map((f) => f.path));
  for (const p of [
    'users[1].user.exec.command',
    'users[2].user.exec.command',
    'users[3].user.exec.command',
    'users[3].user.exec.env[0]',
    'users[4].user.exec.args[0]',
    'users[5].user.auth-provider.config.cmd-path',
    'users[6].user.auth-provider.config.cmd-path',
    'users[7].user.auth-provider.config.idp-issuer-url',
    'users[7].user.auth-provider.config.idp-certificate-authority',
    'users[8].user.tokenFile',
    'users[8].user.token-file',
    'users[8].user.client-certificate',
    'users[8].user.client-key',
    'users[9].user.auth-provider.config.tokenFile',
    'clusters[1].cluster.server',
    'clusters[1].cluster.proxy-url',
    'clusters[1].cluster.certificate-authority',
  ]) {
    assert.ok(paths.has(p), `judged ${p}`);
  }
  assert.equal(result.embedded.findings.length, result.asSecret.length);
  // Nothing ran, nothing was fetched.
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.ran')), []);
  assert.equal(connections, 0);
});

test('the rules inside scan judge an embedded canary kubeconfig without running anything', async () => {
  const text = canaryKubeconfig();
  const rules = makeKubeconfigRules((model) =>
    model.ofKind('', 'Secret').map((r): KubeconfigSource => ({ resource: r, path: ['stringData', 'east'], text: String(r.obj.stringData.east), consumer: 'istiod' })),
  );
  const secret = `apiVersion: v1
kind: Secret
metadata: {name: istio-remote-secret-east, namespace: istio-system, labels: {istio/multiCluster: "true"}}
stringData:
  east: ${JSON.stringify(text)}
`;
  const all = [];
  for (const rule of rules) all.push(...(await findingsFor(rule, secret)));
  assert.ok(all.length > 10);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.ran')), []);
  assert.equal(connections, 0);
});

// ------------------------------------------------------------------------------------------------
// Redaction

const LEGACY_JWT = makeJwt({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:istio-system:istio-reader-service-account' });

function secretsKubeconfig(): string {
  return `apiVersion: v1
kind: Config
current-context: c
clusters:
- name: east
  cluster:
    server: "http://admin:CANARY-SERVER-PASS@east.example:8080/?token=CANARY-QUERY-TOKEN"
    certificate-authority-data: CANARY-CA-DATA
    proxy-url: "http://proxyuser:CANARY-PROXY-PASS@proxy.example:3128"
    insecure-skip-tls-verify: true
    extensions: [{name: e, extension: {k: CANARY-EXTENSION}}]
contexts:
- name: c
  context: {cluster: east, user: everything}
users:
- name: everything
  user:
    token: CANARY-TOKEN-0123456789
    username: admin
    password: CANARY-PASSWORD
    client-certificate-data: CANARY-CERT-DATA
    client-key-data: CANARY-KEY-DATA
    as-user-extra: {tenant: [CANARY-EXTRA-VALUE]}
- name: jwt
  user: {token: "${LEGACY_JWT}"}
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: kubelogin
      args:
      - get-token
      - "--oidc-client-secret=CANARY-ARG-SECRET"
      - --password
      - CANARY-ARG-PASSWORD
      - --header
      - "Authorization: Bearer CANARY-ARG-HEADER"
      - -H
      - "X-Api-Key: CANARY-ARG-APIKEY"
      - "--oidc-issuer-url=https://x:CANARY-ARG-ISSUERPASS@idp.example"
      - "https://u:CANARY-ARG-URLPASS@h.example"
      - "Cookie: session=CANARY-ARG-COOKIE"
      - "-c"
      - "curl -H 'Proxy-Authorization: Basic CANARY-ARG-SCRIPT' https://h.example"
      env:
      - {name: LD_PRELOAD, value: CANARY-ENV-LDPRELOAD}
      - {name: API_KEY, value: CANARY-ENV-APIKEY}
      interactiveMode: Never
- name: provider
  user:
    auth-provider:
      name: azure
      config:
        access-token: CANARY-AP-ACCESS
        refresh-token: CANARY-AP-REFRESH
        client-secret: CANARY-AP-CLIENTSECRET
        id-token: CANARY-AP-IDTOKEN
        idp-certificate-authority-data: CANARY-AP-IDPCA
        mystery-key: CANARY-AP-MYSTERY
        cmd-args: '--token CANARY-AP-CMDARG -H "Authorization: Bearer CANARY-AP-CMDHEADER" https://u:CANARY-AP-CMDURL@h.example'
`;
}

function assertNoCanary(label: string, s: string): void {
  const m = /CANARY[-A-Z0-9_]*/.exec(s);
  assert.equal(m, null, `${label} leaks ${m?.[0]}`);
  assert.equal(s.includes(LEGACY_JWT), false, `${label} leaks the JWT`);
  assert.equal(s.includes(LEGACY_JWT.split('.')[1]), false, `${label} leaks the JWT payload segment`);
}

test('canary secrets never appear in any result, message, report or error', () => {
  const text = secretsKubeconfig();
  const parsed = parseKubeconfig(text, { file: 'secrets.yaml' });
  assert.deepEqual(parsed.errors, []);
  // The secrets are there to be found: the raw values hold them.
  assert.equal(parsed.users[0].raw.token, 'CANARY-TOKEN-0123456789');
  const findings = judgeKubeconfig(parsed, { origin: { kind: 'file' } });
  const secretFindings = judgeKubeconfig(parsed, { origin: { kind: 'secret' } });
  assert.ok(findings.length >= 6, 'the kubeconfig has findings to render');
  assert.ok(findings.some((f) => f.id === 'KCF011'), 'the legacy JWT was decoded');
  const report = kubeconfigFindingsToReport([{ parsed, findings }]);
  const outputs: Record<string, string> = {
    parsed: JSON.stringify(parsed),
    'parsed (inspect)': inspect(parsed, { depth: 20 }),
    'parsed entries (inspect)': inspect(parsed.users, { depth: 20 }),
    findings: JSON.stringify(findings),
    'secret-origin findings': JSON.stringify(secretFindings),
    report: JSON.stringify(report),
    text: render('text', report, '/tmp'),
    sarif: render('sarif', report, '/tmp'),
    junit: render('junit', report, '/tmp'),
    credentials: JSON.stringify(credentialsOf(parsed)),
    embedded: JSON.stringify(judgeKubeconfigSource({ resource: fakeSecret(), path: ['data', 'east'], text })),
  };
  for (const [label, s] of Object.entries(outputs)) assertNoCanary(label, s);
});

test('the redacted view and the facts pushed for a remote Secret hold no credential from exec.args or cmd-args', () => {
  const text = secretsKubeconfig();
  const parsed = parseKubeconfig(text, { file: 'secrets.yaml' });
  const plugin = parsed.users.find((u) => u.name === 'plugin')!;
  const args = (plugin.fields.exec as { args: string[] }).args;
  assertNoCanary('view of exec.args', JSON.stringify(args));
  // Redacted, not dropped: the labels are there to read.
  assert.ok(args.includes('Authorization: ' + redactedMarker('Bearer CANARY-ARG-HEADER')), args.join(' '));
  assert.ok(args.includes('X-Api-Key: ' + redactedMarker('CANARY-ARG-APIKEY')), args.join(' '));
  assert.ok(args.includes(`--oidc-issuer-url=https://x:${secretFingerprint('CANARY-ARG-ISSUERPASS')}@idp.example`), args.join(' '));
  assert.ok(args.includes(`https://u:${secretFingerprint('CANARY-ARG-URLPASS')}@h.example`), args.join(' '));

  // What the agent pushes for a Secret: sanitizeObject drops data and stringData and keeps the facts,
  // among them each embedded kubeconfig's view; the server stores those facts as they come.
  for (const [label, secret] of [
    ['istio remote secret', { metadata: { name: 'istio-remote-secret-east', namespace: 'istio-system', labels: { 'istio/multiCluster': 'true' } }, stringData: { east: text } }],
    ['istio remote secret (data)', { metadata: { name: 'istio-remote-secret-east', namespace: 'istio-system', labels: { 'istio/multiCluster': 'true' } }, data: { east: Buffer.from(text).toString('base64') } }],
    [
      'Argo CD cluster secret',
      {
        metadata: { name: 'east', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
        stringData: { name: 'east', server: 'https://east.example', config: JSON.stringify({ execProviderConfig: { command: 'argocd-k8s-auth', apiVersion: 'client.authentication.k8s.io/v1beta1', args: ['--header', 'Authorization: Bearer CANARY-ARGO-HEADER', 'https://u:CANARY-ARGO-URL@h'] } }) },
      },
    ],
  ] as const) {
    const sanitized = sanitizeObject({ apiVersion: 'v1', kind: 'Secret', ...secret });
    const view = sanitized.secretFacts?.kubeconfigs[0]?.view;
    assert.ok(view && view.users.length > 0, `${label}: the view was built`);
    assertNoCanary(`${label}: pushed facts`, JSON.stringify(sanitized));
  }
});

test('errors near secrets do not quote them', () => {
  const broken = [
    'users:\n- name: a\n  user:\n    token: CANARY-BROKEN-1\n    password: "CANARY-BROKEN-2\n',
    'users:\n- name: a\n  user: {token: CANARY-BROKEN-3, token: CANARY-BROKEN-4}\n',
    'users:\n- name: a\n  user:\n    token: CANARY-BROKEN-5\n   bad-indent: CANARY-BROKEN-6\n',
    'users:\n- name: a\n  user:\n    token: !secret CANARY-BROKEN-7\n',
    '{"users": [{"name": "a", "user": {"token": "CANARY-BROKEN-8",}]}',
  ];
  for (const text of broken) {
    const p = parseKubeconfig(text, { file: 'broken.yaml' });
    assert.ok(p.errors.length > 0, text);
    assertNoCanary(`errors of ${JSON.stringify(text.slice(0, 40))}`, JSON.stringify(p) + inspect(p, { depth: 10 }));
  }
});

function fakeSecret() {
  return {
    id: 0,
    cluster: 'primary',
    apiVersion: 'v1',
    group: '',
    kind: 'Secret',
    namespace: 'istio-system',
    name: 'istio-remote-secret-east',
    labels: { 'istio/multiCluster': 'true' },
    annotations: {},
    obj: {},
    source: null,
  };
}
