import type { Category, Rule } from './types.js';

/** A rule's documentation page as Markdown, from its metadata alone (docs/rules/<ID>.md and `meshward explain`). */
export function renderRuleDoc(rule: Rule, categories: Record<Category, string>): string {
  const m = rule.meta;
  const out: string[] = [];
  out.push(`# ${m.id}: ${m.title}`, '');
  out.push(`- Severity: **${m.severity}** (default; some findings are graded)`);
  out.push(`- Category: ${categories[m.category]} (\`${m.category}\`)`);
  out.push(`- Reads: ${m.reads.map((k) => `\`${k}\``).join(', ')}`, '');
  out.push('## What it finds', '', m.docs.summary, '');
  out.push('## Why it matters', '', m.docs.why, '');
  out.push('## How to fix it', '', m.docs.fix, '');
  if (m.docs.bad) out.push('## Example', '', 'Reported:', '', '```yaml', m.docs.bad.trimEnd(), '```', '');
  if (m.docs.good) out.push(m.docs.bad ? 'Fixed:' : '## Example', '', '```yaml', m.docs.good.trimEnd(), '```', '');
  out.push('## Suppressing it', '', `Annotation on the object: \`meshward.io/ignore: "${m.id}"\`, or an \`ignore\` entry with a reason in \`.meshward.yaml\` (see the README).`, '');
  if (m.docs.references?.length) {
    out.push('## References', '');
    for (const r of m.docs.references) out.push(`- ${r}`);
    out.push('');
  }
  return out.join('\n');
}
