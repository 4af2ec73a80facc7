/**
 * The CEL environment custom rules are written in: `object` (the resource), `ns` (what meshward
 * knows of its namespace) and helpers that reach the model through its indexes.
 *
 * CEL has no loops of its own, so an expression's work is bounded by its size and by the lists it
 * iterates. The library (@marcbachmann/cel-js) bounds the first at parse time (AST nodes, depth, literal
 * sizes); it has no runtime cost limit, so meshward bounds the rest itself:
 * - statically: at most MAX_COMPREHENSION_NESTING nested macros (`all`, `exists`, `map`, `filter`...),
 *   and `matches()` only with a literal pattern (a pattern taken from a scanned object could be a
 *   catastrophic-backtracking regex, and a regex cannot be interrupted);
 * - per evaluation: a rule with nested macros is not evaluated on an object holding more than
 *   NESTED_LIST_LIMIT list elements (nesting squares the work);
 * - per rule and run: a time budget, checked between objects and inside every helper call; past it
 *   the rule stops with an error and every other rule still runs.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { MeshModel } from '../model/model.js';
import type { Resource } from '../model/resource.js';
import { computePosture } from '../posture/index.js';
import { isObject } from '../model/workloads.js';
import { terminalSafe } from '../engine/text.js';

/** Parse-time limits handed to the library. */
export const CEL_LIMITS = { maxAstNodes: 2000, maxDepth: 48, maxListElements: 256, maxMapEntries: 256, maxCallArguments: 8 } as const;
export const MAX_COMPREHENSION_NESTING = 2;
/** Most list elements (counted through the whole object) a rule with nested macros is evaluated on. */
export const NESTED_LIST_LIMIT = 2000;
/** Longest expression accepted, in characters. */
export const MAX_EXPRESSION_CHARS = 4096;
/** Most elements a helper returns (a selector matching every workload of a huge namespace). */
export const HELPER_LIST_LIMIT = 1000;

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

export class CelRuleError extends Error {}

/** Thrown when a rule's time budget runs out; stops the rule, never the scan. */
export class BudgetExceeded extends Error {}

/** What helpers read during one rule's run: the model and the budget's deadline. */
export interface EvalScope {
  model: MeshModel | null;
  deadline: number;
  budgetMs: number;
  ruleId: string;
  /** The resource being evaluated: mtlsOf(object) finds its workload through the model's index. */
  resource: Resource | null;
}

/** The scope of the evaluation under way; helpers are registered once, so they read it from here. */
let current: EvalScope | null = null;

export function withScope<T>(scope: EvalScope, fn: () => T): T {
  const previous = current;
  current = scope;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

function scope(): EvalScope & { model: MeshModel } {
  const s = current;
  if (!s || !s.model) throw new Error('a helper was called outside a rule evaluation');
  if (performance.now() > s.deadline) throw new BudgetExceeded(`rule ${s.ruleId} ran past its time budget of ${s.budgetMs} ms${stoppedIn(s)}`);
  return s as EvalScope & { model: MeshModel };
}

/** Where a rule was stopped, for its error: the object under evaluation, escaped. */
function stoppedIn(s: EvalScope): string {
  const r = s.resource;
  return r ? `; it was stopped in ${terminalSafe(`${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`.slice(0, 200))}` : '';
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** What the condition sees as `ns` (and namespaceOf() returns). */
export function namespaceView(model: MeshModel, name: string): Record<string, unknown> {
  const info = model.namespace(name);
  const mesh = name ? model.meshModeOf(name) : { mode: null, byWorkloads: false };
  return {
    name,
    known: info.resource !== null,
    labels: { ...info.labels },
    // '' when the Namespace object is not in the input (its labels, and so its mode, are unknown).
    mode: info.mode ?? '',
    meshMode: mesh.mode ?? '',
    revision: info.revision ?? '',
    system: info.system,
  };
}

function workloadView(w: { resource: Resource; namespace: string; podLabels: Record<string, string> }): Record<string, unknown> {
  return { kind: w.resource.kind, namespace: w.namespace, name: w.resource.name, labels: { ...w.podLabels } };
}

/** The workload an object stands for: itself when it is one, found through the model's index. */
function workloadOfObject(model: MeshModel, obj: unknown) {
  if (!isObject(obj)) return undefined;
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const ns = str(meta.namespace);
  const name = str(meta.name);
  const kind = str(obj.kind);
  for (const w of model.workloadsIn(ns)) if (w.resource.kind === kind && w.resource.name === name && w.resource.obj === obj) return w;
  return undefined;
}

/**
 * The helpers a condition may call, by CEL signature. One table for both evaluators: the library's
 * environment registers them, and the fast path (fast.ts) calls the same functions after the same
 * argument type checks, so a helper behaves alike whichever evaluator reaches it.
 */
export const HELPERS: ReadonlyArray<{ signature: string; name: string; params: readonly ('string' | 'map')[]; fn: (...args: never[]) => unknown }> = [
  {
    signature: 'namespaceOf(string): map',
    name: 'namespaceOf',
    params: ['string'],
    fn: (name: string) => {
      const s = scope();
      return namespaceView(s.model, name);
    },
  },
  {
    signature: 'mtlsOf(map): string',
    name: 'mtlsOf',
    params: ['map'],
    fn: (obj: unknown) => {
      // The effective PeerAuthentication mode of the workload the object is (posture, src/posture).
      const s = scope();
      const w = s.resource && s.resource.obj === obj ? s.model.workloadFor(s.resource) : workloadOfObject(s.model, obj);
      if (!w) return '';
      return computePosture(s.model).of(w)?.mtls.mode ?? '';
    },
  },
  {
    signature: 'workloadsMatching(string, map): list',
    name: 'workloadsMatching',
    params: ['string', 'map'],
    fn: (ns: string, selector: unknown) => {
      const s = scope();
      return s.model.selectWorkloads(ns, selector).slice(0, HELPER_LIST_LIMIT).map(workloadView);
    },
  },
  {
    signature: 'hostOwners(string, string): list',
    name: 'hostOwners',
    params: ['string', 'string'],
    fn: (host: string, ns: string) => {
      // Who owns a host (Services, ServiceEntries), as the HJK rules see it; `ns` resolves short names.
      const s = scope();
      const fqdn = s.model.resolveHost(host, ns);
      const owners = s.model.hosts.covered(fqdn).slice(0, HELPER_LIST_LIMIT);
      return owners.map((o) => ({ host: o.host, namespace: o.namespace, kind: o.resource.kind, name: o.resource.name, via: o.via }));
    },
  },
  {
    signature: 'hostNamespace(string, string): string',
    name: 'hostNamespace',
    params: ['string', 'string'],
    fn: (host: string, ns: string) => {
      // The namespace a host belongs to by its name (`name.ns.svc.<domain>`), or its owner's; '' if none.
      const s = scope();
      const fqdn = s.model.resolveHost(host, ns);
      const implied = s.model.hosts.impliedOwner(fqdn);
      if (implied) return implied;
      const owners = s.model.hosts.ownersOf(fqdn);
      return owners.length ? owners[0].namespace : '';
    },
  },
  {
    signature: 'resourceExists(string, string, string): bool',
    name: 'resourceExists',
    params: ['string', 'string', 'string'],
    fn: (kind: string, ns: string, name: string) => {
      // `Kind` or `group/Kind`, looked up in the model's kind-and-namespace index.
      const s = scope();
      const slash = kind.lastIndexOf('/');
      const group = slash < 0 ? '' : kind.slice(0, slash);
      const k = slash < 0 ? kind : kind.slice(slash + 1);
      return s.model.ofKindInNamespace(group, k, ns).some((r) => r.name === name);
    },
  },
];

function buildEnvironment(): Environment {
  // dyn, not map: the library then reads the parsed object as it is (about twice as fast).
  let env = new Environment({ limits: { ...CEL_LIMITS } }).registerVariable('object', 'dyn').registerVariable('ns', 'dyn');
  for (const h of HELPERS) env = env.registerFunction(h.signature, h.fn as (...args: unknown[]) => unknown);
  return env;
}

/** Throws BudgetExceeded once the rule under evaluation is past its deadline (the fast path's loops call it). */
export function checkDeadline(): void {
  const s = current;
  if (s && performance.now() > s.deadline) throw new BudgetExceeded(`rule ${s.ruleId} ran past its time budget of ${s.budgetMs} ms${stoppedIn(s)}`);
}

let environment: Environment | null = null;

export function celEnvironment(): Environment {
  return (environment ??= buildEnvironment());
}

export type Compiled = ((ctx: Record<string, unknown>) => unknown) & { ast: unknown };

/**
 * Parses, type-checks and statically bounds one expression. `expect` is the type the result must have
 * ('bool' for a condition); errors name what is wrong in the expression.
 */
export function compileExpression(source: string, expect: 'bool' | 'any'): { run: Compiled; nesting: number } {
  if (source.length > MAX_EXPRESSION_CHARS) throw new CelRuleError(`the expression is ${source.length} characters long; at most ${MAX_EXPRESSION_CHARS}`);
  const env = celEnvironment();
  let run: Compiled;
  try {
    run = env.parse(source) as unknown as Compiled;
  } catch (err) {
    throw new CelRuleError(firstLine(err));
  }
  const checked = (run as unknown as { check(): { valid: boolean; type?: string; error?: unknown } }).check();
  if (!checked.valid) throw new CelRuleError(firstLine(checked.error));
  if (expect === 'bool' && checked.type !== 'bool' && checked.type !== 'dyn') throw new CelRuleError(`the condition must be a bool; this one is a ${checked.type}`);
  const nesting = comprehensionNesting(run.ast);
  if (nesting > MAX_COMPREHENSION_NESTING) {
    throw new CelRuleError(`macros (all, exists, map, filter...) are nested ${nesting} deep; at most ${MAX_COMPREHENSION_NESTING}, so that evaluation stays bounded on large objects`);
  }
  const pattern = nonLiteralPattern(run.ast);
  if (pattern) throw new CelRuleError(pattern);
  return { run, nesting };
}

function firstLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0];
}

interface AstNode {
  op: string;
  args: unknown;
}

function isNode(v: unknown): v is AstNode {
  return isObject(v) && typeof v.op === 'string';
}

function children(n: AstNode): AstNode[] {
  const out: AstNode[] = [];
  const visit = (v: unknown) => {
    if (isNode(v)) out.push(v);
    else if (Array.isArray(v)) for (const x of v) visit(x);
  };
  visit(n.args);
  return out;
}

/** How deeply macros nest in the parsed expression (`a.all(x, b.exists(y, ...))` is 2). */
export function comprehensionNesting(ast: unknown): number {
  if (!isNode(ast)) return 0;
  const own = ast.op === 'rcall' && Array.isArray(ast.args) && MACROS.has(ast.args[0] as string) ? 1 : 0;
  let deepest = 0;
  for (const c of children(ast)) deepest = Math.max(deepest, comprehensionNesting(c));
  return own + deepest;
}

/** A message when `matches` is called with a pattern that is not a string literal. */
function nonLiteralPattern(ast: unknown): string | null {
  if (!isNode(ast)) return null;
  const args = ast.args;
  if (Array.isArray(args)) {
    let pattern: unknown;
    if (ast.op === 'rcall' && args[0] === 'matches' && Array.isArray(args[2])) pattern = args[2][0];
    if (ast.op === 'call' && args[0] === 'matches' && Array.isArray(args[1])) pattern = args[1][1];
    if ((ast.op === 'rcall' || ast.op === 'call') && args[0] === 'matches' && !(isNode(pattern) && pattern.op === 'value' && typeof pattern.args === 'string')) {
      return 'matches() needs its pattern as a string literal (a pattern read from a scanned object could take forever to match)';
    }
  }
  for (const c of children(ast)) {
    const m = nonLiteralPattern(c);
    if (m) return m;
  }
  return null;
}

/** Counts list elements in a value, stopping once past `limit` (a huge object is not walked whole). */
export function listElementsOver(value: unknown, limit: number): boolean {
  let count = 0;
  const stack: unknown[] = [value];
  let visited = 0;
  while (stack.length) {
    const v = stack.pop();
    if (++visited > limit * 50) return true;
    if (Array.isArray(v)) {
      count += v.length;
      if (count > limit) return true;
      for (const x of v) if (x !== null && typeof x === 'object') stack.push(x);
    } else if (v !== null && typeof v === 'object') {
      for (const k in v) if (Object.hasOwn(v, k)) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === 'object') stack.push(x);
      }
    }
  }
  return false;
}
