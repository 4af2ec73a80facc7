/**
 * Every rule in the `telemetry` category (whatever src/rules/insights exports) gives the same findings
 * over the same traffic read offline (a metrics file) and through a real Prometheus. A probe rule that
 * turns the facts it is given into findings runs alongside, so this holds something today (before any
 * INS rule exists) and shows that a difference between the two sources would be caught.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { allRules } from '../rules/index.js';
import { scanYaml } from '../testing/kit.js';
import { bookinfoTraffic, expositionFor, openMetricsFor, startPrometheus } from '../testing/prometheus.js';
import { buildTrafficFacts } from './facts.js';
import { parseExposition } from './sources/exposition.js';
import { loadPrometheus } from './sources/prometheus.js';
const WINDOW = 3600;
const END = Math.floor(Date.now() / 60_000) * 60 - 600;
function deployment(name) {
    const app = name.replace(/-v[0-9]+$/, '');
    return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: bookinfo}
spec:
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec: {serviceAccountName: bookinfo-${app}, containers: [{name: ${app}, image: "docker.io/istio/examples-bookinfo-${app}:1.20"}]}
`;
}
const MESH = [
    `apiVersion: v1
kind: Namespace
metadata: {name: bookinfo, labels: {istio-injection: enabled}}
`,
    `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: bookinfo}
spec: {mtls: {mode: STRICT}}
`,
    `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: bookinfo}
spec: {hosts: [db.example.com], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: DNS, location: MESH_EXTERNAL}
`,
    ...['productpage-v1', 'reviews-v1', 'ratings-v1'].map(deployment),
].join('---\n');
/** Reports, per workload, what the facts say came in: any change in the facts changes a message. */
const probe = {
    meta: {
        id: 'TST900',
        title: 'probe: traffic into each workload',
        severity: 'info',
        category: 'telemetry',
        reads: ['apps/Deployment'],
        docs: { summary: 'test probe', why: 'test probe', fix: 'none' },
    },
    check(ctx) {
        if (!ctx.telemetry)
            return;
        for (const w of ctx.model.workloads) {
            const edges = ctx.telemetry.into(w.namespace, w.resource.name);
            if (!edges.length)
                continue;
            const parts = edges
                .map((e) => `${e.reporter} ${e.source.namespace}/${e.source.workload} ${e.security} ${e.protocol} req=${Math.round(e.requests)} conn=${Math.round(e.connectionsOpened)} bytes=${Math.round(e.bytes)} codes=${[...e.responses].map(([c, n]) => `${c}:${Math.round(n)}`).sort().join(',')}`)
                .sort();
            ctx.report({ resource: w.resource, message: parts.join('; ') });
        }
    },
};
const telemetryRules = allRules.filter((r) => r.meta.category === 'telemetry');
const view = (findings) => findings.map((f) => `${f.ruleId} ${f.severity} ${f.resource.kind} ${f.resource.namespace}/${f.resource.name} ${f.message}`).sort();
async function findingsWith(telemetry) {
    const res = await scanYaml(MESH, { rules: [...telemetryRules, probe], telemetry });
    assert.deepEqual(res.failures, []);
    return view(res.findings);
}
describe('telemetry rules: the same findings offline and through Prometheus', () => {
    let prom;
    before(async () => {
        prom = await startPrometheus(openMetricsFor(bookinfoTraffic(), { endSeconds: END, windowSeconds: WINDOW }));
    });
    after(async () => {
        await prom?.stop();
    });
    it(`runs ${telemetryRules.length} telemetry rule(s) and the probe over both sources`, async () => {
        const file = parseExposition(expositionFor(bookinfoTraffic()), { name: 'fixture.prom' });
        const offline = buildTrafficFacts({ kind: 'file', name: 'fixture.prom', windowSeconds: WINDOW, end: new Date(END * 1000).toISOString() }, file.edges, file.notes);
        const online = await loadPrometheus({ url: prom.url, windowSeconds: WINDOW, end: new Date(END * 1000) });
        assert.deepEqual(online.notes, []);
        const a = await findingsWith(offline);
        const b = await findingsWith(online);
        assert.ok(a.filter((f) => f.startsWith('TST900')).length >= 3, `the probe should see traffic into the three workloads:\n${a.join('\n')}`);
        assert.deepEqual(b, a);
    });
    it('would catch a difference: one edge fewer through Prometheus changes the findings', async () => {
        const online = await loadPrometheus({ url: prom.url, windowSeconds: WINDOW, end: new Date(END * 1000) });
        const dropped = online.edges.filter((e) => !(e.destination.workload === 'ratings-v1' && e.security === 'none' && e.source.workload === 'unknown'));
        assert.equal(dropped.length, online.edges.length - 1);
        const whole = await findingsWith(online);
        const less = await findingsWith(buildTrafficFacts(online.source, dropped, online.notes));
        assert.notDeepEqual(less, whole);
    });
});
