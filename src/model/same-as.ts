/**
 * Declarations that one object answers what another did: a model built again from the same objects
 * (the incremental engine's compaction) declares its host index and its tenancy the same as the last
 * model's, so the answers rules kept under those hold under these. Kept as numbers, never as the
 * previous objects: a WeakMap from each new object to the previous one chained every model built since
 * the process started (a tenancy reaches its whole model), kept them all alive, and made V8 walk that
 * chain in the pause of every major collection.
 */
const ids = new WeakMap<object, number>();
const sameAs = new WeakMap<object, number>();
let nextId = 1;

function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
}

/** Says that `o` answers what `previous` answered. */
export function declareSame(o: object, previous: object): void {
  if (o !== previous) sameAs.set(o, idOf(previous));
}

/** Whether `o` was declared to answer what `previous` answered. */
export function declaredSame(o: object, previous: object): boolean {
  const id = sameAs.get(o);
  return id !== undefined && id === ids.get(previous);
}
