/**
 * charts/meshward's `agent` and `server` parts against `meshward generate agent` / `generate server`:
 * rendered without Helm (src/testing/helm-render.ts), object for object equal to the generators for the
 * same values; the schema refuses hostile values before any template runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../testing/kit.js';
import { assertSameObjects, keyOf, renderChart } from '../testing/helm-render.js';
import { createServingCertificate } from '../webhook/generate-certs.js';
import { defaultDeployOptions, webhookDocuments } from '../webhook/generate-webhook.js';
import { agentDocuments, defaultAgentOptions, defaultServerOptions, namespaceDocument, serverDocuments, } from './generate-relay.js';
/* eslint-disable @typescript-eslint/no-explicit-any */
const VERSION = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version;
/** What the relay values add to the chart: everything the webhook-only render of the same namespace does not hold. */
async function relayPart(overrides) {
    const base = new Set((await renderChart({ namespace: overrides.namespace ?? 'meshward' })).map(keyOf));
    return (await renderChart(overrides)).filter((o) => !base.has(keyOf(o)));
}
const withoutNamespace = (docs) => docs.map((d) => d.object).filter((o) => o.kind !== 'Namespace');
function agent(o) {
    return withoutNamespace(agentDocuments({ ...defaultAgentOptions(VERSION), cluster: 'prod-eu', server: 'https://relay.example.com:9443', ...o }));
}
function server(o) {
    return withoutNamespace(serverDocuments({ ...defaultServerOptions(VERSION), ...o }));
}
const AGENT_VALUES = { enabled: true, cluster: 'prod-eu', serverHost: 'relay.example.com' };
test('relay chart: off by default (the webhook alone), and the relay shares the webhook\'s Namespace object exactly', async () => {
    const chart = await renderChart();
    assert.deepEqual(chart.filter((o) => ['agent', 'server'].includes(o.metadata?.labels?.['app.kubernetes.io/component'])), []);
    assert.ok(!chart.some((o) => String(o.metadata?.name).startsWith('meshward-agent') || String(o.metadata?.name).startsWith('meshward-server')));
    for (const ns of ['meshward', 'sec-tools']) {
        const webhookNs = webhookDocuments({ ...defaultDeployOptions(VERSION), namespace: ns, certManager: true }, null)[0].object;
        assert.deepEqual(namespaceDocument(ns).object, webhookNs);
    }
});
test('relay chart: agent.enabled renders the objects of `generate agent` for the same values', async () => {
    assertSameObjects(await relayPart({ agent: AGENT_VALUES }), agent({}));
    const { caPem } = await createServingCertificate(['relay.example.com'], 30);
    const o = {
        namespace: 'sec-tools',
        image: 'registry.example.com:5000/sec/meshward:2.0.0',
        cluster: 'cluster-7',
        server: 'https://10.1.2.3:443',
        serverCaPem: caPem,
        apiServerCidrs: ['10.0.0.1/32', '10.0.0.2/32'],
        serverCidrs: ['203.0.113.0/24'],
    };
    const chart = await relayPart({
        namespace: 'sec-tools',
        image: o.image,
        agent: { enabled: true, cluster: 'cluster-7', serverHost: '10.1.2.3', serverPort: 443, serverCa: caPem, apiServerCidrs: o.apiServerCidrs, serverCidrs: o.serverCidrs },
    });
    assertSameObjects(chart, agent(o));
    // The CA reached the ConfigMap intact, line breaks and all.
    assert.equal(chart.find((x) => x.kind === 'ConfigMap').data['ca.crt'], caPem);
    // The same ClusterRole rules as `meshward rbac` prints, through the built CLI (a drift in either fails here).
    const r = await runCli(['rbac', '-f', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const rbacRole = JSON.parse(r.stdout).items.find((x) => x.kind === 'ClusterRole');
    assert.deepEqual(chart.find((x) => x.kind === 'ClusterRole').rules, rbacRole.rules);
});
test('relay chart: server.enabled renders the objects of `generate server` (SQLite; PostgreSQL with and without replicas)', async () => {
    assertSameObjects(await relayPart({ server: { enabled: true } }), server({}));
    assertSameObjects(await relayPart({ server: { enabled: true, storage: '50Gi' } }), server({ storage: '50Gi' }));
    const pg = await relayPart({ namespace: 'relay', server: { enabled: true, replicas: 3, databaseSecret: 'relay-db', databaseCidrs: ['10.20.0.0/16'] } });
    assertSameObjects(pg, server({ namespace: 'relay', replicas: 3, databaseSecret: 'relay-db', databaseCidrs: ['10.20.0.0/16'] }));
    assert.ok(pg.some((x) => x.kind === 'PodDisruptionBudget'));
    const pgOne = await relayPart({ server: { enabled: true, databaseSecret: 'relay-db' } });
    assertSameObjects(pgOne, server({ databaseSecret: 'relay-db' }));
    assert.ok(!pgOne.some((x) => x.kind === 'PodDisruptionBudget' || x.kind === 'PersistentVolumeClaim'));
    // Both at once: the union, nothing more.
    assertSameObjects(await relayPart({ agent: AGENT_VALUES, server: { enabled: true } }), [...agent({}), ...server({})]);
});
test('relay chart: values.schema.json refuses hostile or incomplete relay values before any template runs', async () => {
    const bad = [
        { agent: { enabled: true } },
        { agent: { enabled: true, cluster: 'prod', serverHost: '' } },
        { agent: { ...AGENT_VALUES, cluster: 'a\n---\nkind: Secret' } },
        { agent: { ...AGENT_VALUES, cluster: 'Prod' } },
        { agent: { ...AGENT_VALUES, serverHost: 'relay.example.com/x' } },
        { agent: { ...AGENT_VALUES, serverHost: 'relay" evil' } },
        { agent: { ...AGENT_VALUES, serverPort: 0 } },
        { agent: { ...AGENT_VALUES, serverPort: '9443' } },
        { agent: { ...AGENT_VALUES, serverCa: '-----BEGIN CERTIFICATE-----\nAA"\n-----END CERTIFICATE-----\n' } },
        { agent: { ...AGENT_VALUES, serverCa: '-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----\n' } },
        { agent: { ...AGENT_VALUES, apiServerCidrs: ['0.0.0.0/0'] } },
        { agent: { ...AGENT_VALUES, serverCidrs: ['::/0'] } },
        { agent: { ...AGENT_VALUES, serverCidrs: ['300.0.0.1/8'] } },
        { agent: { ...AGENT_VALUES, apiServerCidrs: ['10.0.0.1/33'] } },
        { agent: { ...AGENT_VALUES, apiServerCidrs: ['10.0.0.1'] } },
        { agent: { ...AGENT_VALUES, serverCidrs: ['10.0.0.0/8\n- ipBlock: {cidr: 0.0.0.0/0}'] } },
        { agent: { ...AGENT_VALUES, token: 'x' } },
        { server: { enabled: true, replicas: 2 } },
        { server: { enabled: true, replicas: 0, databaseSecret: 'db' } },
        { server: { enabled: true, databaseCidrs: ['10.0.0.0/8'] } },
        { server: { enabled: true, databaseSecret: 'db"x' } },
        { server: { enabled: true, storage: '10Gi\nx: y' } },
        { server: { enabled: true, storage: '10G' } },
        { server: { enabled: true, databaseUrl: 'postgres://u:p@h/db' } },
    ];
    for (const o of bad)
        await assert.rejects(renderChart(o), /values\.schema\.json refuses/, JSON.stringify(o));
});
test('relay chart: agent and server rendered together scan clean at medium and above with the built CLI', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-relay-chart-'));
    try {
        for (const [name, overrides] of [
            ['sqlite.yaml', { agent: { ...AGENT_VALUES, apiServerCidrs: ['10.0.0.1/32'], serverCidrs: ['203.0.113.7/32'] }, server: { enabled: true } }],
            ['postgres.yaml', { server: { enabled: true, replicas: 2, databaseSecret: 'db', databaseCidrs: ['10.20.0.0/16'] } }],
        ]) {
            const objs = await renderChart(overrides);
            await fs.writeFile(path.join(dir, name), objs.map((o) => `---\n${JSON.stringify(o)}\n`).join(''));
            const r = await runCli(['scan', name, '-f', 'json', '--fail-on', 'medium', '--show-suppressed'], { cwd: dir });
            assert.equal(r.code, 0, r.stdout + r.stderr);
            const report = JSON.parse(r.stdout);
            assert.deepEqual(report.errors, []);
            const serious = report.findings.filter((f) => ['critical', 'high', 'medium'].includes(f.severity));
            assert.deepEqual(serious.map((f) => `${f.ruleId} ${f.resource.kind}/${f.resource.name} ${Boolean(f.suppressed)}`), ['BYP008 Namespace/meshward true'], name);
        }
    }
    finally {
        await fs.rm(dir, { recursive: true, force: true });
    }
});
