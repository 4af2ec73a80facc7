/**
 * What a command needs of custom rules when it has none to load: the error classes it tells apart
 * and the default time budget. Kept apart from load.ts (the rule-file schema, zod), rule.ts (the
 * CEL compiler, cel-js) and plugins.ts, which index.ts imports only when there is something to load:
 * every scan goes through loadCustomRules, and most have no custom rules.
 */

/** A rule file that cannot be read or does not validate; the message names file, line and field. */
export class CustomRuleError extends Error {}

/** A plugin that cannot be loaded or breaks the rule contract. */
export class PluginError extends Error {}

/** Time one declarative rule may spend in one run before it is stopped (MESHWARD_CUSTOM_RULE_BUDGET_MS overrides). */
export const DEFAULT_BUDGET_MS = 10_000;
