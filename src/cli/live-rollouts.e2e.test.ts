/**
 * Argo Rollouts on a live cluster: the built CLI reads a stand-in cluster that serves
 * `rollouts.argoproj.io` (its CRD among the objects) and one that does not.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandIn, type StandIn } from '../testing/apiserver/index.js';
import { crdObject } from '../testing/apiserver/kinds.js';
import { loadPaths } from '../loader/load.js';
import { REPO_ROOT, runCli } from '../testing/kit.js';

const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/realworld/argo-rollouts');
const ROLLOUTS_CRD = crdObject({ group: 'argoproj.io', versions: ['v1alpha1'], plural: 'rollouts', kind: 'Rollout', shortNames: ['ro'] });

let standIn: StandIn;
let dir: string;
let kubeconfig: string;

type Report = { findings: Array<{ ruleId: string; severity: string; resource: { kind: string; namespace: string; name: string } }>; summary: { notes: string[] } };

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-live-rollouts-'));
  // The fixture's objects but the Rollout of another API group (no cluster here serves that group).
  const loaded = await loadPaths([FIXTURE], { defaultNamespace: 'default', cluster: 'argo' });
  const argo = loaded.resources.filter((r) => r.group !== 'deploy.example.com').map((r) => r.obj);
  standIn = await startStandIn({
    clusters: [
      { name: 'argo', objects: [ROLLOUTS_CRD, ...argo], crds: ['istio', 'gateway-api'] },
      { name: 'plain', objects: argo.filter((o) => (o as { kind?: string }).kind !== 'Rollout'), crds: ['istio', 'gateway-api'] },
    ],
  });
  kubeconfig = path.join(dir, 'kubeconfig.yaml');
  await fs.writeFile(kubeconfig, standIn.kubeconfig(), { mode: 0o600 });
});

after(async () => {
  await standIn?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const live = async (context: string): Promise<Report> => {
  const r = await runCli(['scan', '--context', context, '--kubeconfig', kubeconfig, '-f', 'json', '--fail-on', 'none'], { env: { HOME: dir, KUBECONFIG: '', CI: '' } });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Report;
};
const key = (f: Report['findings'][number]) => `${f.ruleId} ${f.severity} ${f.resource.kind} ${f.resource.namespace}/${f.resource.name}`;

test('a cluster that serves Rollouts: their templates are judged as in the files, what they run folded in', async () => {
  const r = await live('argo');
  const templateFindings = r.findings.filter((f) => f.ruleId === 'BYP001' || f.ruleId === 'BYP006').map(key).sort();
  assert.deepEqual(templateFindings, ['BYP001 high Rollout shop/checkout', 'BYP006 medium Rollout shop/checkout']);
  const files = JSON.parse((await runCli(['scan', FIXTURE, '-f', 'json', '--fail-on', 'none'])).stdout) as Report;
  const same = (rep: Report) => rep.findings.filter((f) => f.resource.kind === 'Rollout' || f.resource.kind === 'Pod' || f.resource.kind === 'ReplicaSet').map(key).sort();
  assert.deepEqual(same(r), same(files));
  assert.ok(r.summary.notes.some((n) => /^argo: 4 findings on objects that a controller in the input runs/.test(n)), r.summary.notes.join('\n'));
});

test('a cluster without Argo Rollouts: no note about the missing kind, and its ReplicaSet is judged on its own', async () => {
  const r = await live('plain');
  assert.ok(!r.summary.notes.some((n) => /Rollout|argoproj/.test(n)), r.summary.notes.join('\n'));
  // Without its Rollout the ReplicaSet is the controller in the input: its Pod folds into it.
  assert.ok(r.findings.some((f) => key(f) === 'BYP001 high ReplicaSet shop/checkout-6f9c7d8b5'), r.findings.map(key).join('\n'));
});
