/**
 * The fast path for custom-rule conditions: the common subset of CEL compiled straight into
 * JavaScript closures over the parsed object, instead of walking the library's syntax tree with its
 * per-node type dispatch (the library costs about 1.6 µs for a simple condition; a closure tree a
 * fraction of that, and 100 rules over 100,000 objects make millions of evaluations).
 *
 * The subset: field selection and `[]` on maps and lists, `has()`, literals (int, double, string,
 * bool, null, lists), == != < <= > >=, && || !, unary -, `in` on lists and maps, ?:, `size()`,
 * startsWith / endsWith / contains, the `exists` and `all` macros, and the model helpers of cel.ts.
 * An expression using anything else is not compiled here and runs on the library, whole.
 *
 * The semantics are the library's (@marcbachmann/cel-js, the reference the differential test in
 * fast.test.ts compares against), errors included, because a rule author sees them: a missing field
 * is an error unless under has(); int and double compare by value; an operator on types it has no
 * overload for is an error naming them; && and || absorb an error on one side when the other side
 * decides (false for &&, true for ||); `exists`/`all` absorb an element's error when another element
 * decides. Error texts are the first line of the library's (what a rule's note shows).
 *
 * Values outside the domain the closures know (anything but plain objects, arrays, strings, numbers,
 * bigints, booleans and null, e.g. a Date or a Map) make the closure throw UNSUPPORTED before any
 * result is produced; the caller then evaluates that object on the library. Helpers are pure reads
 * of the model, so running an expression twice is harmless.
 *
 * Cost: the work is that of the library's evaluation of the same expression (same nodes, same
 * iterations), and macro loops read the rule's deadline every 256 elements; a BudgetExceeded is
 * never absorbed by && || or a macro here (the library may absorb it; stopping is what it is for).
 */
import { BudgetExceeded, checkDeadline, HELPERS } from './cel.js';

/** What a compiled condition reads: the object, its namespace view, and the macro variables in scope. */
export interface Frame {
  object: unknown;
  ns: unknown;
  /** Values of the enclosing macros' variables, outermost first. */
  v: unknown[];
}

export type FastFn = (f: Frame) => unknown;

/** Thrown (this one object) when a value is outside the fast path's domain: evaluate on the library. */
export class Unsupported extends Error {}
export const UNSUPPORTED = new Unsupported('outside the fast path');

/** An evaluation error, worded as the library words it (first line). */
export class FastCelError extends Error {}

interface TypeDecl {
  name: string;
  kind: string;
  type: string;
  hasDynType: boolean;
}

interface Node {
  op: string;
  args: unknown;
  checkedType?: TypeDecl;
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as Node).op === 'string';
}

const hasOwn = Object.hasOwn;

/** The static type of a node when it has no dyn in it (the library then names it, not the value's). */
function staticType(n: Node): TypeDecl | null {
  const t = n.checkedType;
  return t && t.hasDynType === false ? t : null;
}

/**
 * The library's name for a value's type, looking at first elements (its debugTypeDeep): `list<string>`,
 * `map<string, list<double>>`, `list<dyn>` when empty.
 */
export function typeName(v: unknown): string {
  const kind = kindName(v);
  if (kind === 'list') {
    const first = (v as unknown[])[0];
    return first === undefined ? 'list<dyn>' : `list<${typeName(first)}>`;
  }
  if (kind === 'map') {
    for (const k in v as object) return `map<string, ${typeName((v as Record<string, unknown>)[k])}>`;
    return 'map<dyn, dyn>';
  }
  return kind;
}

/** The library's top-level kind of a value (its debugType's `type`): string, int, list, map... */
function kindName(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'object': {
      if (v === null) return 'null';
      const c = (v as object).constructor;
      if (c === Array) return 'list';
      if (c === Object || c === undefined) return 'map';
    }
  }
  throw UNSUPPORTED;
}

/** A value read from the object must be one the closures know (the library checks it is a CEL value). */
function known(v: unknown): unknown {
  if (typeof v === 'object') {
    if (v === null) return v;
    const c = (v as object).constructor;
    if (c === Object || c === Array || c === undefined) return v;
    throw UNSUPPORTED;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  throw UNSUPPORTED;
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const c = (v as object).constructor;
  return c === Object || c === undefined;
}

function noSuchKey(key: string): FastCelError {
  return new FastCelError(`No such key: ${key}`);
}

/** Field selection on a dyn (or map-typed) value. */
function select(left: unknown, key: string): unknown {
  if (typeof left === 'object' && left !== null) {
    const c = (left as object).constructor;
    if (c === Object || c === undefined) {
      if (hasOwn(left, key)) {
        const v = (left as Record<string, unknown>)[key];
        if (v !== undefined) return known(v);
      }
      throw noSuchKey(key);
    }
    if (c === Array) throw noSuchKey(key);
    throw UNSUPPORTED;
  }
  if (left === undefined || typeof left === 'function' || typeof left === 'symbol') throw UNSUPPORTED;
  throw noSuchKey(key);
}

/** `left[index]` on a dyn value: a string key into a map, an int index into a list. */
function index(left: unknown, key: unknown): unknown {
  if (Array.isArray(left) && typeof key === 'bigint') {
    const i = Number(key);
    const v = left[i];
    if (v === undefined) {
      throw new FastCelError(`No such key: index out of bounds, index ${i} ${i < 0 ? '< 0' : `>= size ${left.length || undefined}`}`);
    }
    return known(v);
  }
  if (isPlainMap(left) && typeof key === 'string') return select(left, key);
  throw UNSUPPORTED;
}

/** CEL equality as the library has it: numbers by value across int and double, lists and maps deep, other mixes false. */
function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  switch (typeof a) {
    case 'string':
    case 'boolean':
      return false;
    case 'bigint':
      // eslint-disable-next-line eqeqeq
      return typeof b === 'number' ? a == (b as unknown as bigint) : false;
    case 'number':
      // eslint-disable-next-line eqeqeq
      return typeof b === 'bigint' ? a == (b as unknown as number) : false;
    case 'object': {
      if (typeof b !== 'object') return false;
      const ka = kindName(a);
      const kb = kindName(b);
      if (ka !== kb) return false;
      if (ka === 'list') {
        const x = a as unknown[];
        const y = b as unknown[];
        if (x.length !== y.length) return false;
        for (let i = 0; i < x.length; i++) if (!equals(x[i], y[i])) return false;
        return true;
      }
      if (ka === 'map') {
        const x = a as Record<string, unknown>;
        const y = b as Record<string, unknown>;
        const keys = Object.keys(x);
        if (keys.length !== Object.keys(y).length) return false;
        // `in`, as the library does: a key the other map lacks reads its prototype's member, never equal.
        for (const k of keys) if (!(k in y && equals(x[k], y[k]))) return false;
        return true;
      }
      return false;
    }
  }
  throw UNSUPPORTED;
}

/** The library's name of an operand's type in "no such overload": the static type, or dyn<the value's>. */
function operandName(stat: TypeDecl | null, v: unknown): string {
  return stat ? stat.name : `dyn<${typeName(v)}>`;
}

function isNumber(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** Rethrows what must not be absorbed; returns the error to hold otherwise. */
function absorb(err: unknown): unknown {
  if (err === UNSUPPORTED || err instanceof BudgetExceeded) throw err;
  return err;
}

function logicalOperandError(v: unknown): FastCelError {
  return new FastCelError(`Logical operator requires bool operands, got '${typeName(v)}'`);
}

const ORDERING: Record<string, (a: never, b: never) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** Compile-time context: the macro variables in scope, innermost last. */
type Scope = readonly string[];

/**
 * Compiles a type-checked expression (the library's parsed and checked tree) into a closure, or null
 * when it uses anything outside the subset (the caller then keeps the library's evaluator).
 */
export function compileFast(ast: unknown): FastFn | null {
  try {
    return isNode(ast) ? compile(ast, []) : null;
  } catch (err) {
    if (err instanceof NotCompiled) return null;
    throw err;
  }
}

class NotCompiled extends Error {}
const NOT_COMPILED = new NotCompiled('outside the subset');

function need(n: unknown): Node {
  if (!isNode(n)) throw NOT_COMPILED;
  return n;
}

function compile(n: Node, scope: Scope): FastFn {
  const a = n.args;
  switch (n.op) {
    case 'value': {
      const v = a;
      if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'number') return () => v;
      throw NOT_COMPILED;
    }
    case 'id': {
      const name = a as string;
      const at = scope.lastIndexOf(name);
      if (at >= 0) return (f) => f.v[at];
      if (name === 'object') return (f) => f.object;
      if (name === 'ns') return (f) => f.ns;
      throw NOT_COMPILED;
    }
    case '.': {
      const [leftNode, key] = a as [Node, string];
      const left = need(leftNode);
      const lt = left.checkedType;
      // A statically typed left side other than a map (a helper's list, a string) takes other paths in the library.
      if (!lt || !(lt.kind === 'dyn' || lt.kind === 'map')) throw NOT_COMPILED;
      const l = compile(left, scope);
      return (f) => select(l(f), key);
    }
    case '[]': {
      const [leftNode, keyNode] = a as [Node, Node];
      const left = need(leftNode);
      if (left.checkedType?.kind !== 'dyn') throw NOT_COMPILED;
      const l = compile(left, scope);
      const k = compile(need(keyNode), scope);
      return (f) => {
        const lv = l(f);
        return index(lv, k(f));
      };
    }
    case '&&':
    case '||':
      return logical(n.op, compile(need((a as Node[])[0]), scope), compile(need((a as Node[])[1]), scope));
    case '!_': {
      const arg = compile(need(a), scope);
      const stat = staticType(need(a));
      return (f) => {
        const v = arg(f);
        if (typeof v === 'boolean') return !v;
        throw new FastCelError(`no such overload: !${stat ? stat.name : typeName(v)}`);
      };
    }
    case '-_': {
      const arg = compile(need(a), scope);
      const stat = staticType(need(a));
      return (f) => {
        const v = arg(f);
        if (typeof v === 'bigint') return -v;
        if (typeof v === 'number') return -v;
        throw new FastCelError(`no such overload: -${stat ? stat.name : typeName(v)}`);
      };
    }
    case '==':
    case '!=': {
      const [ln, rn] = a as [Node, Node];
      const l = compile(need(ln), scope);
      const r = compile(need(rn), scope);
      if (n.op === '==') return (f) => {
        const lv = l(f);
        return equals(lv, r(f));
      };
      return (f) => {
        const lv = l(f);
        return !equals(lv, r(f));
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const [ln, rn] = a as [Node, Node];
      const l = compile(need(ln), scope);
      const r = compile(need(rn), scope);
      const ls = staticType(need(ln));
      const rs = staticType(need(rn));
      const op = n.op;
      const cmp = ORDERING[op];
      return (f) => {
        const lv = l(f);
        const rv = r(f);
        const tl = typeof lv;
        if ((isNumber(lv) && isNumber(rv)) || ((tl === 'string' || tl === 'boolean') && typeof rv === tl)) return cmp(lv as never, rv as never);
        throw new FastCelError(`no such overload: ${operandName(ls, lv)} ${op} ${operandName(rs, rv)}`);
      };
    }
    case 'in': {
      const [ln, rn] = a as [Node, Node];
      const l = compile(need(ln), scope);
      const r = compile(need(rn), scope);
      const ls = staticType(need(ln));
      const rs = staticType(need(rn));
      return (f) => {
        const lv = l(f);
        const rv = r(f);
        if (Array.isArray(rv)) {
          known(lv);
          for (const x of rv) if (equals(lv, x)) return true;
          return false;
        }
        if (isPlainMap(rv)) {
          // The library's hasOwn turns the key into a string: an object key would go through toString.
          if (typeof lv === 'object' || typeof lv === 'undefined') throw UNSUPPORTED;
          return hasOwn(rv, lv as string) ? rv[lv as string] !== undefined : false;
        }
        throw new FastCelError(`no such overload: ${operandName(ls, lv)} in ${operandName(rs, rv)}`);
      };
    }
    case '?:': {
      const [cn, tn, en] = a as [Node, Node, Node];
      const c = compile(need(cn), scope);
      const t = compile(need(tn), scope);
      const e = compile(need(en), scope);
      return (f) => {
        const cv = c(f);
        if (cv === true) return t(f);
        if (cv === false) return e(f);
        throw new FastCelError(`Ternary condition must be bool, got '${typeName(cv)}'`);
      };
    }
    case 'list': {
      const items = (a as unknown[]).map((x) => compile(need(x), scope));
      return (f) => {
        // The library evaluates elements last to first: the same error wins when several fail.
        const out = new Array(items.length);
        for (let i = items.length - 1; i >= 0; i--) out[i] = items[i](f);
        return out;
      };
    }
    case 'call':
      return call(n, scope);
    case 'rcall':
      return rcall(n, scope);
    default:
      throw NOT_COMPILED;
  }
}

/**
 * && and || as the library has them: the left side's error or non-bool is held while the right side
 * runs; a deciding right side (false for &&, true for ||) wins, otherwise the left's error is thrown.
 */
function logical(op: string, l: FastFn, r: FastFn): FastFn {
  const decides = op === '||';
  return (f) => {
    let lv: unknown;
    try {
      lv = l(f);
    } catch (err) {
      lv = absorb(err);
    }
    if (lv === decides) return decides;
    const rv = r(f);
    if (lv === !decides) {
      if (typeof rv === 'boolean') return rv;
      throw logicalOperandError(rv);
    }
    if (rv === decides) return decides;
    if (rv === !decides) throw lv instanceof Error ? lv : logicalOperandError(lv);
    throw logicalOperandError(rv);
  };
}

/** Arguments evaluated last to first, as the library does (the same error wins when several fail). */
function argsOf(nodes: Node[], scope: Scope): (f: Frame) => unknown[] {
  const fns = nodes.map((x) => compile(need(x), scope));
  if (fns.length === 1) {
    const [only] = fns;
    return (f) => [only(f)];
  }
  return (f) => {
    const out = new Array(fns.length);
    for (let i = fns.length - 1; i >= 0; i--) out[i] = fns[i](f);
    return out;
  };
}

/** The library's runtime type name of an argument in "no matching overload": the static type, or the value's. */
function argName(stat: TypeDecl | null, v: unknown): string {
  return stat ? stat.name : typeName(v);
}

const HELPER_BY_NAME = new Map(HELPERS.map((h) => [h.name, h]));

function call(n: Node, scope: Scope): FastFn {
  const [name, argNodes] = n.args as [string, Node[]];
  if (name === 'has' && argNodes.length === 1) return has(need(argNodes[0]), scope);
  if (name === 'size' && argNodes.length === 1) {
    const arg = compile(need(argNodes[0]), scope);
    const stat = staticType(need(argNodes[0]));
    return (f) => {
      const v = arg(f);
      const s = sizeOf(v);
      if (s !== null) return s;
      throw new FastCelError(`found no matching overload for 'size(${argName(stat, v)})'`);
    };
  }
  const helper = HELPER_BY_NAME.get(name);
  if (!helper || helper.params.length !== argNodes.length) throw NOT_COMPILED;
  const args = argsOf(argNodes, scope);
  const stats = argNodes.map((x) => staticType(need(x)));
  const params = helper.params;
  const fn = helper.fn as (...xs: unknown[]) => unknown;
  return (f) => {
    const vs = args(f);
    for (let i = 0; i < params.length; i++) {
      const v = vs[i];
      if (params[i] === 'string' ? typeof v !== 'string' : !isPlainMap(v)) {
        // A Map or another object the library would take as a map: let it decide.
        if (typeof v === 'object' && v !== null && !Array.isArray(v) && !isPlainMap(v)) throw UNSUPPORTED;
        throw new FastCelError(`found no matching overload for '${name}(${vs.map((x, j) => argName(stats[j], x)).join(', ')})'`);
      }
    }
    return fn(...vs);
  };
}

/** CEL size(): code points of a string, elements of a list, entries of a map; null for other types. */
function sizeOf(v: unknown): bigint | null {
  if (typeof v === 'string') {
    let count = 0;
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    for (const _ of v) count++;
    return BigInt(count);
  }
  if (Array.isArray(v)) return BigInt(v.length);
  if (isPlainMap(v)) return BigInt(Object.keys(v).length);
  known(v);
  return null;
}

const STRING_METHODS: Record<string, (s: string, x: string) => boolean> = {
  startsWith: (s, x) => s.startsWith(x),
  endsWith: (s, x) => s.endsWith(x),
  contains: (s, x) => s.includes(x),
};

function rcall(n: Node, scope: Scope): FastFn {
  const [name, receiverNode, argNodes] = n.args as [string, Node, Node[]];
  const receiver = need(receiverNode);
  if ((name === 'exists' || name === 'all') && argNodes.length === 2) return quantifier(name, receiver, argNodes, scope);
  const recStat = staticType(receiver);
  if (name === 'size' && argNodes.length === 0) {
    const r = compile(receiver, scope);
    return (f) => {
      const v = r(f);
      const s = sizeOf(v);
      if (s !== null) return s;
      throw new FastCelError(`found no matching overload for '${recStat ? recStat.type : kindName(v)}.size()'`);
    };
  }
  const method = STRING_METHODS[name];
  if (method && argNodes.length === 1) {
    const r = compile(receiver, scope);
    const x = compile(need(argNodes[0]), scope);
    const xStat = staticType(need(argNodes[0]));
    return (f) => {
      // The argument first, then the receiver: the library's order.
      const xv = x(f);
      const rv = r(f);
      if (typeof rv === 'string' && typeof xv === 'string') return method(rv, xv);
      known(rv);
      throw new FastCelError(`found no matching overload for '${recStat ? recStat.type : kindName(rv)}.${name}(${argName(xStat, xv)})'`);
    };
  }
  throw NOT_COMPILED;
}

/** has(a.b.c): a and b must be there (an error otherwise), c may be missing (false). */
function has(arg: Node, scope: Scope): FastFn {
  const keys: string[] = [];
  let node: Node = arg;
  while (node.op === '.') {
    const [left, key] = node.args as [Node, string];
    keys.unshift(key);
    node = need(left);
  }
  if (node.op !== 'id' || keys.length === 0) throw NOT_COMPILED;
  const base = compile(node, scope);
  const last = keys.length - 1;
  return (f) => {
    let obj = base(f);
    for (let i = 0; i <= last; i++) {
      const key = keys[i];
      let v: unknown;
      if (isPlainMap(obj)) v = hasOwn(obj, key) ? obj[key] : undefined;
      else if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) throw UNSUPPORTED;
      if (v === undefined) {
        if (i < last) throw noSuchKey(key);
        return false;
      }
      obj = known(v);
    }
    return true;
  };
}

/**
 * `list.exists(x, p)` and `list.all(x, p)`: over a list's elements or a map's keys; an element's
 * error is held and thrown only when no element decides (true for exists, false for all).
 */
function quantifier(name: string, receiver: Node, argNodes: Node[], scope: Scope): FastFn {
  const varNode = need(argNodes[0]);
  if (varNode.op !== 'id') throw NOT_COMPILED;
  const inner = [...scope, varNode.args as string];
  const slot = inner.length - 1;
  const iterable = compile(receiver, scope);
  const predicate = compile(need(argNodes[1]), inner);
  const decides = name === 'exists';
  const label = `${name}(var, predicate) predicate must return bool`;
  return (f) => {
    const coll = iterable(f);
    let items: readonly unknown[];
    if (Array.isArray(coll)) items = coll;
    else if (isPlainMap(coll)) items = Object.keys(coll);
    else if (typeof coll === 'object' && coll !== null) throw UNSUPPORTED;
    else throw new FastCelError(`Expression of type '${kindName(coll)}' cannot be range of a comprehension (must be list, map, or dynamic).`);
    let held: unknown = undefined;
    const v = f.v;
    const saved = v[slot];
    try {
      for (let i = 0; i < items.length; i++) {
        if ((i & 255) === 255) checkDeadline();
        v[slot] = known(items[i]);
        let p: unknown;
        try {
          p = predicate(f);
        } catch (err) {
          held ??= absorb(err);
          continue;
        }
        if (p === decides) return decides;
        if (p !== !decides) held ??= new FastCelError(`${label}, got '${typeName(p)}'`);
      }
    } finally {
      v[slot] = saved;
    }
    if (held !== undefined) throw held;
    return !decides;
  };
}
