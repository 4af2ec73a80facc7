// Fallback target for bench/run.js while the CLI has no `scan` command: runs the library entry
// point `scanPaths(paths, { jobs })` from a compiled dist/ folder and writes a JSON report shaped
// like `meshward scan --format json` (version, findings, errors, summary), so the measured work
// (read, parse, model, rules, locate, serialise) matches the CLI's as closely as the library allows.
//
//   node bench/lib/scan-lib.js <dist-dir> <paths...> [--jobs N] [--output FILE]
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const dist = args.shift();
const paths = [];
let jobs = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
let output = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--jobs') jobs = Number(args[++i]);
  else if (args[i] === '--output') output = args[++i];
  else paths.push(args[i]);
}
if (!dist || !paths.length) {
  process.stderr.write('usage: node bench/lib/scan-lib.js <dist-dir> <paths...> [--jobs N] [--output FILE]\n');
  process.exit(2);
}

const started = performance.now();
const { scanPaths } = await import(pathToFileURL(path.join(dist, 'engine', 'scan.js')).href);
const result = await scanPaths(paths, { jobs });
const bySeverity = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
for (const f of result.findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
const report = {
  version: 1,
  findings: result.findings,
  errors: result.errors,
  summary: { bySeverity, resources: result.model.resources.length, files: result.load.files.length, durationMs: Math.round(performance.now() - started) },
};
const text = JSON.stringify(report, null, 2) + '\n';
if (output) writeFileSync(output, text);
else process.stdout.write(text);
process.exitCode = result.findings.length ? 1 : 0;
