/**
 * A declarative rule (YAML + CEL) as a Rule: the same contract, engine, findings, fingerprints,
 * suppressions and reports as a built-in rule.
 */
import type { Severity } from '../engine/finding.js';
import type { MeshModel } from '../model/model.js';
import type { PathSegment, Resource } from '../model/resource.js';
import { selectorMatches } from '../model/selectors.js';
import { quoteValue, terminalSafe } from '../engine/text.js';
import type { Category, Rule, RuleContext, RuleMeta } from '../rules/types.js';
import { BudgetExceeded, compileExpression, listElementsOver, namespaceView, NESTED_LIST_LIMIT, withScope, type Compiled, type EvalScope } from './cel.js';

/** Time one declarative rule may spend in one run before it is stopped (MESHWARD_CUSTOM_RULE_BUDGET_MS overrides). */
export const DEFAULT_BUDGET_MS = 10_000;

export interface KindRef {
  group: string;
  kind: string;
}

/** A declarative rule as validated from its file, before compiling. */
export interface DeclarativeSpec {
  id: string;
  title: string;
  severity: Severity;
  category: Category;
  kinds: KindRef[];
  namespaces?: string[];
  excludeNamespaces?: string[];
  labels?: unknown;
  namespaceLabels?: unknown;
  condition: string;
  message: string;
  path: PathSegment[];
  fix: string;
  docs: RuleMeta['docs'];
  /** Where the rule was defined, for errors and docs. */
  source: { file: string; line: number };
}

/** What went wrong while evaluating a rule on some objects (treated as not matching), for a note. */
export interface EvaluationTrouble {
  count: number;
  first: string;
}

/** A declarative rule: a Rule plus what the CLI reports about it (where it came from, evaluation errors). */
export interface CustomRule extends Rule {
  readonly source: { file: string; line: number };
  /** Objects whose condition could not be evaluated in the last run (a field missing without has()...). */
  readonly trouble: EvaluationTrouble | null;
  readonly declarative: true;
}

const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;
/** Longest text a `{{ }}` field puts into a message. */
const FIELD_MAX = 200;

type TemplatePart = string | { run: Compiled; source: string };

/** Compiles a message template: text with `{{ CEL }}` fields. Throws CelRuleError naming the field. */
export function compileTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of template.matchAll(TEMPLATE)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    const source = m[1].trim();
    try {
      parts.push({ run: compileExpression(source, 'any').run, source });
    } catch (err) {
      throw new Error(`in the field {{ ${source.slice(0, 60)} }}: ${(err as Error).message}`);
    }
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

/** A value a template field gives, made safe for any output: strings escaped, the rest short JSON. */
function showValue(v: unknown): string {
  if (typeof v === 'string') return terminalSafe(v.length > FIELD_MAX ? `${v.slice(0, FIELD_MAX - 1)}…` : v);
  if (typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (v instanceof Map) return quoteValue(Object.fromEntries(v), FIELD_MAX);
  return quoteValue(v, FIELD_MAX);
}

function renderTemplate(parts: readonly TemplatePart[], ctx: Record<string, unknown>): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') out += p;
    else {
      try {
        out += showValue(p.run(ctx));
      } catch (err) {
        if (err instanceof BudgetExceeded) throw err;
        out += '(unknown)';
      }
    }
  }
  return out;
}

export interface CompileOptions {
  budgetMs?: number;
}

/** Compiles a validated spec into a rule. Throws (CelRuleError or Error) with what is wrong; the loader adds file and line. */
export function compileDeclarative(spec: DeclarativeSpec, opts: CompileOptions = {}): CustomRule {
  const condition = compileExpression(spec.condition, 'bool');
  const message = compileTemplate(spec.message);
  const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
  const include = spec.namespaces?.length ? new Set(spec.namespaces) : null;
  const exclude = spec.excludeNamespaces?.length ? new Set(spec.excludeNamespaces) : null;
  const meta: RuleMeta = {
    id: spec.id,
    title: spec.title,
    severity: spec.severity,
    category: spec.category,
    reads: [...new Set(spec.kinds.map((k) => (k.group ? `${k.group}/${k.kind}` : k.kind)))],
    docs: spec.docs,
  };
  let trouble: EvaluationTrouble | null = null;

  const check = (ctx: RuleContext) => {
    trouble = null;
    const model = ctx.model;
    const started = performance.now();
    const scope: EvalScope = { model, deadline: started + budgetMs, budgetMs, ruleId: spec.id, resource: null };
    const namespaces = new Map<string, Record<string, unknown>>();
    const namespaceOf = (ns: string) => {
      let v = namespaces.get(ns);
      if (!v) namespaces.set(ns, (v = namespaceView(model, ns)));
      return v;
    };
    const troubled = (r: Resource, why: string) => {
      if (trouble) trouble.count++;
      else trouble = { count: 1, first: `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${why}` };
    };
    // One context object, refilled per resource: evaluation is synchronous, and an allocation per
    // object per rule is measurable at 100 rules over 100,000 objects.
    const vars: { object: unknown; ns: Record<string, unknown> } = { object: null, ns: {} };
    let sinceClock = 0;
    withScope(scope, () => {
      for (const k of spec.kinds) {
        for (const r of model.ofKind(k.group, k.kind)) {
          if (!matches(model, r, include, exclude, spec, namespaceOf)) continue;
          // The clock is read every 64 objects, and at every object for a condition with macros (whose
          // work grows with the object); helpers read it at every call.
          if (++sinceClock >= 64 || condition.nesting > 0) {
            sinceClock = 0;
            if (performance.now() > scope.deadline) throw new BudgetExceeded(`rule ${spec.id} ran past its time budget of ${budgetMs} ms; it was stopped after ${describeSome(r)}`);
          }
          if (condition.nesting > 1 && listElementsOver(r.obj, NESTED_LIST_LIMIT)) {
            troubled(r, `not evaluated: the object holds over ${NESTED_LIST_LIMIT} list elements and the condition nests macros`);
            continue;
          }
          scope.resource = r;
          vars.object = r.obj ?? {};
          vars.ns = namespaceOf(r.namespace);
          let hit: unknown;
          try {
            hit = condition.run(vars);
          } catch (err) {
            if (err instanceof BudgetExceeded) throw err;
            troubled(r, (err instanceof Error ? err.message : String(err)).split('\n')[0]);
            continue;
          }
          if (hit !== true) continue;
          ctx.report({ resource: r, path: spec.path, message: renderTemplate(message, vars), remediation: spec.fix });
        }
      }
    });
  };

  return {
    meta,
    check,
    source: spec.source,
    declarative: true,
    get trouble() {
      return trouble;
    },
  };
}

function describeSome(r: Resource): string {
  return terminalSafe(`${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`.slice(0, 200));
}

function matches(
  model: MeshModel,
  r: Resource,
  include: ReadonlySet<string> | null,
  exclude: ReadonlySet<string> | null,
  spec: DeclarativeSpec,
  namespaceOf: (ns: string) => Record<string, unknown>,
): boolean {
  if (!include && !exclude && spec.labels === undefined && spec.namespaceLabels === undefined) return true;
  if (include && !include.has(r.namespace)) return false;
  if (exclude?.has(r.namespace)) return false;
  if (spec.labels !== undefined && !selectorMatches(spec.labels, r.labels)) return false;
  if (spec.namespaceLabels !== undefined) {
    const view = namespaceOf(r.namespace);
    if (!view.known || !selectorMatches(spec.namespaceLabels, model.namespace(r.namespace).labels)) return false;
  }
  return true;
}
