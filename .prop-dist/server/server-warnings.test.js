// The server starts and answers without a runtime warning: no Node/Fastify process warning
// (deprecations FSTDEP*, "schema is missing" FSTWRN001, error-handler override FSTWRN004) and no log
// line at warn or above from Fastify. (`meshward demo`'s e2e test checks the same for the whole relay,
// agent listener included: its stderr stays empty.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestServer } from './testing-kit.js';
test('server start and every API route: no process warning, no warn-level log', async (t) => {
    const warnings = [];
    const onWarning = (w) => warnings.push(`${w.code ?? w.name}: ${w.message}`);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    const lines = [];
    const sink = new Writable({
        write(chunk, _enc, done) {
            for (const l of String(chunk).split('\n'))
                if (l.trim())
                    lines.push(JSON.parse(l));
            done();
        },
    });
    const s = await startTestServer({ log: pino({ level: 'info' }, sink) });
    t.after(() => s.close());
    const doc = (await s.get('/api/openapi.json')).body;
    let asked = 0;
    for (const [p, methods] of Object.entries(doc.paths)) {
        if (!('get' in methods))
            continue;
        await s.get(p.replace(/\{[^}]+\}/g, 'east'), s.admin);
        asked++;
    }
    for (const p of ['/healthz', '/readyz', '/metrics', '/nowhere'])
        await s.get(p, s.admin);
    assert.ok(asked >= 8, `asked ${asked} routes of the OpenAPI document`);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings, []);
    assert.deepEqual(lines.filter((l) => l.level >= 40).map((l) => l.msg), []);
});
