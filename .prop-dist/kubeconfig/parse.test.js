import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { parseKubeconfig, parseKubeconfigBytes, locate, field } from './parse.js';
/** How long a refused bomb may take before the test calls it unbounded (speed targets live in bench/). */
const BOMB_TERMINATION_MS = 30_000;
const SAMPLE = `apiVersion: v1
kind: Config
current-context: east
clusters:
- name: east
  cluster:
    server: https://east.example.com:6443
    certificate-authority-data: Q0EtREFUQQ==
contexts:
- name: east
  context:
    cluster: east
    user: reader
    namespace: istio-system
users:
- name: reader
  user:
    token: secret-token-value
`;
test('clusters, users and contexts come back with names, paths and lines', () => {
    const p = parseKubeconfig(SAMPLE, { file: 'k.yaml' });
    assert.equal(p.ok, true);
    assert.deepEqual(p.errors, []);
    assert.equal(p.apiVersion, 'v1');
    assert.equal(p.kind, 'Config');
    assert.equal(p.currentContext, 'east');
    assert.deepEqual(p.currentContextPath, ['current-context']);
    assert.equal(p.clusters.length, 1);
    assert.equal(p.users.length, 1);
    assert.equal(p.contexts.length, 1);
    const c = p.clusters[0];
    assert.equal(c.kind, 'cluster');
    assert.equal(c.name, 'east');
    assert.deepEqual(c.path, ['clusters', 0]);
    assert.deepEqual(c.bodyPath, ['clusters', 0, 'cluster']);
    assert.equal(c.line, 5);
    assert.equal(p.users[0].line, 16);
    assert.equal(p.contexts[0].raw.namespace, 'istio-system');
    assert.deepEqual(locate(p, ['users', 0, 'user', 'token']), { line: 18, column: 5 });
    assert.deepEqual(locate(p, ['clusters', 0, 'cluster', 'server']), { line: 7, column: 5 });
    // A path that does not exist resolves to its deepest existing node.
    assert.equal(locate(p, ['clusters', 0, 'cluster', 'proxy-url'])?.line, 6);
});
test('raw values are reachable but not enumerable; fields are redacted', () => {
    const p = parseKubeconfig(SAMPLE, { file: 'k.yaml' });
    const u = p.users[0];
    assert.equal(u.raw.token, 'secret-token-value');
    assert.equal(Object.keys(u).includes('raw'), false);
    assert.match(String(u.fields.token), /^<redacted sha256:[0-9a-f]{12}>$/);
    assert.equal(p.clusters[0].fields.server, 'https://east.example.com:6443');
    assert.match(String(p.clusters[0].fields['certificate-authority-data']), /^<redacted sha256:/);
    assert.equal(p.contexts[0].fields.namespace, 'istio-system');
    assert.equal(JSON.stringify(p).includes('secret-token-value'), false);
    assert.equal(inspect(p, { depth: 10 }).includes('secret-token-value'), false);
    assert.equal(JSON.stringify(p).includes('Q0EtREFUQQ=='), false);
});
test('JSON kubeconfigs parse too, with lines', () => {
    const json = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'a', cluster: { server: 'https://a' } }],
        users: [{ name: 'u', user: { tokenFile: '/t' } }],
        contexts: [{ name: 'c', context: { cluster: 'a', user: 'u' } }],
    }, null, '\t');
    const p = parseKubeconfig(json, { file: 'k.json' });
    assert.equal(p.ok, true);
    assert.deepEqual(p.errors, []);
    assert.equal(p.users[0].raw.tokenFile, '/t');
    const pos = locate(p, ['users', 0, 'user', 'tokenFile']);
    assert.equal(pos?.line, json.split('\n').findIndex((l) => l.includes('"tokenFile"')) + 1);
});
test('YAML errors come back with a line number and without quoting the input', () => {
    const bad = `apiVersion: v1
users:
- name: a
  user:
    token: CANARY-TOKEN-near-error
    password: [unclosed
`;
    const p = parseKubeconfig(bad, { file: 'bad.yaml' });
    assert.equal(p.ok, false);
    assert.equal(p.errors.length, 1);
    assert.ok(p.errors[0].line >= 6, `line ${p.errors[0].line}`);
    assert.match(p.errors[0].message, /^invalid YAML/);
    assert.equal(JSON.stringify(p).includes('CANARY'), false);
});
test('duplicate keys, custom tags and non-mappings are refused', () => {
    const dup = parseKubeconfig('users:\n- name: a\n  user:\n    exec: {command: x}\n    exec: null\n', { file: 'd.yaml' });
    assert.equal(dup.ok, false);
    assert.match(dup.errors[0].message, /duplicated mapping key/);
    assert.equal(dup.errors[0].line, 5);
    const tag = parseKubeconfig('users: !!js/function "function(){}"\n', { file: 't.yaml' });
    assert.equal(tag.ok, false);
    assert.match(tag.errors[0].message, /unknown tag/);
    const scalar = parseKubeconfig('just a string\n', { file: 's.yaml' });
    assert.equal(scalar.ok, false);
    assert.match(scalar.errors[0].message, /not a mapping/);
    const empty = parseKubeconfig('# nothing\n---\n', { file: 'e.yaml' });
    assert.equal(empty.ok, false);
    assert.match(empty.errors[0].message, /empty/);
    const other = parseKubeconfig('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n', { file: 'pod.yaml' });
    assert.equal(other.ok, false);
    assert.ok(other.errors.some((e) => /not a kubeconfig/.test(e.message)));
});
test('alias bombs, deep nesting and oversized input are refused before judging', () => {
    let bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n';
    let prev = 'a';
    for (let i = 0; i < 8; i++) {
        const name = `b${i}`;
        bomb += `${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]\n`;
        prev = name;
    }
    bomb += 'users: []\n';
    const started = Date.now();
    const p = parseKubeconfig(bomb, { file: 'bomb.yaml' });
    assert.equal(p.ok, false);
    assert.match(p.errors[0].message, /alias bomb/);
    assert.ok(Date.now() - started < BOMB_TERMINATION_MS);
    const deep = 'users: ' + '['.repeat(100) + ']'.repeat(100) + '\n';
    const d = parseKubeconfig(deep, { file: 'deep.yaml' });
    assert.equal(d.ok, false);
    assert.match(d.errors[0].message, /nested deeper/);
    const big = parseKubeconfig('users: []\n# ' + 'x'.repeat(2000) + '\n', { file: 'big.yaml', limits: { maxBytes: 1000 } });
    assert.equal(big.ok, false);
    assert.match(big.errors[0].message, /over the kubeconfig limit/);
});
test('bytes: binary and invalid UTF-8 are refused, a BOM is dropped', () => {
    assert.match(parseKubeconfigBytes(Buffer.from([0x61, 0, 0x62]), { file: 'b' }).errors[0].message, /binary/);
    assert.match(parseKubeconfigBytes(Buffer.from([0xff, 0xfe, 0x61]), { file: 'b' }).errors[0].message, /UTF-8/);
    const withBom = parseKubeconfigBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE)]), { file: 'bom' });
    assert.equal(withBom.ok, true);
    assert.equal(withBom.clusters.length, 1);
});
test('only the first YAML document is judged, and the others are noted', () => {
    const text = `---\n${SAMPLE}---\nusers:\n- name: hidden\n  user: {tokenFile: /etc/shadow}\n`;
    const p = parseKubeconfig(text, { file: 'multi.yaml' });
    assert.equal(p.ok, true);
    assert.equal(p.users.length, 1);
    assert.equal(p.notes.length, 1);
    assert.match(p.notes[0].message, /2 YAML documents/);
    assert.equal(p.notes[0].line, 20);
});
test('malformed entries are reported with lines and do not stop the rest', () => {
    const text = `clusters: {not: a list}
users:
- just-a-string
- name: 42
  user: {token: x}
- name: nobody
- name: odd
  user: [1, 2]
contexts:
- name: c
  context: {cluster: a, user: b}
`;
    const p = parseKubeconfig(text, { file: 'm.yaml' });
    assert.equal(p.ok, true);
    const msgs = p.errors.map((e) => `${e.line}: ${e.message}`);
    assert.ok(msgs.some((m) => /^1: clusters is not a list/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => /^3: users\[0\] is not a mapping/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => /^4: users\[1\] has no name/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => /users\[2\] has no user mapping/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => /^8: users\[3\]\.user is not a mapping/.test(m)), msgs.join('\n'));
    // Entries that are mappings are kept, named by index when unnamed.
    assert.deepEqual(p.users.map((u) => u.label), ['#1', 'nobody', 'odd']);
    assert.equal(p.users[0].raw.token, 'x');
    assert.equal(p.contexts.length, 1);
});
test('keys spelt with other capitals are read and noted, not hidden', () => {
    const text = 'Users:\n- name: a\n  User:\n    Exec: {command: /bin/x}\n';
    const p = parseKubeconfig(text, { file: 'caps.yaml' });
    assert.equal(p.users.length, 1);
    assert.deepEqual(p.users[0].bodyPath, ['Users', 0, 'User']);
    assert.equal(field(p.users[0].raw, 'exec')?.key, 'Exec');
    assert.equal(p.notes.length, 2);
});
test('merge keys are honoured, so fields behind `<<` are seen', () => {
    const text = `base: &base
  exec: {command: /bin/evil}
users:
- name: a
  user:
    <<: *base
    token: t
`;
    const p = parseKubeconfig(text, { file: 'merge.yaml' });
    assert.equal(p.ok, true);
    assert.deepEqual(p.users[0].raw.exec.command, '/bin/evil');
});
test('a Secret given as a kubeconfig says what it is', () => {
    const p = parseKubeconfig('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {east: eHl6}\n', { file: 's.yaml' });
    assert.equal(p.ok, false);
    assert.ok(p.errors.some((e) => /a Secret: decode the kubeconfig/.test(e.message)));
});
test('a __proto__ key stays data: no prototype change, no inherited fields', () => {
    const p = parseKubeconfig('users:\n- name: a\n  user:\n    __proto__: {exec: {command: /bin/x}}\n    token: t\n', { file: 'proto.yaml' });
    assert.equal(p.ok, true);
    const u = p.users[0];
    assert.equal(field(u.raw, 'exec'), null);
    assert.equal(Object.getPrototypeOf(u.fields), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(u.fields, '__proto__'));
    assert.equal({}.exec, undefined);
});
test('merge-key chains and merge-key list bombs are refused from the unexpanded tree, quickly', () => {
    const chain = ['k0: &a0 {x0: v}'];
    for (let i = 1; i < 6000; i++)
        chain.push(`k${i}: &a${i} {<<: *a${i - 1}, x${i}: v}`);
    const refs = Array.from({ length: 40 }, (_, a) => `*m${a}`).join(', ');
    const list = [
        ...Array.from({ length: 40 }, (_, a) => `m${a}: &m${a} {${Array.from({ length: 100 }, (_, k) => `a${a}k${k}: 1`).join(', ')}}`),
        ...Array.from({ length: 600 }, (_, u) => `u${u}: {<<: [${refs}]}`),
    ];
    for (const body of [chain, list]) {
        const text = `apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n${body.map((l) => `    ${l}`).join('\n')}\n`;
        const started = performance.now();
        const parsed = parseKubeconfig(text, { file: 'bomb.yaml' });
        assert.equal(parsed.ok, false);
        assert.match(parsed.errors[0].message, /expands to more than 200000 nodes \(possible alias bomb or merge-key bomb\)/);
        // A termination bound like the bomb corpus's (src/fuzz/bombs.test.ts), not a speed target: the
        // refusal itself, counted on the unexpanded tree, is what the message above proves.
        assert.ok(performance.now() - started < BOMB_TERMINATION_MS, `took ${performance.now() - started} ms`);
    }
    // A few merges stay fine: the check counts, it does not forbid.
    const small = parseKubeconfig('apiVersion: v1\nkind: Config\nbase: &b {server: https://x.example}\nclusters:\n- name: c\n  cluster: {<<: *b}\n', { file: 'ok.yaml' });
    assert.equal(small.ok, true);
    assert.equal(small.clusters[0].fields.server, 'https://x.example');
});
