/**
 * Lookups keyed by input. Kinds, names, namespaces, labels and hosts may be named like Object.prototype
 * members (`constructor`, `__proto__`, `toString`, `valueOf`, `hasOwnProperty`): a plain `dict[key]`
 * then finds a function instead of nothing, and `dict[key] = v` with `__proto__` changes the object's
 * prototype instead of storing `v`. Fixed tables keyed by input go through `own()`, maps built from
 * input through `setOwn()` (or are `Map`s).
 */
/** `dict[key]` when the key is the dictionary's own, else undefined. */
export function own(dict, key) {
    return Object.hasOwn(dict, key) ? dict[key] : undefined;
}
/** `dict[key] = value` that stores `__proto__` as an ordinary own property. */
export function setOwn(dict, key, value) {
    if (key === '__proto__')
        Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
    else
        dict[key] = value;
}
