// `meshward scan --watch` end to end: the built CLI (bin/meshward.js) against the stand-in API server
// on loopback: the initial report once the informers have listed, then, as objects are created and
// deleted in the cluster, one event per change with only the new and the resolved findings; SIGTERM
// and SIGINT stop it with exit 0; no secret value (a canary) anywhere in the output; usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT, runCli } from '../testing/kit.js';
import { startStandIn, type StandIn } from '../testing/apiserver/index.js';
import { PAY_SERVICE_YAML, TENANT_NAMESPACES_YAML, hijackYaml, parseObjects } from '../testing/decide-corpus.js';

const BIN = path.join(REPO_ROOT, 'bin', 'meshward.js');

/** Lines of a child's stdout as they come, awaited by predicate (no sleeps). */
class Lines {
  readonly all: string[] = [];
  private buf = '';
  private waiters: Array<{ pred: (l: string) => boolean; from: number; resolve: (l: string) => void }> = [];
  constructor(child: ChildProcessWithoutNullStreams, exited: Promise<unknown>, stderr: () => string) {
    child.stdout.on('data', (d) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.all.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
      this.waiters = this.waiters.filter((w) => {
        const hit = this.all.slice(w.from).find(w.pred);
        if (hit !== undefined) w.resolve(hit);
        return hit === undefined;
      });
    });
    void exited.then(() => {
      for (const w of this.waiters) w.resolve(`(exited) ${stderr()}`);
    });
  }
  /** The first line from `from` on that `pred` accepts. */
  next(pred: (l: string) => boolean, from = this.all.length): Promise<string> {
    const hit = this.all.slice(from).find(pred);
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve) => this.waiters.push({ pred, from, resolve }));
  }
}

async function setUp(canary: string, extra: unknown[] = []): Promise<{ dir: string; standIn: StandIn }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-watch-e2e-'));
  const standIn = await startStandIn({
    clusters: [
      {
        name: 'prod',
        objects: [
          ...parseObjects(`${TENANT_NAMESPACES_YAML}---\n${PAY_SERVICE_YAML}`),
          // Values that must never be printed: a Secret's data and an annotation.
          { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'shop', annotations: { 'example.com/token': canary } }, type: 'Opaque', data: { password: Buffer.from(canary).toString('base64') } },
          ...extra,
        ],
      },
    ],
  });
  await fs.writeFile(path.join(dir, 'kubeconfig'), standIn.kubeconfig({ clusters: ['prod'] }));
  return { dir, standIn };
}

/** Whatever a test left running: the watcher (killed if it has not exited), the stand-in, the folder. */
async function tearDown(w: { child: ChildProcessWithoutNullStreams }, standIn: StandIn, dir: string): Promise<void> {
  if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await standIn.stop();
  await fs.rm(dir, { recursive: true, force: true });
}

function start(dir: string, args: string[]) {
  const child = spawn(process.execPath, [BIN, 'scan', '--watch', '--kubeconfig', 'kubeconfig', '--watch-debounce', '50ms', ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const lines = new Lines(child, exited, () => stderr);
  return { child, exited, lines, stderr: () => stderr };
}

test('scan --watch --format json: a report, then one line per change with only new and resolved findings; SIGTERM exits 0', async () => {
  const canary = `canary-${randomBytes(16).toString('hex')}`;
  const { dir, standIn } = await setUp(canary);
  const w = start(dir, ['--format', 'json']);
  const objects = standIn.cluster('prod').objects;
  try {
    const report = JSON.parse(await w.lines.next((l) => l.includes('"event":"report"')));
    assert.equal(report.cluster, 'prod');
    assert.ok(report.objects >= 3, `objects listed: ${report.objects}`);
    assert.ok(!report.findings.some((f: { ruleId: string }) => f.ruleId === 'HJK001'), 'no hijack yet');

    // A VirtualService in shop claiming payments' host: HJK001 appears, and nothing else is repeated.
    const [vs] = parseObjects(hijackYaml());
    let from = w.lines.all.length;
    objects.create({ ...vs, metadata: { ...vs.metadata, annotations: { 'example.com/api-key': canary } } }, null);
    const opened = JSON.parse(await w.lines.next((l) => l.includes('"event":"change"'), from));
    assert.deepEqual(
      opened.new.filter((f: { ruleId: string }) => f.ruleId === 'HJK001').map((f: { resource: { name: string } }) => f.resource.name),
      ['steal'],
    );
    assert.deepEqual(opened.resolved, []);
    const reported = new Set(report.findings.map((f: { fingerprint: string }) => f.fingerprint));
    assert.ok(opened.new.every((f: { fingerprint: string }) => !reported.has(f.fingerprint)), 'only new findings');

    // Deleting it resolves exactly what it opened.
    from = w.lines.all.length;
    objects.delete(objects.resourceForKind('networking.istio.io', 'VirtualService')!, 'shop', 'steal');
    const closed = JSON.parse(await w.lines.next((l) => l.includes('"event":"change"'), from));
    assert.deepEqual(closed.new, []);
    assert.deepEqual(closed.resolved.map((f: { fingerprint: string }) => f.fingerprint).sort(), opened.new.map((f: { fingerprint: string }) => f.fingerprint).sort());

    // The payments Service goes: the claim would no longer be a hijack (checked through a new claim first).
    from = w.lines.all.length;
    objects.create(parseObjects(hijackYaml('shop', 'again'))[0], null);
    const again = JSON.parse(await w.lines.next((l) => l.includes('"event":"change"'), from));
    assert.ok(again.new.some((f: { ruleId: string; resource: { name: string } }) => f.ruleId === 'HJK001' && f.resource.name === 'again'));
    from = w.lines.all.length;
    objects.delete(objects.resourceForKind('', 'Service')!, 'payments', 'pay');
    const unowned = JSON.parse(await w.lines.next((l) => l.includes('"event":"change"'), from));
    assert.ok(unowned.resolved.some((f: { ruleId: string; resource: { name: string } }) => f.ruleId === 'HJK001' && f.resource.name === 'again'), `a Service deleted resolves the VirtualService's finding: ${JSON.stringify(unowned)}`);

    w.child.kill('SIGTERM');
    assert.equal(await w.exited, 0, w.stderr());
  } finally {
    await tearDown(w, standIn, dir);
  }
  const events = w.lines.all.map((l) => JSON.parse(l));
  assert.equal(events[0].event, 'report');
  assert.deepEqual(events.at(-1), { event: 'stopped', cluster: 'prod', signal: 'SIGTERM', open: events.at(-1).open });
  assert.ok(!(w.lines.all.join('\n') + w.stderr()).includes(canary), 'no secret or annotation value in the output');
});

test('scan --watch (text): the report, then + and - lines; Ctrl-C (SIGINT) exits 0', async () => {
  const canary = `canary-${randomBytes(16).toString('hex')}`;
  const { dir, standIn } = await setUp(canary);
  const w = start(dir, []);
  const objects = standIn.cluster('prod').objects;
  try {
    await w.lines.next((l) => /prod: \d+ objects, \d+ findings?; watching/.test(l));
    let from = w.lines.all.length;
    objects.create(parseObjects(hijackYaml())[0], null);
    const head = await w.lines.next((l) => /prod: \d+ new, \d+ resolved/.test(l), from);
    assert.match(head, /prod: [1-9]\d* new, 0 resolved \(1 object changed\)/);
    await w.lines.next((l) => /^\+ \w+ +HJK001 VirtualService shop\/steal: /.test(l), from);
    from = w.lines.all.length;
    objects.delete(objects.resourceForKind('networking.istio.io', 'VirtualService')!, 'shop', 'steal');
    await w.lines.next((l) => /^- \w+ +HJK001 VirtualService shop\/steal: /.test(l), from);
    w.child.kill('SIGINT');
    assert.equal(await w.exited, 0, w.stderr());
    assert.match(w.stderr(), /SIGINT: stopped; \d+ findings? open in prod/);
  } finally {
    await tearDown(w, standIn, dir);
  }
  assert.ok(!(w.lines.all.join('\n') + w.stderr()).includes(canary));
});

test('scan --watch: a rollout opens nothing its Deployment already has (ReplicaSets and Pods fold into it)', async () => {
  const template = { metadata: { labels: { app: 'orders' } }, spec: { containers: [{ name: 'orders', image: 'registry.example.com/orders:1', securityContext: { runAsUser: 1337 } }] } };
  const { dir, standIn } = await setUp(`canary-${randomBytes(16).toString('hex')}`, [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'orders', namespace: 'shop', uid: 'dep-orders' }, spec: { selector: { matchLabels: { app: 'orders' } }, template } },
  ]);
  const w = start(dir, ['--format', 'json']);
  const objects = standIn.cluster('prod').objects;
  try {
    const report = JSON.parse(await w.lines.next((l) => l.includes('"event":"report"')));
    assert.deepEqual(report.findings.filter((f: { ruleId: string }) => f.ruleId === 'BYP001').map((f: { resource: { kind: string } }) => f.resource.kind), ['Deployment']);
    // The Deployment's controller makes a ReplicaSet and a Pod with its template; then a hijack comes.
    const from = w.lines.all.length;
    const owner = (kind: string, name: string, uid: string) => [{ apiVersion: 'apps/v1', kind, name, uid, controller: true }];
    objects.create({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'orders-5d8f7', namespace: 'shop', uid: 'rs-orders', ownerReferences: owner('Deployment', 'orders', 'dep-orders') }, spec: { selector: { matchLabels: { app: 'orders' } }, template } }, null);
    objects.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orders-5d8f7-x2k8p', namespace: 'shop', labels: { app: 'orders' }, ownerReferences: owner('ReplicaSet', 'orders-5d8f7', 'rs-orders') }, spec: template.spec }, null);
    objects.create(parseObjects(hijackYaml())[0], null);
    await w.lines.next((l) => l.includes('"event":"change"') && l.includes('HJK001'), from);
    const changes = w.lines.all.slice(from).map((l) => JSON.parse(l)).filter((e) => e.event === 'change');
    const opened = changes.flatMap((e) => e.new as Array<{ ruleId: string; resource: { kind: string } }>);
    assert.deepEqual(opened.filter((f) => f.ruleId === 'BYP001'), [], JSON.stringify(changes));
    // Nor does any message that counts the namespace's workloads change (AUT001, AUT006...): the
    // ReplicaSet and the Pod are the Deployment's, so they are not named, and no count of them is said.
    const resolved = changes.flatMap((e) => e.resolved as Array<{ ruleId: string }>);
    assert.deepEqual(resolved.map((f) => f.ruleId), [], JSON.stringify(changes));
    // (BYP012 is the Pod's own: the stand-in has no injector, so it runs without the istio-proxy it should have.)
    assert.deepEqual(opened.filter((f) => !f.ruleId.startsWith('HJK') && f.ruleId !== 'BYP012').map((f) => f.ruleId), [], JSON.stringify(changes));
    w.child.kill('SIGTERM');
    assert.equal(await w.exited, 0, w.stderr());
  } finally {
    await tearDown(w, standIn, dir);
  }
});

test('scan --watch: usage errors say what to do', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-watch-usage-'));
  try {
    await fs.writeFile(path.join(dir, 'a.yaml'), PAY_SERVICE_YAML);
    await fs.writeFile(path.join(dir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    const cases: Array<[string[], RegExp]> = [
      [['scan', '--watch', 'a.yaml'], /--watch watches a live cluster: add --context/],
      [['scan', '--watch', '--kubeconfig', 'kubeconfig', 'a.yaml'], /not files: leave out the paths/],
      [['scan', '--watch', '--kubeconfig', 'kubeconfig', '--context', 'a', '--context', 'b'], /--watch watches one cluster/],
      [['scan', '--watch', '--kubeconfig', 'kubeconfig', '--all-contexts'], /--watch watches one cluster/],
      [['scan', '--watch', '--kubeconfig', 'kubeconfig', '--format', 'sarif'], /--watch writes text or json/],
      [['scan', '--watch', '--kubeconfig', 'kubeconfig', '--format', 'json', '--output', 'x.json'], /leave out --output/],
      [['scan', '--watch', '--kubeconfig', 'kubeconfig', '--baseline', 'b.json'], /leave out --baseline/],
      [['scan', '--watch', '--kubeconfig', 'kubeconfig', '--watch-debounce', 'soon'], /--watch-debounce takes a duration/],
      [['scan', 'a.yaml', '--watch-debounce', '1s'], /--watch-debounce applies to --watch/],
    ];
    for (const [args, says] of cases) {
      const r = await runCli(args, { cwd: dir, env: { KUBECONFIG: '' } });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, says, args.join(' '));
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
