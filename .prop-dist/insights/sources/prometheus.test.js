/**
 * The Prometheus source against a real Prometheus (src/testing/prometheus.ts) and against loopback
 * servers that misbehave on purpose.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { bookinfoTraffic, expositionFor, openMetricsFor, startPrometheus } from '../../testing/prometheus.js';
import { parseExposition } from './exposition.js';
import { loadPrometheus, parseWindow, promQueries } from './prometheus.js';
const WINDOW = 3600;
// Whole minutes, ten minutes back: the data sits in the past like any real window.
const END = Math.floor(Date.now() / 60_000) * 60 - 600;
/** An edge as comparable data; figures rounded so Prometheus's float extrapolation cannot differ in the last bits. */
export function edgeView(e) {
    const r = (n) => Math.round(n * 1e6) / 1e6;
    return {
        ...e,
        requests: r(e.requests),
        connectionsOpened: r(e.connectionsOpened),
        bytes: r(e.bytes),
        responses: [...e.responses].map(([k, v]) => [k, r(v)]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    };
}
const sorted = (edges) => edges.map(edgeView).map((v) => JSON.stringify(v)).sort();
describe('Prometheus source against a real Prometheus', () => {
    let prom;
    before(async () => {
        prom = await startPrometheus(openMetricsFor(bookinfoTraffic(), { endSeconds: END, windowSeconds: WINDOW }));
    });
    after(async () => {
        await prom?.stop();
    });
    it('gives the same edges as the file for the same series', async () => {
        const facts = await loadPrometheus({ url: prom.url, windowSeconds: WINDOW, end: new Date(END * 1000) });
        const file = parseExposition(expositionFor(bookinfoTraffic()));
        assert.deepEqual(facts.notes, []);
        assert.deepEqual(file.notes, []);
        assert.ok(facts.edges.length >= 10, `expected the fixture's edges, got ${facts.edges.length}`);
        assert.deepEqual(sorted(facts.edges), sorted(file.edges));
        assert.equal(facts.source.kind, 'prometheus');
        assert.equal(facts.source.windowSeconds, WINDOW);
        const reviews = facts.into('bookinfo', 'reviews-v1').find((e) => e.reporter === 'destination' && e.source.workload === 'productpage-v1' && e.protocol === 'http');
        assert.equal(Math.round(reviews.requests), 2460);
        assert.equal(Math.round(reviews.bytes), 600000);
    });
    it('runs every PromQL query meshward sends, each answering an instant vector with series', async () => {
        for (const q of promQueries(WINDOW)) {
            const url = new URL('/api/v1/query', prom.url);
            url.searchParams.set('query', q.query);
            url.searchParams.set('time', String(END));
            const res = await fetch(url);
            const body = (await res.json());
            assert.equal(res.status, 200, q.query);
            assert.equal(body.status, 'success', q.query);
            assert.equal(body.data.resultType, 'vector', q.query);
            assert.ok(body.data.result.length > 0, `no series for ${q.query}`);
        }
    });
    it('keeps hostile label values as data', async () => {
        const facts = await loadPrometheus({ url: prom.url, windowSeconds: WINDOW, end: new Date(END * 1000) });
        const proto = facts.into('bookinfo', '__proto__');
        assert.equal(proto.length, 1);
        assert.equal(proto[0].source.namespace, 'constructor');
        assert.equal(proto[0].source.workload.length, 3001);
        const evil = facts.edges.find((e) => e.source.namespace === '__proto__');
        assert.equal(evil?.source.workload, '\u001b[31mevil"];\n x -> y [label="');
        assert.deepEqual([...evil.responses.keys()], ['200\u0007']);
        assert.equal({}.workload, undefined);
    });
    it('cuts at the series limit with a note', async () => {
        const facts = await loadPrometheus({ url: prom.url, windowSeconds: WINDOW, end: new Date(END * 1000), maxSeriesPerQuery: 2 });
        assert.ok(facts.notes.some((n) => /istio_requests_total: \d+( or more)? series over the limit of 2 ignored/.test(n)), facts.notes.join('\n'));
        assert.ok(facts.edges.length <= 2 * promQueries(WINDOW).length);
    });
    it('a window with no data gives no edges and no notes', async () => {
        // Two hours after the data: every range is empty, which is an answer, not a failure.
        const facts = await loadPrometheus({ url: prom.url, windowSeconds: 60, end: new Date((END + 7200) * 1000) });
        assert.equal(facts.edges.length, 0);
        assert.deepEqual(facts.notes, []);
    });
});
/** A loopback server answering every request with `handler`; closes with the test. */
async function misbehaving(handler) {
    const requests = [];
    const server = http.createServer((req, res) => {
        requests.push(req);
        handler(req, res);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}
describe('Prometheus source: every failure is a note', () => {
    it('Prometheus down', async () => {
        const s = await misbehaving(() => { });
        const url = s.url;
        await s.close();
        const facts = await loadPrometheus({ url, windowSeconds: WINDOW });
        assert.equal(facts.edges.length, 0);
        assert.equal(facts.notes.length, 1);
        assert.match(facts.notes[0], /cannot be reached \(ECONNREFUSED\); no traffic facts from it/);
    });
    it('Prometheus slow: a timeout, and no further queries', async () => {
        const s = await misbehaving(() => { }); // never answers
        try {
            const facts = await loadPrometheus({ url: s.url, windowSeconds: WINDOW, timeoutMs: 300 });
            assert.equal(facts.edges.length, 0);
            assert.deepEqual(facts.notes, [`Prometheus ${s.url} did not answer within 300 ms; no traffic facts from it`]);
            assert.equal(s.requests.length, 1);
        }
        finally {
            await s.close();
        }
    });
    it('an answer over the size bound, declared or streamed', async () => {
        const huge = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] }, pad: 'x'.repeat(200_000) });
        for (const chunked of [false, true]) {
            const s = await misbehaving((_req, res) => {
                res.writeHead(200, chunked ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(huge) });
                res.end(huge);
            });
            try {
                const facts = await loadPrometheus({ url: s.url, windowSeconds: WINDOW, maxResponseBytes: 100_000 });
                assert.equal(facts.edges.length, 0);
                assert.equal(facts.notes.length, promQueries(WINDOW).length, facts.notes.join('\n'));
                assert.match(facts.notes[0], /the query for istio_requests_total failed: the answer is (200\d+ bytes, )?over the limit/);
            }
            finally {
                await s.close();
            }
        }
    });
    it('a redirect is not followed, and its target and credentials are not shown', async () => {
        const canary = randomBytes(12).toString('hex');
        const elsewhere = await misbehaving((_req, res) => res.end('{}'));
        const s = await misbehaving((_req, res) => {
            res.writeHead(302, { location: `${elsewhere.url}/api/v1/query?token=${canary}` });
            res.end();
        });
        try {
            const facts = await loadPrometheus({ url: s.url, windowSeconds: WINDOW });
            assert.equal(facts.edges.length, 0);
            assert.equal(facts.notes.length, 1);
            assert.match(facts.notes[0], /answered with a redirect \(HTTP 302 to .*\); redirects are not followed/);
            assert.ok(!facts.notes[0].includes(canary));
            assert.equal(elsewhere.requests.length, 0);
        }
        finally {
            await s.close();
            await elsewhere.close();
        }
    });
    it('credentials in the URL go as Basic auth and appear in no note', async () => {
        const canary = randomBytes(12).toString('hex');
        const s = await misbehaving((_req, res) => {
            res.writeHead(503);
            res.end('down for maintenance');
        });
        try {
            const url = s.url.replace('http://', `http://meshward:${canary}@`);
            const facts = await loadPrometheus({ url, windowSeconds: WINDOW });
            assert.equal(s.requests[0]?.headers.authorization, `Basic ${Buffer.from(`meshward:${canary}`).toString('base64')}`);
            assert.ok(facts.notes.length > 0);
            const all = JSON.stringify(facts.notes) + facts.source.name;
            assert.ok(!all.includes(canary), all);
            assert.match(facts.notes[0], /failed: HTTP 503/);
            assert.match(facts.source.name, /sha256:/);
        }
        finally {
            await s.close();
        }
    });
    it('an error answer, a non-JSON answer and malformed results', async () => {
        const answers = [
            { status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error \u001b[2J' }), note: /answered bad_data: parse error \\u001b\[2J/ },
            { status: 200, body: '<html>login</html>', note: /not JSON/ },
            { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }), note: /not an instant vector/ },
        ];
        for (const a of answers) {
            const s = await misbehaving((_req, res) => {
                res.writeHead(a.status, { 'content-type': 'application/json' });
                res.end(a.body);
            });
            try {
                const facts = await loadPrometheus({ url: s.url, windowSeconds: WINDOW });
                assert.match(facts.notes[0], a.note);
                assert.doesNotMatch(facts.notes.join('\n'), /\u001b/);
            }
            finally {
                await s.close();
            }
        }
        const s = await misbehaving((_req, res) => {
            res.end(JSON.stringify({
                status: 'success',
                data: { resultType: 'vector', result: [null, { metric: 'x' }, { metric: { source_workload: 'a', ['__proto__']: 'p' }, value: [1, '5'] }, { metric: { source_workload: 'b' }, value: [1, 'NaN'] }] },
            }));
        });
        try {
            const facts = await loadPrometheus({ url: s.url, windowSeconds: WINDOW });
            assert.ok(facts.edges.some((e) => e.source.workload === 'a'));
            assert.ok(facts.notes.some((n) => /2 result\(s\) without labels and value skipped/.test(n)));
            assert.ok(facts.notes.some((n) => /negative, NaN or infinite/.test(n)));
        }
        finally {
            await s.close();
        }
    });
    it('a URL that is not http(s) or not a URL', async () => {
        assert.match((await loadPrometheus({ url: 'file:///etc/passwd', windowSeconds: WINDOW })).notes[0], /only http and https/);
        assert.match((await loadPrometheus({ url: 'http://[not-a-host', windowSeconds: WINDOW })).notes[0], /not a URL/);
    });
});
describe('parseWindow', () => {
    it('reads Prometheus durations within 1m..30d', () => {
        assert.equal(parseWindow('1h'), 3600);
        assert.equal(parseWindow('1h30m'), 5400);
        assert.equal(parseWindow('90s'), 90);
        assert.equal(parseWindow('30d'), 30 * 86400);
        assert.throws(() => parseWindow('59s'), /out of range/);
        assert.throws(() => parseWindow('31d'), /out of range/);
        assert.throws(() => parseWindow('1 hour'), /not a duration/);
        assert.throws(() => parseWindow(''), /not a duration/);
        assert.throws(() => parseWindow('1h;drop'), /not a duration/);
    });
});
