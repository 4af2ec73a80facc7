import { createColors } from 'picocolors';
import { isClusterLocation, SEVERITIES } from '../engine/finding.js';
import { terminalSafe } from '../engine/text.js';
import { joinChunks } from './types.js';
// Every string below that comes from input (names, paths, messages, notes, errors) goes through
// terminalSafe(): a manifest must not be able to move the cursor, rewrite earlier lines or reorder text.
const safe = (s) => terminalSafe(String(s ?? ''));
/**
 * Human output: grouped by severity, then by resource, each finding with `file:line`, the rule and
 * the first sentence of its fix, wrapped to the terminal width when one is known. Suppressed findings
 * (only present with --show-suppressed) are listed after the others, marked. Ends with a summary.
 */
export const textReporter = (report, ctx) => joinChunks(textChunks(report, ctx));
/**
 * The text report in pieces of about FLUSH_AT characters (the same text as textReporter): a report of
 * hundreds of thousands of findings is hundreds of megabytes as one string, several times that while
 * it is built from lines.
 */
export const textChunks = function* (report, ctx) {
    const c = createColors(ctx.color);
    const paint = {
        critical: (s) => c.bold(c.magenta(s)),
        high: (s) => c.bold(c.red(s)),
        medium: c.yellow,
        low: c.cyan,
        info: c.dim,
    };
    const width = ctx.width;
    // Wraps plain text first and paints after, so escape codes never count towards the width.
    const wrapped = (indent, text, style = (s) => s, hang = indent) => wrap(text, width, indent.length, hang.length).map((line, i) => (i === 0 ? indent : hang) + style(line));
    const out = new Lines();
    const live = new Set((report.summary.clusters ?? []).map((k) => k.name));
    const shown = report.findings.filter((f) => !f.suppressed);
    const suppressed = report.findings.filter((f) => f.suppressed);
    const printGroup = function* (label, sev, group) {
        out.push(paint[sev](`${label} (${group.length})`));
        const byResource = new Map();
        for (const f of group) {
            const key = `${f.resource.cluster}\u0000${f.resource.kind}\u0000${f.resource.namespace}\u0000${f.resource.name}`;
            const list = byResource.get(key);
            if (list)
                list.push(f);
            else
                byResource.set(key, [f]);
        }
        for (const list of byResource.values()) {
            const r = list[0].resource;
            const cluster = r.cluster && r.cluster !== 'default' ? ` [${safe(r.cluster)}]` : '';
            out.push(`  ${c.bold(resourceName(r))}${cluster}`);
            for (const f of list) {
                const head = `${f.ruleId}  `;
                const body = wrap(`${f.seenInTraffic ? `${SEEN_TAG} ` : ''}${safe(f.message)}`, width, 4 + head.length, 11);
                out.push(`    ${paint[f.severity](f.ruleId)}  ${body[0]}`, ...body.slice(1).map((l) => `           ${l}`));
                if (f.suppressed)
                    out.push(...wrapped('           ', `suppressed (${f.suppressed.kind}): ${safe(f.suppressed.reason)}`, c.dim));
                // An object read from a live cluster has no file: say where it was read instead.
                const place = (!f.location || isClusterLocation(f.location)) && live.has(f.resource.cluster) ? `(read from cluster ${safe(f.resource.cluster)})` : where(f.location);
                out.push(...wrapped('           ', `${place}${f.location?.path ? `  ${safe(f.location.path)}` : ''}`, c.dim));
                for (const e of f.evidence.slice(0, 5)) {
                    const loc = e.location ? ` (${where(e.location)})` : '';
                    out.push(...wrapped('           ', `· ${safe(e.description)}${loc}`, c.dim, '             '));
                }
                if (f.evidence.length > 5)
                    out.push(`           ${c.dim(`· …and ${f.evidence.length - 5} more`)}`);
                const fix = wrap(`fix: ${safe(firstSentence(f.remediation))}`, width, 11, 16);
                out.push(`           ${c.green('fix:')}${fix[0].slice(4)}`, ...fix.slice(1).map((l) => `                ${l}`));
                if (out.full)
                    yield out.take();
            }
        }
        out.push('');
    };
    for (const sev of SEVERITIES) {
        const group = shown.filter((f) => f.severity === sev);
        if (group.length)
            yield* printGroup(sev.toUpperCase(), sev, group);
    }
    if (suppressed.length) {
        out.push(c.dim(`SUPPRESSED (${suppressed.length}): not counted, shown because of --show-suppressed`));
        for (const sev of SEVERITIES) {
            const group = suppressed.filter((f) => f.severity === sev);
            if (group.length)
                yield* printGroup(`${sev.toUpperCase()}, SUPPRESSED`, sev, group);
        }
    }
    // Live clusters: a section each, with what could not be read and what that weakens.
    const clusters = report.summary.clusters ?? [];
    if (clusters.length) {
        out.push(c.bold(`CLUSTERS (${clusters.length})`));
        for (const k of clusters) {
            const status = k.status === 'ok' ? c.green('ok') : k.status === 'partial' ? c.yellow('partial') : c.red('error');
            out.push(...wrapped('  ', `${c.bold(safe(k.name))}  ${status}  ${k.resources} object${k.resources === 1 ? '' : 's'} from ${safe(k.server) || '(no server)'}, ${k.durationMs} ms`, undefined, '    '));
            for (const e of k.errors)
                out.push(...wrapped('    ', `✖ ${safe(e.kind)}${e.status !== null ? ` (HTTP ${e.status})` : ''}: ${safe(e.message)}`, undefined, '      '));
            for (const n of k.notes)
                out.push(...wrapped('    ', `note: ${safe(n)}`, c.dim, '          '));
        }
        out.push('');
    }
    const fileErrors = report.errors.filter((e) => e.cluster === undefined || e.kind === undefined);
    if (fileErrors.length) {
        out.push(c.bold(c.red(`ERRORS (${fileErrors.length})`)));
        for (const e of fileErrors)
            out.push(...wrapped('  ', `${safe(e.file)}${e.line ? `:${e.line}` : ''}  ${safe(e.message)}`, undefined, '    '));
        out.push('');
    }
    for (const n of report.summary.notes)
        out.push(...wrapped('', `note: ${safe(n)}`, c.dim, '      '));
    if (report.summary.notes.length)
        out.push('');
    const s = report.summary;
    const total = shown.length;
    const counts = SEVERITIES.map((sev) => `${s.bySeverity[sev]} ${sev}`).join(', ');
    const suppressedCount = s.suppressed ? `, ${s.suppressed} suppressed` : '';
    const errors = report.errors.length ? `, ${report.errors.length} input error${report.errors.length === 1 ? '' : 's'}` : '';
    const mark = total || report.errors.length ? c.red('✖') : c.green('✔');
    const notRead = clusters.filter((k) => k.status !== 'ok').length;
    const from = clusters.length
        ? `${s.files ? `${s.files} file${s.files === 1 ? '' : 's'} and ` : ''}${clusters.length} cluster${clusters.length === 1 ? '' : 's'}${notRead ? ` (${notRead} not fully read)` : ''}`
        : `${s.files} file${s.files === 1 ? '' : 's'}`;
    out.push(`${mark} ${total} finding${total === 1 ? '' : 's'} (${counts}) in ${s.resources} resources from ${from}${suppressedCount}${errors}, ${s.durationMs} ms`);
    if (total)
        out.push(c.dim('  `meshward explain <ID>` tells why a rule matters and how to fix it.'));
    yield out.take();
};
/**
 * One line per finding, as `istioctl analyze` prints them:
 * `HIGH [BYP001] (Pod shop/web app/pod.yaml:11) message`. Load errors follow as `ERROR` lines, and
 * suppressed findings (with --show-suppressed) carry `(suppressed)` after the ID. No summary: the
 * lines are meant for grep and log viewers.
 */
/** Marks a finding whose route the traffic facts show in use (src/insights/confirm.ts). */
const SEEN_TAG = '[seen in traffic]';
export const compactReporter = (report, ctx) => joinChunks(compactChunks(report, ctx));
export const compactChunks = function* (report) {
    const out = new Lines();
    for (const f of report.findings) {
        const mark = `${f.suppressed ? ' (suppressed)' : ''}${f.seenInTraffic ? ` ${SEEN_TAG}` : ''}`;
        // A field in a live cluster's object: its path (the object and cluster are already on the line).
        const loc = isClusterLocation(f.location) ? (f.location.path ? ` ${safe(f.location.path)}` : '') : f.location ? ` ${where(f.location)}` : '';
        const cluster = f.resource.cluster && f.resource.cluster !== 'default' ? ` [${safe(f.resource.cluster)}]` : '';
        out.push(`${f.severity.toUpperCase()} [${f.ruleId}]${mark} (${resourceName(f.resource)}${cluster}${loc}) ${oneLine(f.message)}`);
        if (out.full)
            yield out.take();
    }
    for (const e of report.errors)
        out.push(`ERROR [load] (${safe(e.file)}${e.line ? `:${e.line}` : ''}) ${oneLine(e.message)}`);
    if (out.count)
        yield out.take();
};
/** Characters of output gathered before a chunk is handed to the writer. */
const FLUSH_AT = 1 << 20;
/**
 * Output lines gathered until about FLUSH_AT characters. `take()` returns them joined, each ended by a
 * newline: chunks taken one after another make the same text as all lines joined at once.
 */
class Lines {
    lines = [];
    size = 0;
    push(...lines) {
        for (const l of lines) {
            this.lines.push(l);
            this.size += l.length + 1;
        }
    }
    get count() {
        return this.lines.length;
    }
    get full() {
        return this.size >= FLUSH_AT;
    }
    take() {
        const text = this.lines.length ? this.lines.join('\n') + '\n' : '';
        this.lines = [];
        this.size = 0;
        return text;
    }
}
function resourceName(r) {
    return r.namespace ? `${safe(r.kind)} ${safe(r.namespace)}/${safe(r.name)}` : `${safe(r.kind)} ${safe(r.name)}`;
}
/** `file:line`; for a Helm template, the template and the line in the rendered output that was scanned. */
function where(loc) {
    if (!loc)
        return '(no file)';
    if (isClusterLocation(loc))
        return `${safe(loc.object)} in cluster ${safe(loc.cluster)}`;
    if (loc.rendered)
        return `${safe(loc.file)} (rendered ${safe(loc.rendered.file)}:${loc.rendered.line})`;
    return `${safe(loc.file)}:${loc.line}`;
}
function oneLine(s) {
    return safe(s).replace(/\s+/g, ' ').trim();
}
function firstSentence(s) {
    const m = /^(.+?[.!?])(\s|$)/s.exec(s.trim());
    return (m ? m[1] : s.trim()).replace(/\s+/g, ' ');
}
/**
 * Splits `text` into lines that fit `width` columns, the first starting at column `first`, the others
 * at column `rest`. Breaks at spaces; a word longer than a line is cut. No width: one line.
 */
export function wrap(text, width, first, rest) {
    if (!width)
        return [text];
    const lines = [];
    let room = Math.max(10, width - first);
    let line = '';
    for (const word of text.split(/ +/)) {
        let w = word;
        while (w.length > room && !line) {
            lines.push(w.slice(0, room));
            w = w.slice(room);
            room = Math.max(10, width - rest);
        }
        if (!line)
            line = w;
        else if (line.length + 1 + w.length <= room)
            line += ` ${w}`;
        else {
            lines.push(line);
            room = Math.max(10, width - rest);
            line = '';
            while (w.length > room) {
                lines.push(w.slice(0, room));
                w = w.slice(room);
            }
            line = w;
        }
    }
    lines.push(line);
    return lines;
}
