#!/usr/bin/env node
// Runs the built test suite (`node --test dist/`) with a temporary folder of its own (TMPDIR, which
// os.tmpdir() reads), removed when the run ends whatever its outcome. Tests make hundreds of temporary
// folders (workspaces, certificates, throwaway PostgreSQL and Prometheus data, browser profiles); one
// left behind by a test that failed, timed out or was killed is still removed with the rest, so a run
// leaves the machine's /tmp as it found it. The exit status is the test run's.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-tests-'));
// Searchable by every user (not listable): the throwaway PostgreSQL runs as its own user and must reach
// its data folder inside.
fs.chmodSync(root, 0o711);
let status = 1;
try {
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', 'dist/'], { stdio: 'inherit', env: { ...process.env, TMPDIR: root } });
  if (run.error) process.stderr.write(`run-tests: could not start the test runner: ${run.error.message}\n`);
  else status = run.status ?? 1;
} finally {
  fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}
process.exit(status);
