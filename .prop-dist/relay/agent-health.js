/**
 * The agent's probes, plain HTTP for the kubelet: `/healthz` answers while the process runs (its event
 * loop turns), `/readyz` only while the agent does its job: it has an identity, its informers have
 * synced, and the server acknowledged a batch recently (the agent sends a heartbeat every 30 s when
 * idle, so a silent minute or two means the server is not taking its data).
 *
 * The answers hold states and ages, never an error text from the server or the API server (those can
 * carry input), nor any credential. Nothing is read from the request but its method and path.
 */
import http from 'node:http';
/** Longest time since the last acknowledged batch for the agent to count as ready: four idle heartbeats. */
export const DEFAULT_MAX_ACK_AGE_MS = 120_000;
export function readiness(state, now, maxAckAgeMs = DEFAULT_MAX_ACK_AGE_MS) {
    const lastAckAt = state.stats?.lastAckAt ?? null;
    const age = lastAckAt === null ? null : Math.max(0, now - lastAckAt);
    const checks = { enrolled: state.enrolled, synced: state.synced === true, acked: age !== null && age <= maxAckAgeMs };
    return {
        ready: checks.enrolled && checks.synced && checks.acked,
        checks,
        lastAckAgeSeconds: age === null ? null : Math.round(age / 1000),
        snapshotComplete: state.stats?.snapshotComplete ?? false,
    };
}
export async function startHealthServer(opts) {
    const now = opts.now ?? Date.now;
    const server = http.createServer((req, res) => {
        const send = (status, body) => {
            const text = JSON.stringify(body) + '\n';
            res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
            res.end(req.method === 'HEAD' ? undefined : text);
        };
        if (req.method !== 'GET' && req.method !== 'HEAD') {
            res.setHeader('allow', 'GET, HEAD');
            return send(405, { error: 'only GET and HEAD' });
        }
        const path = (req.url ?? '').split('?')[0];
        if (path === '/healthz')
            return send(200, { status: 'ok' });
        if (path === '/readyz') {
            let r;
            try {
                r = readiness(opts.state(), now(), opts.maxAckAgeMs);
            }
            catch {
                // Not ready, and no error text in the answer (it could carry input).
                return send(500, { status: 'not ready', error: 'readiness could not be read' });
            }
            return send(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r });
        }
        send(404, { error: 'not found: /healthz or /readyz' });
    });
    // Probes are tiny: no body is read, slow clients are cut off.
    server.requestTimeout = 5_000;
    server.headersTimeout = 5_000;
    server.maxHeadersCount = 50;
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    const a = server.address();
    return {
        port: a.port,
        address: a.address,
        close: () => new Promise((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}
