import { promises as fs } from 'node:fs';
import path from 'node:path';
import { applySuppressions } from '../engine/suppress.js';
import { readBaseline, writeBaseline, BaselineError } from '../engine/baseline.js';
import { SEVERITIES, severityRank, type Finding, type Severity } from '../engine/finding.js';
import { loadConfig, ConfigError, type MeshwardConfig } from '../config/config.js';
import type { LoadError } from '../loader/parse.js';
import type { Resource } from '../model/resource.js';
import type { Rule } from '../rules/types.js';
import { REPORTERS, type Format } from '../report/index.js';
import type { Report } from '../report/types.js';
import { UsageError, VERSION, useColor, EXIT_FINDINGS, type CliIO } from './io.js';

/** The output flags every findings-producing command shares. */
export interface OutputFlags {
  format: string;
  output?: string;
  failOn?: string;
  config?: string;
  baseline?: string;
  writeBaseline?: string;
  showSuppressed?: boolean;
}

/** The config file: --config, else the nearest .meshward.yaml upward. A bad one is a usage error. */
export async function configFor(flags: OutputFlags, io: CliIO): Promise<MeshwardConfig> {
  try {
    return await loadConfig(flags.config ? path.resolve(io.cwd, flags.config) : undefined, io.cwd);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
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
  errors: LoadError[];
  notes: string[];
  started: number;
  resources: number;
  files: number;
  meshConfig: string;
  rules: readonly Rule[];
  /** The object a finding is about, for annotation suppressions; absent where findings have no object. */
  resourceOf?: (f: Finding) => Resource | undefined;
  config: MeshwardConfig;
  baseline: Set<string> | null;
  flags: OutputFlags;
  io: CliIO;
}

/**
 * The common end of every findings-producing command: suppressions (config, annotation, baseline),
 * the report in the chosen format, the baseline file, and the exit code — 1 for an unsuppressed
 * finding at or above --fail-on or for unreadable input, else 0.
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
  if (flags.writeBaseline) {
    const n = await writeBaseline(path.resolve(io.cwd, flags.writeBaseline), x.findings, new Date());
    io.stderr.write(`meshward: wrote ${n} fingerprint${n === 1 ? '' : 's'} to ${flags.writeBaseline}\n`);
  }
  const format = flags.format as Format;
  const visible = x.findings.filter((f) => !f.suppressed);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of visible) bySeverity[f.severity]++;
  const report: Report = {
    version: 1,
    findings: flags.showSuppressed || format === 'sarif' ? x.findings : visible,
    errors: x.errors,
    summary: {
      bySeverity,
      resources: x.resources,
      files: x.files,
      durationMs: Math.round(performance.now() - x.started),
      suppressed: x.findings.length - visible.length,
      meshConfig: x.meshConfig,
      notes: [...x.notes, ...notes],
    },
  };
  if (format === 'json') {
    // The JSON report is streamed (the same text, finding by finding): whole, it is one string about
    // 1.8 KB per finding, as large as every finding in memory several times over.
    if (flags.output) {
      const handle = await fs.open(path.resolve(io.cwd, flags.output), 'w');
      try {
        for (const chunk of jsonReportChunks(report)) await handle.write(chunk);
      } finally {
        await handle.close();
      }
    } else {
      for (const chunk of jsonReportChunks(report)) if (!io.stdout.write(chunk)) await new Promise<void>((resolve) => io.stdout.once('drain', resolve));
    }
  } else {
    const text = REPORTERS[format](report, {
      rules: x.rules.filter((r) => !config.disabled.has(r.meta.id)),
      color: !flags.output && format === 'text' && useColor(io.stdout, io.env),
      cwd: io.cwd,
      version: VERSION,
    });
    if (flags.output) await writeFileChunked(path.resolve(io.cwd, flags.output), text);
    else await writeChunked(io.stdout, text);
  }

  const failOn = (flags.failOn ?? config.failOn ?? 'high') as Severity | 'none';
  if (x.errors.length) return EXIT_FINDINGS;
  if (failOn !== 'none' && visible.some((f) => severityRank(f.severity) >= severityRank(failOn))) return EXIT_FINDINGS;
  return 0;
}

/**
 * A report can be hundreds of megabytes: written whole, the stream (or fs.writeFile) first copies it
 * into one Buffer of the same size. Written in 1 MiB slices, waiting for the stream to drain, only a
 * slice is copied at a time.
 */
const WRITE_CHUNK = 1 << 20;

async function writeChunked(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (text.length <= WRITE_CHUNK) {
    stream.write(text);
    return;
  }
  for (let i = 0; i < text.length; ) {
    const end = sliceEnd(text, i);
    if (!stream.write(text.slice(i, end))) await new Promise<void>((resolve) => stream.once('drain', resolve));
    i = end;
  }
}

/** The end of the slice starting at `i`, never between the two halves of a surrogate pair. */
function sliceEnd(text: string, i: number): number {
  let end = Math.min(i + WRITE_CHUNK, text.length);
  const last = text.charCodeAt(end - 1);
  if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
  return end;
}

async function writeFileChunked(file: string, text: string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    for (let i = 0; i < text.length; ) {
      const end = sliceEnd(text, i);
      await handle.write(text.slice(i, end));
      i = end;
    }
  } finally {
    await handle.close();
  }
}

/**
 * The text REPORTERS.json writes (JSON.stringify(report, null, 2) plus a newline), in chunks of about
 * 1 MiB: each finding is stringified on its own and indented to its place in the array. A test keeps
 * the two identical.
 */
export function* jsonReportChunks(report: Report): Generator<string> {
  const { version, findings, ...tail } = report;
  let buf = `{\n  "version": ${JSON.stringify(version)},\n  "findings": [`;
  for (let i = 0; i < findings.length; i++) {
    buf += `${i ? ',' : ''}\n    ${JSON.stringify(findings[i], null, 2).replace(/\n/g, '\n    ')}`;
    if (buf.length >= WRITE_CHUNK) {
      yield buf;
      buf = '';
    }
  }
  buf += findings.length ? '\n  ]' : ']';
  buf += `,${JSON.stringify(tail, null, 2).slice(1)}\n`;
  yield buf;
}
