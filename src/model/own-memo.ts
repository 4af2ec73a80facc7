/**
 * Per-object memo slots stored on the object itself, for caches keyed by objects that may be
 * short-lived (an admission review's overlay model, its focused views, the object under review).
 *
 * Why not a WeakMap: a long-lived WeakMap (module level) holding a young key keeps the entry's value
 * alive through every minor GC (V8's scavenger treats ephemeron values as reachable until a full
 * mark-compact decides about the key). A review's overlay, its posture and every rule's per-model
 * index then survive into old space, and at 1,000 reviews a second the webhook runs frequent full
 * collections with pauses of tens of milliseconds (issue 12, docs/webhook.md "Performance"). A slot on
 * the key dies with the key in the same scavenge.
 *
 * The slot is a non-enumerable symbol property: it is not copied by spread or Object.assign, not seen
 * by JSON.stringify, Object.keys or structuredClone. Lookups are own-only, so an object made with
 * `Object.create(base)` (overlays, focused views) never sees its prototype's memo. Objects that cannot
 * take a property (frozen, sealed, non-extensible) fall back to a WeakMap.
 *
 * The interface is WeakMap's get/set/has, so a cache changes by its constructor only.
 */
export class OwnMemo<K extends object, V> {
  private readonly slot: symbol;
  /** Only for keys that cannot take a property. */
  private fallback: WeakMap<K, V> | null = null;

  constructor(name: string) {
    this.slot = Symbol(`meshward.memo.${name}`);
  }

  get(key: K): V | undefined {
    if (Object.hasOwn(key, this.slot)) return (key as Record<symbol, V>)[this.slot];
    return this.fallback?.get(key);
  }

  has(key: K): boolean {
    return Object.hasOwn(key, this.slot) || (this.fallback?.has(key) ?? false);
  }

  set(key: K, value: V): this {
    if (Object.hasOwn(key, this.slot)) (key as Record<symbol, V>)[this.slot] = value;
    else if (Object.isExtensible(key)) Object.defineProperty(key, this.slot, { value, writable: true, enumerable: false, configurable: true });
    else (this.fallback ??= new WeakMap()).set(key, value);
    return this;
  }
}

const LAZY = Symbol('meshward.lazy');
/** Per base object and set of names, the prototype whose accessors read the lazy values. */
const lazyPrototypes = new OwnMemo<object, Map<string, object>>('lazy-prototypes');

/** The values of one object made by createLazy: each made on first read. */
class LazyValues {
  private readonly values = new Map<string, unknown>();
  constructor(private readonly makers: Readonly<Record<string, () => unknown>>) {}
  read(name: string): unknown {
    if (this.values.has(name)) return this.values.get(name);
    const v = this.makers[name]();
    this.values.set(name, v);
    return v;
  }
}

/**
 * `Object.create(base)` whose properties named in `makers` are computed on first read, without
 * defining an accessor on the new object. Why: V8 keeps a fast object's accessors in its hidden
 * class, which lives in old space, so an accessor (and everything its closure holds) defined per
 * object survives every minor GC until the next full one; objects made per admission review (overlay
 * indexes, overlay postures) then drag the whole review into old space. Here the accessors are defined
 * once, on one prototype per `base` and set of names, and read the closures from a plain field.
 */
export function createLazy<T extends object>(base: T, makers: Readonly<Record<string, () => unknown>>): T {
  const names = Object.keys(makers);
  const key = names.join('\u0000');
  let byNames = lazyPrototypes.get(base);
  if (!byNames) lazyPrototypes.set(base, (byNames = new Map()));
  let proto = byNames.get(key);
  if (!proto) {
    const descriptors: PropertyDescriptorMap = {};
    for (const name of names) {
      descriptors[name] = {
        get(this: { [LAZY]: LazyValues }) {
          return this[LAZY].read(name);
        },
        enumerable: true,
        configurable: true,
      };
    }
    proto = Object.create(base, descriptors) as object;
    byNames.set(key, proto);
  }
  const o = Object.create(proto) as T & { [LAZY]: LazyValues };
  o[LAZY] = new LazyValues(makers);
  return o;
}
