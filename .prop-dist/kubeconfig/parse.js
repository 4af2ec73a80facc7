/**
 * A kubeconfig read as data, and nothing more.
 *
 * Loading a kubeconfig with a Kubernetes client is not safe: @kubernetes/client-node reads `token-file`
 * from disk while it parses and runs gcp/azure `cmd-path` through a shell; client-go's validation opens
 * certificate and key paths. This parser only turns text into plain objects. It never executes, opens,
 * stats, resolves or fetches anything a kubeconfig names, whatever the field. It bounds size, nesting
 * and alias expansion, refuses custom YAML tags, and reports every problem with a line number.
 *
 * Secret values stay inside the parsed structure: each entry's `fields` is a redacted copy, safe to print
 * or serialise, and the values as written are only reachable through the non-enumerable `raw`, which
 * `JSON.stringify` and `console.log` do not show.
 */
import yaml from 'js-yaml';
import { offsetAlongPath } from '../loader/yaml-path.js';
import { loadYamlBounded, YamlBoundError, YamlSyntaxError } from '../loader/yaml-bounded.js';
import { yamlLib } from '../loader/yaml-lib.js';
import { lineStarts, positionOf, splitYamlDocuments } from '../loader/split.js';
import { pathToString } from '../model/resource.js';
import { isPlainObject, redactSection, quote } from './redact.js';
export const DEFAULT_KUBECONFIG_LIMITS = {
    maxBytes: 4 * 1024 * 1024,
    maxNodes: 200_000,
    maxDepth: 64,
};
// Core schema (no custom tags, timestamps stay strings) plus merge keys, which the YAML library behind
// kubectl (go-yaml) also honours, so a hazard hidden behind `<<:` is still seen.
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [yaml.types.merge] });
const SOURCES = new WeakMap();
/** Reads bytes as a kubeconfig: rejects binary and invalid UTF-8, drops a BOM, then parses. */
export function parseKubeconfigBytes(data, opts) {
    const limits = { ...DEFAULT_KUBECONFIG_LIMITS, ...opts.limits };
    if (data.length > limits.maxBytes)
        return failed(opts.file, 0, `input is ${data.length} bytes, over the kubeconfig limit of ${limits.maxBytes}`);
    if (data.indexOf(0) >= 0)
        return failed(opts.file, 0, 'binary input (contains NUL bytes), not a kubeconfig');
    let text;
    try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(data);
    }
    catch {
        return failed(opts.file, 0, 'input is not valid UTF-8, not a kubeconfig');
    }
    return parseKubeconfig(text, opts);
}
/** Parses kubeconfig text (YAML or JSON). Never throws for bad input: problems go to `errors`. */
export function parseKubeconfig(input, opts) {
    const limits = { ...DEFAULT_KUBECONFIG_LIMITS, ...opts.limits };
    const file = opts.file;
    const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
    if (text.length > limits.maxBytes)
        return failed(file, 0, `input is ${text.length} characters, over the kubeconfig limit of ${limits.maxBytes}`);
    // kubectl reads the first YAML document only; later ones are ignored by it (and refused by
    // @kubernetes/client-node). Judge the first, say that the others exist.
    const notes = [];
    const spans = splitYamlDocuments(text).filter((s) => /[^\s]/.test(stripComments(text.slice(s.start, s.end)).replace(/^(---|\.\.\.)/gm, '')));
    if (!spans.length)
        return failed(file, 1, 'empty input, not a kubeconfig');
    const span = spans[0];
    if (spans.length > 1) {
        notes.push({
            file,
            line: spans[1].line,
            message: `the input holds ${spans.length} YAML documents; kubectl reads only the first, so only the first was judged`,
        });
    }
    const docText = text.slice(span.start, span.end);
    let value;
    try {
        // Bounded before js-yaml expands merge keys (a merge-key bomb costs gigabytes inside js-yaml itself).
        value = loadYamlBounded(docText, { maxNodes: limits.maxNodes, maxDepth: limits.maxDepth, schema: SCHEMA });
    }
    catch (err) {
        if (err instanceof YamlBoundError)
            return failed(file, span.line + err.line, boundProblem(err.bound, limits));
        return failed(file, ...yamlProblem(err, span.line));
    }
    if (!isPlainObject(value))
        return failed(file, span.line, 'the document is not a mapping, not a kubeconfig');
    const parsed = {
        file,
        ok: true,
        apiVersion: typeof value.apiVersion === 'string' ? value.apiVersion : null,
        kind: typeof value.kind === 'string' ? value.kind : null,
        currentContext: null,
        currentContextPath: null,
        clusters: [],
        users: [],
        contexts: [],
        errors: [],
        notes,
    };
    SOURCES.set(parsed, { text, start: span.start, end: span.end, line: span.line });
    const problem = (path, message) => parsed.errors.push({ file, line: lineOf(parsed, path), message });
    const note = (path, message) => parsed.notes.push({ file, line: lineOf(parsed, path), message });
    if (parsed.kind !== null && parsed.kind !== 'Config') {
        const hint = parsed.kind === 'Secret' ? ' (a Secret: decode the kubeconfig from its data first)' : '';
        problem(['kind'], `kind is ${quote(parsed.kind, 60)}, not Config${hint}; read as a kubeconfig anyway`);
    }
    const cc = field(value, 'current-context');
    if (cc) {
        parsed.currentContextPath = [cc.key];
        if (typeof cc.value === 'string')
            parsed.currentContext = cc.value;
        else if (cc.value !== null && cc.value !== undefined)
            problem([cc.key], 'current-context is not a string');
        if (cc.key !== 'current-context')
            note([cc.key], `current-context is spelt ${quote(cc.key)}; kubectl ignores that spelling, other clients may not`);
    }
    let sections = 0;
    for (const [listKey, kind] of [
        ['clusters', 'cluster'],
        ['users', 'user'],
        ['contexts', 'context'],
    ]) {
        const list = field(value, listKey);
        if (!list || list.value === null || list.value === undefined)
            continue;
        sections++;
        if (list.key !== listKey)
            note([list.key], `${listKey} is spelt ${quote(list.key)}; kubectl ignores that spelling, other clients may not; judged anyway`);
        if (!Array.isArray(list.value)) {
            problem([list.key], `${listKey} is not a list; its entries could not be judged`);
            continue;
        }
        const target = kind === 'cluster' ? parsed.clusters : kind === 'user' ? parsed.users : parsed.contexts;
        list.value.forEach((item, index) => {
            const path = [list.key, index];
            if (!isPlainObject(item)) {
                problem(path, `${listKey}[${index}] is not a mapping; skipped`);
                return;
            }
            const name = typeof item.name === 'string' ? item.name : '';
            if (typeof item.name !== 'string' || !item.name)
                problem([...path, 'name'], `${listKey}[${index}] has no name (a string); it is shown as #${index}`);
            const body = field(item, kind);
            let raw = {};
            let bodyPath = [...path, kind];
            if (!body || body.value === null || body.value === undefined) {
                problem(path, `${listKey}[${index}] has no ${kind} mapping`);
            }
            else if (!isPlainObject(body.value)) {
                problem([...path, body.key], `${listKey}[${index}].${body.key} is not a mapping; skipped`);
            }
            else {
                raw = body.value;
                bodyPath = [...path, body.key];
                if (body.key !== kind)
                    note(bodyPath, `${listKey}[${index}] holds its ${kind} under ${quote(body.key)}; kubectl ignores that spelling, other clients may not; judged anyway`);
            }
            const entry = {
                kind,
                name,
                label: name || `#${index}`,
                index,
                path,
                bodyPath,
                line: lineOf(parsed, path),
                fields: redactSection(kind, raw),
            };
            Object.defineProperty(entry, 'raw', { value: raw, enumerable: false, writable: false, configurable: false });
            target.push(entry);
        });
    }
    if (!sections && parsed.currentContext === null) {
        parsed.ok = false;
        problem([], 'no clusters, users or contexts: not a kubeconfig');
    }
    return parsed;
}
/**
 * The value of `key` in a mapping: the exact key if present, else the first key equal to it ignoring
 * case. Go's encoding/json matches field names that way, and hiding `Exec:` from a scanner that only
 * knows `exec:` must not work.
 */
export function field(obj, key) {
    if (!isPlainObject(obj))
        return null;
    if (Object.prototype.hasOwnProperty.call(obj, key))
        return { key, value: obj[key] };
    const lower = key.toLowerCase();
    for (const k of Object.keys(obj))
        if (k.toLowerCase() === lower)
            return { key: k, value: obj[k] };
    return null;
}
/**
 * 1-based line and column of the deepest node along `path` (a key, for mapping entries). Positions come
 * from a second, position-keeping parse of the document, done only when asked for.
 */
export function locate(parsed, path) {
    const src = SOURCES.get(parsed);
    if (!src)
        return null;
    let cache = POSITIONS.get(parsed);
    if (!cache) {
        let doc = null;
        try {
            doc = yamlLib().parseDocument(src.text.slice(src.start, src.end), { keepSourceTokens: false, uniqueKeys: false, strict: false, merge: true });
        }
        catch {
            doc = null;
        }
        cache = { doc, lines: lineStarts(src.text) };
        POSITIONS.set(parsed, cache);
    }
    if (!cache.doc)
        return { line: src.line, column: 1 };
    const best = offsetAlongPath(cache.doc.contents, path);
    if (best === null)
        return { line: src.line, column: 1 };
    return positionOf(cache.lines, src.start + best);
}
const POSITIONS = new WeakMap();
function lineOf(parsed, path) {
    return locate(parsed, path)?.line ?? 0;
}
/** `users[2].user.exec.command` */
export function pathString(path) {
    return pathToString(path);
}
function failed(file, line, message) {
    return {
        file,
        ok: false,
        apiVersion: null,
        kind: null,
        currentContext: null,
        currentContextPath: null,
        clusters: [],
        users: [],
        contexts: [],
        errors: [{ file, line, message }],
        notes: [],
    };
}
function stripComments(s) {
    return s.replace(/^\s*#.*$/gm, '');
}
function yamlProblem(err, docLine) {
    // The loader's reason never quotes the input (js-yaml's message, tags and alias names may be secrets).
    if (err instanceof YamlSyntaxError)
        return [docLine + err.line, `invalid YAML: ${err.reason}`];
    return [docLine, 'invalid YAML: internal parser failure'];
}
/** Alias and merge-key bombs and absurd nesting are refused before anything else looks at the tree. */
function boundProblem(bound, limits) {
    switch (bound) {
        case 'nodes':
            return `the document expands to more than ${limits.maxNodes} nodes (possible alias bomb or merge-key bomb); not judged`;
        case 'depth':
            return `the document is nested deeper than ${limits.maxDepth} levels; not judged`;
        default:
            return null;
    }
}
