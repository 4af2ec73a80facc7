/**
 * The telemetry flags and `meshward graph` through the built CLI, against a real Prometheus
 * (src/testing/prometheus.ts) and a metrics file made from the same series.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../testing/kit.js';
import { bookinfoTraffic, expositionFor, openMetricsFor, startPrometheus } from '../testing/prometheus.js';
const END = Math.floor(Date.now() / 60_000) * 60;
const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata: {name: bookinfo, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1, namespace: bookinfo}
spec:
  selector: {matchLabels: {app: reviews}}
  template:
    metadata: {labels: {app: reviews}}
    spec: {containers: [{name: reviews, image: reviews:1}]}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec: {selector: {app: reviews}, ports: [{port: 9080, name: http}]}
`;
/** Every line of meshward's DOT: a header, or a node/edge statement whose only strings are well-formed quoted strings. */
function assertSafeDot(dot) {
    const q = '"(?:[^"\\\\\\n\\u0000-\\u001f]|\\\\.)*"';
    const attrs = `\\[(?:[a-z]+=(?:${q}|[A-Za-z_]+)(?:, )?)+\\];`;
    const statement = new RegExp(`^  (?:n\\d+ ${attrs}|n\\d+ -> n\\d+ ${attrs}|rankdir=LR;|node \\[fontname="Helvetica"\\];|edge \\[fontname="Helvetica"\\];)$`);
    const lines = dot.trimEnd().split('\n');
    assert.equal(lines[0], 'digraph meshward {');
    assert.equal(lines.at(-1), '}');
    for (const l of lines.slice(1, -1))
        assert.match(l, statement);
}
describe('telemetry through the CLI', () => {
    let prom;
    let dir;
    let metrics;
    let manifests;
    before(async () => {
        dir = await mkdtemp(path.join(os.tmpdir(), 'meshward-tele-e2e-'));
        metrics = path.join(dir, 'istio.prom');
        manifests = path.join(dir, 'mesh.yaml');
        await writeFile(metrics, `${expositionFor(bookinfoTraffic())}istio_requests_total{broken 1\n`);
        await writeFile(manifests, MANIFESTS);
        prom = await startPrometheus(openMetricsFor(bookinfoTraffic(), { endSeconds: END, windowSeconds: 3600 }));
    });
    after(async () => {
        await prom?.stop();
        if (dir)
            await rm(dir, { recursive: true, force: true });
    });
    it('scan --metrics: the facts are read, a bad line is a note with file:line', async () => {
        const r = await runCli(['scan', manifests, '--metrics', metrics, '-f', 'json', '--fail-on', 'none'], { cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        const notes = JSON.parse(r.stdout).summary.notes;
        assert.ok(notes.includes('traffic facts: 11 edges from the metrics file ' + metrics + ' (counters since each proxy started)'), notes.join('\n'));
        assert.ok(notes.some((n) => n.startsWith(`${metrics}:`) && /labels not closed|expected/.test(n)), notes.join('\n'));
    });
    it('scan --prometheus with credentials: facts read, the password in no output', async () => {
        const canary = randomBytes(12).toString('hex');
        const url = prom.url.replace('http://', `http://meshward:${canary}@`);
        const sarif = path.join(dir, 'out.sarif');
        const r = await runCli(['scan', manifests, '--prometheus', url, '--window', '2h', '-f', 'json', '--report', `sarif:${sarif}`, '--fail-on', 'none'], { cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        const notes = JSON.parse(r.stdout).summary.notes;
        assert.ok(notes.some((n) => /^traffic facts: 11 edges from Prometheus http:\/\/meshward:sha256:[0-9a-f]{12}@127\.0\.0\.1:\d+ \(the last 2h\)$/.test(n)), notes.join('\n'));
        const { readFile } = await import('node:fs/promises');
        for (const out of [r.stdout, r.stderr, await readFile(sarif, 'utf8')])
            assert.ok(!out.includes(canary));
        const text = await runCli(['scan', manifests, '--prometheus', url, '--fail-on', 'none'], { cwd: dir });
        assert.ok(!text.stdout.includes(canary) && !text.stderr.includes(canary));
    });
    it('scan --prometheus down: a note, the scan goes on', async () => {
        const server = http.createServer();
        await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
        const { port } = server.address();
        await new Promise((resolve) => server.close(() => resolve()));
        const r = await runCli(['scan', manifests, '--prometheus', `http://127.0.0.1:${port}`, '-f', 'json', '--fail-on', 'none'], { cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        const notes = JSON.parse(r.stdout).summary.notes;
        assert.ok(notes.some((n) => /cannot be reached \(ECONNREFUSED\); no traffic facts from it/.test(n)), notes.join('\n'));
    });
    it('posture --metrics: plaintext sources per workload, text and JSON; without traffic, no such field', async () => {
        const strict = `${MANIFESTS}---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: bookinfo}
spec: {mtls: {mode: STRICT}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ratings-v1, namespace: bookinfo}
spec:
  selector: {matchLabels: {app: ratings}}
  template:
    metadata: {labels: {app: ratings}}
    spec: {containers: [{name: ratings, image: ratings:1}]}
`;
        const file = path.join(dir, 'strict.yaml');
        await writeFile(file, strict);
        const text = await runCli(['posture', file, '--metrics', metrics], { cwd: dir });
        assert.match(text.stdout, /Deployment\/bookinfo\/ratings-v1: plaintext in traffic from unknown\/unknown \(720 requests\), bookinfo\/reviews-v1 \(300 requests\)/);
        assert.doesNotMatch(text.stdout, /reviews-v1: plaintext/);
        const json = JSON.parse((await runCli(['posture', file, '--prometheus', prom.url, '-f', 'json'], { cwd: dir })).stdout);
        const ratings = json.workloads.find((w) => w.name === 'ratings-v1');
        assert.deepEqual(ratings.plaintextFrom.map((p) => p.source), ['unknown/unknown', 'bookinfo/reviews-v1']);
        assert.ok(ratings.plaintextFrom[0].requests > 0);
        assert.deepEqual(json.workloads.find((w) => w.name === 'reviews-v1').plaintextFrom, []);
        const without = JSON.parse((await runCli(['posture', file, '-f', 'json'], { cwd: dir })).stdout);
        assert.equal(without.workloads[0].plaintextFrom, undefined);
        assert.equal(without.telemetryNotes, undefined);
    });
    it('usage errors say what to give', async () => {
        for (const [args, message] of [
            [['scan', manifests, '--window', '1h'], /--window sets the window asked of --prometheus/],
            [['scan', manifests, '--prometheus', prom.url, '--window', '45d'], /out of range: give between 1m and 30d/],
            [['scan', manifests, '--prometheus', prom.url, '--metrics', metrics], /choose one/],
            [['scan', manifests, '--prometheus', 'ftp://x'], /give an http:\/\/ or https:\/\/ URL/],
            [['graph'], /graph needs traffic/],
        ]) {
            const r = await runCli([...args], { cwd: dir });
            assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
            assert.match(r.stderr, message);
        }
    });
    it('graph --prometheus --format dot: rates, mTLS per edge, hostile names escaped', async () => {
        const r = await runCli(['graph', '--prometheus', prom.url, '--format', 'dot', manifests], { cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        assertSafeDot(r.stdout);
        assert.match(r.stdout, /label="bookinfo\/reviews-v1", shape=box\]/);
        assert.match(r.stdout, /label="bookinfo\/ratings-v1", shape=box, style=dashed\]/, 'a workload missing from the manifests is drawn dashed');
        assert.match(r.stdout, /label="http [0-9.]+ rps none", color=red, style=dashed/);
        assert.ok(r.stdout.includes('label="__proto__/\\\\u001b[31mevil\\"];\\\\u000a x -> y [label=\\""'), r.stdout);
        assert.doesNotMatch(r.stdout + r.stderr, /\u001b/);
    });
    it('graph --metrics --format json: nodes and edges, the same hops as through Prometheus', async () => {
        const file = await runCli(['graph', '--metrics', metrics], { cwd: dir });
        assert.equal(file.code, 0, file.stderr);
        const g = JSON.parse(file.stdout);
        const kinds = new Set(g.nodes.map((n) => n.kind));
        for (const k of ['workload', 'service', 'passthrough', 'blackhole', 'unknown'])
            assert.ok(kinds.has(k), `no ${k} node`);
        const plaintext = g.edges.filter((e) => e.security === 'none');
        assert.ok(plaintext.some((e) => e.from === 'unknown'));
        const viaProm = JSON.parse((await runCli(['graph', '--prometheus', prom.url], { cwd: dir })).stdout);
        const hops = (x) => x.edges.map((e) => `${e.from} ${e.to} ${e.protocol} ${e.security}`).sort();
        assert.deepEqual(hops(viaProm), hops(g));
        assert.ok(viaProm.edges.every((e) => e.requestsPerSecond !== null));
    });
});
