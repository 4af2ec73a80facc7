#!/usr/bin/env node
// Proves a performance change left the output alone: runs two builds of the CLI on the same inputs
// and compares their reports byte for byte, after blanking the one field that measures the run
// itself (summary.durationMs in JSON, the duration in text). Exit 0 when every report is identical.
//
//   node bench/same-output.js --before /tmp/base/dist/cli/bin.js [--after dist/cli/bin.js]
//        [--formats json,sarif,text] [--jobs 2] INPUT...
//
// Each INPUT is scanned as one run (a file or a folder); the examples are a good default:
//   node bench/same-output.js --before /tmp/base/dist/cli/bin.js examples/insecure examples/secure
// An INPUT `live:KUBECONFIG` scans every context of that kubeconfig instead (`--all-contexts`): the
// live path, e.g. against bench/lib/live-server.js's clusters:
//   node bench/lib/live-server.js --clusters 3 --resources 2000 --kubeconfig /tmp/kc.yaml &
//   node bench/same-output.js --before /tmp/base/dist/cli/bin.js live:/tmp/kc.yaml
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opts = { before: null, after: path.join(here, '..', 'dist', 'cli', 'bin.js'), formats: ['json', 'sarif', 'text'], jobs: null, inputs: [] };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--before') opts.before = path.resolve(args[++i]);
  else if (a === '--after') opts.after = path.resolve(args[++i]);
  else if (a === '--formats') opts.formats = args[++i].split(',');
  else if (a === '--jobs') opts.jobs = args[++i];
  else if (a === '--help' || a === '-h') {
    console.log('node bench/same-output.js --before CLI [--after CLI] [--formats json,sarif,text] [--jobs N] INPUT...');
    process.exit(0);
  } else opts.inputs.push(a.startsWith('live:') ? `live:${path.resolve(a.slice(5))}` : path.resolve(a));
}
if (!opts.before || !opts.inputs.length) {
  console.error('same-output: --before CLI and at least one INPUT are needed (--help)');
  process.exit(2);
}

/** The run's own measurements, which differ between any two runs. */
function normalise(format, text) {
  // SARIF carries the live clusters' summaries (each with its durationMs) in its run properties.
  if (format === 'json' || format === 'sarif') return text.replace(/"durationMs":\s*\d+/g, '"durationMs":0');
  // The text report's summary line ends with the run's duration ("... from 11 files, 160 ms").
  if (format === 'text') return text.replace(/, \d+(\.\d+)? m?s$/gm, ', <duration>');
  return text;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'meshward-same-'));
let differences = 0;
try {
  for (const input of opts.inputs) {
    for (const format of opts.formats) {
      const outputs = [opts.before, opts.after].map((cli, k) => {
        // The same path for both: the summary on stderr names it.
        const file = path.join(tmp, `report.${format}`);
        const started = performance.now();
        const source = input.startsWith('live:') ? ['--kubeconfig', input.slice(5), '--all-contexts'] : [input];
        const r = spawnSync(process.execPath, [cli, 'scan', ...source, '--format', format, '--output', file, '--fail-on', 'none', ...(opts.jobs ? ['--jobs', opts.jobs] : [])], {
          env: { ...process.env, NO_COLOR: '1', MESHWARD_TIMINGS: '' },
          encoding: 'utf8',
          maxBuffer: 64 << 20,
        });
        if (r.status !== 0 && r.status !== 1) throw new Error(`${cli} on ${input} (${format}): exit ${r.status ?? r.signal}: ${r.stderr.slice(0, 500)}`);
        return { text: normalise(format, readFileSync(file, 'utf8')), seconds: (performance.now() - started) / 1000, stderr: r.stderr };
      });
      const same = outputs[0].text === outputs[1].text && outputs[0].stderr === outputs[1].stderr;
      if (!same) {
        differences++;
        const a = outputs[0].text;
        const b = outputs[1].text;
        let at = 0;
        while (at < a.length && a[at] === b[at]) at++;
        console.log(`DIFFERENT ${input.startsWith('live:') ? input : path.relative(process.cwd(), input)} ${format}: reports of ${a.length} and ${b.length} characters first differ at ${at}: ${JSON.stringify(a.slice(at, at + 80))} vs ${JSON.stringify(b.slice(at, at + 80))}${outputs[0].stderr !== outputs[1].stderr ? ' (stderr differs too)' : ''}`);
      } else {
        console.log(`same      ${input.startsWith('live:') ? input : path.relative(process.cwd(), input)} ${format}: ${outputs[0].text.length} characters (before ${outputs[0].seconds.toFixed(1)} s, after ${outputs[1].seconds.toFixed(1)} s)`);
      }
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(differences ? 1 : 0);
