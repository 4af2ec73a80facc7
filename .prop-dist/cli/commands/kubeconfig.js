import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Option } from 'commander';
import { SEVERITIES } from '../../engine/finding.js';
import { fingerprint } from '../../engine/fingerprint.js';
import { compareFindings } from '../../engine/run.js';
import { DEFAULT_KUBECONFIG_LIMITS, locate, parseKubeconfigBytes } from '../../kubeconfig/parse.js';
import { judgeKubeconfig, judgeKubeconfigSet } from '../../kubeconfig/judge.js';
import { ISTIOD_REJECTS_TEXT, KCF_META, kubeconfigRules } from '../../kubeconfig/rules.js';
import { FORMATS } from '../../report/index.js';
import { baselineFor, configFor, emitReport } from '../emit.js';
import { parseFailOn } from '../outputs.js';
import { UsageError } from '../io.js';
import { readSideFile, SideFileError } from '../../engine/side-file.js';
const GUARANTEE = 'nothing the kubeconfigs name was run, opened or fetched; secret values are shown only as sha256 fingerprints';
/**
 * `meshward kubeconfig [FILE...]`: judges kubeconfig files as data. Nothing a kubeconfig names is run,
 * opened or fetched; secret values appear only as fingerprints.
 */
export function registerKubeconfig(program, io, setExit) {
    program
        .command('kubeconfig')
        .description('check kubeconfig files for fields that run commands, read local files, leak or redirect credentials (nothing they name is run or opened)')
        .argument('[files...]', 'kubeconfig files; - reads standard input (default: the $KUBECONFIG entries, else ~/.kube/config)')
        .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('text'))
        .option('-o, --output <file>', 'write the report to a file instead of standard output')
        .addOption(new Option('--fail-on <severity>', `exit 1 when a finding is at or above this severity: ${[...SEVERITIES, 'none'].join(', ')}, any case (default: high)`).argParser(parseFailOn))
        .option('-c, --config <file>', 'config file (default: the nearest .meshward.yaml upward from here)')
        .option('--baseline <file>', 'ignore findings already in this baseline (or earlier JSON report)')
        .option('--write-baseline <file>', 'write the fingerprints of the current findings to a baseline file')
        .option('--show-suppressed', 'include suppressed findings in the output')
        .action(async (files, flags) => {
        setExit(await runKubeconfig(files, flags, io));
    });
}
async function runKubeconfig(files, flags, io) {
    const started = performance.now();
    const config = await configFor(flags, io);
    const baseline = await baselineFor(flags, io);
    const notes = [];
    const errors = [];
    const { inputs, merged } = await chooseInputs(files, io, notes);
    const parsedList = [];
    const origins = [];
    for (const input of inputs) {
        const data = await readBounded(input, DEFAULT_KUBECONFIG_LIMITS.maxBytes);
        if ('error' in data) {
            errors.push({ file: input.file, line: 0, message: data.error });
            continue;
        }
        const parsed = parseKubeconfigBytes(data.bytes, { file: input.file });
        errors.push(...parsed.errors);
        for (const n of parsed.notes)
            notes.push(`${n.file}${n.line ? `:${n.line}` : ''}: ${n.message}`);
        if (!parsed.ok)
            continue;
        parsedList.push(parsed);
        origins.push({ kind: 'file', folder: input.path === '-' ? null : path.dirname(input.path) });
    }
    const judged = merged
        ? judgeKubeconfigSet(parsedList, { origins }).map((findings, i) => ({ parsed: parsedList[i], findings }))
        : parsedList.map((parsed, i) => ({ parsed, findings: judgeKubeconfig(parsed, { origin: origins[i] }) }));
    const report = kubeconfigFindingsToReport(judged, { errors, notes });
    return emitReport({
        findings: report.findings,
        errors: report.errors,
        notes: [...report.summary.notes, GUARANTEE],
        started,
        resources: report.summary.resources,
        files: report.summary.files,
        meshConfig: 'none',
        rules: kubeconfigRules,
        config,
        baseline,
        flags,
        io,
    });
}
/** The files named on the command line, else the $KUBECONFIG entries (merged, as kubectl merges them), else ~/.kube/config. */
async function chooseInputs(files, io, notes) {
    if (files.length) {
        const seen = new Set();
        const inputs = [];
        for (const f of files) {
            if (f !== '-' && seen.has(path.resolve(io.cwd, f)))
                continue;
            seen.add(path.resolve(io.cwd, f));
            inputs.push({ file: f === '-' ? '<stdin>' : display(f, io.cwd), path: f === '-' ? '-' : path.resolve(io.cwd, f) });
        }
        if (inputs.filter((i) => i.path === '-').length > 1)
            throw new UsageError('- (standard input) can be given once');
        return { inputs, merged: false };
    }
    const env = io.env.KUBECONFIG;
    if (env) {
        const entries = [...new Set(env.split(path.delimiter).filter(Boolean).map((e) => path.resolve(io.cwd, e)))];
        const inputs = [];
        for (const e of entries) {
            // kubectl skips KUBECONFIG entries that do not exist; so does this. (This looks at the list the
            // user configured, not at anything a kubeconfig names.)
            if (!(await exists(e))) {
                notes.push(`KUBECONFIG entry ${JSON.stringify(display(e, io.cwd))} does not exist; skipped, as kubectl does`);
                continue;
            }
            inputs.push({ file: display(e, io.cwd), path: e });
        }
        if (!inputs.length)
            throw new UsageError('none of the $KUBECONFIG entries exists; give kubeconfig files as arguments');
        return { inputs, merged: inputs.length > 1 };
    }
    const home = io.env.HOME || os.homedir();
    const def = path.join(home, '.kube', 'config');
    if (!(await exists(def)))
        throw new UsageError(`no kubeconfig to check: $KUBECONFIG is unset and ${def} does not exist; give kubeconfig files as arguments`);
    return { inputs: [{ file: display(def, io.cwd), path: def }], merged: false };
}
async function exists(p) {
    try {
        await fs.lstat(p);
        return true;
    }
    catch {
        return false;
    }
}
function display(p, cwd) {
    const abs = path.resolve(cwd, p);
    const rel = path.relative(cwd, abs);
    return (rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs).split(path.sep).join('/');
}
/**
 * Reads a kubeconfig file with a size bound. Opened non-blocking and checked to be a regular file, so a
 * FIFO or device given as the kubeconfig cannot hang or flood the run.
 */
async function readBounded(input, max) {
    if (input.path === '-') {
        const chunks = [];
        let size = 0;
        for await (const chunk of process.stdin) {
            size += chunk.length;
            if (size > max)
                return { error: `input is over the kubeconfig limit of ${max} bytes` };
            chunks.push(chunk);
        }
        return { bytes: Buffer.concat(chunks) };
    }
    try {
        return { bytes: await readSideFile(input.path, max) };
    }
    catch (err) {
        if (err instanceof SideFileError)
            return { error: err.reason };
        throw err;
    }
}
/** One kubeconfig finding in the engine's shape (design.md's JSON contract). */
export function kubeconfigFindingToFinding(f, parsed) {
    const meta = KCF_META[f.id];
    const pos = locate(parsed, f.segments);
    const evidence = [{ role: 'subject', description: `${f.subject.kind} ${JSON.stringify(f.subject.name)}` }];
    if (f.istiodRejects)
        evidence.push({ role: 'istiod', description: ISTIOD_REJECTS_TEXT });
    for (const e of f.evidence)
        evidence.push({ role: e.role, description: e.description });
    return {
        ruleId: f.id,
        severity: f.severity,
        title: meta.title,
        message: f.message,
        resource: { cluster: '', apiVersion: 'v1', kind: 'Kubeconfig', namespace: '', name: parsed.file },
        location: { file: parsed.file, line: pos?.line ?? 0, column: pos?.column ?? 1, path: f.path },
        remediation: meta.docs.fix,
        evidence,
        // Subject and field by name: stable when entries are reordered or the file is moved.
        fingerprint: fingerprint({ ruleId: f.id, cluster: '', kind: 'Kubeconfig', namespace: '', name: '', path: f.key }),
    };
}
/**
 * The kubeconfig results as a `Report` (the JSON contract every reporter takes), so the shared text,
 * JSON, SARIF and JUnit reporters can render them once suppressions and baselines are wired in.
 */
export function kubeconfigFindingsToReport(judged, opts = {}) {
    const findings = [];
    for (const j of judged)
        for (const f of j.findings)
            findings.push(kubeconfigFindingToFinding(f, j.parsed));
    findings.sort(compareFindings);
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
    for (const f of findings)
        bySeverity[f.severity]++;
    return {
        version: 1,
        findings,
        errors: opts.errors ?? [],
        summary: {
            bySeverity,
            resources: judged.reduce((n, j) => n + j.parsed.clusters.length + j.parsed.users.length + j.parsed.contexts.length, 0),
            files: judged.length,
            durationMs: opts.durationMs ?? 0,
            suppressed: 0,
            meshConfig: 'none',
            notes: opts.notes ?? [],
        },
    };
}
