import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK012-mesh-export-defaults.js';
import { findingsFor } from '../../testing/kit.js';
const cm = (mesh) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
${mesh.split('\n').map((l) => `    ${l}`).join('\n')}
`;
test('unset and "*" defaults are medium, one finding per key', async () => {
    const f = await findingsFor(rule, cm('defaultVirtualServiceExportTo: ["*"]\ndefaultDestinationRuleExportTo: ["."]'));
    assert.equal(f.length, 2);
    assert.ok(f.every((x) => x.severity === 'medium'));
    assert.equal(f[0].location?.path, 'data.mesh');
    assert.match(f.map((x) => x.message).join('\n'), /defaultVirtualServiceExportTo includes "\*" in ConfigMap istio-system\/istio/);
    assert.match(f.map((x) => x.message).join('\n'), /defaultServiceExportTo is not set/);
});
test('all three narrowed passes; no mesh config at all is low', async () => {
    assert.equal((await findingsFor(rule, cm('defaultVirtualServiceExportTo: ["."]\ndefaultDestinationRuleExportTo: ["."]\ndefaultServiceExportTo: [".", "istio-system"]'))).length, 0);
    const none = await findingsFor(rule, 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n');
    assert.equal(none.length, 3);
    assert.ok(none.every((x) => x.severity === 'low'));
    assert.match(none[0].message, /Istio's defaults/);
});
