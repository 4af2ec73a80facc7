import type { Finding, Severity } from '../engine/finding.js';
import type { LoadError } from '../loader/parse.js';
import type { Rule } from '../rules/types.js';
import type { ClusterSummary } from '../cluster/types.js';

/**
 * An input that could not be read: a file (or document) that did not parse, or, for a live cluster,
 * a kind that could not be listed or a cluster that could not be reached (`cluster`, `kind`, `status`
 * set; `file` is then `cluster NAME`).
 */
export interface ReportError extends LoadError {
  cluster?: string;
  /** The kind whose list failed, or `kubeconfig`, `discovery`, `connection` (ClusterError.kind). */
  kind?: string;
  /** The HTTP status, when there was one. */
  status?: number | null;
}

export interface Summary {
  bySeverity: Record<Severity, number>;
  resources: number;
  files: number;
  durationMs: number;
  /** Findings hidden by annotations, config ignores or the baseline. */
  suppressed: number;
  /** Where the mesh config came from: `configmap`, `istiooperator`, `file`, or `defaults` (Istio's defaults assumed). */
  meshConfig: string;
  /** Things the user should know that are not findings (expired ignores, assumed defaults...). */
  notes: string[];
  /** Live clusters read in this run (absent when only files were scanned), in the order selected. */
  clusters?: ClusterSummary[];
}

/** The JSON output contract (design.md), also the input of every other reporter. */
export interface Report {
  version: 1;
  findings: Finding[];
  errors: ReportError[];
  summary: Summary;
}

export interface ReportContext {
  /** The rules that ran (SARIF lists them with their help text). */
  rules: readonly Rule[];
  /** Colour the text output. */
  color: boolean;
  /** Folder that the findings' file paths are relative to (the working folder). */
  cwd: string;
  /**
   * Folder that report URIs are relative to (SARIF's %SRCROOT%, GitLab's location.path): the repository
   * root or --sarif-base. Defaults to `cwd`.
   */
  srcRoot?: string;
  /**
   * A repository file to pin findings that have no source position on (mesh defaults, stdin without
   * Helm comments), so CI systems that need a file accept them. Null: such findings stay unlocated.
   */
  fallbackFile?: string | null;
  /** --fail-on: JUnit makes findings below it passing test cases. Absent: every finding fails. */
  failOn?: Severity | 'none';
  /** Wrap long text lines to this many columns (the terminal's width); absent: no wrapping. */
  width?: number;
  /** The version of meshward, for tool metadata. */
  version: string;
  /** The posture view (`meshward posture -f json`), shown by the HTML report when the scan computed it. */
  /** Each source's posture table: the files' (cluster null) and each live cluster's. */
  posture?: unknown;
}

export type Reporter = (report: Report, ctx: ReportContext) => string;

/**
 * A reporter that yields its output in pieces, in order: the CLI writes each piece before the next is
 * made, so a report of hundreds of thousands of findings never exists as one string.
 */
export type ChunkedReporter = (report: Report, ctx: ReportContext) => Iterable<string>;

/** The whole text of a chunked report, for callers that want one string (tests, small reports). */
export function joinChunks(chunks: Iterable<string>): string {
  let text = '';
  for (const chunk of chunks) text += chunk;
  return text;
}
