/**
 * Custom rules for a command: declarative rule files (`--rules`, `.meshward.yaml` `rules:`) and plugins
 * (`.meshward.yaml` `plugins:`), loaded once, checked against the built-in rules, in ID order after them.
 */
import path from 'node:path';
import type { MeshwardConfig } from '../config/config.js';
import type { Rule } from '../rules/types.js';
import { allRules } from '../rules/index.js';
import { terminalSafe } from '../engine/text.js';
import type { CustomRule } from './rule.js';
import { CustomRuleError, DEFAULT_BUDGET_MS, PluginError } from './base.js';

export { CustomRuleError, PluginError } from './base.js';
export type { CustomRule } from './rule.js';

export interface CustomRuleInput {
  /** `--rules` values, relative to `cwd`. */
  cliPaths: readonly string[];
  config: MeshwardConfig;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface CustomRules {
  /** Declarative and plugin rules, sorted by ID. */
  rules: Rule[];
  /** Every rule: the built-in ones then the custom ones. */
  all: Rule[];
  warnings: string[];
}

/** MESHWARD_CUSTOM_RULE_BUDGET_MS: the time each custom rule may take in one run (tests lower it). */
export function budgetFrom(env: NodeJS.ProcessEnv): number {
  const raw = env.MESHWARD_CUSTOM_RULE_BUDGET_MS;
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_BUDGET_MS;
}

function positive(raw: string | undefined): number | undefined {
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Loads the custom rules a command was given. Throws CustomRuleError or PluginError (usage errors). */
export async function loadCustomRules(input: CustomRuleInput): Promise<CustomRules> {
  const budgetMs = budgetFrom(input.env);
  const paths = [
    ...input.cliPaths.map((p) => ({ path: path.resolve(input.cwd, p), shown: p })),
    ...input.config.ruleFiles.map((p) => ({ path: p, shown: path.relative(input.cwd, p) || p })),
  ];
  // Rule files and plugins are loaded with their modules (zod, cel-js, worker threads) only when a
  // command has some: most runs have none and should not pay for loading them.
  const declarative = paths.length ? (await (await import('./load.js')).loadRuleFiles(paths, { builtIn: allRules, budgetMs })).rules : [];
  const plugins = input.config.plugins.length && input.config.file ? await (await import('./plugins.js')).loadPlugins(input.config.plugins, input.config.file, { budgetMs, builtIn: allRules, heapMb: positive(input.env.MESHWARD_PLUGIN_HEAP_MB) }) : [];
  const rules: Rule[] = [...declarative];
  const ids = new Map(declarative.map((r) => [r.meta.id, `${r.source.file}:${r.source.line}`]));
  for (const p of plugins) {
    const earlier = ids.get(p.meta.id);
    if (earlier) throw new PluginError(`plugin rule ${p.meta.id} has the ID of the rule at ${earlier}; rule IDs must be unique`);
    ids.set(p.meta.id, 'a plugin');
    rules.push(p);
  }
  rules.sort((a, b) => (a.meta.id < b.meta.id ? -1 : a.meta.id > b.meta.id ? 1 : 0));
  const warnings: string[] = [];
  const shownConfig = input.config.file ? path.relative(input.cwd, input.config.file) || input.config.file : 'config';
  for (const ref of input.config.ruleRefs) {
    if (ref.id.startsWith('X-') && !ids.has(ref.id)) {
      warnings.push(`${terminalSafe(shownConfig)}:${ref.line}: ${ref.where} names custom rule ${terminalSafe(ref.id)}, which no rule file or plugin defines`);
    }
  }
  return { rules, all: [...allRules, ...rules], warnings };
}

/** A note per custom rule whose condition could not be evaluated on some objects in the last run. */
export function evaluationNotes(rules: readonly Rule[]): string[] {
  const notes: string[] = [];
  for (const r of rules) {
    const t = (r as Partial<CustomRule>).trouble;
    if (t) notes.push(`custom rule ${r.meta.id}: ${t.count} object${t.count === 1 ? '' : 's'} could not be evaluated and ${t.count === 1 ? 'was' : 'were'} treated as not matching (first: ${terminalSafe(t.first.slice(0, 300))}); use has() for optional fields`);
  }
  return notes;
}

export function isCustomRuleError(err: unknown): err is Error {
  return err instanceof CustomRuleError || err instanceof PluginError;
}
