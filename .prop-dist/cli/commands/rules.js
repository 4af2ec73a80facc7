import { allRules, findRule } from '../../rules/index.js';
import { CATEGORY_TITLES } from '../../rules/types.js';
import { renderRuleDoc } from '../../rules/docs.js';
import { UsageError } from '../io.js';
/** `meshward rules` lists every rule; `meshward explain ID` prints one rule's docs. */
export function registerRules(program, io, _setExit) {
    program
        .command('rules')
        .description('list every rule: ID, severity, category, title')
        .option('-f, --format <format>', 'text or json', 'text')
        .action((opts) => {
        if (opts.format === 'json') {
            const out = allRules.map((r) => ({
                id: r.meta.id,
                severity: r.meta.severity,
                category: r.meta.category,
                title: r.meta.title,
                reads: r.meta.reads,
                summary: r.meta.docs.summary,
            }));
            io.stdout.write(JSON.stringify(out, null, 2) + '\n');
            return;
        }
        if (opts.format !== 'text')
            throw new UsageError(`unknown --format "${opts.format}" for rules; use text or json`);
        const width = Math.max(...allRules.map((r) => r.meta.category.length), 8);
        for (const r of allRules) {
            io.stdout.write(`${r.meta.id}  ${r.meta.severity.padEnd(8)}  ${r.meta.category.padEnd(width)}  ${r.meta.title}\n`);
        }
        io.stdout.write(`\n${allRules.length} rules. \`meshward explain ID\` shows one in full.\n`);
    });
    program
        .command('explain')
        .description("print a rule's documentation: what it finds, why it matters, how to fix it")
        .argument('<id>', 'rule ID, e.g. BYP001')
        .action((id) => {
        const rule = findRule(id);
        if (!rule)
            throw new UsageError(`no rule "${id}"; \`meshward rules\` lists them`);
        io.stdout.write(renderRuleDoc(rule, CATEGORY_TITLES));
    });
}
