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
import { compileFast, UNSUPPORTED, type FastFn, type Frame } from './fast.js';
import { DEFAULT_BUDGET_MS } from './base.js';

export { DEFAULT_BUDGET_MS };

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
  /** True when the condition runs on the fast path (fast.ts); false when only the CEL library can run it. */
  readonly fastPath: boolean;
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
  /** Evaluate conditions through the fast path where it applies (default); false: the CEL library only (benchmarks, tests). */
  fast?: boolean;
}

/** A compiled condition: the library's evaluator, and the fast path's closure when the expression is in its subset. */
interface Condition {
  run: Compiled;
  fast: FastFn | null;
  nesting: number;
}

/** What the engine (src/engine/run.ts) may tell a batch: which of its rules are about to run over a model. */
export interface RuleBatchHook {
  begin(model: MeshModel, rules: readonly Rule[]): void;
  end(): void;
}

/** Objects evaluated by one rule between two reads of the clock (and one rule's turn in a kind's walk). */
const CHUNK = 64;

/**
 * One rule's evaluation state in a run. Findings are kept per kind of the rule (in its `kinds` order)
 * and reported in that order, so a rule reports exactly what it reports when it runs alone.
 */
class Member {
  readonly rule: CustomRule & { readonly batch: RuleBatch };
  /** The objects the condition holds for, per kind; messages are made when reported (only one rule's at a time). */
  found: Resource[][] = [];
  trouble: EvaluationTrouble | null = null;
  failure: Error | null = null;
  spent = 0;
  readonly scope: EvalScope;
  constructor(
    readonly spec: DeclarativeSpec,
    readonly condition: Condition,
    readonly message: TemplatePart[],
    readonly budgetMs: number,
    readonly include: ReadonlySet<string> | null,
    readonly exclude: ReadonlySet<string> | null,
    rule: CustomRule & { readonly batch: RuleBatch },
  ) {
    this.rule = rule;
    this.scope = { model: null, deadline: 0, budgetMs, ruleId: spec.id, resource: null };
  }

  reset(model: MeshModel): void {
    this.found = this.spec.kinds.map(() => []);
    this.trouble = null;
    this.failure = null;
    this.spent = 0;
    this.scope.model = model;
    this.scope.resource = null;
  }

  troubled(r: Resource, why: string): void {
    if (this.trouble) this.trouble.count++;
    else this.trouble = { count: 1, first: `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${why}` };
  }
}

/**
 * Declarative rules that run together: the objects of each kind are walked once for all the rules
 * that match that kind, a chunk of objects at a time, each rule taking its turn on the chunk (its
 * time is measured per turn, so one slow rule uses up only its own budget). The engine says which
 * rules of the batch will run (begin); the first of them to be checked evaluates them all, and each
 * check then reports its own rule's findings, trouble, or failure. A rule checked without begin (a
 * test, another caller) is evaluated alone, the same way.
 */
export class RuleBatch implements RuleBatchHook {
  private readonly members = new Map<Rule, Member>();
  private planned: { model: MeshModel; members: Member[] } | null = null;
  private done: { model: MeshModel; members: Set<Member>; namespaceOf: (ns: string) => Record<string, unknown> } | null = null;

  add(member: Member): void {
    this.members.set(member.rule, member);
  }

  membersOf(): Member[] {
    return [...this.members.values()];
  }

  begin(model: MeshModel, rules: readonly Rule[]): void {
    const members = rules.map((r) => this.members.get(r)).filter((m): m is Member => m !== undefined);
    this.planned = { model, members };
    this.done = null;
  }

  end(): void {
    this.planned = null;
    this.done = null;
  }

  check(member: Member, ctx: RuleContext): void {
    const model = ctx.model;
    if (!this.done || this.done.model !== model || !this.done.members.has(member)) {
      const planned = this.planned && this.planned.model === model && this.planned.members.includes(member) ? this.planned.members : [member];
      this.planned = null;
      const namespaceOf = evaluate(model, planned);
      this.done = { model, members: new Set(planned), namespaceOf };
    }
    const { namespaceOf } = this.done;
    this.done.members.delete(member);
    if (member.failure) throw member.failure;
    // Messages are rendered here, rule by rule, rather than kept for every rule of the batch at once
    // (a run can have a million findings); their time counts against the rule's budget too.
    const scope = member.scope;
    scope.model = model;
    scope.deadline = performance.now() + Math.max(0, member.budgetMs - member.spent);
    const vars: { object: unknown; ns: Record<string, unknown> } = { object: null, ns: {} };
    const found = member.found;
    member.found = [];
    try {
      withScope(scope, () => {
        for (let k = 0; k < found.length; k++) {
          for (const r of found[k]) {
            scope.resource = r;
            vars.object = r.obj ?? {};
            vars.ns = namespaceOf(r.namespace);
            ctx.report({ resource: r, path: member.spec.path, message: renderTemplate(member.message, vars), remediation: member.spec.fix });
          }
        }
      });
    } finally {
      scope.model = null;
      scope.resource = null;
    }
  }
}

/**
 * Evaluates `members` over the model: each kind's objects walked once, in chunks, every member taking
 * its turn. Gives the namespace views it made, for the messages.
 */
function evaluate(model: MeshModel, members: readonly Member[]): (ns: string) => Record<string, unknown> {
  for (const m of members) m.reset(model);
  // The kinds to walk, in first-seen order, each with the members (and the index of the kind in their `kinds`) matching it.
  const walks = new Map<string, { group: string; kind: string; who: Array<{ m: Member; k: number }> }>();
  for (const m of members) {
    m.spec.kinds.forEach((ref, k) => {
      const key = `${ref.group}/${ref.kind}`;
      let w = walks.get(key);
      if (!w) walks.set(key, (w = { group: ref.group, kind: ref.kind, who: [] }));
      w.who.push({ m, k });
    });
  }
  const namespaces = new Map<string, Record<string, unknown>>();
  const namespaceOf = (ns: string) => {
    let v = namespaces.get(ns);
    if (!v) namespaces.set(ns, (v = namespaceView(model, ns)));
    return v;
  };
  // One frame and one context object, refilled per object: an allocation per object per rule is
  // measurable at 100 rules over 100,000 objects.
  const frame: Frame = { object: null, ns: null, v: [] };
  const vars: { object: unknown; ns: Record<string, unknown> } = { object: null, ns: {} };
  for (const w of walks.values()) {
    const objects = model.ofKind(w.group, w.kind);
    const views: Array<Record<string, unknown>> = new Array(CHUNK);
    let lastNs = '';
    let lastView: Record<string, unknown> | null = null;
    for (let start = 0; start < objects.length; start += CHUNK) {
      const end = Math.min(objects.length, start + CHUNK);
      for (let i = start; i < end; i++) {
        // Objects come sorted by namespace within a kind: most share the previous one's view.
        const ns = objects[i].namespace;
        if (ns !== lastNs || lastView === null) {
          lastView = namespaceOf(ns);
          lastNs = ns;
        }
        views[i - start] = lastView;
      }
      for (const { m, k } of w.who) {
        if (m.failure) continue;
        const t0 = performance.now();
        m.scope.deadline = t0 + (m.budgetMs - m.spent);
        try {
          withScope(m.scope, () => {
            for (let i = start; i < end; i++) turn(model, m, k, objects[i], views[i - start], namespaceOf, frame, vars);
          });
        } catch (err) {
          if (!(err instanceof BudgetExceeded)) throw err;
          m.failure = err;
        }
        m.spent += performance.now() - t0;
        if (!m.failure && m.spent > m.budgetMs) m.failure = new BudgetExceeded(`rule ${m.spec.id} ran past its time budget of ${m.budgetMs} ms; it was stopped after ${describeSome(objects[end - 1])}`);
      }
    }
  }
  for (const m of members) {
    m.scope.model = null;
    m.scope.resource = null;
  }
  return namespaceOf;
}

/** One member on one object: match, bounds, the condition (fast path first), and the message when it holds. */
function turn(
  model: MeshModel,
  m: Member,
  k: number,
  r: Resource,
  view: Record<string, unknown>,
  namespaceOf: (ns: string) => Record<string, unknown>,
  frame: Frame,
  vars: { object: unknown; ns: Record<string, unknown> },
): void {
  const { spec, condition } = m;
  if (!matches(model, r, m.include, m.exclude, spec, namespaceOf)) return;
  // The clock is read at every object for a condition with macros on the library (whose work grows
  // with the object); on the fast path its macro loops read it every 256 elements; otherwise once per
  // chunk (the caller). Helpers read it at every call.
  if (condition.nesting > 0 && !condition.fast && performance.now() > m.scope.deadline) throw new BudgetExceeded(`rule ${spec.id} ran past its time budget of ${m.budgetMs} ms; it was stopped after ${describeSome(r)}`);
  if (condition.nesting > 1 && listElementsOver(r.obj, NESTED_LIST_LIMIT)) {
    m.troubled(r, `not evaluated: the object holds over ${NESTED_LIST_LIMIT} list elements and the condition nests macros`);
    return;
  }
  m.scope.resource = r;
  const object = r.obj ?? {};
  let hit: unknown;
  try {
    hit = UNSET;
    if (condition.fast) {
      frame.object = object;
      frame.ns = view;
      try {
        hit = condition.fast(frame);
      } catch (err) {
        if (err !== UNSUPPORTED) throw err;
      }
    }
    if (hit === UNSET) {
      vars.object = object;
      vars.ns = view;
      hit = condition.run(vars);
    }
  } catch (err) {
    if (err instanceof BudgetExceeded) throw err;
    m.troubled(r, (err instanceof Error ? err.message : String(err)).split('\n')[0]);
    return;
  }
  if (hit === true) m.found[k].push(r);
}

const UNSET = Symbol('unset');

/** Compiles a validated spec into a rule. Throws (CelRuleError or Error) with what is wrong; the loader adds file and line. */
export function compileDeclarative(spec: DeclarativeSpec, opts: CompileOptions = {}): CustomRule {
  const compiled = compileExpression(spec.condition, 'bool');
  const condition: Condition = { run: compiled.run, nesting: compiled.nesting, fast: opts.fast === false ? null : compileFast(compiled.run.ast) };
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
    // A condition reads its namespace's labels and annotations (`ns`), whatever kinds it names.
    namespaceContent: true,
    docs: spec.docs,
  };
  let member: Member;
  const rule = {
    meta,
    check: (ctx: RuleContext) => rule.batch.check(member, ctx),
    source: spec.source,
    declarative: true as const,
    batch: new RuleBatch(),
    fastPath: condition.fast !== null,
    get trouble() {
      return member.trouble;
    },
  };
  member = new Member(spec, condition, message, budgetMs, include, exclude, rule);
  rule.batch.add(member);
  return rule;
}

/**
 * Makes the rules one batch: the engine then walks each kind's objects once for all of them. The
 * loader joins the rules it loads; a rule left alone is a batch of its own.
 */
export function batchRules(rules: readonly CustomRule[]): void {
  const batch = new RuleBatch();
  for (const r of rules) {
    const old = (r as { batch?: RuleBatch }).batch;
    if (!old) continue;
    for (const m of old.membersOf()) batch.add(m);
    (r as unknown as { batch: RuleBatch }).batch = batch;
  }
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
