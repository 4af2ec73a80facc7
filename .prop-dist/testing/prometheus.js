/**
 * A real Prometheus for tests: generated Istio series written as OpenMetrics, turned into a TSDB with
 * `promtool tsdb create-blocks-from openmetrics`, served by `prometheus` on a free loopback port from a
 * throwaway directory, and stopped afterwards. scripts/test-setup.js installs Debian's `prometheus`
 * (which ships both programs) when they are missing; the tests fail, never skip, without them.
 *
 * The same series can be written as one scrape (Prometheus text format, each counter at its final
 * value) for the file path, so the tests can hold both sources to the same edges.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
/** A label value escaped for both text formats (backslash, double quote, line feed). */
export function escapeLabelValue(v) {
    return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
function labelText(labels, extra = []) {
    const all = [...labels, ...extra];
    return all.length === 0 ? '' : `{${all.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}
const isHistogram = (m) => m === 'istio_request_bytes' || m === 'istio_response_bytes';
const familyOf = (m) => (isHistogram(m) ? m : m.replace(/_total$/, ''));
function byFamily(series) {
    const families = new Map();
    for (const s of series) {
        const f = familyOf(s.metric);
        const list = families.get(f);
        if (list)
            list.push(s);
        else
            families.set(f, [s]);
    }
    return families;
}
/**
 * The series as OpenMetrics with timestamps: each grows linearly from 0 at the window's start to its
 * total at the end, one sample per step (so `increase(m[window])` at the end is the total).
 */
export function openMetricsFor(series, w) {
    const step = w.stepSeconds ?? 60;
    const start = w.endSeconds - w.windowSeconds;
    const points = Math.floor(w.windowSeconds / step);
    const out = [];
    for (const [family, list] of byFamily(series)) {
        const histogram = isHistogram(list[0].metric);
        out.push(`# TYPE ${family} ${histogram ? 'histogram' : 'counter'}`);
        for (const s of list) {
            for (let i = 0; i <= points; i++) {
                const t = i === points ? w.endSeconds : start + i * step;
                const fraction = (t - start) / w.windowSeconds;
                const v = s.total * fraction;
                if (histogram) {
                    const count = Math.round((s.total / 100) * fraction);
                    out.push(`${family}_bucket${labelText(s.labels, [['le', '+Inf']])} ${count} ${t}`);
                    out.push(`${family}_count${labelText(s.labels)} ${count} ${t}`);
                    out.push(`${family}_sum${labelText(s.labels)} ${v} ${t}`);
                }
                else {
                    out.push(`${family}_total${labelText(s.labels)} ${v} ${t}`);
                }
            }
        }
    }
    out.push('# EOF', '');
    return out.join('\n');
}
/** The series as one scrape in the Prometheus text format: every counter at its total. */
export function expositionFor(series) {
    const out = [];
    for (const [family, list] of byFamily(series)) {
        const histogram = isHistogram(list[0].metric);
        out.push(`# TYPE ${histogram ? family : `${family}_total`} ${histogram ? 'histogram' : 'counter'}`);
        for (const s of list) {
            if (histogram) {
                const count = Math.round(s.total / 100);
                out.push(`${family}_bucket${labelText(s.labels, [['le', '+Inf']])} ${count}`);
                out.push(`${family}_count${labelText(s.labels)} ${count}`);
                out.push(`${family}_sum${labelText(s.labels)} ${s.total}`);
            }
            else {
                out.push(`${family}_total${labelText(s.labels)} ${s.total}`);
            }
        }
    }
    out.push('');
    return out.join('\n');
}
async function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const addr = srv.address();
            const port = typeof addr === 'object' && addr ? addr.port : 0;
            srv.close(() => resolve(port));
        });
    });
}
function requireTool(name) {
    const r = spawnSync(name, ['--version'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) {
        throw new Error(`${name} is not on PATH (${r.error?.message ?? `exit ${r.status}`}): run \`node scripts/test-setup.js\` (as root it installs Debian's prometheus) or install it yourself`);
    }
}
/**
 * Builds a TSDB from `openMetrics` and serves it. Resolves once Prometheus logs that it is ready
 * (no polling, no sleeps); rejects with its log when it exits first or is not ready within 120 s.
 */
export async function startPrometheus(openMetrics) {
    requireTool('promtool');
    requireTool('prometheus');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meshward-prom-'));
    try {
        const input = path.join(dir, 'series.om');
        const data = path.join(dir, 'data');
        const config = path.join(dir, 'prometheus.yml');
        writeFileSync(input, openMetrics);
        writeFileSync(config, 'global: {}\nscrape_configs: []\n');
        const built = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, data], { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
        if (built.status !== 0)
            throw new Error(`promtool could not build the TSDB (exit ${built.status}): ${(built.stderr || built.stdout || built.error?.message || '').slice(-2000)}`);
        let lastError;
        // Another process may take the port between freePort and prometheus binding it: try again.
        for (let attempt = 0; attempt < 3; attempt++) {
            const port = await freePort();
            try {
                return await serve(dir, data, config, port);
            }
            catch (e) {
                lastError = e;
                if (!/address already in use/i.test(lastError.message))
                    break;
            }
        }
        throw lastError ?? new Error('prometheus did not start');
    }
    catch (e) {
        rmSync(dir, { recursive: true, force: true });
        throw e;
    }
}
function serve(dir, data, config, port) {
    const child = spawn('prometheus', [
        `--config.file=${config}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // The generated blocks may be older than the default 15 days relative to nothing else: keep them.
        '--storage.tsdb.retention.time=100y',
        '--log.level=info',
    ], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
    let log = '';
    const exited = new Promise((resolve) => child.once('exit', () => resolve()));
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`prometheus was not ready within 120 s; its log ends: ${log.slice(-2000)}`));
        }, 120_000);
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk) => {
            if (log.length < 1_000_000)
                log += chunk;
            if (log.includes('Server is ready to receive web requests')) {
                clearTimeout(timer);
                resolve({
                    url: `http://127.0.0.1:${port}`,
                    port,
                    pid: child.pid,
                    async stop() {
                        if (child.exitCode === null && child.signalCode === null)
                            child.kill('SIGTERM');
                        await exited;
                        rmSync(dir, { recursive: true, force: true });
                    },
                });
            }
        });
        child.once('exit', (code, signal) => {
            clearTimeout(timer);
            reject(new Error(`prometheus exited (${code ?? signal}) before it was ready; its log ends: ${log.slice(-2000)}`));
        });
    });
}
function peerLabels(side, p, mtls) {
    const sa = p.sa ?? p.workload.replace(/-v[0-9]+$/, '');
    return [
        [`${side}_workload`, p.workload],
        [`${side}_workload_namespace`, p.namespace],
        [`${side}_principal`, mtls && p.workload !== 'unknown' ? `spiffe://${p.trustDomain ?? 'cluster.local'}/ns/${p.namespace}/sa/${sa}` : 'unknown'],
        [`${side}_canonical_service`, p.workload.replace(/-v[0-9]+$/, '')],
        [`${side}_cluster`, 'Kubernetes'],
    ];
}
/** The labels Istio puts on a request or TCP series, for an edge between two peers. */
export function edgeLabels(o) {
    const mtls = o.mtls ?? true;
    const dot = o.service.split('.');
    const labels = [
        ['reporter', o.reporter ?? 'destination'],
        ...peerLabels('source', o.from, mtls),
        ...peerLabels('destination', o.to, mtls),
        ['destination_service', o.service],
        ['destination_service_name', dot[0] ?? o.service],
        ['destination_service_namespace', dot[1] ?? 'unknown'],
        ['request_protocol', o.protocol ?? 'http'],
        ['connection_security_policy', mtls ? 'mutual_tls' : 'none'],
    ];
    if (o.code !== undefined)
        labels.push(['response_code', o.code]);
    labels.push(['pod', `${o.to.workload}-abc12`], ...(o.extra ?? []));
    return labels;
}
/**
 * A small bookinfo-like mesh's traffic over a window: mTLS and plaintext requests, 403s, TCP, egress
 * to PassthroughCluster and BlackHoleCluster, a sidecar-less source, and hostile label values
 * (terminal escapes, `__proto__`, a DOT breakout, a long name). Several series per edge (pods, codes)
 * so summing is exercised.
 */
export function bookinfoTraffic() {
    const productpage = { workload: 'productpage-v1', namespace: 'bookinfo', sa: 'bookinfo-productpage' };
    const reviews = { workload: 'reviews-v1', namespace: 'bookinfo', sa: 'bookinfo-reviews' };
    const ratings = { workload: 'ratings-v1', namespace: 'bookinfo', sa: 'bookinfo-ratings' };
    const unknown = { workload: 'unknown', namespace: 'unknown' };
    const gateway = { workload: 'istio-ingressgateway', namespace: 'istio-system', sa: 'istio-ingressgateway-service-account' };
    const hostile = { workload: '\u001b[31mevil"];\n x -> y [label="', namespace: '__proto__' };
    const longName = { workload: `w${'x'.repeat(3000)}`, namespace: 'constructor' };
    const s = (metric, labels, total) => ({ metric, labels, total });
    return [
        s('istio_requests_total', edgeLabels({ from: gateway, to: productpage, service: 'productpage.bookinfo.svc.cluster.local', code: '200' }), 3600),
        s('istio_requests_total', edgeLabels({ from: gateway, to: productpage, service: 'productpage.bookinfo.svc.cluster.local', code: '200', extra: [['instance', 'b']] }), 1200),
        s('istio_requests_total', edgeLabels({ from: productpage, to: reviews, service: 'reviews.bookinfo.svc.cluster.local', code: '200' }), 2400),
        s('istio_requests_total', edgeLabels({ from: productpage, to: reviews, service: 'reviews.bookinfo.svc.cluster.local', code: '503' }), 60),
        s('istio_requests_total', edgeLabels({ from: productpage, to: reviews, service: 'reviews.bookinfo.svc.cluster.local', code: '200', reporter: 'source' }), 2460),
        s('istio_request_bytes', edgeLabels({ from: productpage, to: reviews, service: 'reviews.bookinfo.svc.cluster.local' }), 120000),
        s('istio_response_bytes', edgeLabels({ from: productpage, to: reviews, service: 'reviews.bookinfo.svc.cluster.local' }), 480000),
        // Plaintext into a workload: a sidecar-less client, and one with a broken sidecar.
        s('istio_requests_total', edgeLabels({ from: unknown, to: ratings, service: 'ratings.bookinfo.svc.cluster.local', code: '200', mtls: false }), 720),
        s('istio_requests_total', edgeLabels({ from: reviews, to: ratings, service: 'ratings.bookinfo.svc.cluster.local', code: '200', mtls: false }), 300),
        // Probing: 403s from one source.
        s('istio_requests_total', edgeLabels({ from: reviews, to: productpage, service: 'productpage.bookinfo.svc.cluster.local', code: '403' }), 900),
        // TCP.
        s('istio_tcp_connections_opened_total', edgeLabels({ from: reviews, to: ratings, service: 'mysql.bookinfo.svc.cluster.local', protocol: 'tcp' }), 42),
        s('istio_tcp_sent_bytes_total', edgeLabels({ from: reviews, to: ratings, service: 'mysql.bookinfo.svc.cluster.local', protocol: 'tcp' }), 9000),
        s('istio_tcp_received_bytes_total', edgeLabels({ from: reviews, to: ratings, service: 'mysql.bookinfo.svc.cluster.local', protocol: 'tcp' }), 1000),
        // Egress that matched no registered host, and egress REGISTRY_ONLY blocked.
        s('istio_tcp_connections_opened_total', edgeLabels({ from: ratings, to: unknown, service: 'PassthroughCluster', protocol: 'tcp', mtls: false, reporter: 'source' }), 12),
        s('istio_requests_total', edgeLabels({ from: reviews, to: unknown, service: 'BlackHoleCluster', code: '502', mtls: false, reporter: 'source' }), 30),
        // Hostile label values stay data.
        s('istio_requests_total', edgeLabels({ from: hostile, to: reviews, service: 'reviews.bookinfo.svc.cluster.local', code: '200\u0007' }), 6),
        s('istio_requests_total', edgeLabels({ from: longName, to: { workload: '__proto__', namespace: 'bookinfo' }, service: 'constructor', code: '200' }), 6),
    ];
}
