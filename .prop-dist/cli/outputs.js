import { Option, InvalidArgumentError } from 'commander';
import { FORMATS } from '../report/index.js';
import { SEVERITIES } from '../engine/finding.js';
import { UsageError } from './io.js';
/**
 * Adds `-f/--format`, `-o/--output` (both repeatable, paired by position) and `--report FORMAT:FILE`.
 * Commander keeps each option's values apart, so every value is stamped with a counter shared by both
 * flags to recover the order they were written in.
 */
export function addOutputOptions(command) {
    let seq = 0;
    // No defaults (commander would print "default: []"); absent means none given.
    const tag = (value, previous) => [...(previous ?? []), { value, seq: seq++ }];
    return command
        .addOption(new Option('-f, --format <format>', `report format: ${FORMATS.join(', ')} (default: text); repeatable, each --output writes the --format before it`)
        .argParser((v, prev) => tag(v, prev)))
        .addOption(new Option('-o, --output <file>', 'write the --format given before it to this file (folders are created); repeatable')
        .argParser((v, prev) => tag(v, prev)))
        .addOption(new Option('--report <format:file>', 'one more report, e.g. sarif:meshward.sarif (file - is standard output); repeatable')
        .argParser((v, prev) => [...(prev ?? []), v]));
}
function parseFormat(v, flag) {
    const f = v.trim().toLowerCase();
    if (!FORMATS.includes(f)) {
        throw new UsageError(`${flag}: unknown format "${v.slice(0, 40)}"; use one of ${FORMATS.join(', ')}`);
    }
    return f;
}
/**
 * Turns the flags into the list of reports to write. Rules (README "Several reports in one run"):
 * one --format and one --output pair whatever their order (the classic `-o x -f sarif`); with more,
 * each --output takes the --format written before it and a --format with no --output goes to standard
 * output; `--report FORMAT:FILE` adds a report; at most one report may go to standard output.
 */
export function resolveOutputs(given) {
    const v = { format: given.format ?? [], output: given.output ?? [], report: given.report ?? [] };
    const targets = [];
    if (v.format.length <= 1 && v.output.length <= 1) {
        if (v.format.length || v.output.length || !v.report.length) {
            targets.push({ format: v.format.length ? parseFormat(v.format[0].value, '--format') : 'text', file: v.output[0]?.value ?? null });
        }
    }
    else {
        const events = [...v.format.map((t) => ({ ...t, kind: 'format' })), ...v.output.map((t) => ({ ...t, kind: 'output' }))];
        events.sort((a, b) => a.seq - b.seq);
        for (const e of events) {
            if (e.kind === 'format') {
                targets.push({ format: parseFormat(e.value, '--format'), file: null });
                continue;
            }
            const last = targets[targets.length - 1];
            if (!last || last.file !== null) {
                throw new UsageError(`--output ${e.value} has no --format of its own before it; write each report as --format FORMAT --output FILE`);
            }
            last.file = e.value;
        }
    }
    for (const r of v.report) {
        const colon = r.indexOf(':');
        if (colon <= 0 || colon === r.length - 1)
            throw new UsageError(`--report ${r}: expected FORMAT:FILE, e.g. sarif:meshward.sarif`);
        const file = r.slice(colon + 1);
        targets.push({ format: parseFormat(r.slice(0, colon), '--report'), file: file === '-' ? null : file });
    }
    if (targets.filter((t) => t.file === null).length > 1) {
        throw new UsageError(`only one report can go to standard output, and ${targets.filter((t) => t.file === null).map((t) => t.format).join(' and ')} would; give the others an --output FILE`);
    }
    const files = new Set();
    for (const t of targets) {
        if (t.file === null)
            continue;
        if (files.has(t.file))
            throw new UsageError(`two reports would be written to ${t.file}; give each its own file`);
        files.add(t.file);
    }
    return targets;
}
/** `--fail-on` parser: any case (`HIGH`), one of the severities or `none`. */
export function parseFailOn(v) {
    const s = v.trim().toLowerCase();
    if (s === 'none' || SEVERITIES.includes(s))
        return s;
    throw new InvalidArgumentError(`expected one of ${[...SEVERITIES, 'none'].join(', ')}.`);
}
