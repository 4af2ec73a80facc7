import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../testing/kit.js';

/**
 * Every command, end to end on the built CLI, with input named to hurt: kinds, names, namespaces and
 * labels named like Object.prototype members (issue 10 class 2), and names, hosts, URLs, file names
 * and token subjects holding terminal control, line-break and bidi characters (class 7).
 */

const PROTO = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'];
/** Sets a window title, clears the screen, moves the cursor, reverses text, starts a fake line. */
const EVIL = 'e\u001b]0;pwned\u0007\u001b[2J\r\nFAKE LINE\u202eeerht\u009b31m\u0085\u2028';
/** Any character a terminal acts on, or that hides or reorders text (\n and nothing else allowed raw). */
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64u = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const token = (ns: string, sa: string) => `${b64u({ alg: 'RS256' })}.${b64u({ iss: 'kubernetes/serviceaccount', sub: `system:serviceaccount:${ns}:${sa}` })}.c2ln`;
const kubeconfig = (server: string, tok: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: { server } }], users: [{ name: 'u', user: { token: tok } }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }], 'current-context': 'c' });
const doc = (o: object) => JSON.stringify(o);
const remote = (name: string, ns: string, target: string, server: string, sa: [string, string]) =>
  doc({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns, labels: { 'istio/multiCluster': 'true' } }, data: { [target]: b64(kubeconfig(server, token(...sa))) } });
const readSecrets = (role: string, binding: string, sa: [string, string]) =>
  [
    doc({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: role }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] }),
    doc({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: binding }, roleRef: { kind: 'ClusterRole', name: role }, subjects: [{ kind: 'ServiceAccount', namespace: sa[0], name: sa[1] }] }),
  ].join('\n---\n');

/** A mesh whose every name is hostile, plus one ordinary finding to prove the rest is still analysed. */
function mesh(names: string[]): string {
  const docs: object[] = [];
  for (const n of names) {
    docs.push({ apiVersion: 'v1', kind: n, metadata: { name: n, namespace: n, labels: JSON.parse(`{"__proto__": "x", "${'constructor'}": "y"}`) } });
    docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { 'istio-injection': 'enabled' } } });
    docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: n, namespace: n }, spec: { selector: JSON.parse('{"__proto__": "x"}'), ports: [{ port: 80 }] } });
    docs.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: n, namespace: n, labels: JSON.parse('{"__proto__": "x", "app": "web"}') }, spec: { containers: [{ name: n, image: 'nginx', securityContext: { runAsUser: 1337 } }] } });
    docs.push({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: n, namespace: n }, spec: { hosts: [n, `${n}.example.com`], http: [{ route: [{ destination: { host: n } }] }] } });
    docs.push({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: n, namespace: n }, spec: { selector: { matchLabels: JSON.parse('{"__proto__": "x"}') }, mtls: { mode: 'PERMISSIVE' } } });
    docs.push({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: n, namespace: n }, spec: { selector: { matchLabels: { constructor: 'y' } }, rules: [{ from: [{ source: { principals: [n] } }] }] } });
  }
  return docs.map(doc).join('\n---\n');
}

async function tempDir(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-hostile-'));
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
  return dir;
}

/** Whether the JSON text, parsed, has a string that contains `s`. */
function holds(json: string, s: string): boolean {
  let found = false;
  JSON.parse(json, (_k, v: unknown) => {
    if (typeof v === 'string' && v.includes(s)) found = true;
    return v;
  });
  return found;
}

function assertHeld(r: { code: number; stdout: string; stderr: string }, what: string) {
  assert.notEqual(r.code, 2, `${what}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error/, what);
}

test('Object.prototype names as kinds, names, namespaces, labels and clusters crash no command', async () => {
  const cluster1 = [mesh(PROTO), remote('__proto__', '__proto__', 'constructor', 'https://constructor.example', ['__proto__', 'valueOf']), readSecrets('constructor', 'toString', ['__proto__', 'valueOf'])].join('\n---\n');
  const cluster2 = [remote('toString', 'hasOwnProperty', '__proto__', 'https://proto.example', ['__proto__', 'valueOf']), readSecrets('constructor', 'toString', ['__proto__', 'valueOf'])].join('\n---\n');
  const policy = JSON.stringify({ platform: { namespaces: ['valueOf'], subjects: ['group:constructor'] }, tenants: [{ name: '__proto__', namespaces: ['__proto__', 'constructor'], trusts: ['toString'] }, { name: 'toString', namespaces: ['toString'], namespaceSelector: { matchLabels: { valueOf: 'x' } } }] });
  const dir = await tempDir({ 'c1.yaml': cluster1, 'c2.yaml': cluster2, 'tenants.json': policy });

  const scan = await runCli(['scan', 'c1.yaml', '-f', 'json'], { cwd: dir });
  assertHeld(scan, 'scan');
  const findings = JSON.parse(scan.stdout).findings as Array<{ ruleId: string; resource: { namespace: string; name: string } }>;
  for (const ns of PROTO) assert.ok(findings.some((f) => f.ruleId === 'BYP001' && f.resource.namespace === ns), `BYP001 on the Pod in ${ns}`);
  assertHeld(await runCli(['scan', 'c1.yaml', '--tenants', 'tenants.json'], { cwd: dir }), 'scan --tenants');

  for (const format of ['text', 'json']) {
    const posture = await runCli(['posture', 'c1.yaml', '-f', format], { cwd: dir });
    assertHeld(posture, `posture ${format}`);
    const tenants = await runCli(['tenants', 'c1.yaml', '--tenants', 'tenants.json', '-f', format], { cwd: dir });
    assertHeld(tenants, `tenants ${format}`);
    if (format === 'json') {
      const workloads = JSON.parse(posture.stdout).workloads as Array<{ namespace: string; name: string }>;
      assert.deepEqual(workloads.map((w) => w.namespace).sort(), [...PROTO].sort());
      const map = JSON.parse(tenants.stdout).tenants as Array<{ name: string; namespaces: string[] }>;
      assert.deepEqual(map.find((t) => t.name === '__proto__')?.namespaces, ['__proto__', 'constructor']);
    }
  }

  const sidecars = await runCli(['generate', 'sidecars', 'c1.yaml', '--tenants', 'tenants.json'], { cwd: dir });
  assertHeld(sidecars, 'generate sidecars');
  const namespaces = parseAllDocuments(sidecars.stdout).map((d) => (d.toJS() as { metadata: { namespace: string } }).metadata.namespace);
  // Only `constructor` can name a namespace (DNS-1123 label); the others get no Sidecar, and a note says so.
  assert.deepEqual(namespaces.sort(), ['constructor']);
  assert.match(sidecars.stderr, /4 namespaces of the input are not named as a namespace can be \("__proto__", "toString", "valueOf", \.\.\./);
  // A selector holding a prototype key is refused at its line, never silently widened to match everything.
  const protoPolicy = await tempDir({ 'tenants.json': JSON.stringify({ tenants: [{ name: 't', namespaceSelector: { matchLabels: JSON.parse('{"__proto__": "x"}') } }] }) });
  const refused = await runCli(['tenants', path.join(dir, 'c1.yaml'), '--tenants', 'tenants.json'], { cwd: protoPolicy });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /tenants\.json:1: tenants\.0\.namespaceSelector\.matchLabels: the key "__proto__" is not allowed/);
  for (const format of ['vap', 'kyverno']) assertHeld(await runCli(['generate', 'admission-policy', '--tenants', 'tenants.json', '-f', format], { cwd: dir }), `admission-policy ${format}`);

  for (const format of ['text', 'json', 'dot', 'mermaid']) {
    const br = await runCli(['blast-radius', '--cluster', '__proto__=c1.yaml', '--cluster', 'constructor=c2.yaml', '-f', format], { cwd: dir });
    assertHeld(br, `blast-radius ${format}`);
    if (format === 'json') {
      const reach = JSON.parse(br.stdout).clusters.map((c: { cluster: string; reach: Array<{ cluster: string }> }) => [c.cluster, c.reach.map((x) => x.cluster)]);
      assert.deepEqual(reach, [['__proto__', ['constructor']], ['constructor', ['__proto__']]], 'credentials followed both ways');
    }
  }
});

test('control, line-break and bidi characters in names, hosts, URLs, file names and token subjects never reach the terminal raw', async () => {
  const file = `m${EVIL.replace(/[\r\n/]/g, '')}.yaml`;
  const cluster1 = [mesh([EVIL]), remote(EVIL, 'istio-system', 'two', `https://h${EVIL}.example`, [EVIL, EVIL]), readSecrets(EVIL, EVIL, [EVIL, EVIL])].join('\n---\n');
  const cluster2 = [remote('back', 'istio-system', EVIL, `https://${EVIL}`, ['istio-system', EVIL]), readSecrets('r', 'b', ['istio-system', EVIL]), '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "broken"'].join('\n---\n');
  const policy = JSON.stringify({ platform: { namespaces: ['istio-system'] }, tenants: [{ name: EVIL, namespaces: [EVIL.replace(/[{}[\]()\\]/g, '')] }] });
  const dir = await tempDir({ [file]: cluster1, 'c2.yaml': cluster2, 'tenants.json': policy });
  const runs: Array<[string, string[]]> = [
    ['posture text', ['posture', file]],
    ['posture json', ['posture', file, '-f', 'json']],
    ['posture --namespace', ['posture', file, '--namespace', EVIL]],
    ['tenants text', ['tenants', file, '--tenants', 'tenants.json']],
    ['tenants json', ['tenants', file, '-f', 'json']],
    ['generate sidecars', ['generate', 'sidecars', file, 'c2.yaml', '--tenants', 'tenants.json']],
    ['blast-radius text', ['blast-radius', '--cluster', `one=${file}`, '--cluster', 'two=c2.yaml']],
    ['blast-radius json', ['blast-radius', '--cluster', `one=${file}`, '--cluster', 'two=c2.yaml', '-f', 'json']],
    ['blast-radius dot', ['blast-radius', '--cluster', `one=${file}`, '--cluster', 'two=c2.yaml', '-f', 'dot']],
    ['blast-radius mermaid', ['blast-radius', '--cluster', `one=${file}`, '--cluster', 'two=c2.yaml', '-f', 'mermaid']],
    ['scan json', ['scan', file, '-f', 'json']],
    ['scan sarif', ['scan', file, '-f', 'sarif']],
    ['scan gitlab', ['scan', file, '-f', 'gitlab']],
  ];
  for (const [what, args] of runs) {
    const r = await runCli(args, { cwd: dir });
    assertHeld(r, what);
    const m = RAW_UNSAFE.exec(r.stdout + r.stderr);
    assert.equal(m, null, `${what}: raw ${JSON.stringify(m?.[0])} near ${JSON.stringify((r.stdout + r.stderr).slice(Math.max(0, (m?.index ?? 0) - 40), (m?.index ?? 0) + 10))}`);
    assert.doesNotMatch(r.stdout + r.stderr, /^FAKE LINE/m, `${what}: a name cannot start a line of its own`);
    // Shown, escaped: as `\u001b` (DOT doubles the backslash inside its strings; Mermaid writes entity codes).
    const shown = what.endsWith('dot') ? '\\\\u001b]0;pwned' : what.endsWith('mermaid') ? '#92;u001b#93;0#59;pwned' : '\\u001b]0;pwned\\u0007';
    assert.ok((r.stdout + r.stderr).includes(shown), `${what}: the name is shown, escaped`);
    // JSON outputs: escaped as JSON escapes, so the parsed names are the names.
    if (what.startsWith('scan ')) assert.ok(holds(r.stdout, EVIL), `${what}: the name, once parsed`);
  }
  // JUnit: what XML 1.0 can carry as character references is written as one; the C0 controls it cannot carry are U+FFFD.
  const junit = await runCli(['scan', file, '-f', 'junit'], { cwd: dir });
  assertHeld(junit, 'scan junit');
  assert.equal(RAW_UNSAFE.exec(junit.stdout.replace(/\n/g, '')), null, 'scan junit: nothing raw but line breaks between elements');
  assert.ok(junit.stdout.includes('&#x202e;eerht&#x9b;31m&#x85;&#x2028;'), 'scan junit: as character references');
  // The baseline file names each finding's resource.
  const baseline = await runCli(['scan', file, '--write-baseline', 'baseline.json'], { cwd: dir });
  assertHeld(baseline, 'scan --write-baseline');
  const written = await fs.readFile(path.join(dir, 'baseline.json'), 'utf8');
  assert.equal(RAW_UNSAFE.exec(written.replace(/\n/g, '')), null, 'baseline: nothing raw');
  assert.ok(holds(written, EVIL), 'baseline: the name, once parsed');
});

test("commander's own errors (an invalid choice, an unknown command or option) show what was typed escaped", async () => {
  const typed = 'a\u202eb\u001b[31mc\u200b';
  for (const args of [['graph', '-f', typed], ['posture', '-f', typed], ['generate', 'sidecars', '-f', typed], ['scan', '--fail-on', typed], [`sc${typed}`], ['scan', `--${typed}`]]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^error: /, args.join(' '));
    const m = RAW_UNSAFE.exec(r.stderr);
    assert.equal(m, null, `${args.join(' ')}: raw ${JSON.stringify(m?.[0])} in ${JSON.stringify(r.stderr)}`);
    assert.ok(r.stderr.includes('a\\u202eb\\u001b[31mc\\u200b'), `${args.join(' ')}: shown escaped: ${r.stderr}`);
  }
});

test('blast-radius DOT and Mermaid: names cannot close their strings or add nodes and edges', async () => {
  const quote = 'x" -> "injected"; "y';
  const mermaid = 'x"] --> injected["y|z`#';
  const dir = await tempDir({
    'a.yaml': [remote('to-b', 'istio-system', quote, 'https://b.example', ['istio-system', 'reader'])].join('\n---\n'),
    'b.yaml': [remote('to-a', 'istio-system', mermaid, 'https://a.example', ['istio-system', 'reader']), readSecrets('r', 'b', ['istio-system', 'reader'])].join('\n---\n'),
    'c.yaml': readSecrets('r', 'b', ['istio-system', 'reader']),
  });
  const args = ['blast-radius', '--cluster', `${quote}=b.yaml`, '--cluster', `${mermaid}=c.yaml`, '--cluster', 'a-b=a.yaml', '--cluster', 'a_b=a.yaml'];
  const dot = await runCli([...args, '-f', 'dot'], { cwd: dir });
  assertHeld(dot, 'dot');
  // Every statement line is a node or an edge between quoted strings with only escaped quotes inside.
  const STR = '"(?:[^"\\\\]|\\\\.)*"';
  for (const line of dot.stdout.trim().split('\n').slice(3, -1)) {
    assert.match(line, new RegExp(`^  ${STR}(?: -> ${STR} \\[label=${STR}\\])?;$`), line);
  }
  assert.ok(!dot.stdout.includes('"injected"'));
  const mm = await runCli([...args, '-f', 'mermaid'], { cwd: dir });
  assertHeld(mm, 'mermaid');
  const nodes = mm.stdout.split('\n').filter((l) => /^ {2}\w+\["/.test(l));
  assert.equal(nodes.length, 4, 'a-b and a_b stay two nodes');
  for (const line of mm.stdout.trim().split('\n').slice(1)) {
    assert.match(line, /^ {2}(\w+\["[^"|`\]]*"\]|\w+ -->\|"[^"|`]*"\| \w+)$/, line);
  }
});
