/**
 * `server --rules`: custom rules run in the server's analysis like the built-in ones, in the worker
 * thread and on the main thread, incrementally (a delta opens and resolves their findings), listed by
 * /api/rules; a worker that finds the files changed since start refuses to analyse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startTestServer, upsert, type TestServer } from './testing-kit.js';
import { loadCustomRules } from '../custom/index.js';
import { defaultConfig } from '../config/config.js';
import { REPO_ROOT } from '../testing/kit.js';
import { until } from '../testing/until.js';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'custom-rules');

async function fixture(name: string): Promise<Array<Record<string, unknown>>> {
  const text = await fs.readFile(path.join(EXAMPLE, 'fixtures', name), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJSON() as Record<string, unknown>);
}

async function customRules(files: string[]) {
  const loaded = await loadCustomRules({ cliPaths: files, config: defaultConfig(), cwd: '/', env: {} });
  return { files, rules: loaded.rules, all: loaded.all };
}

async function openFindings(t: TestServer, rule: string): Promise<string[]> {
  const r = await t.get(`/api/findings?cluster=east&rule=${rule}&state=open&limit=100`);
  assert.equal(r.status, 200, r.text);
  return (r.body as { items: Array<{ resource: { name: string } }> }).items.map((f) => f.resource.name);
}

for (const worker of [true, false]) {
  test(`server --rules (${worker ? 'worker thread' : 'main thread'}): a custom rule's finding opens with the snapshot, resolves with a delta; /api/rules lists it`, async () => {
    const t = await startTestServer({ customRules: await customRules([path.join(EXAMPLE, 'rules.yaml')]) }, { worker });
    try {
      await t.store.createCluster('east', new Date());
      const bad = await fixture('X-PAYMENTS-VS-TIMEOUT.bad.yaml');
      await t.send('east', { epoch: 'e1', seq: 1, type: 'snapshot', last: true, changes: bad.map((o) => upsert(o)) });
      await t.server.analysis.idle();
      const opened = await openFindings(t, 'X-PAYMENTS-VS-TIMEOUT');
      assert.ok(opened.length >= 1, 'the custom rule reported on the bad fixture');
      // The good fixture's objects replace the bad ones: a delta, analysed incrementally.
      const good = await fixture('X-PAYMENTS-VS-TIMEOUT.good.yaml');
      await t.send('east', { epoch: 'e1', seq: 2, type: 'delta', changes: good.map((o) => upsert(o)) });
      await t.server.analysis.idle();
      assert.deepEqual(await openFindings(t, 'X-PAYMENTS-VS-TIMEOUT'), []);
      const rules = await t.get('/api/rules');
      const ids = (rules.body as { items: Array<{ id: string }> }).items.map((r) => r.id);
      assert.ok(ids.includes('X-PAYMENTS-VS-TIMEOUT') && ids.includes('X-VS-FOREIGN-HOST'), 'custom rules listed');
      assert.ok(ids.includes('HJK001'), 'built-in rules still listed');
    } finally {
      await t.close();
    }
  });
}

test('server --rules: the worker refuses to analyse when the rule files changed since start (restart to load them)', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-server-rules-'));
  const file = path.join(dir, 'rules.yaml');
  await fs.copyFile(path.join(EXAMPLE, 'rules.yaml'), file);
  const t = await startTestServer({ customRules: await customRules([file]) }, { worker: true });
  try {
    // The worker starts with its first job and reads the file then: one rule renamed meanwhile.
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('X-PAYMENTS-VS-TIMEOUT', 'X-PAYMENTS-VS-TIMEOUT-2'));
    await t.store.createCluster('east', new Date());
    await t.send('east', { epoch: 'e1', seq: 1, type: 'snapshot', last: true, changes: (await fixture('X-PAYMENTS-VS-TIMEOUT.bad.yaml')).map((o) => upsert(o)) });
    // A failed analysis is retried later (with a growing delay), so the analysis is never idle here:
    // wait for the first failure instead.
    const failed = /meshward_server_analysis_failures_total\{cluster="east"\} [1-9]/;
    await until('the first failed analysis in /metrics', async () => failed.test((await t.get('/metrics')).text), { everyMs: 50 });
    assert.deepEqual(await openFindings(t, 'X-PAYMENTS-VS-TIMEOUT-2'), []);
  } finally {
    await t.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
