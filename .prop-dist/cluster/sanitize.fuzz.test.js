/**
 * Fuzzing the sanitizer: credential Secrets of every flavour carrying canary kubeconfigs (every secret
 * field a canary, mutated, tagged), ordinary Secret values, env values, ConfigMap values, last-applied
 * and managedFields all canaries, on hostile manifests (prototype-named kinds and keys). Nothing may
 * throw; no canary may appear in the sanitized object or its facts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sanitizeObject, sanitizeOwnedObject } from './sanitize.js';
import { CANARY_PATTERN, canary, canaryKubeconfigText, fuzzParams, manifestOf, mutated, nameLike } from '../fuzz/arbitraries.js';
function assertNoCanary(value, what) {
    const text = JSON.stringify(value);
    const m = CANARY_PATTERN.exec(text);
    assert.equal(m, null, `${what}: ${m?.[0]} in ${text.slice(Math.max(0, (m?.index ?? 0) - 200), (m?.index ?? 0) + 60)}`);
}
const FLAVOUR_META = [
    { name: 'istio-remote-secret-x', labels: { 'istio/multiCluster': 'true' } },
    { name: 'kiali-x', labels: { 'kiali.io/multiCluster': 'true' } },
    { name: 'cluster-credentials-x', labels: {} },
    { name: 'cacerts', labels: {} },
    { name: 'plain', labels: {} },
];
const lastApplied = canary('LastApplied').map((c) => ({
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data: { k: c } }) },
    managedFields: [{ manager: c, fieldsV1: { [`f:${c}`]: {} } }],
}));
test('fuzz: credential Secrets of every flavour leave only facts, with no canary', { timeout: 120_000 }, () => {
    fc.assert(fc.property(fc.constantFrom(...FLAVOUR_META), fc.oneof(canaryKubeconfigText, mutated(canaryKubeconfigText)), fc.boolean(), nameLike, canary('Opaque'), lastApplied, (meta, kubeconfig, asData, key, opaque, extra) => {
        const secret = {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { ...meta, namespace: 'istio-system', ...extra },
            type: meta.name === 'cluster-credentials-x' ? 'mirror.linkerd.io/remote-kubeconfig' : 'Opaque',
            ...(asData
                ? { data: { [key]: Buffer.from(kubeconfig).toString('base64'), kubeconfig: Buffer.from(kubeconfig).toString('base64'), other: Buffer.from(opaque).toString('base64') } }
                : { stringData: { [key]: kubeconfig, kubeconfig, other: opaque } }),
        };
        const out = sanitizeObject(secret);
        assert.ok(out.secretFacts, 'a core Secret always gets facts');
        assertNoCanary(out, 'sanitized Secret');
        return true;
    }), fuzzParams(120));
});
test('fuzz: hostile manifests with canary env, ConfigMap and metadata values never throw and leak nothing', { timeout: 120_000 }, () => {
    const env = fc.array(fc.tuple(nameLike, canary('Env')), { minLength: 1, maxLength: 4 }).map((es) => es.map(([name, value]) => ({ name, value })));
    fc.assert(fc.property(manifestOf(true), env, canary('ConfigMap'), lastApplied, fc.constantFrom('Deployment', 'Pod', 'ConfigMap', 'CronJob', 'IstioOperator'), (m, envs, cmValue, extra, shape) => {
        const meta = { ...m.metadata, ...extra };
        const containers = [{ name: 'c', env: envs }];
        const obj = shape === 'Deployment'
            ? { ...m, apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec: { template: { spec: { containers, initContainers: containers } }, other: m.spec } }
            : shape === 'Pod'
                ? { ...m, apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: { containers, ephemeralContainers: containers } }
                : shape === 'CronJob'
                    ? { ...m, apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta, spec: { jobTemplate: { spec: { template: { spec: { containers } } } } } }
                    : shape === 'IstioOperator'
                        ? { apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', metadata: meta, spec: { values: { pilot: { env: Object.fromEntries(envs.map((e) => [e.name, e.value])) } }, components: { pilot: { k8s: { env: envs } } } } }
                        : { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { [String(m.metadata?.name)]: cmValue, values: cmValue }, binaryData: { b: cmValue } };
        // The random manifest itself (its kind, names, spec) is kept as written: only the planted canaries must go.
        const out = sanitizeObject(obj);
        assertNoCanary(out, `sanitized ${shape}`);
        // And the random original is never a problem on its own.
        assert.doesNotThrow(() => sanitizeObject(m));
        return true;
    }), fuzzParams(150));
});
/** The same data in the same member order, on plain objects all the way down (no prototype change). */
function assertSameProjection(inPlace, copied, what) {
    assert.equal(JSON.stringify(inPlace.obj), JSON.stringify(copied.obj), `${what}: members or their order differ`);
    assert.deepStrictEqual(inPlace, copied, what);
}
test('fuzz: the in-place sanitizer (list pages) makes exactly the projection of the copying one', { timeout: 120_000 }, () => {
    const env = fc.array(fc.tuple(nameLike, canary('Env')), { minLength: 1, maxLength: 4 }).map((es) => es.map(([name, value]) => ({ name, value, extra: 1 })));
    fc.assert(fc.property(manifestOf(true), env, lastApplied, fc.constantFrom('Deployment', 'Pod', 'ConfigMap', 'Secret', 'IstioOperator', 'other'), (m, envs, extra, shape) => {
        const meta = { ...m.metadata, ...extra };
        const containers = [{ name: 'c', env: envs, image: 'i' }, 'not a container', null];
        const obj = shape === 'Deployment'
            ? { ...m, apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec: { template: { spec: { containers, initContainers: containers } }, other: m.spec }, status: { n: 1 } }
            : shape === 'Pod'
                ? { ...m, apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: { containers, ephemeralContainers: containers } }
                : shape === 'ConfigMap'
                    ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...meta, name: 'istio' }, data: { mesh: 'm', other: 'x' }, binaryData: { b: 'y' } }
                    : shape === 'Secret'
                        ? { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: 'Opaque', data: { k: Buffer.from('v').toString('base64') } }
                        : shape === 'IstioOperator'
                            ? { apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', metadata: meta, spec: { values: { pilot: { env: Object.fromEntries(envs.map((e) => [e.name, e.value])) } }, components: { pilot: { k8s: { env: envs } } } } }
                            : m;
        // As a list page hands them over: JSON.parse's own objects (own `__proto__` keys included).
        const text = JSON.stringify(obj);
        const inPlace = sanitizeOwnedObject(JSON.parse(text));
        assertSameProjection(inPlace, sanitizeObject(JSON.parse(text)), shape);
        assertNoCanary(inPlace, `in place, ${shape}`);
        return true;
    }), fuzzParams(200));
});
test('the in-place sanitizer cuts what is over a bound exactly where the copy does', () => {
    let deep = 'bottom';
    for (let i = 0; i < 80; i++)
        deep = i % 2 ? { d: deep } : [deep];
    const wide = Array.from({ length: 600_000 }, (_, i) => (i % 3 ? i : { i }));
    const cases = [
        ['nesting over the depth bound', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { deep } })],
        ['more nodes than the bound', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { wide }, status: { after: [1, 2, 3] } })],
        ['a string over the bound', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations: { a: 'x'.repeat((1 << 20) + 1) } }, spec: { s: 'y'.repeat((1 << 20) + 1), t: 'ok' } })],
        ['prototype-named keys', '{"apiVersion":"v1","kind":"Pod","__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}},"metadata":{"__proto__":{"a":1},"name":"p","managedFields":[{"m":1}]},"spec":{"containers":[{"__proto__":{"b":2},"env":[{"name":"__proto__","value":"v"}]}]}}'],
        ['no metadata, odd top-level values', '{"apiVersion":"v1","kind":"Pod","spec":null,"n":1.5,"b":false,"a":[]}'],
        ['metadata that is not an object', '{"apiVersion":"apps/v1","kind":"Deployment","metadata":["x",{"y":1}],"spec":{}}'],
    ];
    for (const [what, text] of cases) {
        const inPlace = sanitizeOwnedObject(JSON.parse(text));
        assertSameProjection(inPlace, sanitizeObject(JSON.parse(text)), what);
        assert.equal(Object.getPrototypeOf(inPlace.obj), Object.prototype, what);
    }
    assert.equal({}.polluted, undefined);
    for (const notAnObject of [null, 'x', 3, [1]])
        assert.deepStrictEqual(sanitizeOwnedObject(notAnObject), sanitizeObject(notAnObject));
});
