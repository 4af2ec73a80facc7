// The server starts and answers without a runtime warning: no Node/Fastify process warning
// (deprecations FSTDEP*, "schema is missing" FSTWRN001, error-handler override FSTWRN004) and no log
// line at warn or above from Fastify. (`meshward demo`'s e2e test checks the same for the whole relay,
// agent listener included: its stderr stays empty.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestServer } from './testing-kit.js';

test('server start and every API route: no process warning, no warn-level log', async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code ?? w.name}: ${w.message}`);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const lines: Array<{ level: number; msg?: string }> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      done();
    },
  });
  const s = await startTestServer({ log: pino({ level: 'info' }, sink) });
  t.after(() => s.close());
  const doc = (await s.get('/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  let asked = 0;
  for (const [p, methods] of Object.entries(doc.paths)) {
    if (!('get' in methods)) continue;
    await s.get(p.replace(/\{[^}]+\}/g, 'east'), s.admin);
    asked++;
  }
  for (const p of ['/healthz', '/readyz', '/metrics', '/nowhere']) await s.get(p, s.admin);
  assert.ok(asked >= 8, `asked ${asked} routes of the OpenAPI document`);
  // Warnings are emitted on the next tick.
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.deepEqual(warnings, []);
  assert.deepEqual(lines.filter((l) => l.level >= 40).map((l) => l.msg), []);
});

test('request log lines name the method, path, query parameter names and peer: never a header (Host, Authorization) or a query value', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const s = await startTestServer({ log: pino({ level: 'info' }, sink) });
  t.after(() => s.close());
  const canary = `canary${Date.now()}`;
  const u = new URL(s.url);
  // Host as a proxy would forward it; fetch sets its own, so a raw request.
  await new Promise<void>((resolve, reject) => {
    const req = http.get({ host: u.hostname, port: u.port, path: `/api/findings?cluster=${canary}-q&cursor=${canary}-c&limit=5`, headers: { host: `${canary}-host.example`, authorization: `Bearer ${s.viewer}`, 'x-forwarded-for': `${canary}-xff` } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
  });
  const text = lines.join('');
  assert.ok(text.includes('"url":"/api/findings?cluster&cursor&limit"'), text);
  assert.ok(!text.includes(canary), 'a header or query value reached the log');
  assert.ok(!text.includes(s.viewer), 'the token reached the log');
});
