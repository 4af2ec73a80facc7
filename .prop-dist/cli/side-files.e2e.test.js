/**
 * Side files given on the command line that are not regular files: each flag that reads one, with a
 * FIFO (no writer: a blocking open or read hangs forever), /dev/zero (never ends), a folder and a
 * 64 GiB sparse file. Every case must end quickly with exit 2 and a message naming the flag's file.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runHostile, describeRun } from '../fuzz/run-cli.js';
let dir = '';
const TIMEOUT_MS = 20_000;
before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-side-e2e-'));
    await fs.writeFile(path.join(dir, 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n');
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    await fs.mkdir(path.join(dir, 'folder'));
    await fs.writeFile(path.join(dir, 'sparse'), '');
    await fs.truncate(path.join(dir, 'sparse'), 64 * 1024 * 1024 * 1024);
});
const FLAGS = ['--mesh-config', '--config', '--tenants', '--baseline', '--advisories'];
async function expectRefused(args, reason) {
    const r = await runHostile(args, { cwd: dir, timeoutMs: TIMEOUT_MS });
    const what = `${args.join(' ')}: ${describeRun(r)}`;
    assert.equal(r.timedOut, false, what);
    assert.equal(r.code, 2, what);
    assert.match(r.stderr, reason, what);
    assert.doesNotMatch(r.stderr, /internal error/, what);
    assert.ok(r.peakMiB === null || r.peakMiB < 512, `nothing big was read: ${what}`);
}
test('a FIFO given to any side-file flag is refused at once, not waited on', { timeout: 120_000 }, async () => {
    await Promise.all(FLAGS.map((flag) => expectRefused(['scan', 'ns.yaml', flag, 'pipe'], /pipe.*not a regular file \(a FIFO, socket or device\)/)));
});
test('/dev/zero given to any side-file flag is refused before a byte is read', { timeout: 120_000, skip: !existsSync('/dev/zero') }, async () => {
    await Promise.all(FLAGS.map((flag) => expectRefused(['scan', 'ns.yaml', flag, '/dev/zero'], /\/dev\/zero.*not a regular file/)));
});
test('a folder and a 64 GiB sparse file are refused, the sparse one from its size alone', { timeout: 120_000 }, async () => {
    await Promise.all([
        expectRefused(['scan', 'ns.yaml', '--config', 'folder'], /folder.*is a folder, not a file/),
        expectRefused(['scan', 'ns.yaml', '--tenants', 'sparse'], /sparse.*is 68719476736 bytes, over the limit of \d+ bytes/),
        expectRefused(['scan', 'ns.yaml', '--advisories', 'sparse'], /sparse.*is 68719476736 bytes, over the limit/),
        expectRefused(['advisories', 'check', '1.22.3', '--advisories', 'pipe'], /pipe.*not a regular file/),
    ]);
});
test('kubeconfig: a FIFO and /dev/zero as kubeconfig files are errors in the report, not hangs', { timeout: 60_000 }, async () => {
    const r = await runHostile(['kubeconfig', 'pipe', '/dev/zero', '--format', 'json'], { cwd: dir, timeoutMs: TIMEOUT_MS });
    assert.equal(r.timedOut, false, describeRun(r));
    assert.equal(r.code, 1, describeRun(r));
    const errors = JSON.parse(r.stdout).errors;
    assert.deepEqual(errors.map((e) => [e.file, /not a regular file/.test(e.message)]), [
        ['pipe', true],
        ['/dev/zero', true],
    ]);
});
