/**
 * A test agent listener: fastify over mutual TLS on 127.0.0.1, port 0, with the ingest routes, a
 * store and an identity service of the test's choosing. Stopped by the test.
 */
import Fastify from 'fastify';
import { pino } from 'pino';
import { createIngestRoutes } from '../server/ingest.js';
import { createTelemetryRoutes } from '../server/telemetry.js';
export async function startTestAgentListener(opts) {
    const app = Fastify({ https: opts.identity.agentTlsOptions(), logger: false, forceCloseConnections: true });
    const stored = [];
    const waiters = new Set();
    const listener = opts.listener ?? {
        onStored: (cluster, info) => {
            stored.push({ cluster, ...info });
            for (const w of [...waiters])
                w();
        },
    };
    const waitStored = (pred) => new Promise((resolve) => {
        let from = 0;
        const check = () => {
            for (; from < stored.length; from++) {
                if (pred(stored[from])) {
                    waiters.delete(check);
                    resolve();
                    return;
                }
            }
        };
        waiters.add(check);
        check();
    });
    createIngestRoutes(opts.ingest)(app, { store: opts.store, identity: opts.identity, listener, log: opts.log ?? pino({ level: 'silent' }) });
    // POST /v1/telemetry too (issue 15), when asked.
    if (opts.telemetry)
        createTelemetryRoutes({ perMinute: 1000 })(app, { store: opts.store, identity: opts.identity, listener, log: opts.log ?? pino({ level: 'silent' }) });
    await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    return { app, url: new URL(`https://127.0.0.1:${port}`), port, stored, waitStored, close: () => app.close() };
}
