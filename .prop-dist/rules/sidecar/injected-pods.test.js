// Regression tests: a live dump of a pod Istio injected, with nothing wrong, gives no BYP finding
// (bar BYP004's info note on istio-init, which is about the namespace, not the pod).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rules } from './index.js';
import { scanYaml } from '../../testing/kit.js';
import { bookinfoNamespace, injectedPod, PROXY_DIGEST } from './injected-fixtures.js';
async function bypFindings(yaml) {
    const res = await scanYaml(yaml, { rules });
    assert.deepEqual(res.errors, []);
    assert.deepEqual(res.failures, []);
    return res.findings.map((f) => `${f.ruleId} ${f.severity} ${f.resource.kind} ${f.location?.path ?? ''}: ${f.message}`);
}
const CASES = [
    { what: 'Istio 1.24 without CNI (istio-init), docker.io', image: 'docker.io/istio/proxyv2:1.24.2', cni: false },
    { what: 'Istio 1.26 with CNI (istio-validation), gcr.io distroless', image: 'gcr.io/istio-release/proxyv2:1.26.3-distroless', cni: true },
    { what: 'Istio 1.30 with CNI, native sidecar, registry.istio.io', image: 'registry.istio.io/release/proxyv2:1.30.0', cni: true, native: true },
    { what: 'Istio 1.30 without CNI, native sidecar, registry.istio.io debug', image: 'registry.istio.io/release/proxyv2:1.30.1-debug', cni: false, native: true },
    { what: 'a build from registry.istio.io/testing pinned by digest', image: `registry.istio.io/testing/proxyv2:1.31-dev@${PROXY_DIGEST}`, cni: true },
    { what: 'a build from gcr.io/istio-testing', image: 'gcr.io/istio-testing/proxyv2:1.31-alpha.0', cni: true, native: true },
];
for (const c of CASES) {
    test(`an injected pod dump gives no BYP finding: ${c.what}`, async () => {
        const found = await bypFindings(bookinfoNamespace() + '---\n' + injectedPod(c));
        // Without CNI, istio-init's NET_ADMIN/NET_RAW need is a true note about the namespace (info).
        const expected = c.cni ? [] : [/^BYP004 info Pod spec\.initContainers\[0\]: init container "istio-init"/];
        assert.equal(found.length, expected.length, found.join('\n'));
        expected.forEach((re, i) => assert.match(found[i], re));
    });
}
test('the injector-written excludeInboundPorts keeps user ports it appended to reportable', async () => {
    // The injector appends the status port to the user's list: "8081,15020". 8081 is still the user's.
    const pod = injectedPod({ image: 'docker.io/istio/proxyv2:1.28.0', cni: true }).replace('traffic.sidecar.istio.io/excludeInboundPorts: "15020"', 'traffic.sidecar.istio.io/excludeInboundPorts: "8081,15020"');
    const found = await bypFindings(bookinfoNamespace() + '---\n' + pod);
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0], /^BYP006 medium Pod metadata\.annotations\["traffic\.sidecar\.istio\.io\/excludeInboundPorts"\]: .*on port 8081 reach the application directly/);
    assert.doesNotMatch(found[0], /15020 reach/);
});
test('an injected pod whose proxy image comes from a look-alike registry is still impersonation', async () => {
    const found = await bypFindings(bookinfoNamespace() + '---\n' + injectedPod({ image: 'registry.istio.io.evil.example/release/proxyv2:1.30.0', cni: true }));
    const byp002 = found.filter((f) => f.startsWith('BYP002'));
    assert.equal(byp002.length, 2, found.join('\n')); // istio-validation and istio-proxy
    assert.ok(byp002.every((f) => /registry\.istio\.io\.evil\.example\/release\/proxyv2 is not in settings\.trustedProxyImages/.test(f)));
});
test('kubectl get pods -o yaml (a List) and -o json of injected pods give no BYP finding, end to end through the CLI', async () => {
    const yaml = await import('js-yaml');
    const ONLY = rules.map((r) => r.meta.id).join(',');
    const { runCli } = await import('../../testing/kit.js');
    const pods = [
        injectedPod({ name: 'reviews-v1-a', image: 'registry.istio.io/release/proxyv2:1.30.0', cni: true }),
        injectedPod({ name: 'reviews-v1-b', image: 'registry.istio.io/release/proxyv2:1.30.0-distroless', cni: true, native: true }),
    ].map((p) => yaml.load(p));
    const list = { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [yaml.load(bookinfoNamespace('istio-injection: enabled\n    pod-security.kubernetes.io/enforce: restricted')), ...pods] };
    for (const [format, text] of [
        ['yaml', yaml.dump(list)],
        ['json', JSON.stringify(list, null, 2)],
    ]) {
        const r = await runCli(['scan', '-', '--format', 'json', '--only', ONLY, '--config', '/dev/null'], { stdin: text });
        assert.equal(r.code, 0, `${format}: ${r.stderr}`);
        const report = JSON.parse(r.stdout);
        assert.deepEqual(report.errors, [], format);
        assert.deepEqual(report.findings.map((f) => `${f.ruleId}: ${f.message}`), [], format);
    }
    // The same dump with a look-alike proxy image must fail the run.
    const bad = JSON.stringify({ ...list, items: [list.items[0], yaml.load(injectedPod({ image: 'registry.istio.io.example.net/release/proxyv2:1.30.0', cni: true }))] });
    const r = await runCli(['scan', '-', '--format', 'json', '--only', ONLY, '--config', '/dev/null'], { stdin: bad });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(JSON.parse(r.stdout).findings.some((f) => f.ruleId === 'BYP002'));
});
test("a private-mirror install: the injector's own image is reported once at low (BYP002), not as impersonation or UID 1337", async () => {
    const mirror = 'registry.example.com/mirror/istio/proxyv2:1.28.2';
    const cm = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  values: '{"global":{"hub":"registry.example.com/mirror/istio","tag":"1.28.2"},"revision":""}'
---
`;
    const found = await bypFindings(cm + bookinfoNamespace() + '---\n' + injectedPod({ image: mirror, cni: true }));
    assert.equal(found.length, 2, found.join('\n')); // istio-validation and istio-proxy
    assert.ok(found.every((f) => /^BYP002 low .*is the proxy image the injector is configured with \(ConfigMap istio-system\/istio-sidecar-injector\)/.test(f)), found.join('\n'));
    // Without the injector in the input, or with another image, the mirror is not vouched for.
    const alone = await bypFindings(bookinfoNamespace() + '---\n' + injectedPod({ image: mirror, cni: true }));
    assert.ok(alone.some((f) => f.startsWith('BYP002 high')) && alone.some((f) => f.startsWith('BYP001 high')), alone.join('\n'));
    const other = await bypFindings(cm + bookinfoNamespace() + '---\n' + injectedPod({ image: 'registry.example.com/other/proxyv2:1.28.2', cni: true }));
    assert.ok(other.some((f) => f.startsWith('BYP002 high')), other.join('\n'));
});
test('capture exclusions the injector copies from the installation are reported once, at the installation setting', async () => {
    const cm = (proxy) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  values: '${JSON.stringify({ global: { hub: 'docker.io/istio', tag: '1.28.0', proxy } })}'
---
`;
    const annotations = '    traffic.sidecar.istio.io/excludeOutboundIPRanges: 10.0.0.0/8\n';
    const pods = injectedPod({ name: 'reviews-v1-a', image: 'docker.io/istio/proxyv2:1.28.0', cni: true, extraAnnotations: annotations }) +
        '---\n' +
        injectedPod({ name: 'reviews-v1-b', image: 'docker.io/istio/proxyv2:1.28.0', cni: true, extraAnnotations: annotations });
    const found = await bypFindings(cm({ excludeIPRanges: '10.0.0.0/8' }) + bookinfoNamespace() + '---\n' + pods);
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0], /^BYP006 high ConfigMap data\.values: The sidecar injector of ConfigMap istio-system\/istio-sidecar-injector writes traffic\.sidecar\.istio\.io\/excludeOutboundIPRanges="10\.0\.0\.0\/8" on every pod it injects \(from global\.proxy\.excludeIPRanges\), for example on Pod bookinfo\/reviews-v1-a/);
    // Another value than the installation's is the pod's own: reported on each pod.
    const own = await bypFindings(cm({ excludeIPRanges: '192.168.0.0/16' }) + bookinfoNamespace() + '---\n' + pods);
    assert.equal(own.filter((f) => f.startsWith('BYP006 high Pod')).length, 2, own.join('\n'));
    // The injector prepends the status port to the installation's excludeInboundPorts.
    const ports = injectedPod({ image: 'docker.io/istio/proxyv2:1.28.0', cni: true }).replace('excludeInboundPorts: "15020"', 'excludeInboundPorts: "15020,9000"');
    const fromValues = await bypFindings(cm({ excludeInboundPorts: '9000' }) + bookinfoNamespace() + '---\n' + ports);
    assert.equal(fromValues.length, 1, fromValues.join('\n'));
    assert.match(fromValues[0], /^BYP006 medium ConfigMap .*from global\.proxy\.excludeInboundPorts/);
});
