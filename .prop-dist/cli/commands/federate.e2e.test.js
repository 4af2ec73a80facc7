import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../../testing/kit.js';
import { TWO_MESH_PLAN, eastWestGateway } from '../../federation/fixtures.js';
const PLAN = 'examples/federation/plan.yaml';
async function withDir(fn) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'meshward-fed-e2e-'));
    try {
        return await fn(dir);
    }
    finally {
        await rm(dir, { recursive: true, force: true });
    }
}
test('federate PLAN writes every mesh to standard output: valid YAML, no wildcard gateway hosts, Istio SNI format', async () => {
    const r = await runCli(['federate', PLAN]);
    assert.equal(r.code, 0, r.stderr);
    const docs = parseAllDocuments(r.stdout).map((d) => {
        assert.deepEqual(d.errors, []);
        return d.toJS();
    });
    const kinds = docs.map((d) => d?.kind ?? 'meshConfig');
    for (const k of ['Gateway', 'AuthorizationPolicy', 'PeerAuthentication', 'ServiceEntry', 'DestinationRule', 'meshConfig'])
        assert.ok(kinds.includes(k), k);
    for (const g of docs.filter((d) => d?.kind === 'Gateway')) {
        for (const s of g.spec.servers) {
            assert.equal(s.tls.mode, 'AUTO_PASSTHROUGH');
            assert.equal(s.port.number, 15443);
            for (const h of s.hosts)
                assert.doesNotMatch(h, /\*/);
        }
    }
    for (const dr of docs.filter((d) => d?.kind === 'DestinationRule')) {
        for (const p of dr.spec.trafficPolicy.portLevelSettings) {
            assert.match(p.tls.sni, new RegExp(`^outbound_\\.${p.port.number}_\\._\\.[a-z0-9-]+\\.[a-z0-9-]+\\.svc\\.cluster\\.local$`));
            assert.equal(p.tls.mode, 'ISTIO_MUTUAL');
            assert.ok(p.tls.subjectAltNames.length > 0 && p.tls.subjectAltNames.every((s) => s.startsWith('spiffe://')));
        }
    }
    for (const se of docs.filter((d) => d?.kind === 'ServiceEntry')) {
        assert.equal(se.spec.location, 'MESH_INTERNAL');
        assert.deepEqual(se.spec.exportTo, ['.']);
    }
    assert.match(r.stdout, /^# meshward federate: Kubernetes objects for mesh east/);
    assert.match(r.stdout, /# trustDomainAliases is deliberately not set/);
});
test('--format json, and --output DIR writes one file per mesh plus its mesh-config piece', async () => {
    const j = await runCli(['federate', PLAN, '--format', 'json']);
    assert.equal(j.code, 0, j.stderr);
    const parsed = JSON.parse(j.stdout);
    assert.deepEqual(parsed.meshes.map((m) => m.mesh), ['east', 'west', 'north']);
    await withDir(async (dir) => {
        const r = await runCli(['federate', PLAN, '--output', dir]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, '');
        assert.deepEqual((await readdir(dir)).sort(), ['east.mesh-config.yaml', 'east.yaml', 'north.mesh-config.yaml', 'north.yaml', 'west.mesh-config.yaml', 'west.yaml']);
        const north = parseAllDocuments(await readFile(path.join(dir, 'north.mesh-config.yaml'), 'utf8'))[0].toJS();
        assert.deepEqual(north.meshConfig.caCertificates.map((c) => c.trustDomains), [['east.example.com'], ['west.example.com']]);
    });
});
test('hostile plans: a clear error with file, line and field, exit 2, and nothing written to standard output', async () => {
    await withDir(async (dir) => {
        const cases = [
            [TWO_MESH_PLAN.replace('namespace: shop', 'namespace: "shop\\n---\\nkind: ClusterRoleBinding"'), /plan\.yaml:12: meshes\.0\.exports\.0\.importers\.0\.namespace: namespace must be a DNS-1123 label/],
            [TWO_MESH_PLAN.replace('service: card-api', 'service: "card-api: {x: y}"'), /plan\.yaml:9: meshes\.0\.exports\.0\.service: service must be a DNS-1123 label/],
            [TWO_MESH_PLAN.replace('name: west', 'name: __proto__'), /mesh name must be a DNS-1123 label/],
            [TWO_MESH_PLAN.replace('trustDomain: west.example.com', 'trustDomain: east.example.com'), /share the trust domain "east\.example\.com"/],
            [TWO_MESH_PLAN.replace('{mesh: west,', '{mesh: ghost,'), /"ghost" is not a mesh of this plan/],
            [TWO_MESH_PLAN.replace(/rootCA: \{sha256: "(ab)+"\}/, 'rootCA: {pem: "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n"}'), /meshes\.0\.rootCA\.pem: cannot be parsed as an X\.509 certificate/],
            [`${TWO_MESH_PLAN}  localServices: [payments/card-api]\n`, /would shadow its Service payments\/card-api of mesh west.*alias: card-api\.payments\.east\.global/],
            ['x'.repeat(2 * 1024 * 1024), /plan\.yaml: larger than 1024 KiB/],
        ];
        for (const [text, pattern] of cases) {
            const file = path.join(dir, 'plan.yaml');
            await writeFile(file, text);
            const r = await runCli(['federate', 'plan.yaml', '--output', path.join(dir, 'out')], { cwd: dir });
            assert.equal(r.code, 2, `${pattern}: ${r.stderr}`);
            assert.equal(r.stdout, '');
            assert.match(r.stderr, pattern);
            assert.doesNotMatch(r.stderr, /ClusterRoleBinding\n/);
            assert.ok(r.stderr.length < 2000, 'error stays short');
            await assert.rejects(readdir(path.join(dir, 'out')));
        }
        const missing = await runCli(['federate', 'nope.yaml'], { cwd: dir });
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /nope\.yaml: cannot read the plan \(ENOENT\)/);
    });
});
test('scan --federation-plan, or federationPlan in the config file, judges the federation by the plan', async () => {
    await withDir(async (dir) => {
        await writeFile(path.join(dir, 'plan.yaml'), TWO_MESH_PLAN);
        await writeFile(path.join(dir, 'gw.yaml'), eastWestGateway(['card-api.payments.svc.cluster.local', 'admin.payments.svc.cluster.local']));
        // Without the plan and without imports in the input, the gateway is not judged.
        const bare = await runCli(['scan', 'gw.yaml', '--only', 'FED001', '--format', 'json'], { cwd: dir });
        assert.deepEqual(JSON.parse(bare.stdout).findings, []);
        const flag = await runCli(['scan', 'gw.yaml', '--only', 'FED001', '--federation-plan', 'plan.yaml', '--format', 'json', '--fail-on', 'none'], { cwd: dir });
        assert.equal(flag.code, 0, flag.stderr);
        const f = JSON.parse(flag.stdout).findings;
        assert.equal(f.length, 1);
        assert.match(f[0].message, /"admin\.payments\.svc\.cluster\.local", which nothing in the federation plan plan\.yaml imports/);
        await writeFile(path.join(dir, 'meshward.yaml'), 'settings:\n  federationPlan: plan.yaml\n');
        const cfg = await runCli(['scan', 'gw.yaml', '--only', 'FED001', '--config', 'meshward.yaml', '--format', 'json', '--fail-on', 'none'], { cwd: dir });
        assert.equal(cfg.code, 0, cfg.stderr);
        assert.equal(JSON.parse(cfg.stdout).findings.length, 1);
        await writeFile(path.join(dir, 'bad.yaml'), TWO_MESH_PLAN.replace('network: net-west', 'network: "x y"'));
        const bad = await runCli(['scan', 'gw.yaml', '--federation-plan', 'bad.yaml'], { cwd: dir });
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /bad\.yaml:15: meshes\.1\.network: network must be a DNS-1123 label/);
    });
});
