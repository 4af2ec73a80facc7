#!/usr/bin/env node
// Runs before the tests (`npm test`): makes sure the real programs the tests drive are there.
// kubectl: whichever `kubectl` is on PATH; when none works, Debian's `kubernetes-client` is installed
// with apt-get (needs root; non-interactive). The kubectl tests fail, never skip, when this could not
// get one, so this script says clearly why and exits non-zero.
import { execFileSync, spawnSync } from 'node:child_process';

function works(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? (r.stdout || '').trim() : null;
}

function ensureKubectl() {
  const have = works('kubectl', ['version', '--client']);
  if (have) {
    console.log(`test-setup: kubectl found (${have.split('\n')[0]})`);
    return true;
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error('test-setup: kubectl is not on PATH and this is not root, so it cannot be installed here.\n' +
      '  Install it yourself: `sudo apt-get install -y kubernetes-client` (Debian/Ubuntu), then run the tests again.');
    return false;
  }
  console.log('test-setup: kubectl missing; installing Debian\'s kubernetes-client with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env, timeout: 600_000 });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'kubernetes-client'], { stdio: 'inherit', env, timeout: 600_000 });
  } catch (e) {
    console.error(`test-setup: apt-get could not install kubernetes-client: ${e.message}\n` +
      '  The kubectl tests (src/testing/apiserver/kubectl.test.ts) will fail until a kubectl is on PATH.');
    return false;
  }
  const now = works('kubectl', ['version', '--client']);
  if (!now) {
    console.error('test-setup: kubernetes-client was installed but `kubectl version --client` still fails; check PATH.');
    return false;
  }
  console.log(`test-setup: kubectl installed (${now.split('\n')[0]})`);
  return true;
}

process.exitCode = ensureKubectl() ? 0 : 1;
