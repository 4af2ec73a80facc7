/**
 * Findings on objects read from a live cluster carry a ClusterLocation (cluster, object, field path;
 * no file, no line). Every format shows the field without making a file up; file findings beside them
 * are reported as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SEVERITIES } from '../engine/finding.js';
import { REPORTERS, CHUNKED_REPORTERS, FORMATS } from './index.js';
import { buildSarif } from './sarif.js';
const CLUSTER = 'prod-eu';
const FIELD = 'spec.containers[0].securityContext.runAsUser';
function finding(ruleId, name, cluster, location, severity = 'high') {
    return {
        ruleId,
        severity,
        title: 'Proxy runs as the wrong user',
        message: `Pod shop/${name} runs its proxy as UID 0.`,
        resource: { cluster, apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name },
        location,
        remediation: 'Run the proxy as 1337.',
        evidence: [{ role: 'namespace', description: 'Namespace shop', resource: { cluster, apiVersion: 'v1', kind: 'Namespace', namespace: '', name: 'shop' }, location: location && location.file === undefined ? { cluster, object: 'Namespace/shop', path: 'metadata.labels' } : null }],
        fingerprint: `${ruleId}${name}`.padEnd(32, '0').slice(0, 32),
    };
}
const live = finding('BYP001', 'web', CLUSTER, { cluster: CLUSTER, object: 'Pod/shop/web', path: FIELD });
const file = finding('BYP001', 'cart', 'default', { file: 'k8s/cart.yaml', line: 12, column: 7, path: FIELD });
const clusterSummary = { name: CLUSTER, context: CLUSTER, server: 'https://prod-eu.example:6443', status: 'ok', resources: 10, durationMs: 5, errors: [], notes: [] };
function report(findings, clusters) {
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length]));
    return { version: 1, findings, errors: [], summary: { bySeverity, resources: 12, files: 1, durationMs: 5, suppressed: 0, meshConfig: 'defaults', notes: [], ...(clusters ? { clusters } : {}) } };
}
const ctx = { rules: [], color: false, cwd: '/repo', srcRoot: '/repo', fallbackFile: null, version: '1.0.0' };
test('JSON: a live finding has location {cluster, object, path} and no file or line', () => {
    const out = JSON.parse(REPORTERS.json(report([live, file], [clusterSummary]), ctx));
    const l = out.findings.find((f) => f.resource.name === 'web');
    assert.deepEqual(l.location, { cluster: CLUSTER, object: 'Pod/shop/web', path: FIELD });
    assert.deepEqual(Object.keys(l.location), ['cluster', 'object', 'path']);
    assert.deepEqual(l.evidence[0].location, { cluster: CLUSTER, object: 'Namespace/shop', path: 'metadata.labels' });
    const f = out.findings.find((x) => x.resource.name === 'cart');
    assert.deepEqual(f.location, { file: 'k8s/cart.yaml', line: 12, column: 7, path: FIELD });
});
test('SARIF: a live finding is a result with a logical location and the field in properties.path, never a physical location', () => {
    const sarif = buildSarif(report([live, file], [clusterSummary]), ctx);
    const results = sarif.runs[0].results;
    const l = results.find((r) => r.properties?.resource === 'Pod/shop/web');
    assert.ok(l, 'the live finding is a result, not a notification');
    assert.equal(l.locations[0].physicalLocation, undefined);
    assert.deepEqual(l.locations[0].logicalLocations, [{ name: 'web', fullyQualifiedName: `${CLUSTER}/Pod/shop/web`, kind: 'resource' }]);
    assert.equal(l.properties?.path, FIELD);
    assert.equal(l.properties?.cluster, CLUSTER);
    assert.equal(l.relatedLocations, undefined, 'no related location with a made-up file');
    assert.deepEqual((l.properties?.evidence)[0], { role: 'namespace', description: 'Namespace shop', resource: 'Namespace/shop', path: 'metadata.labels' });
    const f = results.find((r) => r.properties?.resource === 'Pod/shop/cart');
    assert.equal(f.locations[0].physicalLocation?.artifactLocation.uri, 'k8s/cart.yaml');
    assert.deepEqual(f.locations[0].physicalLocation?.region, { startLine: 12, startColumn: 7 });
    assert.ok(!JSON.stringify(sarif).includes('"uri":""'), 'no empty file URI anywhere');
});
test('JUnit: a live finding is cluster/Kind/ns/name with its field on the Location line', () => {
    const xml = REPORTERS.junit(report([live, file], [clusterSummary]), ctx);
    assert.match(xml, new RegExp(`classname="${CLUSTER}/Pod/shop/web" name="BYP001 cluster ${CLUSTER}"`));
    assert.ok(xml.includes(`Location:    cluster ${CLUSTER}, Pod/shop/web (${FIELD})`), xml);
    assert.ok(xml.includes(`Namespace/shop at cluster ${CLUSTER}`), xml);
    assert.ok(!/file="[^"]*web/.test(xml), 'no file attribute for the live finding');
    assert.ok(xml.includes('Location:    k8s/cart.yaml:12:7'), 'the file finding keeps its file:line:column');
});
test('text and compact: a live finding shows its cluster and field, no file', () => {
    const text = REPORTERS.text(report([live, file], [clusterSummary]), ctx);
    assert.ok(text.includes(`(read from cluster ${CLUSTER})  ${FIELD}`), text);
    assert.ok(text.includes(`· Namespace shop (Namespace/shop in cluster ${CLUSTER})`), text);
    assert.ok(text.includes(`k8s/cart.yaml:12  ${FIELD}`), text);
    const compact = REPORTERS.compact(report([live, file], [clusterSummary]), ctx);
    assert.ok(compact.includes(`HIGH [BYP001] (Pod shop/web [${CLUSTER}] ${FIELD}) Pod shop/web runs its proxy as UID 0.`), compact);
    assert.ok(compact.includes('HIGH [BYP001] (Pod shop/cart k8s/cart.yaml:12) Pod shop/cart'), compact);
    assert.ok(!/undefined/.test(text + compact));
});
test('GitLab: a live finding has no file of its own: pinned on the fallback file, or left out without one', () => {
    const without = JSON.parse(REPORTERS.gitlab(report([live, file], [clusterSummary]), ctx));
    assert.deepEqual(without.map((i) => i.location.path), ['k8s/cart.yaml']);
    const pinned = JSON.parse(REPORTERS.gitlab(report([live], [clusterSummary]), { ...ctx, fallbackFile: 'mesh.yaml' }));
    assert.deepEqual(pinned[0].location, { path: 'mesh.yaml', lines: { begin: 1 } });
    assert.match(pinned[0].description, /no source position; pinned on this file/);
});
test('a live location with hostile names is escaped for terminals and stays data elsewhere', () => {
    const evil = `Pod/shop/\u001b[2Jweb`;
    const f = finding('BYP001', 'web', CLUSTER, { cluster: CLUSTER, object: evil, path: 'spec.\u001b]8;;x\u0007' });
    const text = REPORTERS.text(report([f], [clusterSummary]), ctx) + REPORTERS.compact(report([f], [clusterSummary]), ctx);
    assert.ok(!text.includes('\u001b'), 'no escape sequence reaches the terminal');
    assert.equal(JSON.parse(REPORTERS.json(report([f], [clusterSummary]), ctx)).findings[0].location.object, evil);
});
test('every format: chunked output is the same text as whole output with live locations', () => {
    const r = report([live, file], [clusterSummary]);
    for (const format of FORMATS) {
        let chunked = '';
        for (const c of CHUNKED_REPORTERS[format](r, ctx))
            chunked += c;
        assert.equal(chunked, REPORTERS[format](r, ctx), format);
    }
});
