import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CREDENTIAL_PLUGINS, credentialPlugin, matchesTokenShape } from './plugins.js';
import { parseKubeconfig } from './parse.js';
import { judgeKubeconfig } from './judge.js';
const shape = (name, args) => matchesTokenShape(credentialPlugin(name), args);
test('token-fetching shapes of the listed plugins', () => {
    assert.ok(shape('aws', ['eks', 'get-token', '--cluster-name', 'prod']));
    assert.ok(shape('aws', ['--region', 'us-east-1', 'eks', 'get-token', '--cluster-name', 'prod', '--output', 'json']));
    assert.ok(shape('aws', ['--profile=dev', 'eks', 'get-token', '--cluster-name', 'prod']));
    assert.ok(shape('aws-iam-authenticator', ['token', '-i', 'prod']));
    assert.ok(shape('gke-gcloud-auth-plugin', []));
    assert.ok(shape('gke-gcloud-auth-plugin', ['--use_application_default_credentials']));
    assert.ok(shape('kubelogin', ['get-token', '--login', 'devicecode', '--server-id', 'x', '--client-id', 'y', '--tenant-id', 'z']));
    assert.ok(shape('kubectl', ['oidc-login', 'get-token', '--oidc-issuer-url=https://issuer', '--oidc-client-id=x']));
    assert.ok(shape('doctl', ['kubernetes', 'cluster', 'kubeconfig', 'exec-credential', '--version=v1beta1', '--context=default', 'abc-123']));
    assert.ok(shape('oci', ['ce', 'cluster', 'generate-token', '--cluster-id', 'ocid1.cluster', '--region', 'eu-frankfurt-1']));
    assert.ok(shape('pinniped', ['login', 'oidc', '--issuer=https://x']));
    assert.ok(shape('argocd-k8s-auth', ['aws', '--cluster-name', 'x']));
});
test('other subcommands, smuggled words, shell and file URLs are not the shape', () => {
    assert.ok(!shape('aws', ['s3', 'cp', 's3://b/k', '/tmp/k']));
    assert.ok(!shape('aws', ['--debug', 's3', 'eks', 'get-token']), 'an option before the subcommand cannot swallow a word');
    assert.ok(!shape('aws', ['eks', 'update-kubeconfig']));
    assert.ok(!shape('aws', ['eks', 'get-token', '--cli-input-json', 'file:///etc/passwd']));
    assert.ok(!shape('aws', ['eks', 'get-token', '--cli-input-json=fileb:///etc/passwd']));
    assert.ok(!shape('aws', ['eks', 'get-token', '--cluster-name', 'x;touch /tmp/p']));
    assert.ok(!shape('aws', ['eks', 'get-token', 7]));
    assert.ok(!shape('gke-gcloud-auth-plugin', ['anything']));
    assert.ok(!shape('doctl', ['kubernetes', 'cluster', 'kubeconfig', 'exec-credential', 'a', 'b']), 'one trailing positional only');
    assert.ok(!shape('kubectl', ['exec', 'pod', '--', 'sh']));
    assert.ok(!shape('gcloud', ['compute', 'ssh', 'vm']));
    assert.ok(!matchesTokenShape(credentialPlugin('ibmcloud'), []), 'no known token shape: always --allow-exec');
});
test('one list: the judge grades every listed plugin as a well-known cloud plugin', () => {
    for (const p of CREDENTIAL_PLUGINS) {
        const parsed = parseKubeconfig(`apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    exec: {command: ${p.name}, interactiveMode: Never}\n`, { file: 'kc' });
        const f = judgeKubeconfig(parsed, { origin: { kind: 'file' } }).find((x) => x.id === 'KCF001' && x.path.endsWith('exec.command'));
        assert.ok(f, p.name);
        assert.equal(f.severity, 'medium', `${p.name} is graded as a known plugin`);
    }
    const other = parseKubeconfig('apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    exec: {command: not-a-plugin, interactiveMode: Never}\n', { file: 'kc' });
    assert.equal(judgeKubeconfig(other, { origin: { kind: 'file' } }).find((x) => x.id === 'KCF001')?.severity, 'critical');
});
