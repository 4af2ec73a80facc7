// End-to-end tests of `meshward posture` through the built CLI (needs `registerPosture` in
// src/cli/commands/index.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../testing/kit.js';

async function tempDir(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-posture-'));
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
  return dir;
}

function row(stdout: string, ns: string, workload: string): string {
  const line = stdout.split('\n').find((l) => l.trimStart().startsWith(ns) && l.includes(` ${workload} `));
  assert.ok(line, `no row for ${ns} ${workload} in:\n${stdout}`);
  return line;
}

test('posture (text): mesh summary, one row per workload with mTLS per port, default-deny, policies and findings', async () => {
  const r = await runCli(['posture', 'examples/insecure']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Mesh\n/);
  assert.match(r.stdout, /mTLS PERMISSIVE \(istio-system\/default\); default-deny: none mesh-wide; path normalization: BASE/);
  assert.match(r.stdout, /findings: .*AUT001 AUT006/);
  assert.match(r.stdout, /NAMESPACE +WORKLOAD +DATAPLANE +MTLS +DEFAULT-DENY +FINDINGS +POLICIES/);
  const invoices = row(r.stdout, 'shop', 'Deployment/invoices');
  assert.match(invoices, /sidecar +PERMISSIVE \(mesh\) 9090:DISABLE +no +AUT\d{3}.* +DENY invoices-deny-admin, ALLOW invoices-allow, ALLOW invoices-host, JWT invoices-jwt$/);
  for (const id of ['AUT002', 'AUT003', 'AUT008', 'AUT009', 'AUT011', 'AUT012', 'AUT015']) assert.match(invoices, new RegExp(id));
  const ledger = row(r.stdout, 'payments', 'Deployment/ledger');
  assert.match(ledger, /PERMISSIVE \(ns\) +no +.*AUT014.* +CUSTOM ledger-ext-authz, ALLOW ledger-allow-all, JWT ledger-jwt$/);
  const reports = row(r.stdout, 'analytics', 'Deployment/reports');
  assert.match(reports, /ambient +PERMISSIVE \(mesh\) +no +.*AUT021.* +DENY reports-deny-exports \(not enforced\), ALLOW reports-read-only$/);
  assert.match(row(r.stdout, 'istio-system', 'Deployment/eastwest-gateway'), /istio-gateway +n\/a \(gateway\)/);
  assert.match(r.stdout, /Notes\n/);
  assert.match(r.stdout, /Deployment\/analytics\/reports: DENY analytics\/reports-deny-exports: no waypoint serves Service reports/);
  // The storefront Pod of 15-injection.yaml is its Deployment's (ownerReferences, pod-template-hash): in its row.
  assert.match(row(r.stdout, 'shop', 'Deployment/storefront +1'), /BYP012/);
  assert.doesNotMatch(r.stdout, /Pod\/storefront-6c9d7b5f4-h7tqz/);
  assert.match(r.stdout, /\d+ workloads \(\+1 ReplicaSet, Job or Pod they run\) in \d+ namespaces: 0 STRICT on every port, 0 under a default-deny; \d+ findings in all/);
  assert.doesNotMatch(r.stdout, /\u001b\[/);
});

test('posture --format json: the secure example is STRICT and default-deny everywhere in the mesh', async () => {
  const r = await runCli(['posture', 'examples/secure', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.version, 1);
  assert.deepEqual(Object.keys(j), ['version', 'mesh', 'workloads', 'errors', 'summary']);
  assert.equal(j.mesh.mtls.mode, 'STRICT');
  assert.deepEqual(j.mesh.mtls.source, { level: 'mesh', policy: 'istio-system/default' });
  assert.equal(j.mesh.defaultDeny, 'istio-system/allow-nothing');
  const inMesh = j.workloads.filter((w: any) => w.mtls.applies);
  assert.ok(inMesh.length >= 4);
  for (const w of inMesh) {
    assert.equal(w.mtls.mode, 'STRICT', `${w.namespace}/${w.name}`);
    assert.equal(w.defaultDeny, true, `${w.namespace}/${w.name}`);
  }
  const invoices = j.workloads.find((w: any) => w.namespace === 'shop' && w.name === 'invoices');
  assert.deepEqual(invoices.mtls.ports, [{ port: 8080, mode: 'STRICT', source: { level: 'mesh', policy: 'istio-system/default' }, declared: true }]);
  assert.deepEqual(
    invoices.policies.map((p: any) => `${p.action} ${p.namespace}/${p.name} ${p.via} ${p.enforcedBy}`),
    ['ALLOW istio-system/allow-nothing mesh sidecar', 'ALLOW shop/invoices-allow selector sidecar', 'JWT shop/invoices-jwt selector sidecar'],
  );
  assert.equal(invoices.defaultDenyPolicy, 'istio-system/allow-nothing');
  assert.deepEqual(invoices.findings.filter((id: string) => id.startsWith('AUT')), []);
  const reports = j.workloads.find((w: any) => w.name === 'reports');
  assert.deepEqual(reports.waypoint, { namespace: 'analytics', name: 'waypoint', via: 'service', inInput: true });
  assert.ok(reports.policies.some((p: any) => p.name === 'reports-read-only' && p.via === 'service' && p.enforcedBy === 'waypoint'));
  assert.equal(typeof j.summary.durationMs, 'number');
});

test('posture --namespace shows one namespace; --mesh-config changes what applies', async () => {
  const only = await runCli(['posture', 'examples/insecure', '--namespace', 'analytics', '--format', 'json']);
  const j = JSON.parse(only.stdout);
  assert.ok(j.workloads.length > 0);
  assert.ok(j.workloads.every((w: any) => w.namespace === 'analytics'));

  const dir = await tempDir({ 'mesh.yaml': 'pathNormalization:\n  normalization: MERGE_SLASHES\nrootNamespace: istio-system\n' });
  const withMesh = await runCli(['posture', path.resolve('examples/insecure'), '--mesh-config', 'mesh.yaml', '--format', 'json'], { cwd: dir });
  assert.equal(withMesh.code, 0, withMesh.stderr);
  const m = JSON.parse(withMesh.stdout);
  assert.equal(m.mesh.meshConfig, 'file');
  assert.equal(m.mesh.pathNormalization, 'MERGE_SLASHES');
  const invoices = m.workloads.find((w: any) => w.name === 'invoices');
  assert.ok(!invoices.findings.includes('AUT009'));
  assert.ok(invoices.findings.includes('AUT012'));
});

test('posture: stdin, no workloads, unreadable input (exit 1), bad flags (exit 2)', async () => {
  const pa = 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec: {mtls: {mode: STRICT}}\n';
  const empty = await runCli(['posture', '-'], { stdin: pa });
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /mTLS STRICT \(istio-system\/default\)/);
  assert.match(empty.stdout, /No workloads in the input/);

  const dir = await tempDir({ 'bad.yaml': 'kind: [unclosed\n', 'ok.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec: {containers: [{name: a, image: x}]}\n' });
  const bad = await runCli(['posture', '.'], { cwd: dir });
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /ERRORS \(1\)/);
  assert.match(bad.stdout, /shop +Pod\/p +unknown/);

  const otherNs = await runCli(['posture', '.', '--namespace', 'nowhere'], { cwd: dir });
  assert.match(otherNs.stdout, /No workloads in namespace nowhere in the input\./);

  const noMesh = await runCli(['posture', '.', '--mesh-config', 'missing.yaml'], { cwd: dir });
  assert.equal(noMesh.code, 2);
  assert.match(noMesh.stderr, /--mesh-config missing.yaml: cannot read file/);
  const fmt = await runCli(['posture', '.', '--format', 'sarif'], { cwd: dir });
  assert.equal(fmt.code, 2);
});
