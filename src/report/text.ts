import { createColors } from 'picocolors';
import { SEVERITIES, type Finding, type Severity } from '../engine/finding.js';
import type { Reporter } from './types.js';

/**
 * Human output: grouped by severity, then by resource, each finding with `file:line`, the rule and
 * the first sentence of its fix. Ends with a one-line summary.
 */
export const textReporter: Reporter = (report, ctx) => {
  const c = createColors(ctx.color);
  const paint: Record<Severity, (s: string) => string> = {
    critical: (s) => c.bold(c.magenta(s)),
    high: (s) => c.bold(c.red(s)),
    medium: c.yellow,
    low: c.cyan,
    info: c.dim,
  };
  const out: string[] = [];
  const shown = report.findings.filter((f) => !f.suppressed);
  for (const sev of SEVERITIES) {
    const group = shown.filter((f) => f.severity === sev);
    if (!group.length) continue;
    out.push(paint[sev](`${sev.toUpperCase()} (${group.length})`));
    const byResource = new Map<string, Finding[]>();
    for (const f of group) {
      const key = `${f.resource.cluster}\u0000${f.resource.kind}\u0000${f.resource.namespace}\u0000${f.resource.name}`;
      const list = byResource.get(key);
      if (list) list.push(f);
      else byResource.set(key, [f]);
    }
    for (const list of byResource.values()) {
      const r = list[0].resource;
      const name = r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
      const cluster = r.cluster && r.cluster !== 'default' ? ` [${r.cluster}]` : '';
      out.push(`  ${c.bold(name)}${cluster}`);
      for (const f of list) {
        const where = f.location ? c.dim(`${f.location.file}:${f.location.line}`) : c.dim('(no file)');
        out.push(`    ${paint[sev](f.ruleId)}  ${f.message}`);
        out.push(`           ${where}${f.location?.path ? c.dim(`  ${f.location.path}`) : ''}`);
        for (const e of f.evidence.slice(0, 5)) {
          const loc = e.location ? c.dim(` (${e.location.file}:${e.location.line})`) : '';
          out.push(`           ${c.dim('·')} ${e.description}${loc}`);
        }
        if (f.evidence.length > 5) out.push(`           ${c.dim(`· …and ${f.evidence.length - 5} more`)}`);
        out.push(`           ${c.green('fix:')} ${firstSentence(f.remediation)}`);
      }
    }
    out.push('');
  }
  if (report.errors.length) {
    out.push(c.bold(c.red(`ERRORS (${report.errors.length})`)));
    for (const e of report.errors) out.push(`  ${e.file}${e.line ? `:${e.line}` : ''}  ${e.message}`);
    out.push('');
  }
  for (const n of report.summary.notes) out.push(c.dim(`note: ${n}`));
  if (report.summary.notes.length) out.push('');
  const s = report.summary;
  const total = shown.length;
  const counts = SEVERITIES.map((sev) => `${s.bySeverity[sev]} ${sev}`).join(', ');
  const suppressed = s.suppressed ? `, ${s.suppressed} suppressed` : '';
  const errors = report.errors.length ? `, ${report.errors.length} input error${report.errors.length === 1 ? '' : 's'}` : '';
  const mark = total || report.errors.length ? c.red('✖') : c.green('✔');
  out.push(
    `${mark} ${total} finding${total === 1 ? '' : 's'} (${counts}) in ${s.resources} resources from ${s.files} file${s.files === 1 ? '' : 's'}${suppressed}${errors}, ${s.durationMs} ms`,
  );
  if (total) out.push(c.dim('  `meshward explain <ID>` tells why a rule matters and how to fix it.'));
  return out.join('\n') + '\n';
};

function firstSentence(s: string): string {
  const m = /^(.+?[.!?])(\s|$)/s.exec(s.trim());
  return (m ? m[1] : s.trim()).replace(/\s+/g, ' ');
}
