import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHUNKED_REPORTERS, FORMATS, REPORTERS } from './index.js';
import { buildSarif } from './sarif.js';
import { jsonForOutput } from '../engine/text.js';
import type { Finding, Severity } from '../engine/finding.js';
import type { Report, ReportContext } from './types.js';

// Every format is written in chunks (issue 10: memory bounded by the input, not by the report). The
// chunks must make exactly the report: no line lost, doubled or split wrongly where a chunk ends.

const SEVERITY_CYCLE: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

function manyFindings(n: number): Finding[] {
  return Array.from({ length: n }, (_, i) => ({
    ruleId: `BYP00${i % 3}`,
    severity: SEVERITY_CYCLE[i % 5],
    title: 'A title',
    message: `container "app-${i}" of Pod ns/pod-${i} runs as UID 1337 \u001b[2J "quoted" ${'x'.repeat(i % 200)}.`,
    resource: { cluster: 'default', apiVersion: 'v1', kind: 'Pod', namespace: `ns${i % 7}`, name: `pod-${i}` },
    location: { file: `dir/pods-${i % 4}.yaml`, line: i + 1, column: 3, path: `spec.containers[${i % 2}].securityContext` },
    remediation: 'Run as another UID. More text.',
    evidence: i % 11 ? [] : [{ role: 'namespace', description: `ns${i % 7} is not labelled`, resource: { cluster: 'default', apiVersion: 'v1', kind: 'Namespace', namespace: '', name: `ns${i % 7}` }, location: { file: 'ns.yaml', line: 2, column: 1, path: 'metadata' } }],
    fingerprint: `fp${i.toString(16).padStart(14, '0')}`,
    ...(i % 13 === 0 ? { suppressed: { kind: 'config' as const, reason: 'accepted risk' } } : {}),
  }));
}

const report = (findings: Finding[]): Report => ({
  version: 1,
  findings,
  errors: [{ file: 'bad.yaml', line: 3, message: 'invalid YAML' }],
  summary: { bySeverity: { critical: 1, high: 1, medium: 1, low: 1, info: 1 }, resources: 9, files: 4, durationMs: 12, suppressed: 3, meshConfig: 'defaults', notes: ['a note'] },
});

const ctx: ReportContext = { rules: [], color: false, cwd: '/repo', srcRoot: '/repo', failOn: 'medium', version: '1.2.3' };
const big = report(manyFindings(12_000));

test('every format comes in several bounded chunks for a large report, none empty in the middle', () => {
  for (const format of FORMATS) {
    const chunks = [...CHUNKED_REPORTERS[format](big, ctx)];
    assert.ok(chunks.length > 1, `${format}: ${chunks.length} chunk(s)`);
    for (const c of chunks) assert.ok(c.length < (1 << 20) + 64_000, `${format}: a chunk of ${c.length} characters`);
    assert.ok(chunks.join('').endsWith('\n'), `${format} ends with a newline`);
  }
});

test('JSON formats: the chunks make the same text as stringifying the whole document', () => {
  const sarif = [...CHUNKED_REPORTERS.sarif(big, ctx)].join('');
  assert.equal(sarif, JSON.stringify(buildSarif(big, ctx), null, 2) + '\n');
  assert.equal(sarif, REPORTERS.sarif(big, ctx));
  assert.equal([...CHUNKED_REPORTERS.json(big, ctx)].join(''), jsonForOutput(big) + '\n');
  const gitlab = [...CHUNKED_REPORTERS.gitlab(big, ctx)].join('');
  const issues = JSON.parse(gitlab) as Array<{ fingerprint: string }>;
  assert.equal(gitlab, JSON.stringify(issues, null, 2) + '\n', 'GitLab text is JSON.stringify(issues, null, 2)');
  assert.deepEqual(issues.map((i) => i.fingerprint), big.findings.filter((f) => !f.suppressed).map((f) => f.fingerprint));
  for (const empty of [report([]), { ...report([]), errors: [] }]) {
    assert.equal([...CHUNKED_REPORTERS.gitlab(empty, ctx)].join(''), '[]\n');
    assert.equal([...CHUNKED_REPORTERS.sarif(empty, ctx)].join(''), JSON.stringify(buildSarif(empty, ctx), null, 2) + '\n');
  }
});

test('JSON formats and JUnit write bidi, zero-width, line-separator and C1 characters escaped; parsed, the same strings', () => {
  const hostile = 'a\u202eb\u200bc\u0085d\u2028e\u2066f\ufeff';
  const findings = manyFindings(3000).map((f, i) =>
    i % 500 ? f : { ...f, message: `${f.message} ${hostile}`, resource: { ...f.resource, name: `${f.resource.name}${hostile}`, namespace: hostile } },
  );
  const r = { ...report(findings), summary: { ...report([]).summary, notes: [`note ${hostile}`] } };
  const RAW = /[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
  for (const format of ['json', 'sarif', 'gitlab'] as const) {
    const text = [...CHUNKED_REPORTERS[format](r, ctx)].join('');
    assert.equal(text, REPORTERS[format](r, ctx), `${format}: chunks and whole agree`);
    assert.doesNotMatch(text, RAW, format);
    assert.ok(text.includes('a\\u202eb\\u200bc\\u0085d\\u2028e\\u2066f\\ufeff'), `${format}: written as \\u escapes`);
    assert.ok(JSON.stringify(JSON.parse(text)).includes(hostile), `${format}: the same string once parsed`);
  }
  assert.deepEqual(JSON.parse(REPORTERS.json(r, ctx)), JSON.parse(JSON.stringify(r)));
  const xml = [...CHUNKED_REPORTERS.junit(r, ctx)].join('');
  assert.doesNotMatch(xml, RAW, 'junit');
  assert.ok(xml.includes('a&#x202e;b&#x200b;c&#x85;d&#x2028;e&#x2066;f&#xfeff;'), 'junit: as character references');
});

test('compact and text: one entry per finding in order, nothing doubled or dropped at chunk ends', () => {
  const compact = [...CHUNKED_REPORTERS.compact(big, ctx)].join('').split('\n');
  assert.equal(compact.pop(), '', 'ends with one newline');
  assert.equal(compact.length, big.findings.length + big.errors.length);
  big.findings.forEach((f, i) => assert.ok(compact[i].includes(`(Pod ${f.resource.namespace}/${f.resource.name} ${f.location!.file}:${f.location!.line})`), compact[i]));
  assert.equal([...CHUNKED_REPORTERS.compact(report([]), ctx)].join(''), 'ERROR [load] (bad.yaml:3) invalid YAML\n');

  const textChunks = [...CHUNKED_REPORTERS.text(big, ctx)];
  const text = textChunks.join('');
  assert.ok(textChunks.every((c) => c.endsWith('\n')), 'chunks end at line ends');
  assert.ok(!text.includes('\n\n\n'), 'no blank line added where a chunk ends');
  const fixLines = text.split('\n').filter((l) => l.startsWith('           fix: '));
  assert.equal(fixLines.length, big.findings.length, 'one fix line per finding');
  const shown = big.findings.filter((f) => !f.suppressed);
  assert.match(text, new RegExp(`✖ ${shown.length} findings \\(`));
});

test('JUnit: counts in the header match the cases written chunk by chunk', () => {
  const xml = [...CHUNKED_REPORTERS.junit(big, ctx)].join('');
  const cases = xml.match(/<testcase /g)!.length;
  const failures = xml.match(/<failure /g)!.length;
  const skipped = xml.match(/<skipped /g)!.length;
  const errors = xml.match(/<error /g)!.length;
  assert.equal(cases, big.findings.length + 1, 'one case per finding plus the load suite');
  assert.match(xml, new RegExp(`<testsuites name="meshward" tests="${cases}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="0.012">`));
  const expectedFailures = big.findings.filter((f) => !f.suppressed && ['critical', 'high', 'medium'].includes(f.severity)).length;
  assert.equal(failures, expectedFailures);
  assert.equal(skipped, big.findings.filter((f) => f.suppressed).length);
  assert.ok(xml.endsWith('</testsuites>\n'));
});
