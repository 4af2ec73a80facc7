/**
 * Live clusters end to end: the built CLI in a child process, reading the stand-in API server this
 * test starts on 127.0.0.1 (src/testing/apiserver) through the real @kubernetes/client-node.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { startStandIn, type StandIn } from '../testing/apiserver/index.js';
import { CLI_PATH, REPO_ROOT, runCli, type CliResult } from '../testing/kit.js';
import { compareObjects } from './live.js';

let standIn: StandIn;
let dir: string;
let kubeconfig: string;
let exampleDump: string;
const canaryFile = () => path.join(dir, 'exec-ran');
/** Random values put in Secrets and env of the `canary` cluster: none may appear in any output. */
const CANARIES = Array.from({ length: 4 }, () => `canary${randomBytes(12).toString('hex')}`);

const b64 = (s: string) => Buffer.from(s).toString('base64');

function canaryObjects(): unknown[] {
  const remoteKubeconfig = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'west', cluster: { server: 'https://west.example:6443', 'certificate-authority-data': b64('not a real CA') } }],
    users: [{ name: 'west', user: { token: CANARIES[0] } }],
    contexts: [{ name: 'west', context: { cluster: 'west', user: 'west' } }],
    'current-context': 'west',
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'istio-remote-secret-west', namespace: 'istio-system', labels: { 'istio/multiCluster': 'true' }, annotations: { 'networking.istio.io/cluster': 'west' } },
      type: 'Opaque',
      data: { west: b64(remoteKubeconfig) },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cacerts', namespace: 'istio-system' }, type: 'Opaque', data: { 'ca-key.pem': b64(CANARIES[1]), 'ca-cert.pem': b64(CANARIES[1]) } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-password', namespace: 'istio-system' }, type: 'Opaque', data: { password: b64(CANARIES[2]) } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'app', namespace: 'istio-system' },
      spec: { containers: [{ name: 'app', image: 'app:1', env: [{ name: 'DB_PASSWORD', value: CANARIES[3] }] }] },
    },
  ];
}

/** A reader that may list every kind meshward reads except Pods: the cluster reads as `partial`. */
const NO_PODS = [
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader-no-pods' }, rules: [
    { apiGroups: [''], resources: ['namespaces', 'services', 'configmaps', 'secrets', 'replicationcontrollers'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['apps', 'batch', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'admissionregistration.k8s.io', 'networking.istio.io', 'security.istio.io', 'extensions.istio.io', 'install.istio.io', 'gateway.networking.k8s.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] },
  ] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'reader-no-pods' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader-no-pods' }, subjects: [{ kind: 'User', name: 'limited', apiGroup: 'rbac.authorization.k8s.io' }] },
];

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-live-e2e-'));
  const crds = ['istio', 'gateway-api'] as const;
  standIn = await startStandIn({
    clusters: [
      { name: 'insecure', folders: [path.join(REPO_ROOT, 'examples/insecure')], crds: [...crds] },
      { name: 'secure', folders: [path.join(REPO_ROOT, 'examples/secure')], crds: [...crds] },
      { name: 'partial', folders: [path.join(REPO_ROOT, 'examples/secure')], objects: NO_PODS, crds: [...crds], users: [{ name: 'limited' }] },
      { name: 'canary', objects: canaryObjects(), crds: [...crds] },
      ...['east', 'north', 'west'].map((name) => ({ name, folders: [path.join(REPO_ROOT, 'examples/multicluster', name)], crds: [...crds] })),
      // A namespace as it runs: each controller beside the ReplicaSets, Jobs and Pods it made.
      { name: 'rollouts', folders: [path.join(REPO_ROOT, 'test/fixtures/realworld/cluster-dump')], crds: [...crds] },
    ],
  });
  // One kubeconfig: admin on three clusters, the limited user on `partial`, and two contexts that must not be read.
  const admin = parse(standIn.kubeconfig({ clusters: ['insecure', 'secure', 'canary', 'east', 'north', 'west', 'rollouts'] }));
  const limited = parse(standIn.kubeconfig({ user: 'limited', clusters: ['partial'] }));
  const config = { ...admin, clusters: [...admin.clusters, ...limited.clusters], users: [...admin.users, ...limited.users], contexts: [...admin.contexts, ...limited.contexts] };
  config.clusters.push({ name: 'down', cluster: { server: `https://127.0.0.1:${await closedPort()}`, 'certificate-authority-data': b64(standIn.caPem) } });
  config.users.push({ name: 'down', user: { token: 'not-used' } });
  config.contexts.push({ name: 'down', context: { cluster: 'down', user: 'down' } });
  config.users.push({ name: 'runs-a-program', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', `touch ${canaryFile()}`], interactiveMode: 'Never' } } });
  config.contexts.push({ name: 'refused', context: { cluster: 'secure', user: 'runs-a-program' } });
  kubeconfig = path.join(dir, 'kubeconfig.yaml');
  await fs.writeFile(kubeconfig, stringify(config), { mode: 0o600 });

  // examples/insecure exactly as the stand-in serves it (with the metadata the server adds), in the
  // order a live scan analyses objects: a file scan of this is a file scan of the same objects.
  const set = standIn.cluster('insecure').objects;
  const items: any[] = [];
  for (const r of set.apiResources()) {
    if (r.kind === 'CustomResourceDefinition') continue;
    for (const s of set.iterate(r, '', null)) items.push(s.obj);
  }
  const keyed = items.map((o) => ({ obj: o, apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' }));
  keyed.sort(compareObjects);
  exampleDump = path.join(dir, 'insecure-as-served.json');
  await fs.writeFile(exampleDump, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: keyed.map((k) => k.obj) }));
});

after(async () => {
  await standIn?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** The CLI with this test's kubeconfig, never the user's, and not in CI mode unless asked. */
function live(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli([...args, '--kubeconfig', kubeconfig], { env: { HOME: dir, KUBECONFIG: '', CI: '', ...env } });
}

type F = { ruleId: string; resource: { cluster: string; kind: string; namespace: string; name: string }; message: string; severity: string; location?: unknown };
const ruleAndObject = (f: F) => `${f.ruleId} ${f.resource.kind} ${f.resource.namespace}/${f.resource.name}`;
const whole = (f: F) => `${ruleAndObject(f)} ${f.message}`;

test('a live scan of examples/insecure reports what a file scan of the same objects reports', async () => {
  const r = await live(['scan', '--context', 'insecure', '-f', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.errors, []);
  const [summary] = report.summary.clusters;
  assert.equal(summary.name, 'insecure');
  assert.equal(summary.status, 'ok');
  assert.equal(summary.server, standIn.cluster('insecure').url);
  assert.ok(summary.resources > 50 && Number.isInteger(summary.durationMs));
  const findings: F[] = report.findings;
  assert.ok(findings.length > 50);
  assert.ok(findings.every((f) => f.resource.cluster === 'insecure'));
  // Each finding points at its field in the cluster's object: cluster, object and path, no file or line.
  const located = findings.filter((f) => f.location);
  assert.ok(located.length > findings.length / 2);
  for (const f of located) {
    const l = f.location as Record<string, unknown>;
    assert.deepEqual(Object.keys(l), ['cluster', 'object', 'path']);
    assert.equal(l.cluster, 'insecure');
    assert.equal(l.object, f.resource.namespace ? `${f.resource.kind}/${f.resource.namespace}/${f.resource.name}` : `${f.resource.kind}/${f.resource.name}`);
  }

  // The same objects from a file: every rule, object and message alike.
  const dump = JSON.parse((await runCli(['scan', exampleDump, '-f', 'json', '--fail-on', 'none'])).stdout);
  assert.deepEqual(findings.map(whole).sort(), (dump.findings as F[]).map(whole).sort());
  // ...and the same fields: the live path is the path a file scan of those objects locates.
  const withPath = (f: F) => `${whole(f)} @ ${(f.location as { path?: string } | null)?.path ?? '-'}`;
  assert.deepEqual(findings.map(withPath).sort(), (dump.findings as F[]).map(withPath).sort());
  // The example folder itself: the same rules on the same objects (messages may list objects in file order).
  const folder = JSON.parse((await runCli(['scan', 'examples/insecure', '-f', 'json', '--fail-on', 'none'])).stdout);
  assert.deepEqual([...new Set(findings.map(ruleAndObject))].sort(), [...new Set((folder.findings as F[]).map(ruleAndObject))].sort());
});

test("a cluster's ReplicaSets, Jobs and Pods: each problem of a template is one finding, on its controller, as in a file scan of the same objects", async () => {
  const r = await live(['scan', '--context', 'rollouts', '-f', 'json', '--fail-on', 'none']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const byp001: F[] = report.findings.filter((f: F) => f.ruleId === 'BYP001');
  assert.deepEqual(byp001.map(ruleAndObject).sort(), ['BYP001 CronJob shop/report', 'BYP001 Deployment shop/orders']);
  const deployment = report.findings.find((f: F) => f.ruleId === 'BYP001' && f.resource.kind === 'Deployment');
  const same = deployment.evidence.filter((e: { role: string }) => e.role === 'same-in-owned');
  assert.equal(same.length, 4);
  // Each names the object and the field in the cluster, as findings do there.
  for (const e of same) assert.deepEqual(Object.keys(e.location), ['cluster', 'object', 'path']);
  assert.ok(report.summary.notes.some((n: string) => /^rollouts: 13 findings on objects that a controller in the input runs/.test(n)), report.summary.notes.join('\n'));
  // The same objects from a file: the same findings on the same objects, folded alike (messages may list objects in file order).
  const dump = JSON.parse((await runCli(['scan', path.join(REPO_ROOT, 'test/fixtures/realworld/cluster-dump'), '-f', 'json', '--fail-on', 'none'])).stdout);
  assert.deepEqual(report.findings.map(ruleAndObject).sort(), (dump.findings as F[]).map(ruleAndObject).sort());
});

test('the secure example read live is clean at medium and above', async () => {
  const r = await live(['scan', '--context', 'secure', '--fail-on', 'medium', '-f', 'json']);
  const report = JSON.parse(r.stdout);
  assert.equal(r.code, 0, `${r.stderr}\n${report.findings.filter((f: F) => ['critical', 'high', 'medium'].includes(f.severity)).map(whole).join('\n')}`);
  assert.equal(report.summary.clusters[0].status, 'ok');
});

test('a kind the reader may not list makes the cluster partial: exit 1, listed per cluster; --fail-on none exits 0', async () => {
  const r = await live(['scan', '--context', 'partial', '-f', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  const [c] = report.summary.clusters;
  assert.equal(c.status, 'partial');
  const pods = c.errors.find((e: any) => e.status === 403);
  assert.ok(pods, JSON.stringify(c.errors));
  assert.match(pods.kind, /Pod/);
  assert.match(pods.message, /forbidden/);
  assert.ok(report.errors.some((e: any) => e.cluster === 'partial' && e.status === 403));
  assert.ok(c.resources > 0, 'what could be read was read and analysed');

  const text = await live(['scan', '--context', 'partial']);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /CLUSTERS \(1\)\n {2}partial {2}partial {2}\d+ objects from https:\/\/127\.0\.0\.1:\d+/);
  assert.match(text.stdout, /\n {4}✖ \S*Pod \(HTTP 403\): /);
  const waived = await live(['scan', '--context', 'partial', '--fail-on', 'none']);
  assert.equal(waived.code, 0, waived.stderr);
});

test('a cluster that cannot be reached, and one the gate refuses, are errors while the others are read', async () => {
  const r = await live(['scan', '--context', 'down', '--context', 'refused', '--context', 'secure', '-f', 'json', '--fail-on', 'none']);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.summary.clusters.map((c: any) => [c.name, c.status]), [['down', 'error'], ['refused', 'error'], ['secure', 'ok']]);
  const refused = report.summary.clusters[1];
  assert.equal(refused.errors[0].kind, 'kubeconfig');
  assert.match(refused.errors[0].message, /--allow-exec/);
  assert.equal(existsSync(canaryFile()), false, 'the refused exec plugin never ran');
  assert.ok(report.summary.clusters[2].resources > 0);
  assert.equal(r.code, 0, '--fail-on none');
  const strict = await live(['scan', '--context', 'down', '--context', 'secure', '--fail-on', 'critical']);
  assert.equal(strict.code, 1, 'a cluster not read fails the run');
  assert.match(strict.stdout, / {2}down {2}error .*\n {4}✖ connection/);
});

test('--cluster-name, and files and clusters in one run', async () => {
  const r = await live(['scan', 'examples/secure', '--context', 'insecure', '--cluster-name', 'insecure=prod-eu', '-f', 'json', '--fail-on', 'none']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.summary.clusters.map((c: any) => [c.name, c.context]), [['prod-eu', 'insecure']]);
  const clusters = new Set(report.findings.map((f: F) => f.resource.cluster));
  assert.deepEqual([...clusters].sort(), ['default', 'prod-eu'].filter((c) => c !== 'default' || report.findings.some((f: F) => f.resource.cluster === 'default')));
  assert.ok(report.findings.filter((f: F) => f.resource.cluster === 'default').every((f: any) => f.location.file.startsWith('examples/secure/')));
  assert.equal(report.summary.files, readdirSync(path.join(REPO_ROOT, 'examples', 'secure')).filter((f) => f.endsWith('.yaml')).length);
  const text = await live(['scan', '--context', 'insecure', '--cluster-name', 'insecure=prod-eu']);
  assert.match(text.stdout, /\[prod-eu\]/);
});

test('SARIF and JUnit name the cluster', async () => {
  const sarif = JSON.parse((await live(['scan', '--context', 'insecure', '-f', 'sarif'])).stdout);
  const results = sarif.runs[0].results;
  assert.ok(results.length > 50);
  for (const res of results) {
    assert.equal(res.properties.cluster, 'insecure');
    assert.match(res.locations[0].logicalLocations[0].fullyQualifiedName, /^insecure\/\w+\//);
  }
  assert.equal(sarif.runs[0].invocations[0].properties.clusters[0].name, 'insecure');
  const junit = (await live(['scan', '--context', 'insecure', '-f', 'junit'])).stdout;
  assert.match(junit, /classname="insecure\/\w+\/[^"]+" name="\w+ cluster insecure"/);
  const down = (await live(['scan', '--context', 'down', '-f', 'junit'])).stdout;
  assert.match(down, /name="cluster down: connection"/);
});

test('no Secret value or env value of the cluster reaches any output', async () => {
  for (const format of ['text', 'json', 'sarif', 'junit', 'compact', 'gitlab']) {
    const r = await live(['scan', '--all-contexts', '-f', format, '--verbose', '--fail-on', 'none']);
    assert.ok(r.stdout.length > 0, format);
    for (const canary of CANARIES) {
      assert.ok(!r.stdout.includes(canary) && !r.stderr.includes(canary), `${format}: a canary value reached the output`);
    }
  }
  const posture = await live(['posture', '--context', 'canary', '-f', 'json']);
  const blast = await live(['blast-radius', '--context', 'canary', '-f', 'json']);
  for (const r of [posture, blast]) for (const canary of CANARIES) assert.ok(!r.stdout.includes(canary) && !r.stderr.includes(canary));
  // The canary cluster's remote secret was read (as facts): the credential to `west` is seen.
  assert.match(blast.stdout, /west/);
});

test('no progress output off a terminal or in CI; progress lines on a pseudo-terminal', async () => {
  const quiet = await live(['scan', '--context', 'secure', '--context', 'insecure', '--fail-on', 'none']);
  assert.doesNotMatch(quiet.stderr, /\x1b\[|listing|analysing|clusters?: \d+ done/);
  const ci = await live(['scan', '--context', 'secure', '--fail-on', 'none'], { CI: 'true' });
  assert.equal(ci.stderr, '');

  // script(1) gives the CLI a terminal; its output (stdout and stderr together) is what a person sees.
  const command = [process.execPath, CLI_PATH, 'scan', '--kubeconfig', kubeconfig, '--context', 'secure', '--context', 'down', '--fail-on', 'none', '-f', 'json', '-o', path.join(dir, 'tty.json')]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const env: Record<string, string> = { ...(process.env as Record<string, string>), HOME: dir, KUBECONFIG: '', NO_COLOR: '1', TERM: 'xterm' };
  delete env.CI;
  const seen = await new Promise<string>((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
  assert.match(seen, /✔ secure {2}done/);
  assert.match(seen, /✖ down {2}(error|refused)/);
  assert.match(seen, /2 clusters: 1 done, 1 failed, 0 in progress/);
  assert.match(seen, /\x1b\[\d+F/, 'rewritten in place');
});

test('a kubeconfig that cannot be read, or a context that does not exist, is said plainly', async () => {
  const missing = await runCli(['scan', '--kubeconfig', path.join(dir, 'nope.yaml'), '--context', 'x'], { env: { HOME: dir, KUBECONFIG: '', CI: '' } });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^meshward: cannot read kubeconfig .*nope\.yaml.* \(ENOENT\); check the path/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
  const unknown = await live(['scan', '--context', 'no-such-context', '-f', 'json']);
  assert.equal(unknown.code, 1);
  const report = JSON.parse(unknown.stdout);
  assert.equal(report.summary.clusters[0].status, 'error');
  assert.match(report.summary.clusters[0].errors[0].message, /no context named/);
});

test('posture, tenants and blast-radius read live clusters as they read files', async () => {
  const reach = (j: any) => j.clusters.map((c: any) => `${c.cluster} => ${c.reach.map((r: any) => `${r.cluster}:${r.summary}`).join(',')}`);
  const liveBlast = await live(['blast-radius', '--context', 'east', '--context', 'north', '--context', 'west', '-f', 'json']);
  assert.equal(liveBlast.code, 0, liveBlast.stderr);
  const fileBlast = await runCli(['blast-radius', '--cluster', 'east=examples/multicluster/east', '--cluster', 'north=examples/multicluster/north', '--cluster', 'west=examples/multicluster/west', '-f', 'json']);
  const lj = JSON.parse(liveBlast.stdout);
  const fj = JSON.parse(fileBlast.stdout);
  assert.deepEqual(reach(lj), reach(fj));
  assert.ok(reach(fj).some((l: string) => /cluster-admin/.test(l)), 'the example has a path to cluster-admin');
  assert.deepEqual(lj.trust.map((t: any) => t.kind).sort(), fj.trust.map((t: any) => t.kind).sort());

  const posture = JSON.parse((await live(['posture', '--context', 'insecure', '-f', 'json'])).stdout);
  const filePosture = JSON.parse((await runCli(['posture', exampleDump, '-f', 'json'])).stdout);
  const rows = (j: any) => j.workloads.map((w: any) => `${w.kind} ${w.namespace}/${w.name} ${w.mtls.mode} ${w.defaultDeny} ${w.findings.join(',')}`).sort();
  assert.deepEqual(rows(posture), rows(filePosture));
  assert.equal(posture.clusters[0].name, 'insecure');

  const tenants = JSON.parse((await live(['tenants', '--context', 'insecure', '-f', 'json'])).stdout);
  const fileTenants = JSON.parse((await runCli(['tenants', exampleDump, '-f', 'json'])).stdout);
  assert.deepEqual(tenants.clusters[0].tenants, fileTenants.tenants);
});
