import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP003-iptables-capabilities.js';
import { findingsFor } from '../../testing/kit.js';
const deployment = (sc, ns = 'shop') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}}
spec:
  template:
    spec:
      containers:
      - name: app
        image: example/app:1.0
        securityContext: ${sc}
`;
test('NET_ADMIN on an application container is high, at the list item', async () => {
    const f = await findingsFor(rule, deployment('{capabilities: {add: [NET_BIND_SERVICE, NET_ADMIN]}}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.template.spec.containers[0].securityContext.capabilities.add[1]');
    assert.equal(f[0].location?.line, 10);
    assert.match(f[0].message, /^container "app" of Deployment shop\/web adds capability NET_ADMIN, which lets it rewrite the pod's iptables rules/);
    assert.doesNotMatch(f[0].message, /written/);
});
test('case and the CAP_ prefix do not hide a capability; SYS_ADMIN and ALL are critical', async () => {
    const f = await findingsFor(rule, deployment('{capabilities: {add: [cap_net_raw, " Sys_Admin ", CAP_ALL]}}'));
    assert.equal(f.length, 3);
    const byPath = new Map(f.map((x) => [x.location?.path, x]));
    const raw = byPath.get('spec.template.spec.containers[0].securityContext.capabilities.add[0]');
    const sys = byPath.get('spec.template.spec.containers[0].securityContext.capabilities.add[1]');
    const all = byPath.get('spec.template.spec.containers[0].securityContext.capabilities.add[2]');
    assert.equal(raw?.severity, 'high');
    assert.match(raw.message, /adds capability NET_RAW \(written "cap_net_raw"\)/);
    assert.equal(sys?.severity, 'critical');
    assert.match(sys.message, /adds capability SYS_ADMIN \(written " Sys_Admin "\)/);
    assert.equal(all?.severity, 'critical');
    assert.match(all.message, /adds capability ALL \(written "CAP_ALL"\), which grants every capability/);
});
test('privileged: true is critical, at the field', async () => {
    const f = await findingsFor(rule, deployment('{privileged: true}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.equal(f[0].location?.path, 'spec.template.spec.containers[0].securityContext.privileged');
    assert.match(f[0].message, /^container "app" of Deployment shop\/web runs privileged/);
});
test('one finding per container and capability, with distinct fingerprints across containers', async () => {
    const pod = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  initContainers:
  - name: setup
    image: example/setup:1
    securityContext: {capabilities: {add: [NET_ADMIN, CAP_NET_ADMIN, net_admin]}}
  containers:
  - name: app
    image: example/app:1
    securityContext: {capabilities: {add: [NET_ADMIN]}}
  ephemeralContainers:
  - name: debug
    image: example/debug:1
    securityContext: {privileged: true}
`;
    const f = await findingsFor(rule, pod);
    assert.equal(f.length, 3);
    assert.equal(new Set(f.map((x) => x.fingerprint)).size, 3);
    assert.ok(f.some((x) => /^init container "setup" of Pod shop\/p adds capability NET_ADMIN,/.test(x.message) && x.location?.path === 'spec.initContainers[0].securityContext.capabilities.add[0]'));
    assert.ok(f.some((x) => /^container "app"/.test(x.message)));
    assert.ok(f.some((x) => /^ephemeral container "debug" of Pod shop\/p runs privileged/.test(x.message)));
});
test('the genuine istio-init may hold NET_ADMIN/NET_RAW; a look-alike may not', async () => {
    const pod = (image) => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  initContainers:
  - name: istio-init
    image: ${image}
    securityContext: {capabilities: {add: [NET_ADMIN, NET_RAW], drop: [ALL]}}
  containers:
  - {name: app, image: example/app:1}
`;
    assert.equal((await findingsFor(rule, pod('docker.io/istio/proxyv2:1.24.2'))).length, 0);
    const fake = await findingsFor(rule, pod('example.com/istio/proxyv2:1.24.2'));
    assert.equal(fake.length, 2);
    assert.match(fake[0].message, /init container "istio-init"/);
});
test('harmless capabilities, dropped ones and privileged: false pass', async () => {
    assert.equal((await findingsFor(rule, deployment('{capabilities: {add: [NET_BIND_SERVICE, CHOWN], drop: [NET_ADMIN, ALL]}}'))).length, 0);
    assert.equal((await findingsFor(rule, deployment('{privileged: false, allowPrivilegeEscalation: false}'))).length, 0);
    assert.equal((await findingsFor(rule, deployment('{}'))).length, 0);
});
test('system namespaces and namespaces outside the mesh are not judged', async () => {
    const ns = (name, labels) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: ${labels}}\n---\n`;
    assert.equal((await findingsFor(rule, deployment('{privileged: true}', 'istio-system'))).length, 0);
    assert.equal((await findingsFor(rule, ns('legacy', '{}') + deployment('{privileged: true}', 'legacy'))).length, 0);
    const meshed = await findingsFor(rule, ns('analytics', '{istio.io/dataplane-mode: ambient}') + deployment('{privileged: true}', 'analytics'));
    assert.equal(meshed.length, 1, 'ambient pods keep their redirection rules in the pod too');
});
test('malformed security contexts do not break the rule', async () => {
    for (const sc of ['"privileged"', '{capabilities: [NET_ADMIN]}', '{capabilities: {add: NET_ADMIN}}', '{capabilities: {add: [null, 1, {a: b}, ""]}}', '{privileged: "true"}']) {
        assert.equal((await findingsFor(rule, deployment(sc))).length, 0, sc);
    }
});
// Istio's image does not make a container Istio's: the injector's istio-init adds NET_ADMIN and NET_RAW
// only, as an init container. Anything else is judged like an application container (BYP010 adds that
// it is not the container Istio injects).
test("a container with Istio's image but not the injector's shape is judged like any other", async () => {
    const pod = (kind, caps, extra = '') => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  ${kind}:
  - name: istio-init
    image: registry.istio.io/release/proxyv2:1.30.4
    securityContext: {capabilities: {add: [${caps}], drop: [ALL]}${extra}}
${kind === 'containers' ? '' : '  containers:\n  - {name: app, image: example/app:1}\n'}`;
    assert.deepEqual(await findingsFor(rule, pod('initContainers', 'NET_ADMIN, NET_RAW')), [], 'the genuine one');
    const sysAdmin = await findingsFor(rule, pod('initContainers', 'NET_ADMIN, NET_RAW, SYS_ADMIN'));
    assert.deepEqual(sysAdmin.map((f) => `${f.severity} ${f.location?.path}`).sort(), [
        'high spec.initContainers[0].securityContext.capabilities.add[0]',
        'high spec.initContainers[0].securityContext.capabilities.add[1]',
        'critical spec.initContainers[0].securityContext.capabilities.add[2]',
    ].sort());
    assert.match(sysAdmin.find((f) => f.severity === 'critical').message, /^init container "istio-init" of Pod shop\/p adds capability SYS_ADMIN/);
    const all = await findingsFor(rule, pod('initContainers', 'ALL'));
    assert.deepEqual(all.map((f) => f.severity), ['critical']);
    const privileged = await findingsFor(rule, pod('initContainers', 'NET_ADMIN, NET_RAW', ', privileged: true'));
    assert.ok(privileged.some((f) => f.location?.path === 'spec.initContainers[0].securityContext.privileged' && f.severity === 'critical'));
    const asMain = await findingsFor(rule, pod('containers', 'NET_ADMIN, NET_RAW'));
    assert.equal(asMain.length, 2, 'a long-running istio-init keeps NET_ADMIN for the life of the pod');
});
