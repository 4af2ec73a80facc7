#!/usr/bin/env node
// Live-cluster benchmark (issue 11): meshward reading clusters through the Kubernetes API, against
// the stand-in running in its OWN process (bench/lib/live-server.js) with synthetic mesh clusters.
//
//   npm run build && node bench/live.js [--only a,b,c,d] [--cli dist/cli/bin.js] [--dist dist] [--workers N]
//
//   --workers N sets MESHWARD_LIVE_WORKERS for meshward (0: clusters analysed on the main thread; default:
//   one worker thread per core), to compare the two on the same machine.
//
//   (a) kubectl get -o json of the kinds meshward lists, on one cluster of 10,000 resources
//       (kubectl's listing alone: the yardstick)
//   (b) meshward scan --context c000 on that cluster            target: <= 1.5x (a)
//   (c) 20 clusters x 10,000 resources, --all-contexts          target: <= 15 s, peak RSS <= 1.5 GB
//   (d) 100 clusters x 5,000 resources, --all-contexts          target: peak RSS <= 1 GB
//
// Wall time is taken around each whole process; meshward's peak RSS and CPU come from
// bench/lib/rss-probe.js (getrusage, all threads), kubectl's from /usr/bin/time -f %M when present.
// (b)-(d) need the live flags on the CLI (`scan --kubeconfig/--context/--all-contexts`); a CLI
// without them is reported as skipped, not failed. Results go to bench/out/live-results.json.
// Exit: 0 all judged targets pass, 1 one fails, 2 the benchmark could not run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(BENCH, '..');
const PROBE = pathToFileURL(path.join(BENCH, 'lib', 'rss-probe.js')).href;
const SERVER = path.join(BENCH, 'lib', 'live-server.js');

/**
 * The kinds meshward's rules read (their `reads`), as kubectl names them. Secrets are left out:
 * meshward lists them only by label (remote secrets, cacerts...), and the synthetic clusters hold none.
 */
const LISTED_KINDS = [
  'namespaces', 'pods', 'services', 'configmaps', 'replicationcontrollers',
  'deployments.apps', 'statefulsets.apps', 'daemonsets.apps', 'replicasets.apps', 'jobs.batch', 'cronjobs.batch',
  'networkpolicies.networking.k8s.io', 'mutatingwebhookconfigurations.admissionregistration.k8s.io',
  'roles.rbac.authorization.k8s.io', 'rolebindings.rbac.authorization.k8s.io', 'clusterroles.rbac.authorization.k8s.io', 'clusterrolebindings.rbac.authorization.k8s.io',
  'virtualservices.networking.istio.io', 'destinationrules.networking.istio.io', 'gateways.networking.istio.io', 'serviceentries.networking.istio.io',
  'sidecars.networking.istio.io', 'envoyfilters.networking.istio.io', 'authorizationpolicies.security.istio.io', 'peerauthentications.security.istio.io',
  'requestauthentications.security.istio.io', 'wasmplugins.extensions.istio.io',
  'gateways.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io', 'grpcroutes.gateway.networking.k8s.io', 'tlsroutes.gateway.networking.k8s.io', 'referencegrants.gateway.networking.k8s.io',
];

const TARGETS = {
  ratio: 1.5,
  c: { wallS: 15, rssBytes: 1.5e9 },
  d: { rssBytes: 1e9 },
};

function parseArgs(argv) {
  const o = { only: new Set(['a', 'b', 'c', 'd']), cli: path.join(REPO, 'dist/cli/bin.js'), dist: path.join(REPO, 'dist'), kubectl: 'kubectl', workers: null };
  for (let i = 0; i < argv.length; i++) {
    const v = () => argv[++i];
    if (argv[i] === '--only') o.only = new Set(v().split(','));
    else if (argv[i] === '--cli') o.cli = path.resolve(v());
    else if (argv[i] === '--dist') o.dist = path.resolve(v());
    else if (argv[i] === '--kubectl') o.kubectl = v();
    else if (argv[i] === '--workers') {
      o.workers = v();
      if (!/^\d+$/.test(o.workers ?? '')) throw new Error('--workers takes a whole number (0: no worker threads)');
    }
    else if (argv[i] === '-h' || argv[i] === '--help') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 21).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

/** Starts the stand-in child; resolves when it has written the kubeconfig. */
async function startServer(opts, clusters, resources, dir) {
  const kubeconfig = path.join(dir, `kubeconfig-${clusters}x${resources}.yaml`);
  const child = spawn(process.execPath, [SERVER, '--clusters', String(clusters), '--resources', String(resources), '--kubeconfig', kubeconfig, '--dist', opts.dist], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c) => {
      buf += c;
      const m = buf.match(/^READY (.*)$/m);
      if (m) resolve(JSON.parse(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`stand-in process exited (${code}) before it was ready`)));
  });
  /** The stand-in's CPU time so far (ms), from /proc; null where there is none. */
  const cpuMs = () => {
    try {
      const f = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
    } catch {
      return null;
    }
  };
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return { kubeconfig, info, stop, cpuMs };
}

/** `measure`, plus the stand-in's CPU spent meanwhile and the load average before the run. */
async function measureWith(server, cmd, args, o) {
  const before = server.cpuMs();
  const load = os.loadavg()[0];
  const m = await measure(cmd, args, o);
  const after = server.cpuMs();
  return { ...m, standInCpuMs: before !== null && after !== null ? after - before : null, load };
}

/** Runs a command, wall time around the whole process; peak RSS from the probe or /usr/bin/time. */
async function measure(cmd, args, { probe = false, env = {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-live-'));
  const probeFile = path.join(dir, 'probe.json');
  const timeFile = path.join(dir, 'time.txt');
  let argv = [cmd, ...args];
  if (probe) argv = [process.execPath, '--import', PROBE, ...args];
  else if (fs.existsSync('/usr/bin/time')) argv = ['/usr/bin/time', '-f', '%M %U %S', '-o', timeFile, ...argv];
  const t0 = performance.now();
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env, MESHWARD_BENCH_PROBE: probeFile, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr.length < 1 << 16 ? (stderr += d) : null));
  const code = await new Promise((resolve) => child.on('close', (c) => resolve(c)));
  const wallMs = performance.now() - t0;
  let rssBytes = null, cpuMs = null;
  try {
    if (probe) {
      const p = JSON.parse(fs.readFileSync(probeFile, 'utf8'));
      rssBytes = p.maxRssKB * 1024;
      cpuMs = p.userCpuMs + p.systemCpuMs;
    } else {
      const [kb, u, s] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(/\s+/).map(Number);
      rssBytes = kb * 1024;
      cpuMs = Math.round((u + s) * 1000);
    }
  } catch {
    /* no measurement: killed, or no /usr/bin/time */
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { code, wallMs, rssBytes, cpuMs, stderr };
}

const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;
const fmtMB = (b) => (b === null ? 'n/a' : `${Math.round(b / 1e6)} MB`);

function cliHasLiveFlags(cli) {
  const r = spawnSync(process.execPath, [cli, 'scan', '--help'], { encoding: 'utf8', timeout: 60_000 });
  return /--all-contexts/.test(r.stdout ?? '') && /--kubeconfig/.test(r.stdout ?? '');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(opts.dist, 'testing/apiserver/index.js'))) throw new Error(`${opts.dist}/testing/apiserver is missing: run \`npm run build\``);
  const live = cliHasLiveFlags(opts.cli);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-live-bench-'));
  const results = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, load: os.loadavg(), cli: path.relative(REPO, opts.cli), workers: opts.workers, rows: [] };
  // Meshward's own runs only: kubectl does not read it.
  const meshwardEnv = opts.workers === null ? {} : { MESHWARD_LIVE_WORKERS: opts.workers };
  let failed = false;
  const scanArgs = (kubeconfig, ...sel) => [opts.cli, 'scan', '--kubeconfig', kubeconfig, ...sel, '--format', 'json', '--output', '/dev/null', '--fail-on', 'none'];
  const row = (r) => {
    results.rows.push(r);
    const verdict = r.skipped ? `skipped: ${r.skipped}` : r.verdict ?? '';
    const cell = (v, f, w) => (v === undefined || v === null ? ''.padStart(w) : f(v).padStart(w));
    console.log(`${r.name.padEnd(44)} ${cell(r.wallMs, fmtS, 9)}  ${cell(r.rssBytes, fmtMB, 8)}  ${cell(r.cpuMs, fmtS, 8)}  ${cell(r.standInCpuMs, fmtS, 8)}  ${verdict}`);
  };
  console.log(`live benchmark: Node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; CLI ${results.cli}${opts.workers === null ? '' : `, MESHWARD_LIVE_WORKERS=${opts.workers}`}${live ? '' : ' (no live flags: (b)-(d) skipped)'}`);
  console.log(`${'measure'.padEnd(44)} ${'wall'.padStart(9)}  ${'peak RSS'.padStart(8)}  ${'CPU'.padStart(8)}  ${'stand-in'.padStart(8)}  target`);
  try {
    if (opts.only.has('a') || opts.only.has('b')) {
      const s = await startServer(opts, 1, 10_000, dir);
      try {
        let kubectlMs = null;
        let kubectlCpuMs = null;
        if (opts.only.has('a')) {
          const k = await measureWith(s, opts.kubectl, ['--kubeconfig', s.kubeconfig, '--cache-dir', path.join(dir, 'kcache'), '--context', 'c000', 'get', LISTED_KINDS.join(','), '-A', '-o', 'json'], {});
          if (k.code !== 0) throw new Error(`kubectl failed: ${k.stderr.slice(-2000)}`);
          kubectlMs = k.wallMs;
          kubectlCpuMs = k.cpuMs;
          row({ name: `(a) kubectl get -o json, 1 x ${s.info.resources}`, wallMs: k.wallMs, rssBytes: k.rssBytes, cpuMs: k.cpuMs, standInCpuMs: k.standInCpuMs, load: k.load, verdict: '(yardstick)' });
        }
        if (opts.only.has('b')) {
          if (!live) row({ name: '(b) meshward scan --context, 1 cluster', skipped: 'CLI without --kubeconfig/--all-contexts' });
          else {
            const m = await measureWith(s, process.execPath, scanArgs(s.kubeconfig, '--context', 'c000'), { probe: true, env: meshwardEnv });
            const ratio = kubectlMs ? m.wallMs / kubectlMs : null;
            // CPU ratio beside it: on a loaded machine wall times say more about the neighbours.
            const cpuRatio = kubectlCpuMs && m.cpuMs ? m.cpuMs / kubectlCpuMs : null;
            const ok = m.code === 0 && (ratio === null || ratio <= TARGETS.ratio);
            failed ||= !ok;
            row({ name: `(b) meshward scan --context, 1 x ${s.info.resources}`, wallMs: m.wallMs, rssBytes: m.rssBytes, cpuMs: m.cpuMs, standInCpuMs: m.standInCpuMs, load: m.load, ratio, exit: m.code, cpuRatio, verdict: `${ratio !== null ? ratio.toFixed(2) + 'x kubectl' : ''}${cpuRatio !== null ? ` (CPU ${cpuRatio.toFixed(2)}x)` : ''} (<= ${TARGETS.ratio}x): ${ok ? 'PASS' : 'FAIL'}${m.code ? ` exit ${m.code}: ${m.stderr.slice(-300)}` : ''}` });
          }
        }
      } finally {
        await s.stop();
      }
    }
    for (const [key, clusters, resources, target] of [['c', 20, 10_000, TARGETS.c], ['d', 100, 5_000, TARGETS.d]]) {
      if (!opts.only.has(key)) continue;
      const name = `(${key}) meshward --all-contexts, ${clusters} x ${resources}`;
      if (!live) {
        row({ name, skipped: 'CLI without --kubeconfig/--all-contexts' });
        continue;
      }
      const s = await startServer(opts, clusters, resources, dir);
      try {
        const m = await measureWith(s, process.execPath, scanArgs(s.kubeconfig, '--all-contexts'), { probe: true, env: meshwardEnv });
        const okWall = target.wallS === undefined || m.wallMs <= target.wallS * 1000;
        const okRss = m.rssBytes !== null && m.rssBytes <= target.rssBytes;
        const ok = m.code === 0 && okWall && okRss;
        failed ||= !ok;
        row({ name, wallMs: m.wallMs, rssBytes: m.rssBytes, cpuMs: m.cpuMs, standInCpuMs: m.standInCpuMs, load: m.load, exit: m.code, verdict: `${target.wallS ? `<= ${target.wallS} s, ` : ''}<= ${fmtMB(target.rssBytes)}: ${ok ? 'PASS' : 'FAIL'}${m.code ? ` exit ${m.code}: ${m.stderr.slice(-300)}` : ''}` });
      } finally {
        await s.stop();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(path.join(BENCH, 'out'), { recursive: true });
  fs.writeFileSync(path.join(BENCH, 'out', 'live-results.json'), JSON.stringify(results, null, 2));
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`live benchmark could not run: ${e.message}`);
    process.exit(2);
  },
);
