import { promises as fs } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import path from 'node:path';
import { applySuppressions } from '../engine/suppress.js';
import { readBaseline, writeBaseline, BaselineError } from '../engine/baseline.js';
import { SEVERITIES, severityRank, type Finding, type Severity } from '../engine/finding.js';
import { loadConfig, ConfigError, findRepositoryRoot, type MeshwardConfig } from '../config/config.js';
import { terminalSafe } from '../engine/text.js';
import { allRules } from '../rules/index.js';
import type { OutputTarget } from './outputs.js';
import { repoRelative } from '../report/paths.js';
import type { Resource } from '../model/resource.js';
import type { Rule } from '../rules/types.js';
import { CHUNKED_REPORTERS, type Format } from '../report/index.js';
import type { Report, ReportError } from '../report/types.js';
import type { ClusterSummary } from '../cluster/types.js';
import { UsageError, VERSION, useColor, EXIT_FINDINGS, type CliIO } from './io.js';

/** The output flags every findings-producing command shares. */
export interface OutputFlags {
  format: string;
  output?: string;
  /** The reports to write, when the command resolved several (scan); else `format` to `output`. */
  outputs?: OutputTarget[];
  failOn?: string;
  config?: string;
  baseline?: string;
  writeBaseline?: string;
  showSuppressed?: boolean;
  /** Folder SARIF/GitLab paths are relative to; default: the repository root above the working folder. */
  sarifBase?: string;
}

/** The config file: --config, else the nearest .meshward.yaml upward. A bad one is a usage error. */
export async function configFor(flags: OutputFlags, io: CliIO): Promise<MeshwardConfig> {
  let config: MeshwardConfig;
  try {
    config = await loadConfig(flags.config ? path.resolve(io.cwd, flags.config) : undefined, io.cwd);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(terminalSafe(err.message));
    throw err;
  }
  warnUnknownRules(config, io);
  return config;
}

/** A rule ID the config names that no rule has is a typo that silently does nothing: say so, with the nearest ID. */
function warnUnknownRules(config: MeshwardConfig, io: CliIO): void {
  const known = allRules.map((r) => r.meta.id);
  const shownFile = config.file ? path.relative(io.cwd, config.file) || config.file : 'config';
  for (const ref of config.ruleRefs) {
    // Custom rules (X-...) are checked once their files are loaded (src/custom/index.ts).
    if (known.includes(ref.id) || ref.id.startsWith('X-')) continue;
    const near = nearest(ref.id, known);
    io.stderr.write(
      `meshward: warning: ${terminalSafe(shownFile)}:${ref.line}: ${ref.where} names rule ${terminalSafe(ref.id)}, which does not exist${near ? `; did you mean ${near}?` : ''} (\`meshward rules\` lists them)\n`,
    );
  }
}

/** The known ID closest to `id` by edit distance, if it is close enough to be a likely typo. */
export function nearest(id: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(id.toUpperCase(), k);
    if (d < bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  return bestDistance <= 3 ? best : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Reads --baseline up front, so a bad one fails before any work is done. */
export async function baselineFor(flags: OutputFlags, io: CliIO): Promise<Set<string> | null> {
  if (!flags.baseline) return null;
  try {
    return await readBaseline(path.resolve(io.cwd, flags.baseline));
  } catch (err) {
    if (err instanceof BaselineError) throw new UsageError(err.message);
    throw err;
  }
}

export interface EmitInput {
  findings: Finding[];
  errors: ReportError[];
  notes: string[];
  started: number;
  resources: number;
  files: number;
  meshConfig: string;
  /** Live clusters read (summary.clusters), absent when only files were scanned. */
  clusters?: ClusterSummary[];
  rules: readonly Rule[];
  /** The object a finding is about, for annotation suppressions; absent where findings have no object. */
  resourceOf?: (f: Finding) => Resource | undefined;
  config: MeshwardConfig;
  baseline: Set<string> | null;
  flags: OutputFlags;
  io: CliIO;
  /**
   * Candidates, best first, for where findings without a source position are pinned in SARIF/GitLab
   * (README "Findings without a file"); the first inside the repository root is used.
   */
  fallbackFiles?: readonly string[];
  /** The posture view (`meshward posture -f json`'s data) for the HTML report; absent otherwise. */
  /** Each source's posture table: the files' (cluster null) and each live cluster's. */
  posture?: unknown;
}

/**
 * The common end of every findings-producing command: suppressions (config, annotation, baseline),
 * the reports in the chosen formats, the baseline file, and the exit code: 1 for an unsuppressed
 * finding at or above --fail-on or for unreadable input, else 0. Writing a baseline accepts the
 * current findings, so that run exits 0 unless the input had errors.
 */
export async function emitReport(x: EmitInput): Promise<number> {
  const { flags, io, config } = x;
  const notes = applySuppressions(x.findings, {
    resourceOf: x.resourceOf ?? (() => undefined),
    annotationSuppressions: config.annotationSuppressions,
    ignores: config.ignores,
    baseline: x.baseline,
    today: new Date().toISOString().slice(0, 10),
    configFile: config.file ? path.relative(io.cwd, config.file) || config.file : null,
  });
  // The lookup holds the model's objects; the reports do not need them (see commands/scan.ts).
  x.resourceOf = undefined;
  if (x.findings.length >= COLLECT_AFTER_FINDINGS) collectGarbage();
  if (flags.writeBaseline) {
    const file = path.resolve(io.cwd, flags.writeBaseline);
    await ensureFolder(file, '--write-baseline', flags.writeBaseline);
    const n = await writeBaseline(file, x.findings, new Date());
    io.stderr.write(`meshward: wrote ${n} fingerprint${n === 1 ? '' : 's'} to ${terminalSafe(flags.writeBaseline)}\n`);
  }
  const failOn = (flags.failOn ?? config.failOn ?? 'high') as Severity | 'none';
  const visible = x.findings.filter((f) => !f.suppressed);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of visible) bySeverity[f.severity]++;
  const summary = {
    bySeverity,
    resources: x.resources,
    files: x.files,
    durationMs: Math.round(performance.now() - x.started),
    suppressed: x.findings.length - visible.length,
    meshConfig: x.meshConfig,
    notes: [...x.notes, ...notes],
    ...(x.clusters ? { clusters: x.clusters } : {}),
  };
  const srcRoot = flags.sarifBase ? path.resolve(io.cwd, flags.sarifBase) : ((await findRepositoryRoot(io.cwd)) ?? io.cwd);
  const fallbackFile = (x.fallbackFiles ?? []).find((f) => repoRelative(f, io.cwd, srcRoot) !== null) ?? null;
  const targets = flags.outputs ?? [{ format: flags.format as Format, file: flags.output ?? null }];
  const rules = x.rules.filter((r) => !config.disabled.has(r.meta.id));
  for (const target of targets) {
    const toStdout = target.file === null;
    // SARIF carries suppressed findings as such (GitHub shows them as dismissed); the others only on request.
    const report: Report = {
      version: 1,
      findings: flags.showSuppressed || target.format === 'sarif' ? x.findings : visible,
      errors: x.errors,
      summary,
    };
    const isText = target.format === 'text' || target.format === 'compact';
    // Every format is written chunk by chunk as it is made: whole, a report of 200,000 findings is
    // several hundred megabytes of string, more than the findings themselves.
    const chunks = CHUNKED_REPORTERS[target.format](report, {
      rules,
      color: toStdout && isText && useColor(io.stdout, io.env),
      cwd: io.cwd,
      srcRoot,
      fallbackFile,
      failOn,
      ...(toStdout && target.format === 'text' ? widthOf(io) : {}),
      version: VERSION,
      ...(x.posture !== undefined ? { posture: x.posture } : {}),
    });
    if (toStdout) await writeChunks(io.stdout, chunks);
    else await writeReportFile(path.resolve(io.cwd, target.file!), target.file!, chunks);
  }
  if (!targets.some((t) => t.file === null)) {
    // Nothing went to standard output: one line on stderr, so a CI log still says how the run went.
    const total = visible.length;
    const counts = SEVERITIES.filter((s) => bySeverity[s]).map((s) => `${bySeverity[s]} ${s}`).join(', ');
    const errors = x.errors.length ? `, ${x.errors.length} input error${x.errors.length === 1 ? '' : 's'}` : '';
    io.stderr.write(
      `meshward: ${total} finding${total === 1 ? '' : 's'}${counts ? ` (${counts})` : ''} in ${x.resources} resource${x.resources === 1 ? '' : 's'}${errors}; report${targets.length === 1 ? '' : 's'} written to ${targets.map((t) => terminalSafe(t.file ?? '')).join(', ')}\n`,
    );
  }

  // A file that did not parse always fails the run; a cluster not read (or read in part) fails it too,
  // since what was not read could hide anything, unless --fail-on none says no result should fail it.
  if (x.errors.some((e) => !(failOn === 'none' && e.cluster !== undefined && e.kind !== undefined))) return EXIT_FINDINGS;
  if (flags.writeBaseline) return 0;
  if (failOn !== 'none' && visible.some((f) => severityRank(f.severity) >= severityRank(failOn))) return EXIT_FINDINGS;
  return 0;
}

/**
 * Above this many findings, a full garbage collection is forced before the reports are written: the
 * caller has just let go of the model (most of the heap), but V8 would only notice at its next full
 * collection, once the reports' garbage had grown the heap by half of what the model held (a million
 * findings, JSON: RSS rose from 1.05 to 1.40 GB while writing; with the collection writing stays
 * below what the rules reached). Below it, the model is small and the collection not worth its pause.
 */
const COLLECT_AFTER_FINDINGS = 50_000;

function collectGarbage(): void {
  // `gc` is exposed to contexts made after the flag is set; the process's own global is unchanged.
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** The terminal's width for wrapping the long text form: the TTY's columns, else $COLUMNS when set. */
function widthOf(io: CliIO): { width?: number } {
  const columns = io.stdout.isTTY ? (io.stdout as { columns?: number }).columns : undefined;
  const width = columns ?? Number(io.env.COLUMNS);
  return Number.isInteger(width) && width >= 20 ? { width } : {};
}

/** A missing folder for a report is created: CI jobs write into fresh `reports/` folders. */
async function ensureFolder(file: string, flag: string, shown: string): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
  } catch (err) {
    throw new UsageError(`${flag} ${terminalSafe(shown)}: cannot create its folder (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
}

/**
 * Writes an --output file, creating its folder; a failure is a usage error naming the flag and the path.
 * Text may come in chunks (see CHUNKED_REPORTERS): a report can be hundreds of megabytes.
 */
export async function writeReportFile(file: string, shown: string, text: string | Iterable<string>): Promise<void> {
  await ensureFolder(file, '--output', shown);
  try {
    const handle = await fs.open(file, 'w');
    try {
      for (const chunk of typeof text === 'string' ? [text] : text) await handle.write(chunk);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new UsageError(`--output ${terminalSafe(shown)}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? err}); check the path`);
  }
}

/**
 * Writes chunks to a stream, waiting for it to drain between them. A stream that fails or closes
 * (`meshward scan | head`: EPIPE) ends the writing quietly; bin.ts decides what the error means.
 */
async function writeChunks(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if ((stream as { destroyed?: boolean }).destroyed) return;
    if (stream.write(chunk)) continue;
    await new Promise<void>((resolve) => {
      const done = () => {
        stream.off('drain', done);
        stream.off('error', done);
        stream.off('close', done);
        resolve();
      };
      stream.once('drain', done);
      stream.once('error', done);
      stream.once('close', done);
    });
  }
}
