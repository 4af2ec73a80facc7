import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP011-several-injection-labels.js';
import { findingsFor } from '../../testing/kit.js';
const ns = (labels, name = 'payments') => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels:
${labels}`;
test('istio-injection=disabled with istio.io/rev: medium, at the revision label, says no sidecar is injected', async () => {
    const f = await findingsFor(rule, ns('    istio-injection: disabled\n    istio.io/rev: stable\n'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'metadata.labels["istio.io/rev"]');
    assert.equal(f[0].location?.line, 7);
    assert.match(f[0].message, /^Namespace payments has both istio-injection="disabled" and istio\.io\/rev="stable": istio-injection wins, so no sidecar is injected at all/);
});
test('a typo value of istio-injection next to a revision is medium too', async () => {
    const f = await findingsFor(rule, ns('    istio-injection: "true"\n    istio.io/rev: stable\n'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
});
test('istio-injection=enabled with istio.io/rev: low, the default revision wins', async () => {
    const f = await findingsFor(rule, ns('    istio-injection: enabled\n    istio.io/rev: canary\n'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'low');
    assert.match(f[0].message, /get the default revision's sidecar, not revision "canary"/);
});
test('sidecar injection with ambient mode: low, at the ambient label', async () => {
    const f = await findingsFor(rule, ns('    istio.io/rev: stable\n    istio.io/dataplane-mode: ambient\n'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'low');
    assert.equal(f[0].location?.path, 'metadata.labels["istio.io/dataplane-mode"]');
    assert.match(f[0].message, /runs in sidecar mode, not ambient/);
});
test('one label, consistent pairs and system namespaces are not reported', async () => {
    for (const labels of [
        '    istio-injection: enabled\n',
        '    istio.io/rev: stable\n',
        '    istio.io/dataplane-mode: ambient\n',
        '    istio-injection: disabled\n    istio.io/dataplane-mode: ambient\n',
        '    app: x\n',
    ]) {
        assert.deepEqual(await findingsFor(rule, ns(labels)), [], labels);
    }
    assert.deepEqual(await findingsFor(rule, ns('    istio-injection: disabled\n    istio.io/rev: stable\n', 'istio-system')), []);
});
