import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import MCL001 from './MCL001-istiod-insecure-kubeconfig-options.js';
import MCL002 from './MCL002-cacerts-root-key.js';
import MCL003 from './MCL003-trust-accepts-other-mesh.js';
import { rules } from './index.js';
import { findingsFor, scanYaml } from '../../testing/kit.js';
const istiod = (env) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: istio-system}
spec:
  template:
    spec:
      containers:
      - name: discovery
        image: docker.io/istio/pilot:1.30.4
        env:
        - {name: PILOT_TRACE_SAMPLING, value: "1"}
${env}
`;
test('MCL001: istiod with PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS', async () => {
    const f = await findingsFor(MCL001, istiod('        - {name: PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS, value: "exec,tokenFile"}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.template.spec.containers[0].env[1]');
    assert.match(f[0].message, /may again use exec, tokenFile/);
    assert.equal((await findingsFor(MCL001, istiod('        - {name: PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS, value: ""}'))).length, 0);
    assert.equal((await findingsFor(MCL001, istiod(''))).length, 0);
});
function certs() {
    try {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'meshward-ca-'));
        execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/O=example/CN=root',
            '-addext', 'basicConstraints=critical,CA:TRUE', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { stdio: 'ignore' });
        return { selfSigned: readFileSync(path.join(dir, 'c.pem'), 'utf8'), key: readFileSync(path.join(dir, 'k.pem'), 'utf8') };
    }
    catch {
        return null;
    }
}
test('MCL002: cacerts holding the root key', async (t) => {
    const b64 = (s) => Buffer.from(s).toString('base64');
    const secret = (data) => `apiVersion: v1
kind: Secret
metadata: {name: cacerts, namespace: istio-system}
data:
${Object.entries(data).map(([k, v]) => `  ${k}: ${b64(v)}`).join('\n')}
`;
    const f = await findingsFor(MCL002, secret({ 'root-key.pem': 'x', 'root-cert.pem': 'y' }));
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'data["root-key.pem"]');
    const c = certs();
    if (!c)
        return t.skip('openssl is not available to make a test certificate');
    const self = await findingsFor(MCL002, secret({ 'ca-cert.pem': c.selfSigned, 'ca-key.pem': c.key, 'root-cert.pem': c.selfSigned }));
    assert.equal(self.length, 1);
    assert.match(self[0].message, /self-signed CA/);
    assert.doesNotMatch(JSON.stringify(self), /PRIVATE KEY|BEGIN/, 'no key material in findings');
    assert.equal((await findingsFor(MCL002, secret({ 'ca-cert.pem': 'not a cert', 'ca-key.pem': 'k' }))).length, 0);
});
test('MCL003: trust domain aliases and foreign CA certificates', async () => {
    const cm = (mesh) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n${mesh.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
    const f = await findingsFor(MCL003, cm('trustDomain: east.example\ntrustDomainAliases: [west.example, east.example]\ncaCertificates:\n- {pem: x, trustDomains: [partner.example]}'));
    assert.equal(f.length, 2);
    assert.match(f.map((x) => x.message).join('\n'), /trustDomainAliases west\.example: identities of that trust domain match policies written for east\.example/);
    assert.match(f.map((x) => x.message).join('\n'), /caCertificates trusted for partner\.example/);
    assert.equal((await findingsFor(MCL003, cm('trustDomain: east.example\ntrustDomainAliases: [east.example]'))).length, 0);
});
test('KCF rules judge the kubeconfigs inside remote secrets during a scan, never printing secrets', async () => {
    const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: west
  cluster: {server: "https://west.example:6443", insecure-skip-tls-verify: true}
users:
- name: west
  user:
    token: CANARY-SECRET-TOKEN-VALUE
    exec: {command: /tmp/evil, apiVersion: client.authentication.k8s.io/v1}
contexts:
- name: west
  context: {cluster: west, user: west}
current-context: west
`;
    const yaml = `apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-west
  namespace: istio-system
  labels: {istio/multiCluster: "true"}
  annotations: {networking.istio.io/cluster: west}
data:
  west: ${Buffer.from(kubeconfig).toString('base64')}
`;
    const res = await scanYaml(yaml, { rules });
    const ids = new Set(res.findings.map((f) => f.ruleId));
    assert.ok(ids.has('KCF001'), 'exec');
    assert.ok(ids.has('KCF005'), 'insecure-skip-tls-verify');
    const exec = res.findings.find((f) => f.ruleId === 'KCF001');
    assert.equal(exec.resource.name, 'istio-remote-secret-west');
    assert.equal(exec.location?.path, 'data.west');
    assert.doesNotMatch(JSON.stringify(res.findings), /CANARY-SECRET-TOKEN-VALUE/);
});
