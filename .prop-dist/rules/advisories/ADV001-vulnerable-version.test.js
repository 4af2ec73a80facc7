import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import rule from './ADV001-vulnerable-version.js';
import { findingsFor } from '../../testing/kit.js';
import { parseAdvisoryDatabase, setAdvisoryClock, setAdvisoryDatabase } from '../../advisories/database.js';
before(() => setAdvisoryClock(new Date('2026-11-22T00:00:00Z')));
after(() => {
    setAdvisoryClock(null);
    setAdvisoryDatabase(null);
});
const istiod = (image) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: istio-system}
spec:
  template:
    metadata: {labels: {app: istiod}}
    spec:
      containers:
      - name: discovery
        image: ${image}
`;
test('istiod on an affected release: bulletins, highest CVSS, nearest fix, severity from CVSS', async () => {
    const f = await findingsFor(rule, istiod('docker.io/istio/pilot:1.29.3'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.template.spec.containers[0].image');
    assert.equal(f[0].location?.line, 11);
    assert.match(f[0].message, /^Container "discovery" of Deployment istio-system\/istiod runs Istio 1\.29\.3 \(image docker\.io\/istio\/pilot:1\.29\.3\)/);
    // 1.29 reached end of support on 2026-10-12: the nearest fix is named, and the supported upgrade.
    assert.match(f[0].message, /affected by 2 Istio security bulletins: ISTIO-SECURITY-2026-006, ISTIO-SECURITY-2026-004; highest CVSS 7\.7 \(ISTIO-SECURITY-2026-006\); nearest fixed version 1\.29\.7, but 1\.29 is past end of support: upgrade to 1\.30\.4 or later\.$/);
    assert.match(f[0].remediation, /Upgrade to Istio 1\.30\.4 or later/);
    assert.deepEqual(f[0].evidence.map((e) => e.description.slice(0, 23)), ['ISTIO-SECURITY-2026-006', 'ISTIO-SECURITY-2026-004']);
});
test('CVSS 10 makes it critical; an EOL minor points to a supported upgrade', async () => {
    const f = await findingsFor(rule, istiod('gcr.io/istio-release/pilot:1.9.4-distroless'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.match(f[0].message, /affected by 18 Istio security bulletins: ISTIO-SECURITY-2021-006, ISTIO-SECURITY-2021-007, /, 'worst first');
    assert.match(f[0].message, / and 10 more; highest CVSS 10 \(ISTIO-SECURITY-2021-006\);/);
    assert.equal(f[0].evidence.length, 18, 'every bulletin is in the evidence');
    assert.match(f[0].message, /nearest fixed version 1\.30\.4 \(no 1\.9 release fixes them all\)/);
});
test('a fixed, supported release is clean', async () => {
    assert.equal((await findingsFor(rule, istiod('docker.io/istio/pilot:1.31.1'))).length, 0);
    assert.equal((await findingsFor(rule, istiod('docker.io/istio/pilot:1.30.4'))).length, 0);
});
test('behavioural bulletins (2021-002, 2021-004, 2026-002) never make a version finding', async () => {
    // 1.31.1 is inside all three behavioural ranges and nothing else.
    const f = await findingsFor(rule, istiod('docker.io/istio/pilot:1.31.1'));
    assert.deepEqual(f, []);
});
test('the proxyImage annotation pins an affected sidecar', async () => {
    const f = await findingsFor(rule, `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      annotations:
        sidecar.istio.io/proxyImage: docker.io/istio/proxyv2:1.30.1
    spec:
      containers: [{name: app, image: example/app:1}]
`);
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.template.metadata.annotations["sidecar.istio.io/proxyImage"]');
    assert.equal(f[0].location?.line, 8);
    assert.match(f[0].message, /^Annotation sidecar\.istio\.io\/proxyImage of Deployment shop\/web pins the sidecar to Istio 1\.30\.1/);
    assert.match(f[0].message, /ISTIO-SECURITY-2026-006, ISTIO-SECURITY-2026-005; highest CVSS 7\.7 \(ISTIO-SECURITY-2026-006\); nearest fixed version 1\.30\.4\./);
});
test('vendor builds are flagged with a caveat, not silently trusted or dropped', async () => {
    const f = await findingsFor(rule, istiod('us-docker.pkg.dev/vendor/istio/pilot:1.29.3-solo'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /vendor build \("solo"\): the vendor may have back-ported fixes/);
});
test('IstioOperator and injector Helm values are checked at their tag', async () => {
    const f = await findingsFor(rule, `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: cp, namespace: istio-system}
spec:
  hub: docker.io/istio
  tag: 1.28.4
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  values: '{"global":{"hub":"docker.io/istio","tag":"1.28.4"}}'
`);
    assert.equal(f.length, 2);
    const iop = f.find((x) => x.resource.kind === 'IstioOperator');
    assert.equal(iop.location?.path, 'spec.tag');
    assert.match(iop.message, /^Spec\.tag of IstioOperator istio-system\/cp installs Istio 1\.28\.4 \(docker\.io\/istio tag 1\.28\.4\)/);
    assert.match(iop.message, /ISTIO-SECURITY-2026-001/);
    assert.equal(iop.severity, 'high');
    const cm = f.find((x) => x.resource.kind === 'ConfigMap');
    assert.equal(cm.location?.path, 'data.values');
    assert.match(cm.message, /injects proxies of Istio 1\.28\.4/);
});
test('unknown versions and revision names are not guessed', async () => {
    const f = await findingsFor(rule, `apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod-1-9-0, namespace: istio-system, labels: {istio.io/rev: 1-9-0}}
spec:
  template:
    metadata: {labels: {istio.io/rev: 1-9-0}}
    spec:
      containers:
      - {name: discovery, image: "docker.io/istio/pilot@sha256:${'a'.repeat(64)}"}
      - {name: other, image: "docker.io/istio/pilot:latest"}
`);
    assert.deepEqual(f, []);
});
test('a newer database installed with setAdvisoryDatabase is what the rule reads', async () => {
    setAdvisoryDatabase(parseAdvisoryDatabase({
        schemaVersion: 1,
        generated: '2027-03-01',
        minors: [{ minor: '1.31', eol: null }],
        bulletins: [
            {
                id: 'ISTIO-SECURITY-2027-001',
                published: '2027-02-27',
                url: 'https://istio.io/latest/news/security/istio-security-2027-001/',
                cves: ['CVE-2027-10001'],
                cvss: 3.1,
                cvssVector: null,
                affected: ['1.31.0 to 1.31.1'],
                fixedIn: ['1.31.2'],
                summary: 'A future bulletin.',
            },
        ],
    }, 'newer.json'));
    try {
        const f = await findingsFor(rule, istiod('docker.io/istio/pilot:1.31.1'));
        assert.equal(f.length, 1);
        assert.equal(f[0].severity, 'low', 'CVSS 3.1 is low');
        assert.match(f[0].message, /ISTIO-SECURITY-2027-001; highest CVSS 3\.1 \(ISTIO-SECURITY-2027-001\); nearest fixed version 1\.31\.2\./);
    }
    finally {
        setAdvisoryDatabase(null);
    }
});
test('one finding per container, stable keys', async () => {
    const f = await findingsFor(rule, `apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: istio-ingress}
spec:
  initContainers: [{name: istio-init, image: "docker.io/istio/proxyv2:1.29.0"}]
  containers: [{name: istio-proxy, image: "docker.io/istio/proxyv2:1.29.0"}]
`);
    assert.equal(f.length, 2);
    assert.notEqual(f[0].fingerprint, f[1].fingerprint);
    assert.ok(f.every((x) => x.severity === 'high'));
    assert.ok(f.some((x) => /^Init container "istio-init"/.test(x.message)));
});
