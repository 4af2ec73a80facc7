/**
 * No secret value in any output, end to end: canaries (URL passwords that WHATWG URL refuses, proxy
 * passwords, tokens, query secrets, YAML tag and alias texts, JSON text around a syntax error) fed to
 * the built CLI, and every format of scan, kubeconfig, blast-radius and advisories checked, stdout and
 * stderr, for every canary. Each run also shows the thing around the canary (a finding, an error
 * naming the Secret) so a run that failed for another reason cannot pass.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runHostile, describeRun } from '../fuzz/run-cli.js';
const CANARIES = [
    'CANARYurlpass1',
    'CANARYproxypass2',
    'CANARYtoken3',
    'CANARYargopass4',
    'CANARYargotoken5',
    'CANARYtag6',
    'CANARYalias7',
    'CANARYjson8',
    'CANARYquery9',
    'CANARYlinkerdpass10',
    'CANARYmeshtag11',
    'CANARYcfgalias12',
    'CANARYtenanttag13',
];
function assertNoCanary(r, what) {
    for (const c of CANARIES) {
        assert.ok(!r.stdout.includes(c), `${what}: canary ${c} in stdout`);
        assert.ok(!r.stderr.includes(c), `${what}: canary ${c} in stderr`);
    }
    assert.doesNotMatch(r.stderr, /internal error/, `${what}: ${describeRun(r)}`);
}
const b64 = (s) => Buffer.from(s).toString('base64');
/** A kubeconfig whose server and proxy passwords hold `#` and `/` (WHATWG URL refuses both URLs). */
const LEAKY_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: west
  cluster:
    server: "https://admin:CANARYurlpass1#x/y@west.example:6443"
    proxy-url: "http://proxyuser:CANARYproxypass2/z@proxy.example:3128"
    insecure-skip-tls-verify: true
users:
- name: west
  user:
    token: CANARYtoken3
    auth-provider:
      name: oidc
      config:
        idp-issuer-url: "http://idp.example/realm?access_token=CANARYquery9"
contexts:
- name: west
  context: {cluster: west, user: west}
current-context: west
`;
let dir = '';
before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-secrets-'));
    const write = async (name, text) => {
        await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
        await fs.writeFile(path.join(dir, name), text);
    };
    await write('kubeconfig.yaml', LEAKY_KUBECONFIG);
    await write('tagged-kubeconfig.yaml', 'apiVersion: v1\nkind: Config\nusers:\n- name: a\n  user: {token: !CANARYtag6 x}\n');
    // East holds west's credentials three ways, one of them unreadable (a custom tag): an error, exit 1.
    await write('east/secrets.yaml', `apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-west
  namespace: istio-system
  labels: {istio/multiCluster: "true"}
data:
  west: ${b64(LEAKY_KUBECONFIG)}
---
apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-north
  namespace: istio-system
  labels: {istio/multiCluster: "true"}
stringData:
  north: |
    apiVersion: v1
    kind: Config
    users:
    - name: n
      user: {token: !CANARYtag6 x, password: *CANARYalias7}
---
apiVersion: v1
kind: Secret
metadata:
  name: west-cluster
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster}
stringData:
  name: west
  server: "https://argo:CANARYargopass4#q/r@west.example:6443"
  config: '{"bearerToken": "CANARYargotoken5", "tlsClientConfig": {"insecure": true}}'
---
apiVersion: v1
kind: Secret
metadata:
  name: cluster-credentials-west
  namespace: linkerd-multicluster
type: mirror.linkerd.io/remote-kubeconfig
stringData:
  kubeconfig: |
    apiVersion: v1
    kind: Config
    clusters:
    - name: west
      cluster: {server: "https://link:CANARYlinkerdpass10/@west.example:6443"}
    users:
    - name: west
      user: {token: CANARYtoken3}
    contexts:
    - name: west
      context: {cluster: west, user: west}
    current-context: west
`);
    await write('west/ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n');
    await write('bad-advisories.json', '{\n  "schemaVersion": 1,\n  "generated": "2026-01-01", CANARYjson8 "x"\n}\n');
    await write('mesh.yaml', 'meshConfig:\n  outboundTrafficPolicy: !CANARYmeshtag11 {mode: ALLOW_ANY}\n');
    await write('config.yaml', 'rules:\n  BYP001: *CANARYcfgalias12\n');
    await write('tenants.yaml', 'tenants:\n- name: a\n  namespaces: [*CANARYtenanttag13]\n');
});
test('scan: credential Secrets with canaries, in every format: findings and the error, no secret', async () => {
    for (const format of ['text', 'json', 'sarif', 'junit']) {
        const r = await runHostile(['scan', 'east', '--format', format], { cwd: dir });
        assertNoCanary(r, `scan --format ${format}`);
        assert.equal(r.code, 1, `scan --format ${format}: ${describeRun(r)}`);
        const out = r.stdout + r.stderr;
        assert.match(out, /istio-remote-secret-north/, `${format}: the unreadable Secret is named`);
        assert.match(out, /data\.north|stringData\.north/, `${format}: and its key`);
        assert.match(out, /KCF/, `${format}: the readable kubeconfigs were judged`);
        assert.match(out, /sha256:[0-9a-f]{12}/, `${format}: secrets appear as fingerprints`);
    }
});
test('kubeconfig: server and proxy passwords WHATWG URL refuses, tokens, query secrets and tags, in every format', async () => {
    for (const format of ['text', 'json', 'sarif', 'junit']) {
        const r = await runHostile(['kubeconfig', 'kubeconfig.yaml', 'tagged-kubeconfig.yaml', '--format', format], { cwd: dir });
        assertNoCanary(r, `kubeconfig --format ${format}`);
        assert.equal(r.code, 1, describeRun(r));
        assert.match(r.stdout, /proxy\.example:3128/, `${format}: the proxy host is still shown`);
        assert.match(r.stdout, /tagged-kubeconfig\.yaml/, `${format}: the tagged file is reported`);
    }
});
test('blast-radius: an unreadable remote secret fails the run and is named; no secret in any format', async () => {
    for (const format of ['text', 'json', 'dot', 'mermaid']) {
        const r = await runHostile(['blast-radius', '--cluster', 'east=east', '--cluster', 'west=west', '--format', format], { cwd: dir });
        assertNoCanary(r, `blast-radius --format ${format}`);
        assert.equal(r.code, 1, `blast-radius --format ${format}: ${describeRun(r)}`);
        assert.match(r.stderr, /east: .*secrets\.yaml:\d+: Secret istio-system\/istio-remote-secret-north stringData\.north: .*could not be read/);
        assert.match(r.stdout, /west/);
    }
});
test('advisories: a database with invalid JSON is refused with a line and column, not the text around the error', async () => {
    for (const args of [
        ['advisories', 'check', '1.22.3', '--advisories', 'bad-advisories.json'],
        ['scan', 'west', '--advisories', 'bad-advisories.json', '--format', 'json'],
    ]) {
        const r = await runHostile(args, { cwd: dir });
        assertNoCanary(r, args.join(' '));
        assert.equal(r.code, 2, describeRun(r));
        assert.match(r.stderr, /bad-advisories\.json is not valid JSON at line 3, column \d+/);
    }
});
test('side files: YAML tag and alias texts in --mesh-config, --config and --tenants are not echoed', async () => {
    const cases = [
        [['scan', 'west', '--mesh-config', 'mesh.yaml'], /--mesh-config mesh\.yaml:2: invalid YAML: unknown tag \(only the core YAML tags are read\)$/m],
        [['scan', 'west', '--config', 'config.yaml'], /config\.yaml: Unresolved alias .*not shown/],
        [['scan', 'west', '--tenants', 'tenants.yaml'], /tenants\.yaml: Unresolved alias .*not shown/],
    ];
    for (const [args, re] of cases) {
        const r = await runHostile(args, { cwd: dir });
        assertNoCanary(r, args.join(' '));
        assert.match(r.stderr, re, describeRun(r));
    }
});
// AUT016 quotes jwksUri as written; the authz engineer is switching it to engine/redact.ts's redactUrl
// (issue 10 class 3). Kept here at full strength, marked todo until that change is merged.
test('scan: jwksUri credentials and access_token query values never reach AUT016 output', async () => {
    await fs.writeFile(path.join(dir, 'jwks.yaml'), `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  jwtRules:
  - issuer: https://idp.example
    jwksUri: "http://jwksuser:CANARYjwkspass@idp.example/keys?access_token=CANARYjwksquery"
`);
    for (const format of ['text', 'json', 'sarif', 'junit']) {
        const r = await runHostile(['scan', 'jwks.yaml', '--only', 'AUT016', '--format', format], { cwd: dir });
        assert.match(r.stdout, /AUT016/, describeRun(r));
        for (const c of ['CANARYjwkspass', 'CANARYjwksquery'])
            assert.ok(!(r.stdout + r.stderr).includes(c), `${format}: ${c} leaked`);
    }
});
