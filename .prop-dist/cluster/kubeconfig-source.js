/**
 * Which kubeconfig files a live run reads, merged as kubectl merges them, and which contexts it selects.
 *
 * kubectl's rules (client-go `clientcmd` loading rules): an explicit `--kubeconfig FILE` is the only file
 * read (and must exist); else `$KUBECONFIG` is a list of paths (":"-separated, duplicates dropped, missing
 * files skipped) merged so that the FIRST file to define a cluster, user or context name wins and the
 * first file to set `current-context` decides it; else `~/.kube/config`.
 *
 * Files are read as data only (src/kubeconfig/parse.ts, bounded); nothing a kubeconfig names is opened,
 * run or resolved here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_KUBECONFIG_LIMITS, parseKubeconfigBytes } from '../kubeconfig/parse.js';
import { quote } from '../kubeconfig/redact.js';
/** A problem with the selection as a whole (no kubeconfig, no current context): nothing can be read. */
export class LiveSelectionError extends Error {
    constructor(message) {
        super(message);
        this.name = 'LiveSelectionError';
    }
}
/** Reads and parses the kubeconfig files kubectl would read for these options. */
export function loadKubeconfigSet(opts) {
    let paths;
    let mustExist;
    if (opts.kubeconfig) {
        paths = [opts.kubeconfig];
        mustExist = true;
    }
    else if (opts.env.KUBECONFIG) {
        const seen = new Set();
        paths = [];
        for (const p of opts.env.KUBECONFIG.split(path.delimiter)) {
            if (!p || seen.has(p))
                continue;
            seen.add(p);
            paths.push(p);
        }
        mustExist = false;
    }
    else {
        paths = [path.join(opts.homedir, '.kube', 'config')];
        mustExist = false;
    }
    const files = [];
    const folders = [];
    for (const p of paths) {
        const abs = path.resolve(opts.cwd, p);
        const data = readBounded(abs, p, mustExist);
        if (!data)
            continue;
        const parsed = parseKubeconfigBytes(data, { file: p });
        if (!parsed.ok) {
            const first = parsed.errors[0];
            throw new LiveSelectionError(`kubeconfig ${quote(p)}${first?.line ? ` line ${first.line}` : ''}: ${first?.message ?? 'could not be read'}; fix the file or choose another with --kubeconfig`);
        }
        files.push(parsed);
        folders.push(path.dirname(abs));
    }
    if (!files.length) {
        const where = opts.kubeconfig ? quote(opts.kubeconfig) : opts.env.KUBECONFIG ? `$KUBECONFIG (${quote(opts.env.KUBECONFIG)})` : quote(paths[0]);
        throw new LiveSelectionError(`no kubeconfig found at ${where}; pass --kubeconfig FILE, set KUBECONFIG, or use --in-cluster inside a pod`);
    }
    const currentContext = files.find((f) => f.currentContext)?.currentContext ?? null;
    return { files, folders, currentContext };
}
function readBounded(abs, shown, mustExist) {
    let fd;
    try {
        fd = fs.openSync(abs, 'r');
    }
    catch (err) {
        const code = err.code;
        if (!mustExist && code === 'ENOENT')
            return null;
        throw new LiveSelectionError(`cannot read kubeconfig ${quote(shown)} (${code ?? 'error'}); check the path and its permissions`);
    }
    try {
        const st = fs.fstatSync(fd);
        if (!st.isFile())
            throw new LiveSelectionError(`kubeconfig ${quote(shown)} is not a regular file`);
        const max = DEFAULT_KUBECONFIG_LIMITS.maxBytes;
        if (st.size > max)
            throw new LiveSelectionError(`kubeconfig ${quote(shown)} is ${st.size} bytes, over the limit of ${max}`);
        const buf = Buffer.alloc(Math.min(st.size, max) + 1);
        let n = 0;
        for (;;) {
            const got = fs.readSync(fd, buf, n, buf.length - n, null);
            if (got === 0)
                break;
            n += got;
            if (n >= buf.length)
                throw new LiveSelectionError(`kubeconfig ${quote(shown)} grew while being read, or is over the limit of ${max} bytes`);
        }
        return buf.subarray(0, n);
    }
    finally {
        fs.closeSync(fd);
    }
}
/** First definition of each name across the files, kubectl's merge order. */
function firstDefinitions(set, kind) {
    const out = new Map();
    set.files.forEach((f, file) => {
        for (const entry of f[kind])
            if (entry.name && !out.has(entry.name))
                out.set(entry.name, { entry, file });
    });
    return out;
}
/**
 * The contexts to read, in order: every context (`--all-contexts`), the named ones (an unknown name
 * comes back with `resolved: null`, one cluster error each), or the current context.
 */
export function selectContexts(set, sel) {
    const contexts = firstDefinitions(set, 'contexts');
    const clusters = firstDefinitions(set, 'clusters');
    const users = firstDefinitions(set, 'users');
    let names;
    if (sel.allContexts)
        names = [...contexts.keys()];
    else if (sel.contexts.length)
        names = [...new Set(sel.contexts)];
    else {
        if (!set.currentContext)
            throw new LiveSelectionError('the kubeconfig sets no current-context; name one with --context NAME or use --all-contexts');
        names = [set.currentContext];
    }
    const out = [];
    for (const name of names) {
        const ctx = contexts.get(name);
        if (!ctx) {
            out.push({ name, resolved: null });
            continue;
        }
        const clusterName = str(fieldValue(ctx.entry.raw, 'cluster'));
        const userName = str(fieldValue(ctx.entry.raw, 'user'));
        out.push({ name, resolved: {
                context: name,
                contextEntry: ctx.entry,
                contextFile: ctx.file,
                cluster: clusterName ? (clusters.get(clusterName) ?? null) : null,
                user: userName ? (users.get(userName) ?? null) : null,
                clusterName,
                userName,
            } });
    }
    return out;
}
/** Exact key only: kubectl ignores other spellings for the context's own references. */
function fieldValue(raw, key) {
    return Object.hasOwn(raw, key) ? raw[key] : undefined;
}
function str(v) {
    return typeof v === 'string' ? v : '';
}
