import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import byp001 from '../rules/sidecar/BYP001-proxy-uid-gid.js';
import { defineRule, type Rule } from '../rules/types.js';
import { isSeverity, SEVERITIES, type Finding, type Severity } from '../engine/finding.js';
import { REPO_ROOT, scanYaml } from '../testing/kit.js';
import type { Report, ReportContext } from './types.js';
import { buildSarif, createSarifReporter, FINGERPRINT_KEY, pascalName, SARIF_SCHEMA_URI, sarifReporter } from './sarif.js';

// ajv ships CommonJS with a `default` property; under NodeNext the default import is module.exports.
const Ajv2020 = (Ajv2020Module as any).default ?? Ajv2020Module;
const addFormats = (addFormatsModule as any).default ?? addFormatsModule;

// --- A validator built from the vendored OASIS schema ----------------------------------------------

const SCHEMA_PATH = path.join(REPO_ROOT, 'test', 'fixtures', 'sarif-schema-2.1.0.json');

function loadValidator(): (data: unknown) => { ok: boolean; errors: string } {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
  assert.equal(schema.$id, SARIF_SCHEMA_URI, 'the vendored schema is the one the output names in $schema');
  // Two known defects of the published schema, worked around in memory so the file stays verbatim:
  // 1. region's `anyOf` sits inside `properties` (so it is not a schema at all); it is meant to apply
  //    to region itself, which makes validation stricter (a region must have a start).
  const region = schema.definitions.region;
  assert.ok(Array.isArray(region.properties.anyOf), 'schema defect 1 still present (else drop this workaround)');
  region.anyOf = region.properties.anyOf;
  delete region.properties.anyOf;
  // 2. `language` patterns use the inline flag `(?i)`, which JavaScript regular expressions lack.
  const regExp = Object.assign(
    (pattern: string, flags: string) => (pattern.startsWith('^(?i)') ? new RegExp(`^${pattern.slice(5)}`, `${flags}i`) : new RegExp(pattern, flags)),
    { code: 'new RegExp' },
  );
  const ajv = new Ajv2020({ allErrors: true, code: { regExp } });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (data) => {
    const ok = validate(data) as boolean;
    return { ok, errors: ok ? '' : ajv.errorsText(validate.errors, { separator: '\n' }) };
  };
}

const validateSarif = loadValidator();

// --- Reports from the real pipeline ---------------------------------------------------------------

/** Test-only rule: flags ConfigMaps annotated with a severity, with evidence on their Namespace. */
const flagRule: Rule = defineRule({
  meta: {
    id: 'TST901',
    title: 'ConfigMap is flagged for testing',
    severity: 'medium',
    category: 'egress',
    reads: ['ConfigMap', 'Namespace'],
    docs: {
      summary: 'A ConfigMap carries the test flag annotation.',
      why: 'Only tests use it.',
      fix: 'Remove the `test.meshward.io/severity` annotation.',
      bad: 'metadata:\n  annotations: {test.meshward.io/severity: high}',
      good: 'metadata: {}',
      references: ['https://example.com/tst901'],
    },
  },
  check({ model, report }) {
    for (const cm of model.ofKind('', 'ConfigMap')) {
      const sev = cm.annotations['test.meshward.io/severity'];
      if (!isSeverity(sev)) continue;
      const ns = model.ofKind('', 'Namespace').find((n) => n.name === cm.namespace);
      report({
        resource: cm,
        path: ['data'],
        severity: sev,
        message: `ConfigMap ${cm.namespace}/${cm.name} is flagged ${sev}.`,
        evidence: [
          ...(ns ? [{ role: 'namespace', description: `namespace ${ns.name}`, resource: ns, path: ['metadata', 'name'] }] : []),
          { role: 'note', description: 'evidence without a resource' },
        ],
      });
    }
  },
});

const RULES: readonly Rule[] = [byp001, flagRule];

const FIXTURE = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      securityContext: {runAsUser: 1337}
      containers:
      - name: app
        image: example/app:1.0
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
  annotations: {test.meshward.io/severity: critical}
data: {a: b}
`;

async function reportFor(yaml: string, rules: readonly Rule[] = RULES): Promise<Report> {
  const res = await scanYaml(yaml, { rules });
  assert.deepEqual(res.failures, [], 'no rule failed');
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of res.findings) bySeverity[f.severity]++;
  return {
    version: 1,
    findings: res.findings,
    errors: res.errors,
    summary: { bySeverity, resources: res.model.resources.length, files: 1, durationMs: 12, suppressed: 0, meshConfig: 'defaults', notes: [] },
  };
}

const CWD = path.resolve('/work/repo');
const ctx = (over: Partial<ReportContext> = {}): ReportContext => ({ rules: RULES, color: false, cwd: CWD, version: '1.2.3', ...over });

function sarifOf(report: Report, c: ReportContext = ctx()): any {
  const out = sarifReporter(report, c);
  assert.ok(out.endsWith('\n'));
  return JSON.parse(out);
}

function assertValid(log: unknown): void {
  const v = validateSarif(log);
  assert.ok(v.ok, `SARIF does not validate against the OASIS schema:\n${v.errors}`);
}

/** The checks GitHub code scanning applies (or that decide whether its alerts are useful). */
function assertGithubReady(log: any): void {
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs.length, 1);
  const run = log.runs[0];
  const rules = run.tool.driver.rules;
  assert.ok(rules.length > 0);
  for (const r of rules) {
    assert.ok(r.help?.text?.length > 0, `${r.id}: help.text`);
    assert.ok(r.help?.markdown?.length > 0, `${r.id}: help.markdown`);
    assert.match(r.helpUri, /^https:\/\//, `${r.id}: helpUri`);
    const sev = r.properties?.['security-severity'];
    assert.equal(typeof sev, 'string', `${r.id}: security-severity is a string`);
    assert.ok(Number(sev) > 0 && Number(sev) <= 10, `${r.id}: security-severity in (0, 10]`);
    assert.ok(r.properties.tags.length <= 10, `${r.id}: GitHub shows at most 10 tags`);
  }
  for (const res of run.results) {
    assert.equal(rules[res.ruleIndex].id, res.ruleId, 'ruleIndex points at the rule');
    assert.equal(res.locations.length, 1, 'exactly one location');
    const loc = res.locations[0].physicalLocation;
    assert.ok(loc, 'GitHub rejects results without a physical location');
    const uri: string = loc.artifactLocation.uri;
    assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
    assert.ok(!/^[a-z][a-z0-9+.-]*:/i.test(uri) && !uri.startsWith('/') && !uri.includes('\\') && !uri.split('/').includes('..'), `relative uri: ${uri}`);
    assert.ok(Number.isInteger(loc.region.startLine) && loc.region.startLine >= 1, 'startLine >= 1');
    assert.match(res.partialFingerprints[FINGERPRINT_KEY], /^[0-9a-f]{32}$/);
  }
  assert.ok(run.results.length <= 25_000);
}

// --- Tests ----------------------------------------------------------------------------------------

test('SARIF from a real scan validates against the OASIS 2.1.0 schema and meets GitHub requirements', async () => {
  const report = await reportFor(FIXTURE);
  assert.equal(report.findings.length, 2);
  const log = sarifOf(report);
  assertValid(log);
  assertGithubReady(log);

  assert.equal(log.$schema, SARIF_SCHEMA_URI);
  const run = log.runs[0];
  assert.deepEqual(
    { name: run.tool.driver.name, version: run.tool.driver.version, semver: run.tool.driver.semanticVersion },
    { name: 'meshward', version: '1.2.3', semver: '1.2.3' },
  );
  assert.match(run.tool.driver.informationUri, /^https:\/\/github\.com\/meshward\/meshward$/);
  assert.deepEqual(
    run.tool.driver.rules.map((r: any) => r.id),
    ['BYP001', 'TST901'],
  );
  assert.deepEqual(run.invocations, [{ executionSuccessful: true, toolExecutionNotifications: [] }]);
  assert.equal(run.originalUriBaseIds['%SRCROOT%'].uri, `${pathToFileURL(CWD).href}/`);
  assert.equal(run.columnKind, 'utf16CodeUnits');
});

test('rule descriptors carry GitHub metadata derived from the rule docs', async () => {
  const log = sarifOf(await reportFor(FIXTURE));
  const [byp, tst] = log.runs[0].tool.driver.rules;
  assert.equal(byp.name, 'ContainerRunsAsTheProxyUIDOrGID1337');
  assert.equal(byp.shortDescription.text, byp001.meta.title);
  assert.equal(byp.fullDescription.text, byp001.meta.docs.summary);
  assert.equal(byp.helpUri, 'https://github.com/meshward/meshward/blob/main/docs/rules/BYP001.md');
  assert.deepEqual(byp.defaultConfiguration, { level: 'error' });
  assert.deepEqual(byp.properties.tags, ['security', 'sidecar-bypass']);
  assert.equal(byp.properties['security-severity'], '8.0');
  for (const part of [byp001.meta.docs.summary, byp001.meta.docs.why, byp001.meta.docs.fix, ...byp001.meta.docs.references!]) {
    assert.ok(byp.help.text.includes(part), `help.text has: ${part.slice(0, 40)}`);
    assert.ok(byp.help.markdown.includes(part), `help.markdown has: ${part.slice(0, 40)}`);
  }
  assert.match(tst.help.markdown, /## How to fix\n\nRemove the `test\.meshward\.io\/severity` annotation\./);
  assert.match(tst.help.markdown, /```yaml\nmetadata:\n {2}annotations/);
  assert.deepEqual(tst.defaultConfiguration, { level: 'warning' });
  assert.equal(tst.properties['security-severity'], '5.5');
});

test('levels and security-severity follow the severity scale; a result takes its own severity', async () => {
  const expected: Record<Severity, [string, string]> = {
    critical: ['error', '9.5'],
    high: ['error', '8.0'],
    medium: ['warning', '5.5'],
    low: ['note', '3.0'],
    info: ['note', '1.0'],
  };
  const docs = flagRule.meta.docs;
  for (const sev of SEVERITIES) {
    const rule = defineRule({ meta: { ...flagRule.meta, severity: sev, docs }, check: flagRule.check });
    const yaml = FIXTURE.replace('severity: critical', `severity: ${sev}`);
    const log = sarifOf(await reportFor(yaml, [rule]), ctx({ rules: [rule] }));
    const [d] = log.runs[0].tool.driver.rules;
    assert.deepEqual([d.defaultConfiguration.level, d.properties['security-severity']], expected[sev], sev);
    assert.equal(log.runs[0].results[0].level, expected[sev][0], `result level for ${sev}`);
  }
  // Graded: the rule's default is medium, the finding is critical.
  const log = sarifOf(await reportFor(FIXTURE));
  const r = log.runs[0].results.find((x: any) => x.ruleId === 'TST901');
  assert.equal(log.runs[0].tool.driver.rules[r.ruleIndex].defaultConfiguration.level, 'warning');
  assert.equal(r.level, 'error');
  assert.equal(r.properties.severity, 'critical');
});

test('results point at the file, line and column, with message, remediation, resource and evidence', async () => {
  const report = await reportFor(FIXTURE);
  const log = sarifOf(report);
  const results = log.runs[0].results;
  const byp = results.find((x: any) => x.ruleId === 'BYP001');
  const f = report.findings.find((x) => x.ruleId === 'BYP001')!;
  assert.deepEqual(byp.locations[0].physicalLocation, {
    artifactLocation: { uri: 'test.yaml', uriBaseId: '%SRCROOT%' },
    region: { startLine: 11, startColumn: f.location!.column },
  });
  assert.deepEqual(byp.locations[0].logicalLocations, [{ name: 'web', fullyQualifiedName: 'Deployment/shop/web', kind: 'resource' }]);
  assert.ok(byp.message.text.startsWith(f.message));
  assert.ok(byp.message.text.endsWith(`Remediation: ${byp001.meta.docs.fix}`));
  assert.equal(byp.properties.resource, 'Deployment/shop/web');
  assert.equal(byp.properties.path, 'spec.template.spec.securityContext.runAsUser');
  assert.equal(byp.partialFingerprints[FINGERPRINT_KEY], f.fingerprint);

  const tst = results.find((x: any) => x.ruleId === 'TST901');
  assert.equal(tst.locations[0].physicalLocation.region.startLine, 22);
  // Only the evidence with a location becomes a related location; all of it is in the properties.
  assert.equal(tst.relatedLocations.length, 1);
  assert.deepEqual(tst.relatedLocations[0].physicalLocation.artifactLocation, { uri: 'test.yaml', uriBaseId: '%SRCROOT%' });
  assert.equal(tst.relatedLocations[0].physicalLocation.region.startLine, 3);
  assert.equal(tst.relatedLocations[0].message.text, 'namespace: namespace shop');
  assert.equal(tst.relatedLocations[0].logicalLocations[0].fullyQualifiedName, 'Namespace/shop');
  assert.deepEqual(
    tst.properties.evidence.map((e: any) => e.role),
    ['namespace', 'note'],
  );
});

test('fingerprints are stable across runs and survive moving the object in the file', async () => {
  const fp = (log: any) => log.runs[0].results.map((r: any) => `${r.ruleId}:${r.partialFingerprints[FINGERPRINT_KEY]}`).sort();
  const lines = (log: any) => log.runs[0].results.map((r: any) => r.locations[0].physicalLocation.region.startLine).sort();
  const a = sarifOf(await reportFor(FIXTURE));
  const b = sarifOf(await reportFor(FIXTURE));
  assert.deepEqual(fp(a), fp(b));
  assert.equal(sarifReporter(await reportFor(FIXTURE), ctx()), sarifReporter(await reportFor(FIXTURE), ctx()), 'byte-identical output');
  const moved = sarifOf(await reportFor(`# a comment\n# another\n${FIXTURE}`));
  assert.deepEqual(fp(moved), fp(a));
  assert.notDeepEqual(lines(moved), lines(a), 'the lines did move');
  // Distinct findings have distinct fingerprints.
  assert.equal(new Set(fp(a)).size, fp(a).length);
});

/** A copy of a real finding with another location. */
function relocated(f: Finding, file: string | null, line = 7, column = 3): Finding {
  return { ...f, location: file === null ? null : { file, line, column, path: f.location?.path ?? '' } };
}

test('artifact URIs are relative to cwd with forward slashes and percent-encoding; outside cwd they are absolute', async () => {
  const report = await reportFor(FIXTURE);
  const base = report.findings[0];
  const cases: Array<[string, { uri: string; uriBaseId?: string }]> = [
    ['deploy/prod/app.yaml', { uri: 'deploy/prod/app.yaml', uriBaseId: '%SRCROOT%' }],
    ['./deploy/../k8s/a.yaml', { uri: 'k8s/a.yaml', uriBaseId: '%SRCROOT%' }],
    [path.join(CWD, 'k8s', 'my app#1.yaml'), { uri: 'k8s/my%20app%231.yaml', uriBaseId: '%SRCROOT%' }],
    ['../elsewhere/x.yaml', { uri: pathToFileURL(path.resolve(CWD, '../elsewhere/x.yaml')).href }],
  ];
  const log = sarifOf({ ...report, findings: cases.map(([file]) => relocated(base, file)) });
  assertValid(log);
  const got = log.runs[0].results.map((r: any) => r.locations[0].physicalLocation.artifactLocation);
  assert.deepEqual(got, cases.map(([, want]) => want));
  for (const r of log.runs[0].results) assert.deepEqual(r.locations[0].physicalLocation.region, { startLine: 7, startColumn: 3 });
});

test('a position of 0 becomes line 1 of the file, never an invalid region', async () => {
  const report = await reportFor(FIXTURE);
  const log = sarifOf({ ...report, findings: [relocated(report.findings[0], 'a.yaml', 0, 0)] });
  assertValid(log);
  assertGithubReady(log);
  assert.deepEqual(log.runs[0].results[0].locations[0].physicalLocation.region, { startLine: 1 });
});

test('findings without a source file are notifications by default, logical-only results on request', async () => {
  const report = await reportFor(FIXTURE);
  const [a, b] = report.findings;
  const input: Report = { ...report, findings: [relocated(a, null), relocated(b, '<stdin>')] };

  const log = sarifOf(input);
  assertValid(log);
  assertGithubReady(log);
  assert.equal(log.runs[0].results.length, 0, 'no result GitHub would reject');
  const notes = log.runs[0].invocations[0].toolExecutionNotifications;
  assert.equal(notes.length, 2);
  for (const [n, f] of [[notes[0], a], [notes[1], b]] as const) {
    assert.equal(n.descriptor.id, 'meshward/unlocated-finding');
    assert.equal(n.associatedRule.id, f.ruleId);
    assert.equal(log.runs[0].tool.driver.rules[n.associatedRule.index].id, f.ruleId);
    assert.equal(n.properties.fingerprint, f.fingerprint);
    assert.ok(n.message.text.includes(f.message));
  }

  const logical = JSON.parse(createSarifReporter({ unlocated: 'logical' })(input, ctx()));
  assertValid(logical);
  const results = logical.runs[0].results;
  assert.equal(results.length, 2);
  for (const r of results) {
    assert.equal(r.locations[0].physicalLocation, undefined);
    assert.match(r.locations[0].logicalLocations[0].fullyQualifiedName, /^(Deployment|ConfigMap)\/shop\/(web|settings)$/);
  }
});

test('suppressed findings are results with a suppression of the right kind', async () => {
  const report = await reportFor(FIXTURE);
  const base = report.findings[0];
  const findings: Finding[] = [
    { ...base, suppressed: { kind: 'annotation', reason: 'runs as 1337 on purpose' } },
    { ...base, fingerprint: 'b'.repeat(32), suppressed: { kind: 'config', reason: 'accepted risk, ticket SEC-1' } },
    { ...base, fingerprint: 'c'.repeat(32), suppressed: { kind: 'baseline', reason: '' } },
    { ...base, fingerprint: 'd'.repeat(32) },
  ];
  const log = sarifOf({ ...report, findings });
  assertValid(log);
  assertGithubReady(log);
  const sup = log.runs[0].results.map((r: any) => r.suppressions);
  assert.deepEqual(sup[0], [{ kind: 'inSource', status: 'accepted', justification: 'runs as 1337 on purpose', properties: { source: 'annotation' } }]);
  assert.deepEqual(sup[1], [{ kind: 'external', status: 'accepted', justification: 'accepted risk, ticket SEC-1', properties: { source: 'config' } }]);
  assert.deepEqual(sup[2], [{ kind: 'external', status: 'accepted', properties: { source: 'baseline' } }]);
  assert.equal(sup[3], undefined);
});

test('load errors become tool execution notifications with file and line', async () => {
  const yaml = `${FIXTURE}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken\ndata: [\n`;
  const report = await reportFor(yaml);
  assert.ok(report.errors.length >= 1, 'the fixture has a load error');
  const withPseudo: Report = { ...report, errors: [...report.errors, { file: '<mesh config>', line: 0, message: 'bad mesh config' }] };
  const log = sarifOf(withPseudo);
  assertValid(log);
  const inv = log.runs[0].invocations[0];
  assert.equal(inv.executionSuccessful, true);
  const notes = inv.toolExecutionNotifications;
  assert.equal(notes.length, report.errors.length + 1);
  const first = notes[0];
  const e = report.errors[0];
  assert.equal(first.level, 'error');
  assert.equal(first.message.text, e.message);
  assert.deepEqual(first.locations[0].physicalLocation, { artifactLocation: { uri: 'test.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: e.line } });
  const last = notes[notes.length - 1];
  assert.equal(last.locations, undefined, 'a pseudo-file is not a location');
  assert.equal(last.message.text, '<mesh config>: bad mesh config');
});

test('summary notes are note-level notifications', async () => {
  const report = await reportFor(FIXTURE);
  report.summary.notes.push('mesh config not found: Istio defaults assumed');
  const log = sarifOf(report);
  assertValid(log);
  const notes = log.runs[0].invocations[0].toolExecutionNotifications;
  assert.deepEqual(notes, [{ level: 'note', message: { text: 'mesh config not found: Istio defaults assumed' }, descriptor: { id: 'meshward/note' } }]);
});

test('more results than the limit keeps the most severe ones and says so', async () => {
  const report = await reportFor(FIXTURE);
  const base = report.findings.find((f) => f.ruleId === 'TST901')!;
  const sevs: Severity[] = ['low', 'info', 'critical', 'medium', 'high', 'low'];
  const findings = sevs.map((severity, i) => ({ ...base, severity, fingerprint: String(i).repeat(32) }));
  const log = JSON.parse(createSarifReporter({ maxResults: 3 })({ ...report, findings }, ctx()));
  assertValid(log);
  assert.deepEqual(
    log.runs[0].results.map((r: any) => r.properties.severity),
    ['critical', 'medium', 'high'],
    'the three worst, in report order',
  );
  const note = log.runs[0].invocations[0].toolExecutionNotifications.find((n: any) => n.descriptor.id === 'meshward/results-truncated');
  assert.equal(note.properties.omitted, 3);
});

test('findings of a rule the context does not list still get a complete descriptor', async () => {
  const report = await reportFor(FIXTURE);
  const log = buildSarif(report, ctx({ rules: [byp001] }));
  assertValid(log);
  assertGithubReady(log);
  const tst = log.runs[0].tool.driver.rules.find((r) => r.id === 'TST901')!;
  assert.equal(tst.shortDescription.text, flagRule.meta.title);
  assert.equal(tst.properties['security-severity'], '9.5', 'from the finding severity');
});

test('duplicate rules in the context are listed once; empty reports are valid', async () => {
  const log = buildSarif(await reportFor('apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n'), ctx({ rules: [byp001, byp001, flagRule], version: 'dev' }));
  assertValid(log);
  assert.deepEqual(
    log.runs[0].tool.driver.rules.map((r) => r.id),
    ['BYP001', 'TST901'],
  );
  assert.equal(log.runs[0].results.length, 0);
  assert.equal(log.runs[0].tool.driver.semanticVersion, undefined, 'a non-semver version is not claimed as one');
});

test('the validator itself rejects what GitHub would not get (guards the test)', async () => {
  const log = sarifOf(await reportFor(FIXTURE));
  const broken = structuredClone(log);
  broken.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0;
  assert.equal(validateSarif(broken).ok, false, 'startLine 0');
  const noMessage = structuredClone(log);
  delete noMessage.runs[0].results[0].message;
  assert.equal(validateSarif(noMessage).ok, false, 'missing message');
  const badLevel = structuredClone(log);
  badLevel.runs[0].results[0].level = 'critical';
  assert.equal(validateSarif(badLevel).ok, false, 'unknown level');
});

test('pascalName', () => {
  assert.equal(pascalName('mTLS is PERMISSIVE in namespace', 'X'), 'MTLSIsPERMISSIVEInNamespace');
  assert.equal(pascalName('  --  ', 'AUTH001'), 'AUTH001');
});

test("a custom rule's docs add no HTML, heading or link to help.markdown nor end its code block; helpUri is only ever an http(s) link", async () => {
  const evil = defineRule({
    meta: {
      id: 'X-EVIL',
      title: 'Evil <img src=x onerror=alert(1)>',
      severity: 'high',
      category: 'custom',
      reads: ['Pod'],
      docs: {
        summary: '<script>alert(1)</script>\n\n# Fake H1',
        why: '[x](javascript:alert(3))',
        fix: 'a | b\n---|---',
        bad: "a: 1\n```\n\n<img src=x onerror=alert('fence')>\n\n```yaml",
        // Refused when a rule file or plugin is loaded (src/custom); written as text here all the same.
        references: ['javascript:alert(1)', 'https://ok.example/>[x](javascript:alert(2))'],
      },
    },
    check() {},
  });
  const log = sarifOf(await reportFor(FIXTURE, [evil]), ctx({ rules: [evil] }));
  const desc = log.runs[0].tool.driver.rules.find((r: { id: string }) => r.id === 'X-EVIL');
  assert.equal(desc.helpUri, undefined, 'javascript: is no help link');
  const md: string = desc.help.markdown;
  assert.ok(md.startsWith('&lt;script&gt;alert(1)&lt;/script&gt;\n\n\\# Fake H1\n\n'), md);
  assert.ok(md.includes('[x\\](javascript:alert(3))'), md);
  assert.ok(md.includes('a \\| b\n---\\|---'), md);
  assert.ok(md.includes("### Flagged\n\n````yaml\na: 1\n```\n\n<img src=x onerror=alert('fence')>\n\n```yaml\n````"), md);
  assert.ok(md.endsWith('## References\n\n- javascript:alert(1)\n- https://ok.example/&gt;[x\\](javascript:alert(2))'), md);
  // Outside the fence (its text between the four-backtick lines), no raw HTML at all.
  assert.doesNotMatch(md.replace(/````yaml[\s\S]*?````/, ''), /[<>]/);
  const good = defineRule({ meta: { ...evil.meta, id: 'X-GOOD', docs: { ...evil.meta.docs, references: ['https://ok.example/a'] } }, check() {} });
  const goodDesc = sarifOf(await reportFor(FIXTURE, [good]), ctx({ rules: [good] })).runs[0].tool.driver.rules.find((r: { id: string }) => r.id === 'X-GOOD');
  assert.equal(goodDesc.helpUri, 'https://ok.example/a');
  assert.ok(goodDesc.help.markdown.endsWith('- <https://ok.example/a>'));
});
