#!/usr/bin/env node
// Runs before the tests (`npm test`): makes sure the real programs the tests drive are there.
// kubectl: whichever `kubectl` is on PATH; when none works, Debian's `kubernetes-client` is installed
// with apt-get (needs root; non-interactive). The kubectl tests fail, never skip, when this could not
// get one, so this script says clearly why and exits non-zero.
// PostgreSQL (the store tests start a throwaway server): initdb and pg_ctl on PATH or in
// /usr/lib/postgresql/N/bin (where Debian puts them); when missing, Debian's `postgresql` is installed
// the same way. src/testing/postgres.ts finds the binaries by the same rule.
// Chromium (the dashboard's browser tests, driven by playwright-core): Debian's `chromium` at
// /usr/bin/chromium, installed the same way when missing. No test ever downloads a browser.
// Prometheus (the telemetry tests build a TSDB with promtool and query a throwaway server): prometheus
// and promtool on PATH; when missing, Debian's `prometheus` is installed the same way (its service is
// not started by us; src/testing/prometheus.ts starts its own on a free loopback port).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

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

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function aptInstall(pkg) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env, timeout: 600_000 });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', env, timeout: 600_000 });
}

/** The directory with initdb and pg_ctl, or null (same search as src/testing/postgres.ts). */
function postgresBin() {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  for (const v of readdirSync(base).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a))) {
    const dir = path.join(base, v, 'bin');
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  return null;
}

function ensurePostgres() {
  const have = postgresBin();
  if (have) {
    console.log(`test-setup: PostgreSQL found (${works(path.join(have, 'initdb'), ['--version']) ?? have})`);
    return true;
  }
  if (!isRoot()) {
    console.error('test-setup: PostgreSQL (initdb, pg_ctl) is not installed and this is not root, so it cannot be installed here.\n' +
      '  Install it yourself: `sudo apt-get install -y postgresql` (Debian/Ubuntu), then run the tests again.\n' +
      '  The store tests (src/store/postgres.test.ts) fail until it is there.');
    return false;
  }
  console.log('test-setup: PostgreSQL missing; installing Debian\'s postgresql with apt-get');
  try {
    aptInstall('postgresql');
  } catch (e) {
    console.error(`test-setup: apt-get could not install postgresql: ${e.message}\n` +
      '  The store tests (src/store/postgres.test.ts) will fail until initdb and pg_ctl are installed.');
    return false;
  }
  const now = postgresBin();
  if (!now) {
    console.error('test-setup: postgresql was installed but initdb/pg_ctl are neither on PATH nor in /usr/lib/postgresql/*/bin.');
    return false;
  }
  console.log(`test-setup: PostgreSQL installed (${now})`);
  return true;
}

/** Where src/testing/browser.ts looks for the browser. */
const CHROMIUM = '/usr/bin/chromium';

function ensureChromium() {
  const have = existsSync(CHROMIUM) && works(CHROMIUM, ['--version']);
  if (have) {
    console.log(`test-setup: Chromium found (${have})`);
    return true;
  }
  if (!isRoot()) {
    console.error(`test-setup: Chromium (${CHROMIUM}) is not installed and this is not root, so it cannot be installed here.\n` +
      '  Install it yourself: `sudo apt-get install -y chromium` (Debian), then run the tests again.\n' +
      '  The dashboard tests (src/ui/*.e2e.test.ts) fail until it is there.');
    return false;
  }
  console.log('test-setup: Chromium missing; installing Debian\'s chromium with apt-get');
  try {
    aptInstall('chromium');
  } catch (e) {
    console.error(`test-setup: apt-get could not install chromium: ${e.message}\n` +
      '  The dashboard tests (src/ui/*.e2e.test.ts) will fail until /usr/bin/chromium is installed.');
    return false;
  }
  const now = existsSync(CHROMIUM) && works(CHROMIUM, ['--version']);
  if (!now) {
    console.error(`test-setup: chromium was installed but \`${CHROMIUM} --version\` fails.`);
    return false;
  }
  console.log(`test-setup: Chromium installed (${now})`);
  return true;
}

function ensurePrometheus() {
  const have = works('prometheus', ['--version']) && works('promtool', ['--version']);
  if (have) {
    console.log(`test-setup: Prometheus found (${have.split('\n')[0]})`);
    return true;
  }
  if (!isRoot()) {
    console.error('test-setup: prometheus and promtool are not on PATH and this is not root, so they cannot be installed here.\n' +
      '  Install them yourself: `sudo apt-get install -y --no-install-recommends prometheus` (Debian/Ubuntu), then run the tests again.\n' +
      '  The telemetry tests (src/insights/sources/prometheus.test.ts) fail until they are there.');
    return false;
  }
  console.log('test-setup: Prometheus missing; installing Debian\'s prometheus with apt-get');
  try {
    aptInstall('prometheus');
  } catch (e) {
    console.error(`test-setup: apt-get could not install prometheus: ${e.message}\n` +
      '  The telemetry tests (src/insights/sources/prometheus.test.ts) will fail until prometheus and promtool are on PATH.');
    return false;
  }
  const now = works('prometheus', ['--version']) && works('promtool', ['--version']);
  if (!now) {
    console.error('test-setup: prometheus was installed but `prometheus --version` or `promtool --version` still fails; check PATH.');
    return false;
  }
  console.log(`test-setup: Prometheus installed (${now.split('\n')[0]})`);
  return true;
}

// All run (each reports its own problem) before deciding.
const kubectlOk = ensureKubectl();
const postgresOk = ensurePostgres();
const chromiumOk = ensureChromium();
const prometheusOk = ensurePrometheus();
process.exitCode = kubectlOk && postgresOk && chromiumOk && prometheusOk ? 0 : 1;
