import type { Resource } from '../model/resource.js';
import { declaredSame } from '../model/same-as.js';

/**
 * The objects of `list` (a model's list of one kind) that `keep` keeps, in list order. `keep` must
 * answer from the object alone (its spec), or from it and what `context` stands for (an object that is
 * replaced whenever what it stands for changes, e.g. the model's host index for answers that read
 * hosts and tenancy); and `key` name it. When the context changed, `touchedSince(previous context, list)`
 * may say which objects of `list` the change can reach (null: any): the others keep their answers. Kept per list: a
 * model's overlays share a kind's list until an object of that kind changes, and a rule that looks at
 * few objects of a kind (DestinationRules with some TLS mode) would otherwise ask every one on every
 * incremental run. A new list is filtered against the last one filtered under the same key: an
 * overlay's list is that list with one object changed, and an object in both has the same answer.
 */
export function objectsWhere(
  list: readonly Resource[],
  key: string,
  keep: (r: Resource) => boolean,
  context: object | null = null,
  touchedSince?: (previous: object, list: readonly Resource[]) => ReadonlySet<Resource> | null,
): readonly Resource[] {
  // A short list (a review's object alone, a small cluster) costs less to filter than to remember.
  if (list.length < MIN_KEPT) return list.filter(keep);
  let byKey = kept.get(list);
  if (!byKey) kept.set(list, (byKey = new Map()));
  let entry = byKey.get(key);
  if (!entry || entry.context !== context) {
    const last = lastFiltered.get(key);
    // Another context: the last answers still hold for the objects `touchedSince` says it cannot reach.
    const sameContext = last !== undefined && (last.context === context || (context !== null && last.context !== null && declaredSame(context, last.context)));
    const touched = last && !sameContext && last.context && touchedSince ? touchedSince(last.context, list) : null;
    let out: readonly Resource[];
    if (last && touched && last.list === list) out = touched.size ? reask(list, last.out, keep, touched) : last.out;
    // The same context: every object in both lists keeps its answer (`touched` is null then).
    else if (last && (sameContext || touched)) out = filterLike(list, last.list, new Set(last.out), keep, touched);
    else out = list.filter(keep);
    entry = { context, out };
    byKey.set(key, entry);
    lastFiltered.set(key, { list, out, context });
  }
  return entry.out;
}

/** Lists shorter than this are filtered every time. */
export const MIN_KEPT = 64;
const kept = new WeakMap<readonly Resource[], Map<string, { context: object | null; out: readonly Resource[] }>>();
/** The last list filtered per key (one per key: a few keys in all). */
const lastFiltered = new Map<string, { list: readonly Resource[]; out: readonly Resource[]; context: object | null }>();

/**
 * `list.filter(keep)`, given the same list's last answers (`kept`, in list order): only the objects of
 * `touched` are asked again. One walk comparing references.
 */
function reask(list: readonly Resource[], kept: readonly Resource[], keep: (r: Resource) => boolean, touched: ReadonlySet<Resource>): Resource[] {
  const out: Resource[] = [];
  let k = 0;
  for (const r of list) {
    const was = k < kept.length && kept[k] === r;
    if (was) k++;
    if (touched.has(r) ? keep(r) : was) out.push(r);
  }
  return out;
}

/**
 * `list.filter(keep)`, given `prev` (another list in id order) and which of its objects were kept: an
 * object of both lists is the same object with the same answer, so only the others are asked. One
 * walk comparing references. Lists out of id order only make more objects asked, never a wrong answer.
 */
function filterLike(list: readonly Resource[], prev: readonly Resource[], prevKept: ReadonlySet<Resource>, keep: (r: Resource) => boolean, touched: ReadonlySet<Resource> | null = null): Resource[] {
  const out: Resource[] = [];
  let j = 0;
  for (const r of list) {
    while (j < prev.length && prev[j] !== r && prev[j].id < r.id) j++;
    const same = j < prev.length && prev[j] === r;
    if (same && !touched?.has(r) ? prevKept.has(r) : keep(r)) out.push(r);
    if (same) j++;
  }
  return out;
}
