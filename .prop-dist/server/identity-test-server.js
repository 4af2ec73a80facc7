import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { createAgentIdentityService, isRelayError, registerIdentityRoutes, relayErrorStatus } from './identity.js';
export async function startIdentityServer(store, opts = {}) {
    const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'meshward-identity-'));
    const identity = await createAgentIdentityService(store, { ...opts, dataDir });
    const logs = [];
    const bodies = [];
    const whoamiPorts = [];
    const log = pino({ base: null }, { write: (s) => void logs.push(s) });
    const app = Fastify({ https: identity.agentTlsOptions(), loggerInstance: log });
    app.addHook('preParsing', async (request, _reply, payload) => {
        // Tee the raw body into `bodies` (the parser still gets every byte).
        const chunks = [];
        for await (const c of payload)
            chunks.push(Buffer.from(c));
        const raw = Buffer.concat(chunks);
        bodies.push(raw.toString('utf8'));
        const { Readable } = await import('node:stream');
        const stream = Readable.from([raw]);
        stream.receivedEncodedLength = raw.length;
        void request;
        return stream;
    });
    registerIdentityRoutes(app, { store, identity, log, listener: { onStored() { } } });
    app.get('/test/whoami', async (request, reply) => {
        whoamiPorts.push(request.raw.socket.remotePort ?? -1);
        const who = await identity.authenticate(request.raw.socket, new Date());
        if (isRelayError(who))
            return reply.code(relayErrorStatus(who.code)).send(who);
        return who;
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    if (!addr || typeof addr === 'string')
        throw new Error('no address');
    return {
        url: new URL(`https://127.0.0.1:${addr.port}`),
        identity,
        app,
        bodies,
        logs,
        whoamiPorts,
        dataDir,
        async close() {
            await app.close();
            if (!opts.dataDir)
                rmSync(dataDir, { recursive: true, force: true });
        },
    };
}
