import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decodeJwt, describeJwt, quote, redactArgs, redactSection, redactUrl, secretFingerprint, hasUnsafeChars, splitArgs, joinArgs } from './redact.js';

/** An unsigned JWT with the given claims (the signature part is a fixed canary). */
function makeJwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', kid: 'k1' }): string {
  const seg = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${seg(header)}.${seg(claims)}.CANARYSIGNATURExyz`;
}

test('fingerprints are sha256: plus 12 hex digits of the value, checkable with sha256sum', () => {
  const fp = secretFingerprint('hunter2');
  assert.match(fp, /^sha256:[0-9a-f]{12}$/);
  assert.equal(fp, `sha256:${createHash('sha256').update('hunter2').digest('hex').slice(0, 12)}`);
  assert.notEqual(secretFingerprint('a'), secretFingerprint('b'));
  assert.match(secretFingerprint({ nested: true }), /^sha256:/);
});

test('URLs lose passwords and query values, keep the rest', () => {
  assert.equal(redactUrl('https://east.example.com:6443'), 'https://east.example.com:6443');
  const r = redactUrl('http://alice:CANARY-PASS@proxy.example:3128');
  assert.equal(r.includes('CANARY'), false);
  assert.equal(r, `http://alice:${secretFingerprint('CANARY-PASS')}@proxy.example:3128`);
  const t = redactUrl('https://CANARY-USER-TOKEN@api.example/');
  assert.equal(t.includes('CANARY'), false);
  assert.match(t, /^https:\/\/sha256:[0-9a-f]{12}@api\.example\/$/);
  const q = redactUrl('https://idp.example/auth?token=CANARY-Q&x=1');
  assert.equal(q.includes('CANARY'), false);
  assert.match(q, /^https:\/\/idp\.example\/auth\?token=sha256:[0-9a-f]{12}&x=sha256:/);
  assert.equal(redactUrl('not a url'), 'not a url');
  assert.equal(redactUrl('bob:CANARY@host').includes('CANARY'), false);
});

test('secret-looking flag values are fingerprinted, other arguments kept', () => {
  const out = redactArgs(['oidc-login', 'get-token', '--oidc-issuer-url=https://idp', '--oidc-client-secret=CANARY-1', '--token', 'CANARY-2', '--password=CANARY-3', 'Bearer CANARY-4', 42]);
  const joined = out.join(' ');
  assert.equal(joined.includes('CANARY'), false, joined);
  assert.ok(out.includes('oidc-login'));
  assert.ok(out.includes('--oidc-issuer-url=https://idp'));
  assert.ok(out.some((a) => a.startsWith('--oidc-client-secret=<redacted sha256:')));
  assert.ok(out.includes('--token'));
});

test('credentials in header lines, URLs and scripts among the arguments are fingerprinted, their labels kept', () => {
  // The red-team kubeconfig's arguments, and their neighbours in the same class.
  const out = redactArgs([
    'get-token',
    '--header', 'Authorization: Bearer CANARY-H1',
    '-H', 'X-Api-Key: CANARY-H2',
    '--oidc-issuer-url=https://x:CANARY-U1@idp',
    'https://u:CANARY-U2@h',
    '--header=Cookie: session=CANARY-H3',
    '-HProxy-Authorization: Basic CANARY-H4',
    'X-Auth-Token: CANARY-H5',
    '-H', 'X-Custom: CANARY-H6',
    'proxy=socks5://u:CANARY-U3@p:1080',
    '--proxy=u:CANARY-U4@p:3128',
    'https://idp.example/jwks?access_token=CANARY-U5',
    'client_secret=CANARY-K1',
    'Bearer', 'CANARY-B1',
    '-c', `curl -s -H 'Authorization: Bearer CANARY-S1' https://u:CANARY-S2@h/x | jq -r .token`,
  ]);
  const joined = out.join(' ');
  assert.equal(joined.includes('CANARY'), false, joined);
  assert.equal(out[2], `Authorization: <redacted ${secretFingerprint('Bearer CANARY-H1')}>`);
  assert.equal(out[4], `X-Api-Key: <redacted ${secretFingerprint('CANARY-H2')}>`);
  // URL passwords as in `server` and `proxy-url`: one function, one spelling.
  assert.equal(out[5], `--oidc-issuer-url=${redactUrl('https://x:CANARY-U1@idp')}`);
  assert.equal(out[6], redactUrl('https://u:CANARY-U2@h'));
  assert.ok(out[6].startsWith('https://u:sha256:'));
  assert.match(out[7], /^--header=Cookie: <redacted sha256:/);
  assert.match(out[8], /^-HProxy-Authorization: <redacted sha256:/);
  assert.match(out[9], /^X-Auth-Token: <redacted sha256:/);
  assert.match(out[11], /^X-Custom: <redacted sha256:/, 'anything after -H is a header line');
  assert.match(out[12], /^proxy=socks5:\/\/u:sha256:[0-9a-f]{12}@p:1080$/);
  assert.equal(out[16], 'Bearer');
  assert.match(out[19], /^curl -s -H 'Authorization: <redacted sha256:[0-9a-f]{12}>' https:\/\/u:sha256:[0-9a-f]{12}@h\/x \| jq -r \.token$/);
});

test('user:password after -u, --user, --proxy-user (separate, glued, or =), also inside a script: the password fingerprinted, the user kept', () => {
  const out = redactArgs(['-u', 'alice:CANARY-P1', '--user=bob:CANARY-P2', '-ucarol:CANARY-P3', '--proxy-user', 'dave:CANARY-P4', '-c', 'curl -u erin:CANARY-P5 https://idp/token', '-u', 'frank']);
  const joined = out.join(' ');
  assert.equal(joined.includes('CANARY'), false, joined);
  assert.equal(out[1], `alice:<redacted ${secretFingerprint('CANARY-P1')}>`);
  assert.match(out[2], /^--user=bob:<redacted sha256:[0-9a-f]{12}>$/);
  assert.match(out[3], /^-ucarol:<redacted sha256:/);
  assert.match(out[5], /^dave:<redacted sha256:/);
  // The script is shown in shell words again: the redacted word is quoted.
  assert.match(out[7], /^curl -u 'erin:<redacted sha256:[0-9a-f]{12}>' https:\/\/idp\/token$/);
  assert.equal(out[9], 'frank', 'a user name alone is no secret');
});

test('arguments without credentials are left exactly as written', () => {
  const args = ['get-token', '-u', 'alice', '--user=bob', '--region', 'us-east-1', '--oidc-issuer-url=https://idp.example/realms/x', '--scopes=openid,email', 'openid profile', '-c', 'touch /tmp/x', 'Content-Type: application/json', 'alice@example.com', '--output=json'];
  assert.deepEqual(redactArgs(args), args);
});

test('cmd-args: a shell command line is read in shell words, so quoted header lines stay whole', () => {
  assert.deepEqual(splitArgs(`-H "Authorization: Bearer X" --a='b c' d\\ e 'f'"g"`), ['-H', 'Authorization: Bearer X', '--a=b c', 'd e', 'fg']);
  for (const line of [`-H "Authorization: Bearer CANARY-C1"`, `-H Authorization: Bearer CANARY-C2`, `X-Api-Key: CANARY-C3`, `--token CANARY-C4`, `"https://u:CANARY-C5@h"`]) {
    const shown = joinArgs(redactArgs(splitArgs(line)));
    assert.equal(shown.includes('CANARY'), false, `${line} => ${shown}`);
  }
  // What is shown reads back as the same words.
  const words = ['-c', 'touch x', "it's", ''];
  assert.deepEqual(splitArgs(joinArgs(words)), words);
});

test('the redacted view keeps harmless fields and hides secrets and unknown fields', () => {
  const user = redactSection('user', {
    token: 'CANARY-T',
    password: 'CANARY-P',
    username: 'admin',
    'client-key-data': 'CANARY-K',
    'client-certificate-data': 'CANARY-C',
    tokenFile: '/t',
    exec: { command: '/bin/x', args: ['--secret=CANARY-A'], env: [{ name: 'LD_PRELOAD', value: 'CANARY-E' }], installHint: 'hi' },
    'auth-provider': { name: 'oidc', config: { 'idp-issuer-url': 'https://idp', 'client-secret': 'CANARY-S', 'refresh-token': 'CANARY-R', 'id-token': 'CANARY-I', 'cmd-args': '--token CANARY-CA' } },
    extensions: [{ name: 'x', extension: { anything: 'CANARY-X' } }],
    'some-new-field': 'CANARY-N',
  }) as Record<string, any>;
  const s = JSON.stringify(user);
  assert.equal(s.includes('CANARY'), false, s);
  assert.equal(user.username, 'admin');
  assert.equal(user.tokenFile, '/t');
  assert.equal(user.exec.command, '/bin/x');
  assert.equal(user.exec.env[0].name, 'LD_PRELOAD');
  assert.equal(user['auth-provider'].config['idp-issuer-url'], 'https://idp');
  const cluster = redactSection('cluster', { server: 'https://a', 'certificate-authority-data': 'CANARY-CA', 'proxy-url': 'http://u:CANARY-PP@p:1' }) as Record<string, any>;
  assert.equal(JSON.stringify(cluster).includes('CANARY'), false);
  assert.equal(cluster.server, 'https://a');
});

test('quote escapes control, bidi and invisible characters and cuts long strings', () => {
  assert.equal(quote('plain'), '"plain"');
  assert.equal(quote('a"b\\c'), '"a\\"b\\\\c"');
  const esc = quote('x\u001b[2Jy\u202Ez\u200b');
  assert.equal(/[\u001b\u202e\u200b]/.test(esc), false);
  assert.match(esc, /\\u001b/);
  assert.match(esc, /\\u202e/);
  assert.ok(quote('x'.repeat(500), 50).length < 60);
  assert.equal(hasUnsafeChars('ok text'), false);
  assert.equal(hasUnsafeChars('bad\u001b[31m'), true);
});

test('a legacy service-account JWT decodes to issuer, namespace, account and no expiry', () => {
  const tok = makeJwt({
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': 'istio-system',
    'kubernetes.io/serviceaccount/secret.name': 'istio-reader-service-account-istio-remote-secret-token',
    'kubernetes.io/serviceaccount/service-account.name': 'istio-reader-service-account',
    sub: 'system:serviceaccount:istio-system:istio-reader-service-account',
  });
  const j = decodeJwt(tok)!;
  assert.equal(j.issuer, 'kubernetes/serviceaccount');
  assert.equal(j.namespace, 'istio-system');
  assert.equal(j.serviceAccount, 'istio-reader-service-account');
  assert.equal(j.neverExpires, true);
  assert.equal(j.expiresAt, null);
  assert.equal(j.legacyServiceAccountToken, true);
  assert.equal(j.algorithm, 'RS256');
  assert.equal(j.fingerprint, secretFingerprint(tok));
  const shown = JSON.stringify(j) + describeJwt(j);
  assert.equal(shown.includes(tok), false);
  assert.equal(shown.includes('CANARYSIGNATURE'), false);
  assert.match(describeJwt(j), /service account istio-system\/istio-reader-service-account/);
  assert.match(describeJwt(j), /no expiry/);
});

test('a bound token decodes with its expiry; the Kubernetes claims give the account when sub does not', () => {
  const now = Date.UTC(2026, 0, 1) / 1000;
  const bound = makeJwt({ iss: 'https://kubernetes.default.svc', sub: 'someone', exp: now + 3600, iat: now, aud: ['api'], 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'sa', uid: 'u' } } });
  const j = decodeJwt(bound, now * 1000)!;
  assert.equal(j.neverExpires, false);
  assert.equal(j.expired, false);
  assert.equal(j.expiresAt, new Date((now + 3600) * 1000).toISOString());
  assert.equal(j.namespace, 'ns');
  assert.equal(j.serviceAccount, 'sa');
  assert.deepEqual(j.audience, ['api']);
  assert.equal(decodeJwt(bound, (now + 7200) * 1000)!.expired, true);
});

test('anything that is not a JWT decodes to null', () => {
  for (const t of ['CANARY-TOKEN-plain', '', 'a.b', 'a.b.c.d', `${Buffer.from('{}').toString('base64url')}.${Buffer.from('[1]').toString('base64url')}.x`, 'x'.repeat(100_000), 42, null, {}]) {
    assert.equal(decodeJwt(t as any), null, String(t).slice(0, 40));
  }
  assert.equal(decodeJwt(`${Buffer.from('not json').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.sig`), null);
});
