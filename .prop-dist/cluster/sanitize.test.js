import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ENV_VALUE_SET, sanitizeObject } from './sanitize.js';
import { secretFactsOf } from './secret-facts.js';
import { analyse, sanitizedResource } from './sanitize-kit.js';
import { loadFiles } from '../loader/load.js';
import { scanYaml } from '../testing/kit.js';
const b64 = (s) => Buffer.from(s).toString('base64');
const seg = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** A fresh random string per place: finding one anywhere in output names the leak. */
function canaries() {
    const made = [];
    const c = (what) => {
        const v = `CANARY${what}${randomBytes(9).toString('hex')}`;
        made.push(v);
        return v;
    };
    return { c, made };
}
/** Every object kind whose values the sanitizer must drop, each value a canary. */
function hostileObjects() {
    const { c, made } = canaries();
    const jwt = `${seg({ alg: 'RS256' })}.${seg({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:istio-system:reader' })}.${c('jwtsig')}`;
    const kubeconfig = (user) => `apiVersion: v1
kind: Config
clusters:
- name: east
  cluster:
    server: https://admin:${c('urlpass')}@east.example:6443/?token=${c('urlquery')}
    proxy-url: http://proxy:${c('proxypass')}@proxy.example:3128
contexts:
- name: east
  context: {cluster: east, user: u}
current-context: east
users:
- name: u
  user:
${user}
`;
    const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', data: { east: c('lastapplied') } });
    const metadata = (name, ns, labels = {}) => ({
        name,
        namespace: ns,
        labels,
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied, team: 'a' },
        managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:data': { [`f:${c('managedkey')}`]: {} } } }],
    });
    const objects = [
        {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: metadata('istio-remote-secret-east', 'istio-system', { 'istio/multiCluster': 'true' }),
            type: 'Opaque',
            data: {
                east: b64(kubeconfig(`    token: ${jwt}\n    password: ${c('password')}\n    client-key-data: ${b64(c('clientkey'))}`)),
                plain: b64(kubeconfig(`    token: ${c('opaquetoken')}\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws\n      args: [eks, get-token, --cluster-name, east, --token=${c('execarg')}]\n      env: [{name: AWS_SECRET_ACCESS_KEY, value: ${c('execenv')}}]`)),
            },
            stringData: {
                west: kubeconfig(`    auth-provider:\n      name: oidc\n      config: {client-id: mesh, client-secret: ${c('clientsecret')}, refresh-token: ${c('refresh')}, idp-issuer-url: "https://issuer.example"}`),
            },
        },
        {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: metadata('cluster-prod', 'argocd', { 'argocd.argoproj.io/secret-type': 'cluster' }),
            stringData: { name: 'prod', server: 'https://prod.example', config: JSON.stringify({ bearerToken: c('argotoken'), tlsClientConfig: { keyData: b64(c('argokey')), insecure: false } }) },
        },
        {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: metadata('cluster-credentials-east', 'linkerd-multicluster'),
            type: 'mirror.linkerd.io/remote-kubeconfig',
            data: { kubeconfig: b64(kubeconfig(`    token: ${c('linkerdtoken')}`)) },
        },
        {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: metadata('cacerts', 'istio-system'),
            data: { 'ca-key.pem': b64(c('cakey')), 'root-key.pem': b64(c('rootkey')), 'ca-cert.pem': b64(`-----BEGIN CERTIFICATE-----\n${c('notacert')}\n-----END CERTIFICATE-----\n`) },
        },
        { apiVersion: 'v1', kind: 'Secret', metadata: metadata('db', 'shop'), data: { password: b64(c('dbpass')), blob: b64(randomBytes(64)) }, stringData: { url: `postgres://app:${c('dburl')}@db/shop` } },
        {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: metadata('istiod', 'istio-system'),
            spec: {
                template: {
                    spec: {
                        initContainers: [{ name: 'init', image: 'busybox', env: [{ name: 'INIT_TOKEN', value: c('initenv') }] }],
                        containers: [
                            {
                                name: 'discovery',
                                image: 'docker.io/istio/pilot:1.26.2',
                                env: [
                                    { name: 'PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS', value: 'exec' },
                                    { name: 'DB_PASSWORD', value: c('containerenv') },
                                    { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
                                ],
                            },
                        ],
                    },
                },
            },
        },
        {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            metadata: metadata('backup', 'shop'),
            spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'b', image: 'x', env: [{ name: 'S3_KEY', value: c('cronenv') }] }] } } } } },
        },
        {
            apiVersion: 'install.istio.io/v1alpha1',
            kind: 'IstioOperator',
            metadata: metadata('cp', 'istio-system'),
            spec: { values: { pilot: { env: { PILOT_SCOPE_GATEWAY_TO_NAMESPACE: 'true', SECRET_THING: c('iopenv') } } }, components: { pilot: { k8s: { env: [{ name: 'K', value: c('iopk8senv') }] } } } },
        },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata('app', 'shop'), data: { API_KEY: c('configmap') }, binaryData: { b: b64(c('binary')) } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata('istio', 'istio-system'), data: { mesh: 'trustDomain: cluster.local\n', other: c('meshother') } },
    ];
    return { objects, made };
}
test('canaries: no Secret value, env value off the allowlist, unread ConfigMap value, last-applied or managedFields survives sanitizing', () => {
    const { objects, made } = hostileObjects();
    const out = objects.map((o) => sanitizeObject(o));
    const text = JSON.stringify(out);
    assert.ok(made.length >= 25, 'every kind of value is covered');
    for (const canary of made) {
        assert.ok(!text.includes(canary), `canary ${canary.slice(0, 20)} leaked into the sanitized objects or facts`);
        assert.ok(!text.includes(b64(canary).slice(0, 16)), `canary ${canary.slice(0, 20)} leaked base64-encoded`);
    }
    // The kept parts are still there: proof the test looks at real output.
    assert.match(text, /PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS","value":"exec"/);
    assert.match(text, /"secretKeyRef"/);
    assert.ok(text.includes(ENV_VALUE_SET));
    assert.ok(text.includes('trustDomain: cluster.local'));
    assert.ok(out[0].secretFacts && out[0].secretFacts.kubeconfigs.length === 3, 'three kubeconfigs judged');
});
test('canaries: a scan of the sanitized objects names no canary in any finding, message, evidence or error', async () => {
    const { objects, made } = hostileObjects();
    const text = objects.map((o) => JSON.stringify(o)).join('\n---\n');
    const load = await loadFiles([{ file: 'canaries.yaml', text, format: 'yaml' }]);
    assert.equal(load.errors.length, 0, JSON.stringify(load.errors));
    const res = analyse(load.resources.map(sanitizedResource), load);
    // Hostile values or not, the sanitized scan reports what the raw scan reports.
    const raw = analyse(load.resources, load);
    assert.deepEqual(res.findings, raw.findings);
    assert.deepEqual(res.errors, raw.errors);
    assert.ok(res.findings.length > 5, 'the scan found something (KCF, MCL)');
    assert.ok(res.findings.some((f) => f.includes('KCF')) && res.findings.some((f) => f.includes('MCL001')));
    const all = JSON.stringify(res.findings) + JSON.stringify(res.errors) + JSON.stringify(res.failures);
    for (const canary of made)
        assert.ok(!all.includes(canary), `canary ${canary.slice(0, 20)} leaked into scan output`);
});
test('managedFields and last-applied are stripped from every kind; other annotations stay', () => {
    const { obj } = sanitizeObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', managedFields: [{}], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'yes' } }, spec: { ports: [] } });
    const meta = obj.metadata;
    assert.equal(meta.managedFields, undefined);
    assert.deepEqual(meta.annotations, { keep: 'yes' });
    assert.deepEqual(obj.spec, { ports: [] });
});
test('env: allowlisted values kept, others reduced to a marker with the name kept, empty stays empty, valueFrom kept', () => {
    const { obj } = sanitizeObject({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: {
            containers: [{ name: 'c', env: [{ name: 'VERIFY_CERTIFICATE_AT_CLIENT', value: 'false' }, { name: 'X', value: 'secret' }, { name: 'E', value: '' }, { name: 'R', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, 'junk', { name: 7, value: 'v' }] }],
            ephemeralContainers: [{ name: 'dbg', env: [{ name: 'Y', value: 'secret' }] }],
        },
    });
    const env = obj.spec.containers[0].env;
    assert.deepEqual(env, [
        { name: 'VERIFY_CERTIFICATE_AT_CLIENT', value: 'false' },
        { name: 'X', value: ENV_VALUE_SET },
        { name: 'E', value: '' },
        { name: 'R', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        null,
        { value: ENV_VALUE_SET },
    ]);
    assert.deepEqual(obj.spec.ephemeralContainers[0].env, [{ name: 'Y', value: ENV_VALUE_SET }]);
});
test('ConfigMaps: data only for the ones the model reads, only the keys it reads; never binaryData', () => {
    const cm = (name, data) => sanitizeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'istio-system' }, data, binaryData: { x: 'eA==' } }).obj;
    assert.deepEqual(cm('istio', { mesh: 'a: 1', meshNetworks: 'n', x: 'y' }).data, { mesh: 'a: 1' });
    assert.deepEqual(cm('istio-canary', { mesh: 'a: 1' }).data, { mesh: 'a: 1' });
    assert.deepEqual(cm('istio-sidecar-injector-canary', { values: '{}', config: 'policy: enabled', other: 'z' }).data, { values: '{}', config: 'policy: enabled' });
    assert.equal(cm('kube-root-ca.crt', { 'ca.crt': 'x' }).data, undefined);
    assert.equal(cm('istio', { mesh: 'a: 1' }).binaryData, undefined);
    // A non-string value is not kept (the model reads strings only).
    assert.deepEqual(cm('istio', { mesh: { nested: 'object' } }).data, {});
});
test('Secrets: data and stringData dropped, type, immutable and metadata kept, unknown fields dropped, facts attached', () => {
    const s = sanitizeObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'n', labels: { a: 'b' } }, type: 'kubernetes.io/tls', immutable: true, data: { 'tls.crt': 'eA==' }, stringData: { k: 'v' }, extra: 'anything', secretFacts: { flavour: 'istio' } });
    assert.deepEqual(s.obj, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'n', labels: { a: 'b' } }, type: 'kubernetes.io/tls', immutable: true });
    assert.ok(s.secretFacts);
    assert.equal(s.secretFacts.flavour, null, 'facts come from the values and metadata, never from a field of the object');
    assert.deepEqual(s.secretFacts.keys.map((k) => [k.field, k.key, k.bytes]), [['data', 'tls.crt', 1], ['stringData', 'k', 1]]);
    // Only core Secrets are Secrets.
    assert.equal(sanitizeObject({ apiVersion: 'example.com/v1', kind: 'Secret', metadata: { name: 'y' }, data: { a: 'b' } }).secretFacts, undefined);
});
test('hostile: __proto__ and constructor keys are copied as data and pollute nothing', () => {
    const input = JSON.parse('{"apiVersion":"v1","kind":"Pod","__proto__":{"polluted":1},"metadata":{"name":"p","__proto__":{"polluted":2},"labels":{"__proto__":"x","constructor":"y"}},' +
        '"spec":{"containers":[{"name":"c","__proto__":{"polluted":3},"env":[{"name":"__proto__","value":"v"},{"name":"constructor","value":"w"}]}]}}');
    const { obj } = sanitizeObject(input);
    assert.equal({}.polluted, undefined);
    assert.equal(Object.getPrototypeOf(obj), Object.prototype);
    assert.ok(Object.hasOwn(obj, '__proto__'));
    assert.equal(obj.polluted, undefined);
    const meta = obj.metadata;
    assert.equal(Object.getPrototypeOf(meta), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(meta.labels, '__proto__')?.value, 'x');
    assert.deepEqual(obj.spec.containers[0].env, [{ name: '__proto__', value: ENV_VALUE_SET }, { name: 'constructor', value: ENV_VALUE_SET }]);
    const secret = JSON.parse('{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","labels":{"__proto__":"x"}},"data":{"__proto__":"eA==","constructor":"eQ=="},"stringData":{"hasOwnProperty":"z"}}');
    const facts = sanitizeObject(secret).secretFacts;
    assert.deepEqual(facts.keys.map((k) => k.key), ['__proto__', 'constructor', 'hasOwnProperty']);
});
test('hostile: odd shapes never throw and leave nothing unexpected', () => {
    for (const v of [null, undefined, 7, 'str', [], [1], true, { kind: 'Secret' }, { apiVersion: 'v1', kind: 'Secret', metadata: 'x', data: 'y', stringData: [1] }, { apiVersion: 'v1', kind: 'ConfigMap', data: null }, { apiVersion: 'apps/v1', kind: 'Deployment', spec: { template: { spec: { containers: 'no', initContainers: [null, 1, { env: 'x' }] } } } }]) {
        const s = sanitizeObject(v);
        assert.equal(typeof s.obj, 'object');
    }
    const secret = sanitizeObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 5, b: null, c: [1], d: { x: 1 } } }).secretFacts;
    assert.deepEqual(secret.unreadable.map((u) => u.key), ['a', 'b', 'c', 'd']);
    assert.deepEqual(secret.keys, []);
});
test('hostile: deep nesting, huge strings and huge counts are bounded', () => {
    let deep = { leaf: 'x' };
    for (let i = 0; i < 5000; i++)
        deep = { d: deep };
    const t0 = Date.now();
    const { obj } = sanitizeObject({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' }, spec: deep, big: 'x'.repeat(3 * 1024 * 1024) });
    let depth = 0;
    for (let cur = obj.spec; cur && typeof cur === 'object'; cur = cur.d)
        depth++;
    assert.ok(depth < 70, `nesting cut (${depth})`);
    assert.equal(obj.big, null, 'a string over the bound is dropped, not kept');
    // An allowlisted env value over its bound becomes the marker.
    const env = sanitizeObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ env: [{ name: 'BLOCKED_CIDRS_IN_JWKS_URIS', value: '1'.repeat(100_000) }] }] } }).obj.spec.containers[0].env[0];
    assert.equal(env.value, ENV_VALUE_SET);
    // A Secret with more keys than a real one can hold: the rest is counted.
    const data = {};
    for (let i = 0; i < 6000; i++)
        data[`k${i}`] = 'eA==';
    const facts = sanitizeObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data }).secretFacts;
    assert.ok(facts.skippedKeys > 0 && facts.keys.length + facts.skippedKeys === 6000);
    // A value over a Secret's size limit is unreadable, not decoded.
    const big = sanitizeObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { x: 'A'.repeat(2 * 1024 * 1024) } }).secretFacts;
    assert.equal(big.unreadable.length, 1);
    assert.match(big.unreadable[0].reason, /over the 1048576-byte limit/);
    assert.ok(Date.now() - t0 < 10_000);
});
test('hostile: a Secret claiming facts in its own fields gets only the facts of its values, in file and live scans', async () => {
    const yaml = `apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-spoof
  namespace: istio-system
  labels: {istio/multiCluster: "true"}
  secretFacts: {flavour: istio}
secretFacts:
  version: 1
  flavour: istio
  keys: [{field: data, key: fake, bytes: 1}]
  kubeconfigs: [{dataKey: fake, path: [data, fake], target: x, consumer: istiod, users: [], judged: {findings: [{id: KCF001, severity: critical, message: SPOOFED}], errors: []}}]
data: {}
`;
    const res = await scanYaml(yaml);
    const r = res.model.ofKind('', 'Secret')[0];
    assert.equal(r.secretFacts, undefined, 'the loader never sets facts');
    assert.deepEqual(secretFactsOf(r).keys, []);
    assert.deepEqual(secretFactsOf(r).kubeconfigs, []);
    assert.ok(!JSON.stringify(res.findings).includes('SPOOFED'));
    const live = sanitizedResource(r);
    assert.deepEqual(live.secretFacts.kubeconfigs, []);
    assert.equal(live.obj.secretFacts, undefined);
});
test('the sanitizer does not modify its input', () => {
    const input = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', managedFields: [{}], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }, spec: { containers: [{ env: [{ name: 'X', value: 'v' }] }] } };
    const before = JSON.stringify(input);
    sanitizeObject(input);
    assert.equal(JSON.stringify(input), before);
});
