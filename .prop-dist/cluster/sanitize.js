/**
 * The one sanitizer: what leaves a cluster is a projection of the fields rules read, nothing more.
 *
 * Used by the live scan (src/cluster reads every listed object through it), and later by the webhook
 * cache and the relay agent. Every object is copied (the input is never modified; sanitizeOwnedObject
 * makes the same projection in place, for a list page nobody else holds) with:
 * - `metadata.managedFields` and the `kubectl.kubernetes.io/last-applied-configuration` annotation
 *   removed: both are full copies of the object, Secret data included in the latter;
 * - container, initContainer and ephemeralContainer `env[].value` kept only for the names rules read
 *   (ENV_VALUE_ALLOWLIST); any other value becomes ENV_VALUE_SET (the name stays: presence may matter);
 *   `valueFrom` is a reference and is kept. The same for the istiod env an IstioOperator sets;
 * - ConfigMaps: `data` only for the ConfigMaps the model reads (mesh config, sidecar injector), and
 *   only their keys it reads; other ConfigMaps keep their metadata; `binaryData` never;
 * - Secrets: `data` and `stringData` dropped, `secretFacts` derived from them on the way
 *   (src/cluster/secret-facts.ts); `type`, `immutable` and metadata kept.
 * Hostile input: never throws; nesting, node count and string sizes are bounded (what is over the
 * bound is dropped, never kept); keys named `__proto__` or `constructor` are copied as plain data.
 */
import { computeSecretFacts } from './secret-facts.js';
/**
 * Container env values the rules read, each kept as written. Everything else is reduced to
 * ENV_VALUE_SET. Grep the rules for `env` when adding a rule that reads another variable.
 */
export const ENV_VALUE_ALLOWLIST = new Set([
    // MCL001: istiod accepting exec, token files... in remote-secret kubeconfigs.
    'PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS',
    // HJK006: Gateways select pods of their own namespace only.
    'PILOT_SCOPE_GATEWAY_TO_NAMESPACE',
    // AUT rules (authz/common.ts): istiod stops verifying upstream certificates.
    'VERIFY_CERTIFICATE_AT_CLIENT',
    // AUT024: ranges istiod refuses to fetch JWKS from.
    'BLOCKED_CIDRS_IN_JWKS_URIS',
]);
/** What an env value off the allowlist becomes: the variable is set, its value is not shown. */
export const ENV_VALUE_SET = '(set; value withheld by meshward)';
/** ConfigMap keys the model reads, by ConfigMap name. */
function configMapKeysRead(name) {
    const keys = [];
    // model/meshconfig.ts: `istio` and `istio-<rev>` (any `istio-` name holding `mesh`).
    if (name === 'istio' || name.startsWith('istio-'))
        keys.push('mesh');
    // model/injector.ts, model/hosts.ts, advisories/detect.ts: the sidecar injector's `values` and `config`.
    if (name === 'istio-sidecar-injector' || name.startsWith('istio-sidecar-injector-'))
        keys.push('values', 'config');
    return keys;
}
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);
/** Deepest nesting copied; Kubernetes objects stay far below it. */
const MAX_DEPTH = 64;
/** Most nodes copied from one object; the API server's 1.5 MiB object limit stays below it. */
const MAX_NODES = 500_000;
/** Longest string copied (a ConfigMap or annotation value; 1 MiB is a whole object's limit). */
const MAX_STRING = 1024 * 1024;
/** Longest allowlisted env value kept. */
const MAX_ENV_VALUE = 64 * 1024;
const MAX_NAME = 1024;
/** The projection of one object that rules may see. Never throws; never returns a Secret value. */
export function sanitizeObject(input) {
    try {
        return sanitizeUnchecked(input);
    }
    catch {
        // Nothing of an object the sanitizer could not read leaves it.
        return { obj: {} };
    }
}
function sanitizeUnchecked(input) {
    if (!isObject(input))
        return { obj: {} };
    const apiVersion = typeof input.apiVersion === 'string' ? input.apiVersion : undefined;
    const kind = typeof input.kind === 'string' ? input.kind : undefined;
    const core = apiVersion === 'v1';
    const budget = { nodes: MAX_NODES };
    const metadata = sanitizeMetadata(input.metadata, budget);
    if (core && kind === 'Secret') {
        const out = {};
        setOwn(out, 'apiVersion', apiVersion);
        setOwn(out, 'kind', kind);
        if (metadata !== undefined)
            setOwn(out, 'metadata', metadata);
        if (input.type !== undefined)
            setOwn(out, 'type', copy(input.type, 1, budget));
        if (typeof input.immutable === 'boolean')
            setOwn(out, 'immutable', input.immutable);
        const secretFacts = computeSecretFacts(input, identityOf(out, metadata));
        return { obj: out, secretFacts };
    }
    if (core && kind === 'ConfigMap') {
        const out = {};
        setOwn(out, 'apiVersion', apiVersion);
        setOwn(out, 'kind', kind);
        if (metadata !== undefined)
            setOwn(out, 'metadata', metadata);
        if (typeof input.immutable === 'boolean')
            setOwn(out, 'immutable', input.immutable);
        const name = isObject(metadata) && typeof metadata.name === 'string' ? metadata.name : '';
        const keys = configMapKeysRead(name);
        if (keys.length && isObject(input.data)) {
            const data = {};
            for (const k of keys) {
                if (!Object.hasOwn(input.data, k))
                    continue;
                const v = input.data[k];
                // A ConfigMap value is a string; anything else is kept only as what it is not.
                if (typeof v === 'string' && v.length <= MAX_STRING)
                    setOwn(data, k, v);
            }
            setOwn(out, 'data', data);
        }
        return { obj: out };
    }
    const out = {};
    for (const [k, v] of Object.entries(input)) {
        if (k === 'metadata') {
            if (metadata !== undefined)
                setOwn(out, k, metadata);
        }
        else
            setOwn(out, k, copy(v, 1, budget, k));
    }
    if (kind === 'IstioOperator' && apiVersion?.startsWith('install.istio.io/'))
        sanitizeOperatorEnv(out);
    return { obj: out };
}
/**
 * sanitizeObject for an object nobody else holds (a list page just parsed): the same projection, equal
 * member for member and in the same order, but made by changing `input` where the copy would differ
 * instead of copying all of it. Metadata is still a new object (managedFields and last-applied are
 * left out, not deleted); env entries are new objects; Secrets and ConfigMaps, small and reduced to a
 * few fields, are copied as sanitizeObject does. What is over a bound becomes null in place, as the
 * copy would have it. Only for plain JSON data (JSON.parse's output): `input` is changed, and may be
 * the returned object.
 *
 * Why: a cluster of 10,000 objects was copied whole, object by object, to drop a few fields: about
 * a third of the worker's listing CPU, and as much again for the collector.
 */
export function sanitizeOwnedObject(input) {
    try {
        if (!isObject(input))
            return { obj: {} };
        if (input.apiVersion === 'v1' && (input.kind === 'Secret' || input.kind === 'ConfigMap'))
            return sanitizeUnchecked(input);
        const budget = { nodes: MAX_NODES };
        const metadata = sanitizeMetadata(input.metadata, budget);
        for (const k of Object.keys(input)) {
            if (k === 'metadata') {
                if (metadata !== undefined)
                    setOwn(input, k, metadata);
                continue;
            }
            const v = input[k];
            const kept = reduceInPlace(v, 1, budget, k);
            if (kept !== v)
                setOwn(input, k, kept);
        }
        if (input.kind === 'IstioOperator' && typeof input.apiVersion === 'string' && input.apiVersion.startsWith('install.istio.io/'))
            sanitizeOperatorEnv(input);
        return { obj: input };
    }
    catch {
        return { obj: {} };
    }
}
/** copy(), in place: returns `v` (changed where the copy would differ) or what replaces it. */
function reduceInPlace(v, depth, budget, parentKey) {
    if (--budget.nodes < 0 || depth > MAX_DEPTH)
        return null;
    if (typeof v === 'string')
        return v.length > MAX_STRING ? null : v;
    if (v === null || typeof v !== 'object')
        return typeof v === 'number' || typeof v === 'boolean' ? v : null;
    if (Array.isArray(v)) {
        const containers = parentKey !== undefined && CONTAINER_LISTS.has(parentKey);
        for (let i = 0; i < v.length; i++) {
            const x = v[i];
            const kept = containers && isObject(x) ? containerInPlace(x, depth + 1, budget) : reduceInPlace(x, depth + 1, budget);
            if (kept !== x)
                v[i] = kept;
        }
        return v;
    }
    const o = v;
    for (const k of Object.keys(o)) {
        const x = o[k];
        const kept = reduceInPlace(x, depth + 1, budget, k);
        if (kept !== x)
            setOwn(o, k, kept);
    }
    return o;
}
/** copyContainer(), in place. */
function containerInPlace(c, depth, budget) {
    for (const k of Object.keys(c)) {
        const x = c[k];
        if (k === 'env' && Array.isArray(x)) {
            for (let i = 0; i < x.length; i++)
                x[i] = sanitizeEnvEntry(x[i], depth + 2, budget);
            continue;
        }
        const kept = reduceInPlace(x, depth + 1, budget, k);
        if (kept !== x)
            setOwn(c, k, kept);
    }
    return c;
}
/** Metadata with the full copies of the object taken out. */
function sanitizeMetadata(meta, budget) {
    if (meta === undefined)
        return undefined;
    if (!isObject(meta))
        return copy(meta, 1, budget);
    const out = {};
    for (const [k, v] of Object.entries(meta)) {
        if (k === 'managedFields')
            continue;
        if (k === 'annotations' && isObject(v)) {
            const ann = {};
            for (const [ak, av] of Object.entries(v))
                if (ak !== LAST_APPLIED)
                    setOwn(ann, ak, copy(av, 3, budget));
            setOwn(out, k, ann);
        }
        else
            setOwn(out, k, copy(v, 2, budget));
    }
    return out;
}
/**
 * A bounded deep copy. `parentKey` is the key the value sits under: a list of containers has its
 * entries' env values reduced on the way.
 */
function copy(v, depth, budget, parentKey) {
    if (--budget.nodes < 0 || depth > MAX_DEPTH)
        return null;
    if (typeof v === 'string')
        return v.length > MAX_STRING ? null : v;
    if (v === null || typeof v !== 'object')
        return typeof v === 'number' || typeof v === 'boolean' ? v : null;
    if (Array.isArray(v)) {
        const containers = parentKey !== undefined && CONTAINER_LISTS.has(parentKey);
        return v.map((x) => (containers && isObject(x) ? copyContainer(x, depth + 1, budget) : copy(x, depth + 1, budget)));
    }
    const out = {};
    for (const k of Object.keys(v))
        setOwn(out, k, copy(v[k], depth + 1, budget, k));
    return out;
}
function copyContainer(c, depth, budget) {
    const out = {};
    for (const [k, x] of Object.entries(c)) {
        if (k === 'env' && Array.isArray(x))
            setOwn(out, k, x.map((e) => sanitizeEnvEntry(e, depth + 2, budget)));
        else
            setOwn(out, k, copy(x, depth + 1, budget, k));
    }
    return out;
}
/** `{name, value}` with the value kept only for allowlisted names; `valueFrom` kept (a reference). */
function sanitizeEnvEntry(e, depth, budget) {
    if (--budget.nodes < 0 || !isObject(e))
        return null;
    const out = {};
    const name = typeof e.name === 'string' && e.name.length <= MAX_NAME ? e.name : undefined;
    if (name !== undefined)
        setOwn(out, 'name', name);
    if (Object.hasOwn(e, 'value'))
        setOwn(out, 'value', envValue(name, e.value));
    if (Object.hasOwn(e, 'valueFrom'))
        setOwn(out, 'valueFrom', copy(e.valueFrom, depth + 1, budget));
    return out;
}
function envValue(name, v) {
    if (v === undefined || v === null || v === '')
        return v;
    if (name !== undefined && ENV_VALUE_ALLOWLIST.has(name)) {
        if (typeof v === 'string')
            return v.length <= MAX_ENV_VALUE ? v : ENV_VALUE_SET;
        if (typeof v === 'boolean' || typeof v === 'number')
            return v;
    }
    return ENV_VALUE_SET;
}
/** IstioOperator: istiod's env as Helm values (`values.pilot.env`, a map) and as k8s overlays (`components.*.k8s.env`, lists). */
function sanitizeOperatorEnv(out) {
    const spec = out.spec;
    if (!isObject(spec))
        return;
    const pilot = isObject(spec.values) && isObject(spec.values.pilot) ? spec.values.pilot : null;
    if (pilot && isObject(pilot.env)) {
        const env = {};
        for (const [k, v] of Object.entries(pilot.env))
            setOwn(env, k, envValue(k, v));
        setOwn(pilot, 'env', env);
    }
    if (isObject(spec.components)) {
        for (const component of Object.values(spec.components)) {
            // `gateways` are lists of components; the others are one component each.
            for (const c of Array.isArray(component) ? component : [component]) {
                if (!isObject(c) || !isObject(c.k8s) || !Array.isArray(c.k8s.env))
                    continue;
                setOwn(c.k8s, 'env', c.k8s.env.map((e) => sanitizeEnvEntry(e, 0, { nodes: MAX_NODES })));
            }
        }
    }
}
/** The Secret's identity as the loader would record it, read from the sanitized metadata only. */
function identityOf(out, metadata) {
    const m = isObject(metadata) ? metadata : {};
    return {
        kind: 'Secret',
        group: '',
        namespace: typeof m.namespace === 'string' ? m.namespace : '',
        name: typeof m.name === 'string' ? m.name : '',
        labels: stringMap(m.labels),
        annotations: stringMap(m.annotations),
        type: out.type,
    };
}
/** Labels and annotations as strings, as the loader reads them. */
function stringMap(m) {
    const out = {};
    if (!isObject(m))
        return out;
    for (const [k, v] of Object.entries(m)) {
        if (typeof v === 'string')
            setOwn(out, k, v);
        else if (typeof v === 'number' || typeof v === 'boolean')
            setOwn(out, k, String(v));
    }
    return out;
}
function isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** Sets an own property even for `__proto__`, which assignment would turn into a prototype change. */
function setOwn(obj, key, value) {
    // Plain assignment is several times faster and safe for every other key (the copies are plain objects).
    if (key === '__proto__')
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
    else
        obj[key] = value;
}
