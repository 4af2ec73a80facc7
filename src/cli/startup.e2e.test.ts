/**
 * What `meshward scan` loads. Pre-commit hooks and CI run it on a few files at a time, so every run
 * pays its start-up: zod (config, tenant policy and rule-file schemas) and cel-js (custom rules) are
 * to be loaded only by runs that have such a file. Checked in a child process that records every
 * script V8 compiles; an import hook alone would miss modules loaded through require(esm), which is
 * how the advisory database's schema is loaded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI_PATH, REPO_ROOT } from '../testing/kit.js';

const RECORDER = `import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
const urls = new Set();
const session = new Session();
session.connect();
session.on('Debugger.scriptParsed', (m) => urls.add(m.params.url));
session.post('Debugger.enable');
process.on('exit', () => writeFileSync(process.env.MESHWARD_TEST_LOADED, [...urls].join('\\n')));
`;

/** Runs `meshward scan ARGS` in `cwd`; returns its exit code, stderr and the URLs of the files it loaded. */
async function scanLoading(cwd: string, args: string[]): Promise<{ code: number; stderr: string; loaded: string[] }> {
  const recorder = path.join(cwd, 'record-loads.mjs');
  const list = path.join(cwd, 'loaded.txt');
  await fs.writeFile(recorder, RECORDER);
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', pathToFileURL(recorder).href, CLI_PATH, 'scan', ...args], { cwd, env: { ...process.env, NO_COLOR: '1', MESHWARD_TEST_LOADED: list } }, (err, _stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stderr });
    });
  });
  const loaded = (await fs.readFile(list, 'utf8')).split('\n').filter((u) => u.startsWith('file:'));
  return { code, stderr, loaded };
}

/** A folder that is a repository root of its own, so no config file above it is found. */
async function project(files: Record<string, string> = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-startup-'));
  await fs.mkdir(path.join(dir, '.git'));
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
  return dir;
}

const ZOD = /\/node_modules\/zod\//;
const CEL = /\/node_modules\/@marcbachmann\/cel-js\//;
const examples = path.join(REPO_ROOT, 'examples', 'secure');

test('a scan without config, tenant policy or custom rules loads neither zod nor cel-js', async () => {
  const dir = await project();
  try {
    const { code, stderr, loaded } = await scanLoading(dir, [examples]);
    assert.equal(code, 0, stderr);
    // The recorder saw the scan itself: an empty list would pass the checks below for nothing.
    assert.ok(loaded.some((u) => u.endsWith('/engine/scan.js')), 'the recorder lists the modules the scan ran');
    assert.deepEqual(loaded.filter((u) => ZOD.test(u) || CEL.test(u)), []);
    const needless = ['/advisories/database-schema.js', '/config/config-file.js', '/tenancy/policy.js', '/custom/load.js', '/custom/plugins.js', '/insights/sources/prometheus.js', '/insights/sources/exposition.js'];
    assert.deepEqual(loaded.filter((u) => needless.some((m) => u.endsWith(m))), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a config file, a tenant policy or a custom rule file still loads what checks it', async () => {
  const dir = await project({
    '.meshward.yaml': 'rules: {BYP001: low}\n',
    'tenants.yaml': 'tenants:\n- name: shop\n  namespaces: [shop]\n',
    'rule.yaml': 'id: X-NEVER\ntitle: never matches\nseverity: low\nmatch: {kinds: [Pod]}\ncondition: "false"\nmessage: never\nfix: nothing to fix\ndocs: {summary: A test rule., why: It checks what is loaded.}\n',
  });
  try {
    const config = await scanLoading(dir, [examples]);
    assert.equal(config.code, 0, config.stderr);
    assert.ok(config.loaded.some((u) => ZOD.test(u)), 'the config file is validated with its schema');
    assert.ok(!config.loaded.some((u) => CEL.test(u)), 'no custom rules: no CEL');
    const tenants = await scanLoading(dir, ['--tenants', 'tenants.yaml', '--fail-on', 'none', examples]);
    assert.equal(tenants.code, 0, tenants.stderr);
    assert.ok(tenants.loaded.some((u) => u.endsWith('/tenancy/policy.js')));
    const rules = await scanLoading(dir, ['--rules', 'rule.yaml', '--fail-on', 'none', examples]);
    assert.equal(rules.code, 0, rules.stderr);
    assert.ok(rules.loaded.some((u) => CEL.test(u)), 'a custom rule is compiled with cel-js');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
