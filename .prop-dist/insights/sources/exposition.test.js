import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExpositionParser, loadMetricsFile, parseExposition } from './exposition.js';
const REQ = (labels, value) => `istio_requests_total{${labels}} ${value}`;
const BASE = 'reporter="destination",source_workload="productpage-v1",source_workload_namespace="bookinfo",source_principal="spiffe://cluster.local/ns/bookinfo/sa/productpage",' +
    'destination_workload="reviews-v1",destination_workload_namespace="bookinfo",destination_principal="spiffe://cluster.local/ns/bookinfo/sa/reviews",' +
    'destination_service="reviews.bookinfo.svc.cluster.local",destination_service_name="reviews",destination_service_namespace="bookinfo",request_protocol="http",connection_security_policy="mutual_tls"';
function only(edges) {
    assert.equal(edges.length, 1, `expected one edge, got ${edges.length}`);
    return edges[0];
}
describe('exposition parser', () => {
    it('sums series that share the edge labels and breaks requests down by response code', () => {
        const text = [
            '# HELP istio_requests_total Total requests.',
            '# TYPE istio_requests_total counter',
            REQ(`${BASE},response_code="200",pod="reviews-v1-a"`, 10),
            REQ(`${BASE},response_code="200",pod="reviews-v1-b"`, 5),
            REQ(`${BASE},response_code="403",pod="reviews-v1-a"`, 2),
            'some_other_metric{a="b"} 99',
            '',
        ].join('\n');
        const { edges, notes } = parseExposition(text);
        assert.deepEqual(notes, []);
        const e = only(edges);
        assert.equal(e.requests, 17);
        assert.deepEqual([...e.responses], [['200', 15], ['403', 2]]);
        assert.equal(e.source.workload, 'productpage-v1');
        assert.equal(e.source.principal, 'spiffe://cluster.local/ns/bookinfo/sa/productpage');
        assert.equal(e.destination.namespace, 'bookinfo');
        assert.equal(e.destinationService, 'reviews.bookinfo.svc.cluster.local');
        assert.equal(e.destinationServiceName, 'reviews');
        assert.equal(e.reporter, 'destination');
        assert.equal(e.protocol, 'http');
        assert.equal(e.security, 'mutual_tls');
        assert.equal(e.connectionsOpened, 0);
    });
    it('keeps edges apart that differ in any edge label (security policy, reporter)', () => {
        const text = [
            REQ(`${BASE},response_code="200"`, 1),
            REQ(BASE.replace('connection_security_policy="mutual_tls"', 'connection_security_policy="none"') + ',response_code="200"', 4),
            REQ(BASE.replace('reporter="destination"', 'reporter="source"') + ',response_code="200"', 8),
        ].join('\n');
        const { edges } = parseExposition(text);
        assert.equal(edges.length, 3);
        assert.deepEqual(edges.map((e) => [e.security, e.reporter, e.requests]), [
            ['mutual_tls', 'destination', 1],
            ['none', 'destination', 4],
            ['mutual_tls', 'source', 8],
        ]);
    });
    it('reads TCP connections and bytes, and histogram _sum for request/response bytes', () => {
        const tcp = BASE.replace('request_protocol="http"', 'request_protocol="tcp"');
        const text = [
            `istio_tcp_connections_opened_total{${tcp}} 3`,
            `istio_tcp_connections_closed_total{${tcp}} 2`,
            `istio_tcp_sent_bytes_total{${tcp}} 100`,
            `istio_tcp_received_bytes_total{${tcp}} 50`,
            `istio_request_bytes_bucket{${BASE},le="+Inf"} 7`,
            `istio_request_bytes_sum{${BASE}} 700`,
            `istio_request_bytes_count{${BASE}} 7`,
            `istio_response_bytes_sum{${BASE}} 300`,
        ].join('\n');
        const { edges, notes } = parseExposition(text);
        assert.deepEqual(notes, []);
        const byProto = new Map(edges.map((e) => [e.protocol, e]));
        assert.equal(byProto.get('tcp')?.connectionsOpened, 3);
        assert.equal(byProto.get('tcp')?.bytes, 150);
        assert.equal(byProto.get('http')?.bytes, 1000);
        assert.equal(byProto.get('http')?.requests, 0, 'histogram counts are not requests');
    });
    it('reads OpenMetrics: counters with and without _total, _created skipped, exemplars and # EOF', () => {
        const text = [
            '# TYPE istio_requests counter',
            '# HELP istio_requests Total requests.',
            `istio_requests_total{${BASE},response_code="200"} 2 1700000000.000 # {trace_id="abc"} 1 1700000000`,
            `istio_requests_created{${BASE},response_code="200"} 1700000000`,
            `istio_requests{${BASE},response_code="503"} 1`,
            '# EOF',
            `istio_requests_total{${BASE},response_code="200"} 1000`,
        ].join('\n');
        const { edges, notes } = parseExposition(text, { name: 'om.txt' });
        const e = only(edges);
        assert.equal(e.requests, 3);
        assert.deepEqual([...e.responses], [['200', 2], ['503', 1]]);
        assert.equal(notes.length, 1);
        assert.match(notes[0], /^om\.txt:7: 1 line\(s\) after "# EOF" ignored$/);
    });
    it('accepts Prometheus 3 quoted metric names, CRLF, spaces and a trailing comma', () => {
        const text = `{"istio_requests_total", source_workload = "a" , destination_workload="b",}   4\r\n`;
        const e = only(parseExposition(text).edges);
        assert.equal(e.requests, 4);
        assert.equal(e.source.workload, 'a');
        assert.equal(e.destination.workload, 'b');
        assert.equal(e.source.namespace, 'unknown', 'a missing label reads as unknown');
        assert.equal(e.protocol, 'unknown');
        assert.equal(e.security, 'unknown');
    });
    it('unescapes label values and keeps hostile values as plain data', () => {
        const text = [
            `istio_requests_total{source_workload="a\\"b\\\\c\\nd",__proto__="x",constructor="y",destination_workload="__proto__",destination_service="\u001b[31mred"} 1`,
        ].join('\n');
        const { edges, notes } = parseExposition(text);
        assert.deepEqual(notes, []);
        const e = only(edges);
        assert.equal(e.source.workload, 'a"b\\c\nd');
        assert.equal(e.destination.workload, '__proto__');
        assert.equal(e.destinationService, '\u001b[31mred');
        assert.equal(Object.getPrototypeOf(e), Object.prototype);
        assert.equal({}.x, undefined);
    });
    it('notes a bad line with file:line and goes on', () => {
        const text = [
            REQ(`${BASE},response_code="200"`, 1),
            'istio_requests_total{source_workload="a" 1',
            'istio_requests_total{source_workload="a\\q"} 1',
            'istio_requests_total{source_workload="a",source_workload="b"} 1',
            'istio_requests_total{source_workload="a"} one',
            'istio_requests_total{source_workload="a"} 1 later',
            'istio_requests_total{9x="a"} 1',
            '"bare" 1',
            REQ(`${BASE},response_code="200"`, 1),
        ].join('\n');
        const { edges, notes } = parseExposition(text, { name: 'm.prom' });
        assert.equal(only(edges).requests, 2);
        assert.deepEqual(notes.map((n) => n.split(': ')[0]), ['m.prom:2', 'm.prom:3', 'm.prom:4', 'm.prom:5', 'm.prom:6', 'm.prom:7', 'm.prom:8']);
        assert.match(notes[1], /unknown escape/);
        assert.match(notes[2], /twice/);
    });
    it('does not let a hostile file name or line break a note', () => {
        const { notes } = parseExposition('istio_requests_total{ 1', { name: 'a\u001b]0;x\u0007.prom' });
        assert.equal(notes.length, 1);
        assert.doesNotMatch(notes[0], /[\u0000-\u001f]/);
    });
    it('drops negative and non-finite values with a note', () => {
        const { edges, notes } = parseExposition([REQ(BASE, -1), REQ(BASE, 'NaN'), REQ(BASE, '+Inf'), REQ(BASE, '1e2')].join('\n'));
        assert.equal(only(edges).requests, 100);
        assert.equal(notes.length, 1);
        assert.match(notes[0], /3 sample\(s\) ignored: the value is negative, NaN or infinite/);
    });
    describe('bounds', () => {
        it('skips a line over the length limit, even when it arrives in pieces', () => {
            const parser = new ExpositionParser({ name: 'f', limits: { maxLineChars: 200 } });
            parser.push(REQ('source_workload="a"', 1) + '\n');
            parser.push('istio_requests_total{source_workload="');
            for (let i = 0; i < 10; i++)
                parser.push('x'.repeat(100));
            parser.push('"} 5\n' + REQ('source_workload="a"', 1));
            const { edges, notes } = parser.end();
            assert.equal(only(edges).requests, 2);
            assert.deepEqual(notes, ['f:2: line longer than 200 characters, skipped']);
        });
        it('drops a sample whose label value is over the limit, and keeps long values under it', () => {
            const long = 'w'.repeat(3000);
            const text = [REQ(`source_workload="${long}"`, 1), REQ(`source_workload="${'z'.repeat(5000)}"`, 1)].join('\n');
            const { edges, notes } = parseExposition(text);
            assert.equal(only(edges).source.workload, long);
            assert.equal(notes.length, 1);
            assert.match(notes[0], /1 sample\(s\) ignored: a label value is longer than 4096/);
        });
        it('skips a series with too many labels', () => {
            const labels = Array.from({ length: 70 }, (_, i) => `l${i}="v"`).join(',');
            const { edges, notes } = parseExposition(REQ(labels, 1));
            assert.equal(edges.length, 0);
            assert.match(notes[0], /more than 64 labels/);
        });
        it('cuts at the series limit and the edge limit with notes', () => {
            const lines = Array.from({ length: 10 }, (_, i) => REQ(`source_workload="w${i}"`, 1)).join('\n');
            const bySeries = parseExposition(lines, { limits: { maxSeries: 4 } });
            assert.equal(bySeries.edges.length, 4);
            assert.match(bySeries.notes.join('\n'), /6 Istio sample\(s\) ignored beyond the series limit of 4/);
            const byEdges = parseExposition(lines, { limits: { maxEdges: 3 } });
            assert.equal(byEdges.edges.length, 3);
            assert.match(byEdges.notes.join('\n'), /7 sample\(s\) ignored: more than 3 distinct edges/);
        });
        it('reads only maxBytes and drops the partial last line', () => {
            const text = [REQ('source_workload="a"', 1), REQ('source_workload="b"', 1)].join('\n');
            const cut = parseExposition(text, { limits: { maxBytes: text.length - 3 } });
            assert.equal(only(cut.edges).source.workload, 'a');
            assert.match(cut.notes.join('\n'), /only the first \d+ bytes were read/);
        });
        it('counts bad lines beyond the note limit in one note', () => {
            const text = Array.from({ length: 30 }, () => 'istio_requests_total{').join('\n');
            const { notes } = parseExposition(text, { limits: { maxLineNotes: 5 } });
            assert.equal(notes.length, 6);
            assert.match(notes[5], /25 more malformed line/);
        });
    });
});
describe('loadMetricsFile', () => {
    it('reads a file into indexed facts, cut at maxBytes with a note, and a missing file is a note', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'meshward-expo-'));
        try {
            const path = join(dir, 'm.prom');
            await writeFile(path, [REQ(`${BASE},response_code="200"`, 3), REQ('source_workload="late"', 1)].join('\n') + '\n');
            const facts = await loadMetricsFile(path);
            assert.equal(facts.source.kind, 'file');
            assert.equal(facts.edges.length, 2);
            assert.equal(facts.into('bookinfo', 'reviews-v1')[0]?.requests, 3);
            assert.equal(facts.from('bookinfo', 'productpage-v1').length, 1);
            assert.equal(facts.toService('reviews.bookinfo.svc.cluster.local').length, 1);
            const cut = await loadMetricsFile(path, { limits: { maxBytes: 560 } });
            assert.equal(cut.edges.length, 1);
            assert.match(cut.notes.join('\n'), /only the first 560 bytes were read/);
            const missing = await loadMetricsFile(join(dir, 'nope.prom'));
            assert.equal(missing.edges.length, 0);
            assert.match(missing.notes[0], /no such file/);
            const directory = await loadMetricsFile(dir);
            assert.match(directory.notes[0], /not a regular file/);
        }
        finally {
            await rm(dir, { recursive: true, force: true });
        }
    });
});
