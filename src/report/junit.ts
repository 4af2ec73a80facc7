/**
 * JUnit XML for CI dashboards (Jenkins, GitLab, Azure DevOps, Buildkite...).
 *
 * One <testsuite> per rule that ran, one <testcase> per finding, a passing testcase for a rule with no
 * findings, and a `meshward.load` suite whose testcases are the load errors. A finding at or above
 * --fail-on is a <failure> whose `type` is its severity; one below it does not fail the run, so it is
 * a passing testcase whose details are in <system-out>. Test cases carry a `file` attribute (the
 * repository-relative file, as GitLab and Jenkins link it) when the finding has one. A suppressed finding (only present when suppressed findings
 * were asked for) is <skipped>, since meshward does not count it against the run. Counts are derived
 * from the testcases written, so they always add up.
 *
 * Messages come from manifests and can be hostile: text and attributes are escaped, characters XML 1.0
 * cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are replaced with U+FFFD, so
 * the output is well-formed whatever the input, and bidi, zero-width and C1 characters are written as
 * character references.
 */
import { fileLocation, isClusterLocation, severityRank, type Finding, type Severity } from '../engine/finding.js';
import { UNSAFE_ABOVE_C0 } from '../engine/text.js';
import { repoRelative } from './paths.js';
import { joinChunks, type ChunkedReporter, type Report, type ReportContext, type ReportError, type Reporter } from './types.js';

export const LOAD_SUITE = 'meshward.load';

type Outcome =
  | { kind: 'pass'; out?: string }
  | { kind: 'failure' | 'error'; type: string; message: string; body: string }
  | { kind: 'skipped'; message: string };

interface TestCase {
  classname: string;
  name: string;
  file?: string;
  outcome: Outcome;
}

/**
 * A suite's counts are known before its cases are made: the cases (each with the finding's full text)
 * are made one at a time while written, so a run with hundreds of thousands of findings is not held as
 * test cases and strings all at once.
 */
interface TestSuite {
  name: string;
  properties: Array<[string, string]>;
  counts: Counts;
  cases: () => Iterable<TestCase>;
}

export const junitReporter: Reporter = (report: Report, ctx: ReportContext) => joinChunks(junitChunks(report, ctx));

/** The report in chunks (the same text as junitReporter). */
export const junitChunks: ChunkedReporter = (report, ctx) => renderJunit(buildSuites(report, ctx), report.summary.durationMs);

function buildSuites(report: Report, ctx: ReportContext): TestSuite[] {
  const byRule = new Map<string, Finding[]>();
  for (const f of report.findings) {
    let list = byRule.get(f.ruleId);
    if (!list) byRule.set(f.ruleId, (list = []));
    list.push(f);
  }

  const suites: TestSuite[] = [];
  const seen = new Set<string>();
  const live = new Set((report.summary.clusters ?? []).map((c) => c.name));
  for (const rule of ctx.rules) {
    const { id, title, severity, category } = rule.meta;
    if (seen.has(id)) continue;
    seen.add(id);
    suites.push(ruleSuite(id, title, [['severity', severity], ['category', category]], byRule.get(id) ?? [], ctx, live));
  }
  // Findings of rules the context does not list still get a suite, named from the finding.
  for (const [id, findings] of byRule) {
    if (seen.has(id)) continue;
    seen.add(id);
    suites.push(ruleSuite(id, findings[0].title, [], findings, ctx, live));
  }
  suites.push(loadSuite(report.errors));
  return suites;
}

function ruleSuite(id: string, title: string, properties: Array<[string, string]>, findings: Finding[], ctx: ReportContext, live: ReadonlySet<string>): TestSuite {
  const name = `${id}: ${title}`;
  if (!findings.length) {
    const cases: TestCase[] = [{ classname: id, name: `${id} no findings`, outcome: { kind: 'pass' } }];
    return { name, properties, counts: count(cases), cases: () => cases };
  }
  const counts: Counts = { tests: findings.length, failures: 0, errors: 0, skipped: 0 };
  for (const f of findings) {
    const kind = outcomeKind(f, ctx.failOn);
    if (kind === 'failure') counts.failures++;
    else if (kind === 'skipped') counts.skipped++;
  }
  return { name, properties, counts, cases: () => findingCases(id, findings, ctx, live) };
}

/** Objects read from a live cluster (`live`) are named `cluster/Kind/ns/name`: the same object may be in several clusters. */
function* findingCases(id: string, findings: Finding[], ctx: ReportContext, live: ReadonlySet<string>): Generator<TestCase> {
  const srcRoot = ctx.srcRoot ?? ctx.cwd;
  const used = new Set<string>();
  for (const f of findings) {
    const at = fileLocation(f.location);
    const fromCluster = !at && live.has(f.resource.cluster);
    const classname = fromCluster ? `${f.resource.cluster}/${resourcePath(f.resource)}` : resourcePath(f.resource);
    let name = `${id} ${at ? `${at.file}:${at.line}` : fromCluster ? `cluster ${f.resource.cluster}` : '(no source file)'}`;
    // Dashboards key test history on classname + name; two findings on one line must not merge.
    if (used.has(`${classname}\u0000${name}`)) name += ` #${f.fingerprint.slice(0, 8)}`;
    used.add(`${classname}\u0000${name}`);
    const file = at ? repoRelative(at.file, ctx.cwd, srcRoot) : null;
    yield { classname, name, ...(file ? { file } : {}), outcome: findingOutcome(f, ctx.failOn) };
  }
}

/** The kind of test case a finding becomes, without its text (findingOutcome decides the same way). */
function outcomeKind(f: Finding, failOn: Severity | 'none' | undefined): 'skipped' | 'failure' | 'pass' {
  if (f.suppressed) return 'skipped';
  return fails(f, failOn) ? 'failure' : 'pass';
}

function fails(f: Finding, failOn: Severity | 'none' | undefined): boolean {
  return failOn === undefined || (failOn !== 'none' && severityRank(f.severity) >= severityRank(failOn));
}

function findingOutcome(f: Finding, failOn: Severity | 'none' | undefined): Outcome {
  if (f.suppressed) {
    return { kind: 'skipped', message: `suppressed (${f.suppressed.kind})${f.suppressed.reason ? `: ${f.suppressed.reason}` : ''}` };
  }
  const lines = [f.message, '', `Rule:        ${f.ruleId} ${f.title}`, `Severity:    ${f.severity}`];
  lines.push(`Resource:    ${resourcePath(f.resource)} (${f.resource.apiVersion}, cluster ${f.resource.cluster})`);
  if (isClusterLocation(f.location)) {
    // A live cluster's object has no file: the cluster, the object and the field.
    lines.push(`Location:    cluster ${f.location.cluster}, ${f.location.object}${f.location.path ? ` (${f.location.path})` : ''}`);
  } else if (f.location) {
    lines.push(`Location:    ${f.location.file}:${f.location.line}:${f.location.column}${f.location.path ? ` (${f.location.path})` : ''}`);
  }
  if (f.remediation) lines.push(`Remediation: ${f.remediation}`);
  if (f.evidence.length) {
    lines.push('Evidence:');
    for (const e of f.evidence) {
      const at = fileLocation(e.location);
      const where = [e.resource ? resourcePath(e.resource) : '', at ? `${at.file}:${at.line}` : isClusterLocation(e.location) ? `cluster ${e.location.cluster}` : ''].filter(Boolean).join(' at ');
      lines.push(`  - ${e.role}: ${e.description}${where ? ` (${where})` : ''}`);
    }
  }
  lines.push(`Fingerprint: ${f.fingerprint}`);
  if (!fails(f, failOn)) return { kind: 'pass', out: `Below --fail-on ${failOn}: reported, not failed.\n${lines.join('\n')}` };
  return { kind: 'failure', type: f.severity, message: f.message, body: lines.join('\n') };
}

function loadSuite(errors: readonly ReportError[]): TestSuite {
  const cases: TestCase[] = errors.map((e) => {
    const where = e.line > 0 ? `${e.file}:${e.line}` : e.file;
    // A cluster's errors are named by cluster and kind: one case per kind not read.
    if (e.cluster !== undefined && e.kind !== undefined) {
      return { classname: LOAD_SUITE, name: `cluster ${e.cluster}: ${e.kind}`, outcome: { kind: 'error', type: 'ClusterError', message: e.message, body: `cluster ${e.cluster}: ${e.message}` } };
    }
    return { classname: LOAD_SUITE, name: where, outcome: { kind: 'error', type: 'LoadError', message: e.message, body: `${where}: ${e.message}` } };
  });
  if (!cases.length) cases.push({ classname: LOAD_SUITE, name: 'all inputs loaded', outcome: { kind: 'pass' } });
  return { name: LOAD_SUITE, properties: [], counts: count(cases), cases: () => cases };
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
function resourcePath(r: { kind: string; namespace: string; name: string }): string {
  return r.namespace ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`;
}

// --- Writing ------------------------------------------------------------------------------------

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function count(cases: readonly TestCase[]): Counts {
  const c: Counts = { tests: cases.length, failures: 0, errors: 0, skipped: 0 };
  for (const t of cases) {
    if (t.outcome.kind === 'failure') c.failures++;
    else if (t.outcome.kind === 'error') c.errors++;
    else if (t.outcome.kind === 'skipped') c.skipped++;
  }
  return c;
}

function countAttrs(c: Counts): string {
  return `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}"`;
}

/** Characters gathered before a chunk is handed to the writer. */
const FLUSH_AT = 1 << 20;

function* renderJunit(suites: readonly TestSuite[], durationMs: number): Generator<string> {
  const total: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const { counts: c } of suites) {
    total.tests += c.tests;
    total.failures += c.failures;
    total.errors += c.errors;
    total.skipped += c.skipped;
  }
  const seconds = Number.isFinite(durationMs) && durationMs > 0 ? (durationMs / 1000).toFixed(3) : '0';
  let buf = `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="meshward" ${countAttrs(total)} time="${seconds}">\n`;
  for (const suite of suites) {
    buf += `  <testsuite name="${attr(suite.name)}" ${countAttrs(suite.counts)}>\n`;
    if (suite.properties.length) {
      buf += '    <properties>\n';
      for (const [k, v] of suite.properties) buf += `      <property name="${attr(k)}" value="${attr(v)}"/>\n`;
      buf += '    </properties>\n';
    }
    for (const t of suite.cases()) {
      buf += `${renderCase(t)}\n`;
      if (buf.length >= FLUSH_AT) {
        yield buf;
        buf = '';
      }
    }
    buf += '  </testsuite>\n';
  }
  yield `${buf}</testsuites>\n`;
}

function renderCase(t: TestCase): string {
  const open = `    <testcase classname="${attr(t.classname)}" name="${attr(t.name)}"${t.file ? ` file="${attr(t.file)}"` : ''}`;
  const o = t.outcome;
  switch (o.kind) {
    case 'pass':
      return o.out === undefined ? `${open}/>` : `${open}>\n      <system-out>${text(o.out)}</system-out>\n    </testcase>`;
    case 'skipped':
      return `${open}>\n      <skipped message="${attr(o.message)}"/>\n    </testcase>`;
    case 'failure':
    case 'error':
      return `${open}>\n      <${o.kind} message="${attr(o.message)}" type="${attr(o.type)}">${text(o.body)}</${o.kind}>\n    </testcase>`;
  }
}

// Everything XML 1.0 allows: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// With the `u` flag a lone surrogate is one code point outside these ranges, so it is caught too.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Replaces characters XML 1.0 cannot represent, even as character references, with U+FFFD. */
export function xmlSafe(s: string): string {
  return String(s).replace(NOT_XML_CHAR, '\uFFFD');
}

/**
 * Character data. `>` is escaped too, so `]]>` can never appear; CR is kept as a reference, not
 * normalised away. Bidi, zero-width, line-separator and C1 control characters are written as numeric
 * character references (`&#x202e;`): a parser reads the same text, but a terminal, pager or diff
 * showing the file cannot be made to hide or reorder it.
 */
export function text(s: string): string {
  return xmlSafe(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;')
    .replace(UNSAFE_ABOVE_C0, (c) => `&#x${c.charCodeAt(0).toString(16)};`);
}

/** A double-quoted attribute value; whitespace is written as references so parsers do not normalise it. */
export function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}
