/**
 * meshward's public API for plugin rules: `import { defineRule } from 'meshward'`.
 *
 * A plugin rule is written exactly like a built-in one (docs/adding-a-rule.md, docs/custom-rules.md):
 * `defineRule({ meta, check })`, where `check({ model, settings, report })` reads the model through
 * its indexes and reports findings with the field at fault. Plugin rule IDs start with `X-`.
 * Plugins run in a worker thread with a time budget; see docs/custom-rules.md.
 */
export { defineRule, CATEGORY_TITLES } from './rules/types.js';
export type { Category, EvidenceInput, ReportInput, Rule, RuleContext, RuleMeta } from './rules/types.js';
export type { Severity } from './engine/finding.js';
export { SEVERITIES } from './engine/finding.js';
export type { MeshModel } from './model/model.js';
export type { PathSegment, Resource, ResourceRef } from './model/resource.js';
export { describe, refOf } from './model/resource.js';
export type { Workload } from './model/workloads.js';
/** Safe readers of untrusted objects: `get(obj, ['spec', 'http', 0])`, `isObject(v)`. */
export { get, isObject } from './model/workloads.js';
export { selectorMatches } from './model/selectors.js';
/** Escapes for untrusted strings in messages. */
export { quoteValue, terminalSafe } from './engine/text.js';
export type { RuleSettings } from './config/settings.js';
