/**
 * The three-mesh example (examples/federation): the generated configuration, scanned with what runs in
 * each mesh, is clean at medium and above; posture shows each exported service admitting exactly its
 * importers; and breaking one thing at a time in the output brings the specific FED or AUT finding.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, runCli } from '../testing/kit.js';
import { scanFiles } from '../engine/scan.js';
import { loadPlan } from './plan.js';
import { generateFederation } from './generate.js';
import { renderYamlStream } from '../tenancy/yaml-out.js';
import { allRules } from '../rules/index.js';
const PLAN = 'examples/federation/plan.yaml';
const MESHES = ['east', 'west', 'north'];
let out = '';
let plan;
before(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), 'meshward-federate-'));
    const r = await runCli(['federate', PLAN, '--output', out]);
    assert.equal(r.code, 0, r.stderr);
    plan = await loadPlan(await readFile(path.join(REPO_ROOT, PLAN), 'utf8'), PLAN);
});
after(async () => {
    if (out)
        await rm(out, { recursive: true, force: true });
});
const cluster = (m) => path.join(REPO_ROOT, 'examples/federation/clusters', `${m}.yaml`);
for (const m of MESHES) {
    test(`mesh ${m}: the generated configuration scans clean at medium and above (built CLI, with the plan)`, async () => {
        const r = await runCli(['scan', cluster(m), path.join(out, `${m}.yaml`), '--federation-plan', PLAN, '--fail-on', 'medium', '--format', 'json']);
        const report = JSON.parse(r.stdout);
        const serious = report.findings.filter((f) => ['critical', 'high', 'medium'].includes(f.severity));
        assert.deepEqual(serious.map((f) => `${f.ruleId} ${f.message}`), []);
        assert.equal(r.code, 0, r.stderr);
    });
}
test('posture: each exported workload is admitted only by its federation policy, which names exactly its importers', async () => {
    for (const m of plan.plan.meshes) {
        const generated = parseAllDocuments(await readFile(path.join(out, `${m.name}.yaml`), 'utf8')).map((d) => d.toJS());
        const r = await runCli(['posture', cluster(m.name), path.join(out, `${m.name}.yaml`), '--format', 'json']);
        assert.equal(r.code, 0, r.stderr);
        const posture = JSON.parse(r.stdout);
        for (const e of m.exports) {
            const wp = posture.workloads.find((w) => w.namespace === e.namespace && w.name === e.service);
            assert.ok(wp, `${m.name}: no posture for ${e.namespace}/${e.service}`);
            assert.equal(wp.mtls.mode, 'STRICT');
            const allows = wp.policies.filter((p) => p.kind === 'AuthorizationPolicy' && p.action === 'ALLOW' && p.enforcedBy === 'sidecar');
            assert.deepEqual(allows.map((p) => `${p.namespace}/${p.name}`), [`${e.namespace}/federation.${e.service}`]);
            const ap = generated.find((o) => o?.kind === 'AuthorizationPolicy' && o.metadata.namespace === e.namespace && o.metadata.name === `federation.${e.service}`);
            const admitted = ap.spec.rules.flatMap((r) => r.from.flatMap((f) => f.source.principals)).sort();
            const expected = e.importers.map((i) => `${plan.meshes.get(i.mesh).trustDomain}/ns/${i.namespace}/sa/${i.serviceAccount}`).sort();
            assert.deepEqual(admitted, expected, `${m.name}: ${e.namespace}/${e.service}`);
        }
    }
});
/** Scans mesh east's cluster plus its generated objects after `edit`, and returns the findings at medium and above. */
async function brokenEast(edit, opts = {}) {
    const east = generateFederation(plan).find((o) => o.mesh === 'east');
    const objects = edit(east.docs.map((d) => structuredClone(d.object)));
    const text = renderYamlStream([], objects.map((object) => ({ object })));
    const res = await scanFiles([
        { file: 'east-cluster.yaml', text: (opts.cluster ?? ((t) => t))(await readFile(cluster('east'), 'utf8')), format: 'yaml' },
        { file: 'east.yaml', text, format: 'yaml' },
    ], { rules: [...allRules], settings: { federationPlan: plan } });
    return res.findings.filter((f) => opts.all || ['critical', 'high', 'medium'].includes(f.severity)).map((f) => ({ id: f.ruleId, severity: f.severity, message: f.message, path: f.location?.path }));
}
test('unbroken, the library scan agrees: nothing at medium or above', async () => {
    assert.deepEqual(await brokenEast((o) => o), []);
});
test('break: widen the gateway hosts by one service → FED001; to *.local → AUT019', async () => {
    const widen = (hosts) => (objects) => objects.map((o) => (o.kind === 'Gateway' ? { ...o, spec: { ...o.spec, servers: [{ ...o.spec.servers[0], hosts }] } } : o));
    const one = await brokenEast(widen(['card-api.payments.svc.cluster.local', 'frontend.shop.svc.cluster.local']));
    assert.deepEqual(one.map((f) => f.id), ['FED001']);
    assert.match(one[0].message, /"frontend\.shop\.svc\.cluster\.local", which nothing in the federation plan/);
    // Under mesh-wide STRICT, AUT019 grades *.local low: the sidecars still demand a mesh certificate.
    const all = await brokenEast(widen(['*.local']), { all: true });
    assert.ok(all.some((f) => f.id === 'AUT019' && f.severity === 'low'), JSON.stringify(all));
});
test("break: drop the export's AuthorizationPolicy → FED002 (and AUT006)", async () => {
    const f = await brokenEast((objects) => objects.filter((o) => o.kind !== 'AuthorizationPolicy'));
    const ids = f.map((x) => x.id).sort();
    assert.ok(ids.includes('FED002'), JSON.stringify(f));
    assert.match(f.find((x) => x.id === 'FED002').message, /through to Service payments\/card-api/);
});
test("break: admit anyone alongside the importers → FED002", async () => {
    const f = await brokenEast((objects) => objects.map((o) => (o.kind === 'AuthorizationPolicy' ? { ...o, spec: { ...o.spec, rules: [...o.spec.rules, { to: [{ operation: { ports: ['8080'] } }] }] } } : o)));
    assert.ok(f.some((x) => x.id === 'FED002'), JSON.stringify(f));
});
test('break: drop the SANs of an import → FED003; point it at an unknown gateway → FED004', async () => {
    const noSans = await brokenEast((objects) => objects.map((o) => {
        if (o.kind !== 'DestinationRule')
            return o;
        const tp = o.spec.trafficPolicy;
        return { ...o, spec: { ...o.spec, trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, portLevelSettings: tp.portLevelSettings.map((p) => ({ ...p, tls: { mode: 'ISTIO_MUTUAL', sni: p.tls.sni } })) } } };
    }));
    assert.ok(noSans.length > 0 && noSans.every((f) => f.id === 'FED003'), JSON.stringify(noSans));
    const elsewhere = await brokenEast((objects) => objects.map((o) => (o.kind === 'ServiceEntry' ? { ...o, spec: { ...o.spec, endpoints: o.spec.endpoints.map((e) => ({ ...e, address: '192.0.2.99' })) } } : o)));
    assert.ok(elsewhere.length > 0 && elsewhere.every((f) => f.id === 'FED004'), JSON.stringify(elsewhere));
});
test('break: add a trust-domain alias to the mesh config → FED005', async () => {
    const f = await brokenEast((o) => o, { cluster: (t) => t.replace('trustDomain: east.example.com\n', 'trustDomain: east.example.com\n    trustDomainAliases: [west.example.com]\n') });
    // MCL003 reports every alias (medium); FED005 says it is wider than the plan (high).
    assert.deepEqual(f.map((x) => `${x.id} ${x.severity}`).sort(), ['FED005 high', 'MCL003 medium'], JSON.stringify(f));
    assert.match(f.find((x) => x.id === 'FED005').message, /trustDomainAliases "west\.example\.com".*federates mesh west per exported service/);
});
test("the generated mesh config pieces trust peers' roots only for their own trust domains (FED005 clean)", async () => {
    for (const o of generateFederation(plan)) {
        const res = await scanFiles([{ file: 'mesh.yaml', text: `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: istio, namespace: istio-system}\nspec: ${JSON.stringify(o.meshConfig)}\n`, format: 'yaml' }], {
            rules: allRules.filter((r) => r.meta.id === 'FED005'),
            settings: { federationPlan: plan },
        });
        assert.deepEqual(res.findings.map((f) => f.message), [], o.mesh);
    }
    // north trusts east's and west's roots explicitly: its piece carries both, each for its trust domain only.
    const north = generateFederation(plan).find((o) => o.mesh === 'north');
    const cas = north.meshConfig.meshConfig.caCertificates;
    assert.deepEqual(cas.map((c) => c.trustDomains), [['east.example.com'], ['west.example.com']]);
    assert.equal(generateFederation(plan).find((o) => o.mesh === 'east').meshConfig.meshConfig.trustDomainAliases, undefined);
});
