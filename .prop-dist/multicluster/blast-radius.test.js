import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanFiles, scanPaths } from '../engine/scan.js';
import { blastRadius } from './blast-radius.js';
import { storedCredentials } from './credentials.js';
import { REPO_ROOT, runCli } from '../testing/kit.js';
const b64 = (s) => Buffer.from(s).toString('base64');
const b64u = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const token = (ns, sa) => `${b64u({ alg: 'RS256' })}.${b64u({ iss: 'kubernetes/serviceaccount', sub: `system:serviceaccount:${ns}:${sa}` })}.c2ln`;
const kubeconfig = (server, user) => `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${server}"}}]\nusers: [{name: u, user: ${user}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`;
const remote = (name, target, kc, ns = 'istio-system') => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels: {istio/multiCluster: "true"}\ndata:\n  ${target ?? 'unnamed'}: ${b64(kc)}\n`;
const role = (sa, ns, rules) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r-${sa}}
rules: ${rules}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b-${sa}}
roleRef: {kind: ClusterRole, name: r-${sa}}
subjects: [{kind: ServiceAccount, name: ${sa}, namespace: ${ns}}]
`;
const READ_SECRETS = '[{apiGroups: [""], resources: [secrets], verbs: [list]}]';
const DISCOVERY = '[{apiGroups: [""], resources: [services, endpoints], verbs: [list]}]';
async function cluster(name, text) {
    const res = await scanFiles([{ file: `${name}.yaml`, text, format: 'yaml' }], { cluster: name, rules: [] });
    assert.deepEqual(res.errors, []);
    return { name, model: res.model, files: res.load.files };
}
test('reach is transitive through principals that can read the next credential, and stops at read-only ones', async () => {
    const a = await cluster('a', remote('to-b', 'b', kubeconfig('https://b.example', `{token: "${token('istio-system', 'reader')}"}`)));
    const b = await cluster('b', role('reader', 'istio-system', READ_SECRETS) + '---\n' + remote('to-c', 'c', kubeconfig('https://c.example', `{token: "${token('istio-system', 'reader')}"}`)));
    const c = await cluster('c', role('reader', 'istio-system', DISCOVERY) + '---\n' + remote('to-d', 'd', kubeconfig('https://d.example', `{token: "${token('istio-system', 'reader')}"}`)));
    const d = await cluster('d', role('reader', 'istio-system', READ_SECRETS));
    const r = blastRadius([a, b, c, d]);
    const fromA = r.clusters.find((x) => x.cluster === 'a');
    assert.deepEqual(fromA.reach.map((x) => [x.cluster, x.summary, x.path.map((h) => `${h.from}>${h.to}`).join(' ')]), [
        ['b', 'reads all Secrets', 'a>b'],
        ['c', 'discovery only', 'a>b b>c'],
    ], 'd is not reached: the principal on c cannot read c\'s Secrets');
    const hop = fromA.reach[1].path[1];
    assert.equal(hop.access?.capability, 'read-secrets');
    assert.equal(hop.access?.binding.name, 'b-reader');
    assert.equal(hop.principal, 'serviceaccount:istio-system:reader');
    const fromC = r.clusters.find((x) => x.cluster === 'c');
    assert.deepEqual(fromC.reach.map((x) => x.cluster), ['d']);
});
test('namespace-scoped Secret access reaches only credentials in that namespace', async () => {
    const nsRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: istio-system}
rules: ${READ_SECRETS}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: istio-system}
roleRef: {kind: Role, name: r}
subjects: [{kind: ServiceAccount, name: reader, namespace: istio-system}]
`;
    const a = await cluster('a', remote('to-b', 'b', kubeconfig('https://b.example', `{token: "${token('istio-system', 'reader')}"}`)));
    const b = await cluster('b', nsRole + '---\n' + remote('to-c', 'c', kubeconfig('https://c.example', `{token: "${token('x', 'y')}"}`), 'istio-system') + '---\n' + remote('to-d', 'd', kubeconfig('https://d.example', `{token: "${token('x', 'y')}"}`), 'elsewhere'));
    const c = await cluster('c', '');
    const d = await cluster('d', '');
    const reach = blastRadius([a, b, c, d]).clusters[0].reach.map((x) => x.cluster);
    assert.deepEqual(reach, ['b', 'c']);
});
test('exec credentials have an unknown identity and are not followed; servers match when names do not', async () => {
    const a = await cluster('a', remote('to-b', null, kubeconfig('https://api.b.example:443/', '{exec: {command: /bin/login, apiVersion: client.authentication.k8s.io/v1}}')));
    const b = await cluster('b', remote('to-c', 'c', kubeconfig('https://c.example', `{token: "${token('x', 'y')}"}`)));
    const c = await cluster('c', '');
    const r = blastRadius([a, { ...b, servers: ['https://api.b.example'] }, c]);
    const fromA = r.clusters[0].reach;
    assert.deepEqual(fromA.map((x) => [x.cluster, x.summary]), [['b', 'unknown identity (exec plugin or auth provider)']]);
    assert.equal(r.unresolved.length, 0);
    const alone = blastRadius([a, c]);
    assert.equal(alone.unresolved[0].cluster, 'a');
    assert.deepEqual(alone.unresolved[0].servers, ['https://api.b.example:443/']);
});
test('credential flavours: Istio, Kiali, Argo CD and Linkerd', async () => {
    const text = [
        remote('istio-remote-secret-x', 'x', kubeconfig('https://x', '{token: t}')),
        `apiVersion: v1\nkind: Secret\nmetadata: {name: k, namespace: kiali, labels: {kiali.io/multiCluster: "true"}}\ndata: {y: ${b64(kubeconfig('https://y', '{token: t}'))}}\n`,
        `apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: argocd, labels: {argocd.argoproj.io/secret-type: cluster}}\nstringData: {name: z, server: "https://z", config: '{"bearerToken": "${token('kube-system', 'argocd-manager')}"}'}\n`,
        `apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-credentials-w, namespace: linkerd-multicluster}\ntype: mirror.linkerd.io/remote-kubeconfig\ndata: {kubeconfig: ${b64(kubeconfig('https://w', '{token: t}'))}}\n`,
        `apiVersion: v1\nkind: Secret\nmetadata: {name: plain, namespace: default}\ndata: {password: ${b64('hunter2')}}\n`,
    ].join('---\n');
    const { model } = await cluster('m', text);
    const creds = storedCredentials(model);
    assert.deepEqual(creds.map((c) => [c.flavour, c.target, c.users[0]?.principal ?? null]), [
        ['istio', 'x', null],
        ['kiali', 'y', null],
        ['argocd', 'z', 'serviceaccount:kube-system:argocd-manager'],
        ['linkerd', 'w', null],
    ]);
});
test('the multicluster example tells its story, in every format, without secrets', async () => {
    const dir = (c) => path.join(REPO_ROOT, 'examples/multicluster', c);
    const args = ['blast-radius', '--cluster', `east=${dir('east')}`, '--cluster', `west=${dir('west')}`, '--cluster', `north=${dir('north')}`];
    const text = await runCli(args);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^compromise of east ⇒ north \(discovery only\), west \(cluster-admin\)$/m);
    assert.match(text.stdout, /^compromise of west ⇒ east \(reads all Secrets\), north \(discovery only\)$/m);
    assert.match(text.stdout, /^compromise of north ⇒ east \(discovery only\)$/m);
    assert.match(text.stdout, /relay/);
    assert.match(text.stdout, /Trust across clusters:\n {2}HIGH {2}clusters east, west sign workload certificates with the same CA/);
    assert.match(text.stdout, /MEDIUM {2}clusters east, north, west of mesh \(no meshId set\) use 2 different roots/);
    const json = JSON.parse((await runCli([...args, '--format', 'json'])).stdout);
    const east = json.clusters.find((c) => c.cluster === 'east');
    const north = east.reach.find((r) => r.cluster === 'north');
    assert.deepEqual(north.path.map((h) => `${h.from}>${h.to}`), ['east>west', 'west>north']);
    assert.equal(north.path[1].credential.location.file, 'examples/multicluster/west/cluster.yaml');
    assert.match((await runCli([...args, '--format', 'dot'])).stdout, /^digraph blast_radius \{[\s\S]*"east" -> "west"/);
    assert.match((await runCli([...args, '--format', 'mermaid'])).stdout, /^graph LR\n[\s\S]*c_west -->\|"istio-system\/istio-remote-secret-north as serviceaccount:istio-system:istio-reader-service-account"\| c_north/);
    for (const out of [text.stdout, JSON.stringify(json)])
        assert.doesNotMatch(out, /eyJ[A-Za-z0-9_-]{10,}\./, 'no token in any output');
    assert.equal((await runCli(['blast-radius', '--cluster', 'nonsense'])).code, 2);
    // The same example through scan: the kubeconfig and trust rules fire on each cluster's Secrets.
    const west = await scanPaths([dir('west')], { cluster: 'west' });
    assert.ok(west.findings.some((f) => f.ruleId === 'KCF001' && f.resource.name === 'cluster-credentials-partner'));
});
