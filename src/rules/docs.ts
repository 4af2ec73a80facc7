import type { Category, Rule } from './types.js';
import type { Severity } from '../engine/finding.js';
import { codeFence, codeSpan, linkOrText, markdownText } from '../engine/markdown.js';

/**
 * A rule's documentation page as Markdown, from its metadata alone (docs/rules/<ID>.md, `meshward
 * explain`, `meshward docs`). A custom rule's texts come from a rule file or plugin: every text is
 * written through src/engine/markdown.ts, so none can add HTML, headings, links or end its code block.
 */
export function renderRuleDoc(rule: Rule, categories: Record<Category, string>): string {
  const m = rule.meta;
  const out: string[] = [];
  out.push(`# ${m.id}: ${markdownText(m.title, 'line')}`, '');
  out.push(`- Severity: **${m.severity}** (default; some findings are graded)`);
  out.push(`- Category: ${categories[m.category]} (\`${m.category}\`)`);
  out.push(`- Reads: ${m.reads.map(codeSpan).join(', ')}`);
  if (m.scope === 'namespace') out.push('- Scope: one namespace (its findings on a tenant namespace\'s objects depend only on that namespace and what the whole mesh shares; a change there is re-checked over that namespace alone)');
  out.push('');
  out.push('## What it finds', '', markdownText(m.docs.summary), '');
  out.push('## Why it matters', '', markdownText(m.docs.why), '');
  out.push('## How to fix it', '', markdownText(m.docs.fix), '');
  if (m.docs.bad) out.push('## Example', '', 'Reported:', '', codeFence(m.docs.bad, 'yaml'), '');
  if (m.docs.good) out.push(m.docs.bad ? 'Fixed:' : '## Example', '', codeFence(m.docs.good, 'yaml'), '');
  out.push('## Suppressing it', '', ...suppressingSection(m.id, m.severity), '');
  if (m.docs.references?.length) {
    out.push('## References', '');
    for (const r of m.docs.references) out.push(`- ${linkOrText(r)}`);
    out.push('');
  }
  return out.join('\n');
}

/**
 * How to suppress the rule's findings, true to src/engine/suppress.ts: the `meshward.io/ignore`
 * annotation never suppresses a finding graded critical (whoever can edit the object could silence
 * it), so a critical rule's page does not offer it.
 */
function suppressingSection(id: string, severity: Severity): string[] {
  const configEntry = `an \`ignore\` entry in \`.meshward.yaml\` with the rule, the resource (\`Kind/namespace/name\`, globs allowed), a reason and, best, an \`expires\` date:\n\n\`\`\`yaml\nignore:\n  - rule: ${id}\n    resource: "Kind/namespace/name"\n    reason: why this is accepted, and who decided\n    expires: "YYYY-MM-DD"\n\`\`\``;
  const baseline = 'To accept every current finding at once and fail only on new ones, use a baseline (`--write-baseline FILE`, then `--baseline FILE`).';
  if (severity === 'critical') {
    return [
      `Findings of this rule are critical, and the \`meshward.io/ignore\` annotation does not suppress critical findings: whoever can edit the object could silence the finding that describes them. Suppress one with ${configEntry}`,
      '',
      baseline,
    ];
  }
  return [
    `Annotate the object with \`meshward.io/ignore: "${id}"\` (unless the config sets \`settings.annotationSuppressions: false\`; the annotation is refused for any finding graded critical), or add ${configEntry}`,
    '',
    baseline,
  ];
}
