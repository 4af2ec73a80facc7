import { foldOwnedFindings } from './owned.js';
import type { Finding } from './finding.js';
import { runRules, type RuleFailure } from './run.js';
import { loadFiles, loadPaths, type InputFile, type LoadOptions, type LoadResult } from '../loader/load.js';
import type { LoadError } from '../loader/parse.js';
import { Locator } from '../loader/locate.js';
import { phase } from '../loader/timings.js';
import { relaxHeapGrowth, restoreHeapGrowth } from './heap-growth.js';
import { MeshModel, type ModelOptions } from '../model/model.js';
import { describe } from '../model/resource.js';
import { allRules } from '../rules/index.js';
import { credentialProblems, describeCredentialProblem } from '../multicluster/credentials.js';
import type { Rule } from '../rules/types.js';
import { defaultSettings, type RuleSettings } from '../config/settings.js';
import type { Severity } from './finding.js';
import type { TrafficFacts } from '../insights/types.js';

export interface ScanOptions extends LoadOptions {
  model?: ModelOptions;
  settings?: Partial<RuleSettings>;
  rules?: readonly Rule[];
  severityOverrides?: Record<string, Severity>;
  disabled?: Set<string>;
  /** Compact findings (see RunOptions.compact): for callers that only read and report them. */
  compactFindings?: boolean;
  /** Places findings (default: in the loaded files); a live cluster's analysis passes a LiveLocator. */
  locator?: Locator;
  /** Traffic facts (src/insights) for the INS rules; without them those rules report nothing. */
  telemetry?: TrafficFacts;
  /**
   * Traffic facts still loading (Prometheus queries wait on the network): scanPaths loads and parses
   * the files meanwhile and waits for them only before the rules. Takes the place of `telemetry`.
   */
  telemetryPending?: Promise<TrafficFacts | undefined>;
  /**
   * Fold findings on objects a controller of the input runs (ReplicaSets, Pods, Jobs) into the
   * controller's (src/engine/owned.ts): for reports; ScanResult.folded counts them.
   */
  foldOwned?: boolean;
}

export interface ScanResult {
  findings: Finding[];
  errors: LoadError[];
  notes: string[];
  failures: RuleFailure[];
  model: MeshModel;
  load: LoadResult;
  /** Findings folded into their controller's (ScanOptions.foldOwned); 0 when not asked. */
  folded: number;
}

/** The whole static pipeline: inputs → model → rules → findings (before suppressions). */
export async function scanPaths(paths: string[], opts: ScanOptions = {}): Promise<ScanResult> {
  // Parsed objects and the model all survive: no point in bounding heap growth while they are made.
  relaxHeapGrowth();
  try {
    const load = await loadPaths(paths, opts);
    if (!opts.telemetryPending) return analyse(load, opts);
    const telemetry = await opts.telemetryPending;
    return analyse(load, { ...opts, ...(telemetry ? { telemetry } : {}) });
  } finally {
    restoreHeapGrowth();
  }
}

export async function scanFiles(files: InputFile[], opts: ScanOptions = {}): Promise<ScanResult> {
  return analyse(await loadFiles(files, opts), opts);
}

/** Model, rules and findings over resources already loaded (files, or one live cluster's objects). */
export function analyse(load: LoadResult, opts: ScanOptions): ScanResult {
  const settings: RuleSettings = { ...defaultSettings(), ...opts.settings };
  phase('loaded');
  const model = new MeshModel(load.resources, {
    ...opts.model,
    systemNamespaces: settings.systemNamespaces.length ? settings.systemNamespaces : opts.model?.systemNamespaces,
  });
  phase('model built');
  const errors = [...load.errors];
  for (const e of model.errors) errors.push({ file: e.resource.source?.file ?? '<input>', line: e.resource.source?.line ?? 0, message: `${describe(e.resource)}: ${e.message}` });
  for (const e of model.mesh.errors) errors.push({ file: model.mesh.resource?.source?.file ?? '<mesh config>', line: model.mesh.resource?.source?.line ?? 0, message: e });
  const locator = opts.locator ?? new Locator(load.files);
  // Credential Secrets whose kubeconfig could not be read: an error, whatever rules run, so an
  // unreadable remote secret cannot hide its hazards behind a clean exit.
  for (const p of credentialProblems(model)) {
    const at = locator.locate(p.secret, p.path);
    errors.push({ file: at?.file ?? p.secret.source?.file ?? '<input>', line: at?.line ?? p.secret.source?.line ?? 0, message: describeCredentialProblem(p) });
  }
  // Findings are what can outgrow the input (a million on 45 MB): the heap's bound is back from here.
  restoreHeapGrowth();
  const { findings, failures } = runRules(model, opts.rules ?? allRules, {
    settings,
    locator,
    severityOverrides: opts.severityOverrides,
    disabled: opts.disabled,
    compact: opts.compactFindings,
    telemetry: opts.telemetry,
  });
  phase('rules run');
  const fold = opts.foldOwned ? foldOwnedFindings(findings, model.resources) : null;
  return { findings: fold?.folded ? [...fold.findings] : findings, errors, notes: load.notes, failures, model, load, folded: fold?.folded ?? 0 };
}
