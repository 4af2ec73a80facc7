import type { Finding, Severity } from '../engine/finding.js';
import type { LoadError } from '../loader/parse.js';
import type { Rule } from '../rules/types.js';

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
}

/** The JSON output contract (design.md), also the input of every other reporter. */
export interface Report {
  version: 1;
  findings: Finding[];
  errors: LoadError[];
  summary: Summary;
}

export interface ReportContext {
  /** The rules that ran (SARIF lists them with their help text). */
  rules: readonly Rule[];
  /** Colour the text output. */
  color: boolean;
  /** Folder that paths in the report are relative to (SARIF's SRCROOT). */
  cwd: string;
  /** The version of meshward, for tool metadata. */
  version: string;
}

export type Reporter = (report: Report, ctx: ReportContext) => string;
