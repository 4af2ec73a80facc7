/**
 * SARIF 2.1.0 output, shaped for GitHub code scanning.
 *
 * GitHub accepts a subset of SARIF and rejects a whole upload for a single bad result, so the choices
 * below are deliberate:
 * - every rule carries `help` (text and Markdown), a `helpUri` and `properties["security-severity"]`,
 *   which GitHub uses to grade alerts as critical/high/medium/low;
 * - every result has exactly one location with a physical, repository-relative URI (`%SRCROOT%`) and a
 *   start line >= 1. GitHub rejects a file in which any result has no location or only a logical one
 *   ("locationFromSarifResult: expected artifact location"). A finding that has no source position
 *   (mesh defaults, stdin without Helm `# Source:` comments) is pinned on line 1 of the fallback file the
 *   CLI chooses (--mesh-config, else the config file, else the first input file), marked with
 *   `properties.locationFallback`; with no fallback it becomes a tool notification naming the resource;
 * - URIs are relative to the repository root (or --sarif-base), not the working folder; a Helm
 *   template's result points at line 1 of the template, with the rendered line in `properties`;
 * - `partialFingerprints["meshward/v1"]` is meshward's own fingerprint, which ignores file and line, so
 *   alerts survive moves and reformatting and the upload action does not compute its own;
 * - at most 25,000 results per run (GitHub's hard limit), worst first, with a notification when cut.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fileLocation, isClusterLocation, severityRank, type Evidence, type FileLocation, type Finding, type Severity } from '../engine/finding.js';
import type { ResourceRef } from '../model/resource.js';
import type { RuleMeta } from '../rules/types.js';
import { codeFence, linkOrText, linkProblem, markdownText } from '../engine/markdown.js';
import { jsonForOutput } from '../engine/text.js';
import { jsonArrayChunks } from './json.js';
import type { ChunkedReporter, Report, ReportContext, ReportError, Reporter } from './types.js';

export const SARIF_SCHEMA_URI = 'https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json';
export const MESHWARD_INFORMATION_URI = 'https://github.com/meshward/meshward';
/** Key of meshward's fingerprint in `partialFingerprints`; bump the version if the fingerprint recipe changes. */
export const FINGERPRINT_KEY = 'meshward/v1';
/** GitHub code scanning rejects runs with more results than this. */
export const GITHUB_MAX_RESULTS = 25_000;
/** GitHub keeps 100 locations per result; more evidence than that is noise in an alert anyway. */
const MAX_RELATED_LOCATIONS = 100;
const SRCROOT = '%SRCROOT%';

/** GitHub grades `security-severity` as critical > 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9. */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

export type SarifLevel = 'error' | 'warning' | 'note';

export function sarifLevel(s: Severity): SarifLevel {
  return s === 'critical' || s === 'high' ? 'error' : s === 'medium' ? 'warning' : 'note';
}

export function ruleHelpUri(id: string): string {
  return `${MESHWARD_INFORMATION_URI}/blob/main/docs/rules/${encodeURIComponent(id)}.md`;
}

export interface SarifOptions {
  /**
   * Findings without a source file position. `notification` (default, GitHub-safe): reported as tool
   * execution notifications, not results. `logical`: results whose only location is a logical one
   * naming the resource; valid SARIF for other viewers, but GitHub rejects the whole file.
   */
  unlocated?: 'notification' | 'logical';
  /** Results per run; the rest (least severe first) are left out with a notification. */
  maxResults?: number;
}

// --- The subset of the SARIF object model this reporter writes ---------------------------------------

interface Message {
  text: string;
  markdown?: string;
}
interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}
interface Region {
  startLine: number;
  startColumn?: number;
}
interface PhysicalLocation {
  artifactLocation: ArtifactLocation;
  region?: Region;
}
interface LogicalLocation {
  name: string;
  fullyQualifiedName: string;
  kind: string;
}
interface SarifLocation {
  id?: number;
  physicalLocation?: PhysicalLocation;
  logicalLocations?: LogicalLocation[];
  message?: Message;
}
interface ReportingDescriptor {
  id: string;
  name: string;
  shortDescription: Message;
  fullDescription: Message;
  help: Required<Message>;
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; 'security-severity': string; [k: string]: unknown };
}
interface Suppression {
  kind: 'inSource' | 'external';
  status: 'accepted';
  justification?: string;
  properties: { source: string };
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: Message;
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  relatedLocations?: SarifLocation[];
  suppressions?: Suppression[];
  properties: Record<string, unknown>;
}
interface Notification {
  level: SarifLevel;
  message: Message;
  descriptor: { id: string };
  associatedRule?: { id: string; index: number };
  locations?: SarifLocation[];
  properties?: Record<string, unknown>;
}
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: {
      driver: {
        name: string;
        version: string;
        semanticVersion?: string;
        informationUri: string;
        rules: ReportingDescriptor[];
      };
    };
    invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications: Notification[]; properties?: Record<string, unknown> }>;
    originalUriBaseIds: Record<string, { uri: string }>;
    columnKind: 'utf16CodeUnits';
    results: SarifResult[];
  }>;
}

// --- Building ------------------------------------------------------------------------------------

export function createSarifReporter(opts: SarifOptions = {}): Reporter {
  // jsonForOutput: names and messages from manifests may hold bidi, zero-width and C1 characters.
  return (report, ctx) => jsonForOutput(buildSarif(report, ctx, opts)) + '\n';
}

/** The default SARIF reporter: output GitHub code scanning accepts. */
export const sarifReporter: Reporter = createSarifReporter();

/**
 * The same text as sarifReporter, in chunks: the results (up to GITHUB_MAX_RESULTS, kilobytes each)
 * are stringified one at a time into their place instead of as one string with the rest of the log.
 */
export function createSarifChunks(opts: SarifOptions = {}): ChunkedReporter {
  return function* (report, ctx) {
    const log = buildSarif(report, ctx, opts);
    const run = log.runs[0];
    const results = run.results;
    run.results = [];
    const text = jsonForOutput(log);
    // `results` is the last member of the only run: the text ends `"results": []` and the closers.
    const at = text.lastIndexOf('"results": []');
    yield* jsonArrayChunks(text.slice(0, at + '"results": '.length), results, 3);
    yield `${text.slice(at + '"results": []'.length)}\n`;
  };
}

export const sarifChunks: ChunkedReporter = createSarifChunks();

export function buildSarif(report: Report, ctx: ReportContext, opts: SarifOptions = {}): SarifLog {
  // Files in findings are relative to the working folder; URIs are relative to the repository root.
  const root: Roots = { cwd: path.resolve(ctx.cwd), srcRoot: path.resolve(ctx.srcRoot ?? ctx.cwd) };
  const fallback = ctx.fallbackFile ? artifactLocation(ctx.fallbackFile, root) : null;
  const unlocatedMode = opts.unlocated ?? 'notification';
  const maxResults = Math.max(0, Math.floor(opts.maxResults ?? GITHUB_MAX_RESULTS));

  const rules: ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  for (const rule of ctx.rules) {
    if (ruleIndex.has(rule.meta.id)) continue;
    ruleIndex.set(rule.meta.id, rules.length);
    rules.push(describeRule(rule.meta));
  }
  const indexOf = (f: Finding): number => {
    let i = ruleIndex.get(f.ruleId);
    if (i === undefined) {
      // A finding of a rule the context does not list: describe it from the finding, so ruleIndex
      // always points at a descriptor with help and a security-severity.
      i = rules.length;
      ruleIndex.set(f.ruleId, i);
      rules.push(describeUnknownRule(f));
    }
    return i;
  };

  const notifications: Notification[] = [];
  for (const e of report.errors) notifications.push(loadErrorNotification(e, root));
  // Objects read from a live cluster have no file: their results carry the cluster in a logical location.
  const liveClusters = new Set((report.summary.clusters ?? []).map((c) => c.name));

  // Only which kind of location each finding gets is decided here; the locations themselves are made
  // for the results kept (at most maxResults), not for every finding of a large run.
  const artifacts = new ArtifactCache(root);
  const candidates: Candidate[] = [];
  for (const f of report.findings) {
    const index = indexOf(f);
    const at = fileLocation(f.location);
    if (at && artifacts.of(at.file)) candidates.push({ finding: f, place: 'physical' });
    // A ClusterLocation (or none: an object the model made up) on a live cluster: the logical location, never a made-up file.
    else if (!at && liveClusters.has(f.resource.cluster)) candidates.push({ finding: f, place: 'cluster' });
    else if (fallback?.uriBaseId) candidates.push({ finding: f, place: 'fallback' });
    else if (unlocatedMode === 'logical') candidates.push({ finding: f, place: 'logical' });
    else {
      notifications.push(unlocatedNotification(f, index));
    }
  }

  let kept = candidates;
  if (candidates.length > maxResults) {
    // Keep the worst findings; the sort is stable, so the report's order holds within a severity.
    const ranked = candidates.map((c, i) => ({ c, i }));
    ranked.sort((a, b) => severityRank(b.c.finding.severity) - severityRank(a.c.finding.severity) || a.i - b.i);
    const keep = new Set(ranked.slice(0, maxResults).map((r) => r.i));
    kept = candidates.filter((_, i) => keep.has(i));
    const left = candidates.length - kept.length;
    notifications.push({
      level: 'warning',
      message: {
        text: `${left} of ${candidates.length} findings were left out of this SARIF file (the least severe): GitHub code scanning rejects runs with more than ${maxResults} results. The JSON output has all of them.`,
      },
      descriptor: { id: 'meshward/results-truncated' },
      properties: { omitted: left },
    });
  }

  const results = kept.map(({ finding, place }) => toResult(finding, primaryLocation(finding, place, artifacts, fallback), ruleIndex.get(finding.ruleId)!, artifacts, place === 'fallback'));

  for (const note of report.summary.notes) {
    notifications.push({ level: 'note', message: { text: note }, descriptor: { id: 'meshward/note' } });
  }

  const driver: SarifLog['runs'][number]['tool']['driver'] = {
    name: 'meshward',
    version: ctx.version,
    informationUri: MESHWARD_INFORMATION_URI,
    rules,
  };
  if (SEMVER.test(ctx.version)) driver.semanticVersion = ctx.version;

  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: notifications,
            ...(report.summary.clusters ? { properties: { clusters: report.summary.clusters } } : {}),
          },
        ],
        originalUriBaseIds: { [SRCROOT]: { uri: directoryUri(root.srcRoot) } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

type Candidate = { finding: Finding; place: 'physical' | 'fallback' | 'logical' | 'cluster' };

function primaryLocation(f: Finding, place: Candidate['place'], artifacts: ArtifactCache, fallback: ArtifactLocation | null): SarifLocation {
  if (place === 'physical') return { physicalLocation: physicalLocation(fileLocation(f.location)!, artifacts)!, logicalLocations: [logicalLocation(f.resource)] };
  if (place === 'logical') return { logicalLocations: [logicalLocation(f.resource)] };
  if (place === 'cluster') return { logicalLocations: [logicalLocation(f.resource, true)] };
  // GitHub drops a whole upload for a result without a physical location: pin it on the fallback
  // file's first line and say so in the location's message and the result's properties.
  return {
    physicalLocation: { artifactLocation: fallback!, region: { startLine: 1 } },
    logicalLocations: [logicalLocation(f.resource)],
    message: { text: `${resourcePath(f.resource)} has no source position${fileLocation(f.location) ? ` in a repository file (${fileLocation(f.location)!.file}:${fileLocation(f.location)!.line})` : ''}; shown on this file` },
  };
}

/** artifactLocation() once per file: findings share a handful of files, and the result is read-only. */
class ArtifactCache {
  private readonly byFile = new Map<string, ArtifactLocation | null>();
  constructor(readonly root: Roots) {}
  of(file: string): ArtifactLocation | null {
    let a = this.byFile.get(file);
    if (a === undefined) this.byFile.set(file, (a = artifactLocation(file, this.root)));
    return a;
  }
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

function toResult(f: Finding, primary: SarifLocation, index: number, root: ArtifactCache, fallback: boolean): SarifResult {
  const result: SarifResult = {
    ruleId: f.ruleId,
    ruleIndex: index,
    level: sarifLevel(f.severity),
    message: { text: f.remediation ? `${f.message}\n\nRemediation: ${f.remediation}` : f.message },
    locations: [primary],
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
    properties: {
      severity: f.severity,
      resource: resourcePath(f.resource),
      cluster: f.resource.cluster,
      apiVersion: f.resource.apiVersion,
      ...(f.location?.path ? { path: f.location.path } : {}),
      // Helm: the location is the template (line 1); this is where the finding is in the rendered output.
      ...(f.location?.rendered ? { renderedFile: f.location.rendered.file, renderedLine: f.location.rendered.line } : {}),
      ...(fallback ? { locationFallback: true } : {}),
      ...(f.evidence.length ? { evidence: f.evidence.map(evidenceProperty) } : {}),
      // The route carries traffic (src/insights/confirm.ts): figures and the severity before ranking up.
      ...(f.seenInTraffic ? { seenInTraffic: f.seenInTraffic } : {}),
    },
  };

  const related: SarifLocation[] = [];
  for (const e of f.evidence) {
    if (related.length >= MAX_RELATED_LOCATIONS) break;
    const at = fileLocation(e.location);
    const physical = at ? physicalLocation(at, root) : null;
    if (!physical) continue;
    related.push({
      id: related.length + 1,
      physicalLocation: physical,
      ...(e.resource ? { logicalLocations: [logicalLocation(e.resource)] } : {}),
      message: { text: `${e.role}: ${e.description}` },
    });
  }
  if (related.length) result.relatedLocations = related;

  if (f.suppressed) {
    const s: Suppression = {
      kind: f.suppressed.kind === 'annotation' ? 'inSource' : 'external',
      status: 'accepted',
      properties: { source: f.suppressed.kind },
    };
    if (f.suppressed.reason) s.justification = f.suppressed.reason;
    result.suppressions = [s];
  }
  return result;
}

function evidenceProperty(e: Evidence): Record<string, unknown> {
  return {
    role: e.role,
    description: e.description,
    ...(e.resource ? { resource: resourcePath(e.resource) } : {}),
    ...(isClusterLocation(e.location) ? (e.location.path ? { path: e.location.path } : {}) : e.location ? { file: e.location.file, line: e.location.line } : {}),
  };
}

function unlocatedNotification(f: Finding, index: number): Notification {
  return {
    level: 'warning',
    message: {
      text: `${f.ruleId} (${f.severity}) on ${resourcePath(f.resource)}: ${f.message} Not reported as a code scanning result: the resource has no source file to point at.`,
    },
    descriptor: { id: 'meshward/unlocated-finding' },
    associatedRule: { id: f.ruleId, index },
    properties: { severity: f.severity, resource: resourcePath(f.resource), cluster: f.resource.cluster, fingerprint: f.fingerprint },
  };
}

function loadErrorNotification(e: ReportError, root: Roots): Notification {
  const artifact = artifactLocation(e.file, root);
  const n: Notification = {
    level: 'error',
    message: { text: artifact ? e.message : `${e.file}${e.line > 0 ? `:${e.line}` : ''}: ${e.message}` },
    descriptor: { id: 'meshward/load-error' },
    properties: { file: e.file, line: e.line, ...(e.cluster !== undefined ? { cluster: e.cluster, kind: e.kind, status: e.status ?? null } : {}) },
  };
  if (artifact) {
    n.locations = [{ physicalLocation: { artifactLocation: artifact, ...(e.line >= 1 ? { region: { startLine: Math.floor(e.line) } } : {}) } }];
  }
  return n;
}

function physicalLocation(loc: FileLocation, artifacts: ArtifactCache): PhysicalLocation | null {
  const artifact = artifacts.of(loc.file);
  if (!artifact) return null;
  // Line 1 stands for "the file" when a position is unknown; GitHub needs a start line.
  const region: Region = { startLine: positive(loc.line) ?? 1 };
  const column = positive(loc.column);
  if (column !== undefined) region.startColumn = column;
  return { artifactLocation: artifact, region };
}

function positive(n: number): number | undefined {
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : undefined;
}

/** `cwd`: what findings' file paths are relative to; `srcRoot`: what URIs are relative to (%SRCROOT%). */
export interface Roots {
  cwd: string;
  srcRoot: string;
}

/**
 * A file as SARIF wants it: relative to %SRCROOT% (the repository root or --sarif-base) with forward
 * slashes and percent-encoded segments; an absolute file URI when it lies outside; null for
 * pseudo-files such as `<stdin>`, which no repository holds.
 */
export function artifactLocation(file: string, root: Roots | string): ArtifactLocation | null {
  const roots = typeof root === 'string' ? { cwd: root, srcRoot: root } : root;
  if (!file || /^<.*>$/.test(file)) return null;
  const abs = path.resolve(roots.cwd, file);
  const rel = path.relative(roots.srcRoot, abs);
  if (rel === '') return null;
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return { uri: pathToFileURL(abs).href };
  return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/** `Kind/ns/name`; for an object read from a live cluster, `cluster/Kind/ns/name`. */
function logicalLocation(r: ResourceRef, withCluster = false): LogicalLocation {
  return { name: r.name, fullyQualifiedName: withCluster ? `${r.cluster}/${resourcePath(r)}` : resourcePath(r), kind: 'resource' };
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
export function resourcePath(r: { kind: string; namespace: string; name: string }): string {
  return r.namespace ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`;
}

// --- Rule descriptors ---------------------------------------------------------------------------

function describeRule(meta: RuleMeta): ReportingDescriptor {
  const d = meta.docs;
  const refs = d.references ?? [];
  const text = [
    d.summary,
    `Why it matters: ${d.why}`,
    `How to fix: ${d.fix}`,
    ...(refs.length ? [`References:\n${refs.map((r) => `- ${r}`).join('\n')}`] : []),
  ].join('\n\n');
  // GitHub renders help.markdown on the alert: a custom rule's texts are escaped (src/engine/markdown.ts).
  const markdown = [
    markdownText(d.summary),
    `## Why it matters\n\n${markdownText(d.why)}`,
    `## How to fix\n\n${markdownText(d.fix)}`,
    ...(d.bad ? [`### Flagged\n\n${codeFence(d.bad, 'yaml')}`] : []),
    ...(d.good ? [`### Fixed\n\n${codeFence(d.good, 'yaml')}`] : []),
    ...(refs.length ? [`## References\n\n${refs.map((r) => `- ${linkOrText(r, true)}`).join('\n')}`] : []),
  ].join('\n\n');
  return {
    id: meta.id,
    name: pascalName(meta.title, meta.id),
    shortDescription: { text: meta.title },
    fullDescription: { text: d.summary },
    help: { text, markdown },
    // A custom rule (X-...) has no page in meshward's docs: its first reference, if any, is its help
    // (when it is an http(s) link: GitHub makes helpUri a link on the alert).
    ...(meta.id.startsWith('X-') ? (refs[0] && !linkProblem(refs[0]) ? { helpUri: refs[0] } : {}) : { helpUri: ruleHelpUri(meta.id) }),
    defaultConfiguration: { level: sarifLevel(meta.severity) },
    properties: {
      tags: ['security', meta.category],
      'security-severity': SECURITY_SEVERITY[meta.severity],
      severity: meta.severity,
    },
  };
}

function describeUnknownRule(f: Finding): ReportingDescriptor {
  const title = f.title || f.ruleId;
  return {
    id: f.ruleId,
    name: pascalName(title, f.ruleId),
    shortDescription: { text: title },
    fullDescription: { text: title },
    help: { text: `${title}\n\nHow to fix: ${f.remediation}`, markdown: `${markdownText(title)}\n\n## How to fix\n\n${markdownText(f.remediation)}` },
    helpUri: ruleHelpUri(f.ruleId),
    defaultConfiguration: { level: sarifLevel(f.severity) },
    properties: { tags: ['security'], 'security-severity': SECURITY_SEVERITY[f.severity], severity: f.severity },
  };
}

/** `Container runs as the proxy UID or GID 1337` → `ContainerRunsAsTheProxyUIDOrGID1337`. */
export function pascalName(title: string, fallback: string): string {
  const name = title
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
  return name || fallback;
}
