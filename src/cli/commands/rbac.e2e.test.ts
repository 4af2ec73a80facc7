import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../../testing/kit.js';
import { allRules } from '../../rules/index.js';
import { pluralOf } from '../../cluster/rbac.js';

const docsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS());

/** `group/plural` granted by a ClusterRole, with the verbs of each. */
function grants(role: any): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of role.rules) for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) out.set(`${g}/${res}`, r.verbs);
  return out;
}

test('meshward rbac: a ServiceAccount, a read-only ClusterRole over exactly the kinds the rules read, and its binding', async () => {
  const r = await runCli(['rbac']);
  assert.equal(r.code, 0, r.stderr);
  const docs = docsOf(r.stdout);
  assert.deepEqual(docs.map((d) => d.kind), ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']);
  const [sa, role, binding] = docs;
  assert.deepEqual(sa.metadata, { ...sa.metadata, name: 'meshward-reader', namespace: 'meshward' });
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'meshward-reader', namespace: 'meshward' }]);
  const g = grants(role);
  for (const [key, verbs] of g) assert.deepEqual(verbs, ['list', 'watch'], `${key}: read-only verbs only`);
  const want = new Set<string>();
  for (const rule of allRules) {
    for (const k of rule.meta.reads) {
      const slash = k.lastIndexOf('/');
      const kind = k.slice(slash + 1);
      const group = slash < 0 ? ({ Deployment: 'apps', StatefulSet: 'apps', DaemonSet: 'apps', ReplicaSet: 'apps', Job: 'batch', CronJob: 'batch', Rollout: 'argoproj.io' } as Record<string, string>)[kind] ?? '' : k.slice(0, slash);
      want.add(`${group}/${pluralOf(kind)}`);
    }
  }
  assert.deepEqual([...g.keys()].sort(), [...want].sort(), 'exactly the resources the rules read');
  assert.ok(role.rules.some((x: any) => x.nonResourceURLs?.includes('/apis') && x.verbs.join() === 'get'), 'discovery');
  assert.match(r.stdout, /# .*secrets: .*MCL002/, 'each resource says which rules need it');
  assert.match(r.stdout, /labelSelector=istio\/multiCluster=true/, 'and how Secrets are narrowed');
});

test('meshward rbac --only: only what those rules read; Secrets only when a rule needs them', async () => {
  const r = await runCli(['rbac', '--only', 'HJK010', '--format', 'json', '--name', 'scan-ro', '--namespace', 'sec', '--service-account', 'scanner']);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout);
  assert.equal(list.kind, 'List');
  const role = list.items.find((o: any) => o.kind === 'ClusterRole');
  assert.equal(role.metadata.name, 'scan-ro');
  assert.deepEqual([...grants(role).keys()].sort(), ['extensions.istio.io/wasmplugins', 'networking.istio.io/envoyfilters']);
  assert.ok(!r.stdout.includes('secrets'));
  assert.deepEqual(list.items.find((o: any) => o.kind === 'ClusterRoleBinding').subjects, [{ kind: 'ServiceAccount', name: 'scanner', namespace: 'sec' }]);
  const withSecrets = await runCli(['rbac', '--only', 'mcl002', '--format', 'json']);
  assert.deepEqual([...grants(JSON.parse(withSecrets.stdout).items[1]).keys()], ['/secrets']);
});

test('meshward rbac: bad names and unknown rules are usage errors', async () => {
  for (const args of [['--name', 'Bad_Name'], ['--namespace', 'a.b'], ['--only', 'NOPE001'], ['--format', 'xml']]) {
    const r = await runCli(['rbac', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
});
