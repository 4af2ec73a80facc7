import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP010-istio-container-shape.js';
import byp003 from './BYP003-iptables-capabilities.js';
import byp004 from './BYP004-istio-init-needs-net-admin.js';
import { findingsFor } from '../../testing/kit.js';
import { bookinfoNamespace, injectedPod } from './injected-fixtures.js';
const IMAGE = 'docker.io/istio/proxyv2:1.24.2';
const pod = (body) => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
${body}`;
const init = (securityContext, name = 'istio-init', image = IMAGE) => pod(`  initContainers:
  - name: ${name}
    image: ${image}
    securityContext:
${securityContext}
  containers:
  - {name: app, image: example/app:1}
`);
test('istio-init adding SYS_ADMIN is critical, at the capability', async () => {
    const f = await findingsFor(rule, init('      capabilities:\n        add: [NET_ADMIN, NET_RAW, SYS_ADMIN]\n        drop: [ALL]'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.equal(f[0].location?.path, 'spec.initContainers[0].securityContext.capabilities.add[2]');
    assert.match(f[0].message, /^init container "istio-init" of Pod shop\/p runs Istio's proxy image but adds capability SYS_ADMIN, which Istio's injector never gives istio-init \(it adds only NET_ADMIN and NET_RAW\)/);
});
test('ALL (any spelling) is critical; another capability is high; privileged is high and names the install value', async () => {
    const all = await findingsFor(rule, init('      capabilities:\n        add: [cap_all]'));
    assert.equal(all.length, 1);
    assert.equal(all[0].severity, 'critical');
    assert.match(all[0].message, /adds capability ALL \(written "cap_all"\)/);
    const other = await findingsFor(rule, init('      capabilities:\n        add: [NET_ADMIN, SYS_PTRACE]'));
    assert.equal(other.length, 1);
    assert.equal(other[0].severity, 'high');
    const priv = await findingsFor(rule, init('      privileged: true\n      capabilities:\n        add: [NET_ADMIN, NET_RAW]'));
    assert.equal(priv.length, 1);
    assert.equal(priv[0].severity, 'high');
    assert.equal(priv[0].location?.path, 'spec.initContainers[0].securityContext.privileged');
    assert.match(priv[0].message, /values\.global\.proxy\.privileged=true/);
});
test('istio-validation adding any capability is reported', async () => {
    const f = await findingsFor(rule, init('      capabilities:\n        add: [NET_ADMIN]', 'istio-validation'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /never gives istio-validation \(it adds none\)/);
});
test('a main container named istio-init is reported whatever its image; a native-sidecar istio-init too', async () => {
    for (const image of [IMAGE, 'example/tools:1']) {
        const f = await findingsFor(rule, pod(`  containers:\n  - {name: app, image: example/app:1}\n  - name: istio-init\n    image: ${image}\n`));
        assert.equal(f.length, 1, image);
        assert.equal(f[0].location?.path, 'spec.containers[1]');
        assert.match(f[0].message, /is a main container, while Istio only ever injects istio-init as an init container/);
    }
    const native = await findingsFor(rule, pod(`  initContainers:\n  - {name: istio-init, image: "${IMAGE}", restartPolicy: Always}\n  containers:\n  - {name: app, image: example/app:1}\n`));
    assert.equal(native.length, 1);
    assert.equal(native[0].location?.path, 'spec.initContainers[0].restartPolicy');
});
test('istio-proxy as a plain init container is reported; as a native sidecar it is not', async () => {
    const plain = await findingsFor(rule, pod(`  initContainers:\n  - {name: istio-proxy, image: "${IMAGE}"}\n  containers:\n  - {name: app, image: example/app:1}\n`));
    assert.equal(plain.length, 1);
    const native = await findingsFor(rule, pod(`  initContainers:\n  - {name: istio-proxy, image: "${IMAGE}", restartPolicy: Always}\n  containers:\n  - {name: app, image: example/app:1}\n`));
    assert.deepEqual(native, []);
});
test("Istio's own containers, as injected, are not reported (with and without CNI, native sidecars)", async () => {
    for (const o of [{ cni: false }, { cni: true }, { cni: true, native: true }, { cni: false, native: true }]) {
        const f = await findingsFor(rule, bookinfoNamespace() + '---\n' + injectedPod({ image: IMAGE, ...o }));
        assert.deepEqual(f, [], JSON.stringify(o));
    }
});
test('foreign-image init look-alikes are left to BYP002/BYP003; an image-less override is BYP003\'s', async () => {
    const foreign = init('      capabilities:\n        add: [SYS_ADMIN]', 'istio-init', 'busybox:1.36');
    assert.deepEqual(await findingsFor(rule, foreign), []);
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}\n---\n';
    assert.equal((await findingsFor(byp003, ns + foreign)).length, 1);
});
test('a SYS_ADMIN istio-init is no longer genuine: BYP004 does not call it Istio\'s redirection set-up', async () => {
    const f = await findingsFor(byp004, init('      capabilities:\n        add: [NET_ADMIN, NET_RAW, SYS_ADMIN]'));
    assert.deepEqual(f, []);
    assert.equal((await findingsFor(byp004, init('      capabilities:\n        add: [NET_ADMIN, NET_RAW]\n        drop: [ALL]'))).length, 1);
});
test('hostile shapes do not throw', async () => {
    for (const sc of ['      capabilities: {add: "SYS_ADMIN"}', '      capabilities: {add: [null, 7, {a: 1}]}', '      capabilities: []', '      privileged: "true"']) {
        assert.deepEqual(await findingsFor(rule, init(sc)), [], sc);
    }
});
