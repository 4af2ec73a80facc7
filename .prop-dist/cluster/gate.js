/**
 * The gate: every selected context is judged (src/kubeconfig/judge.ts) before anything connects, runs
 * or reads on its behalf, and a context whose credentials would run a program, read a file, skip TLS
 * verification, go through a proxy, talk plain http:// or impersonate is refused with an error naming
 * the field, the KCF rule and the flag that allows it.
 *
 * What passes becomes a `ClientSpec`: a fresh, plain description built field by field from what was
 * judged (server, CA data, client certificate and key data, token, basic auth, exec with an absolute
 * command). `@kubernetes/client-node` is only ever given that (client.ts), never the file or the parsed
 * object, so a field the gate did not look at (a second spelling, an auth-provider, a token file behind
 * a `token:`) cannot reach it: @kubernetes/client-node reads `token-file` while loading and runs
 * gcp/azure `cmd-path` through a shell, which is why handing it a kubeconfig is never safe.
 */
import fs from 'node:fs';
import path from 'node:path';
import { judgeKubeconfigSet, KCF } from '../kubeconfig/judge.js';
import { pathString } from '../kubeconfig/parse.js';
import { credentialPlugin, matchesTokenShape } from '../kubeconfig/plugins.js';
import { isPlainObject, quote, redactArgs, redactUrl } from '../kubeconfig/redact.js';
/** Judge findings of a whole kubeconfig set, once per run. */
export function judgeSet(set) {
    return judgeKubeconfigSet(set.files, { origins: set.folders.map((folder) => ({ kind: 'file', folder })) });
}
const INSECURE_FLAG = '--allow-insecure-kubeconfig';
/** What each refused rule does, in a few words, for the error message. */
const REFUSED = {
    [KCF.tokenFile]: 'reads a token from a local file',
    [KCF.credentialPath]: 'reads a certificate, key or CA from a local file',
    [KCF.insecureTls]: 'turns off server certificate verification',
    [KCF.plainHttp]: 'talks plain http://, credentials in cleartext',
    [KCF.proxy]: 'sends the traffic through a proxy',
    [KCF.internalServer]: 'points at a cloud metadata or link-local address',
    [KCF.impersonation]: 'impersonates another identity',
};
/** Judges one resolved context and, when it passes, builds its ClientSpec. Never connects. */
export function gateContext(set, findings, rc, policy) {
    const errors = [];
    const notes = [];
    const refuse = (message) => errors.push({ kind: 'kubeconfig', status: null, message });
    const ctxLabel = `context ${quote(rc.context)}`;
    if (!rc.cluster) {
        refuse(`${ctxLabel} names cluster ${quote(rc.clusterName)}, which no kubeconfig read defines; fix the context or add the cluster`);
        return { ok: false, server: '', errors, notes };
    }
    if (rc.userName && !rc.user) {
        refuse(`${ctxLabel} names user ${quote(rc.userName)}, which no kubeconfig read defines; fix the context or add the user`);
        return { ok: false, server: serverShown(rc.cluster.entry), errors, notes };
    }
    const clusterEntry = rc.cluster.entry;
    const server = serverShown(clusterEntry);
    // Findings about the entries this context uses (by name, in the file that defines them: a duplicate
    // of the name in the same file is judged too, since another client may take that copy).
    const relevant = [];
    const pick = (ref, kind) => {
        if (!ref)
            return;
        for (const f of findings[ref.file] ?? []) {
            if (f.subject.kind === kind && f.subject.name === ref.entry.label)
                relevant.push({ f, file: set.files[ref.file].file });
        }
    };
    pick(rc.cluster, 'cluster');
    pick(rc.user, 'user');
    for (const { f, file } of relevant) {
        const where = `${f.path} in ${quote(file)}`;
        if (f.id === KCF.authProvider) {
            refuse(`${ctxLabel}: ${where} uses an auth-provider plugin (${f.id}), which meshward never runs: gcp and azure run commands or send the host's cloud token, oidc refreshes against an issuer the file names. No flag allows it: switch the user to an exec plugin (gke-gcloud-auth-plugin, kubelogin) or a token`);
            continue;
        }
        const what = REFUSED[f.id];
        if (what && !policy.allowInsecureKubeconfig) {
            refuse(`${ctxLabel}: ${where} ${what} (${f.id}); refused before connecting. Fix the kubeconfig, or pass ${INSECURE_FLAG} if you trust this file`);
        }
    }
    const userRaw = rc.user?.entry.raw ?? {};
    const clusterRaw = clusterEntry.raw;
    const folder = rc.user ? set.folders[rc.user.file] : set.folders[rc.cluster.file];
    const clusterFolder = set.folders[rc.cluster.file];
    // An exec block under another spelling (`Exec:`): kubectl ignores it, other clients run it. meshward
    // would not run it either, but a kubeconfig that means different things to different tools is refused.
    for (const k of Object.keys(userRaw)) {
        if (k !== 'exec' && k.toLowerCase() === 'exec' && rc.user) {
            refuse(`${ctxLabel}: ${pathString(rc.user.entry.bodyPath)}.${k} in ${quote(set.files[rc.user.file].file)} is an exec block spelt ${quote(k)} (${KCF.exec}): kubectl ignores it, other clients run it; refused. Fix the spelling (it is then judged as exec) or remove it`);
        }
    }
    // exec: decided here, whatever the judge graded it.
    let exec;
    if (rc.user && own(userRaw, 'exec') !== undefined && own(userRaw, 'exec') !== null) {
        const userFile = set.files[rc.user.file].file;
        const execFindings = (findings[rc.user.file] ?? []).filter((f) => f.subject.kind === 'user' && f.subject.name === rc.user.entry.label);
        const decided = decideExec(rc.user.entry, userFile, execFindings, policy, ctxLabel);
        if ('error' in decided)
            refuse(decided.error);
        else {
            exec = decided.exec;
            notes.push(`${ctxLabel}: runs exec credential plugin ${quote(exec.command)} with args [${redactArgs(exec.args).map((a) => quote(a, 200)).join(', ')}]${exec.env.length ? ` and env ${exec.env.map((e) => quote(e.name, 80)).join(', ')}` : ''} (${decided.why})`);
        }
    }
    // The server.
    const serverRaw = own(clusterRaw, 'server');
    let serverUrl = null;
    if (typeof serverRaw !== 'string' || !serverRaw)
        refuse(`${ctxLabel}: cluster ${quote(clusterEntry.label)} has no server URL`);
    else {
        try {
            serverUrl = new URL(serverRaw);
        }
        catch {
            serverUrl = null;
        }
        if (!serverUrl || (serverUrl.protocol !== 'https:' && serverUrl.protocol !== 'http:')) {
            refuse(`${ctxLabel}: cluster ${quote(clusterEntry.label)} server ${quote(redactUrl(serverRaw))} is not an https:// URL; write it as https://HOST:PORT`);
            serverUrl = null;
        }
        else if (serverUrl.username || serverUrl.password) {
            refuse(`${ctxLabel}: cluster ${quote(clusterEntry.label)} server ${quote(redactUrl(serverRaw))} carries credentials in the URL; remove them and use the user entry`);
        }
    }
    if (errors.length)
        return { ok: false, server, errors, notes };
    // Everything below was allowed by the judge's verdict (or by the flag); read the files it allows.
    const spec = { server: stripTrailingSlash(serverUrl.toString()), skipTLSVerify: false, impersonate: {} };
    try {
        const caData = own(clusterRaw, 'certificate-authority-data');
        if (typeof caData === 'string' && caData)
            spec.caData = caData;
        else {
            const caFile = own(clusterRaw, 'certificate-authority');
            if (typeof caFile === 'string' && caFile)
                spec.caData = readAllowedFile(caFile, clusterFolder, 'certificate-authority').toString('base64');
        }
        const insecure = own(clusterRaw, 'insecure-skip-tls-verify');
        // http:// has no TLS to verify; @kubernetes/client-node insists on skipTLSVerify for it.
        spec.skipTLSVerify = insecure === true || insecure === 'true' || serverUrl.protocol === 'http:';
        const tsn = own(clusterRaw, 'tls-server-name');
        if (typeof tsn === 'string' && tsn)
            spec.tlsServerName = tsn;
        const proxy = own(clusterRaw, 'proxy-url');
        if (typeof proxy === 'string' && proxy)
            spec.proxyUrl = proxy;
        const token = own(userRaw, 'token');
        if (typeof token === 'string' && token)
            spec.token = token;
        else {
            const tf = own(userRaw, 'tokenFile') ?? own(userRaw, 'token-file');
            if (typeof tf === 'string' && tf)
                spec.token = readAllowedFile(tf, folder, 'tokenFile').toString('utf8').trim();
        }
        const certData = own(userRaw, 'client-certificate-data');
        const certFile = own(userRaw, 'client-certificate');
        if (typeof certData === 'string' && certData)
            spec.certData = certData;
        else if (typeof certFile === 'string' && certFile)
            spec.certData = readAllowedFile(certFile, folder, 'client-certificate').toString('base64');
        const keyData = own(userRaw, 'client-key-data');
        const keyFile = own(userRaw, 'client-key');
        if (typeof keyData === 'string' && keyData)
            spec.keyData = keyData;
        else if (typeof keyFile === 'string' && keyFile)
            spec.keyData = readAllowedFile(keyFile, folder, 'client-key').toString('base64');
        const username = own(userRaw, 'username');
        const password = own(userRaw, 'password');
        if (typeof username === 'string' && username && typeof password === 'string') {
            spec.username = username;
            spec.password = password;
        }
        if (exec)
            spec.exec = exec;
        const as = own(userRaw, 'as');
        if (typeof as === 'string' && as)
            spec.impersonate['Impersonate-User'] = as;
        const groups = own(userRaw, 'as-groups');
        if (Array.isArray(groups)) {
            const g = groups.filter((x) => typeof x === 'string' && x !== '');
            if (g.length)
                spec.impersonate['Impersonate-Group'] = g;
        }
        const uid = own(userRaw, 'as-uid');
        if (typeof uid === 'string' && uid)
            spec.impersonate['Impersonate-Uid'] = uid;
        const extra = own(userRaw, 'as-user-extra');
        if (isPlainObject(extra)) {
            for (const [k, v] of Object.entries(extra)) {
                const values = (Array.isArray(v) ? v : [v]).filter((x) => typeof x === 'string');
                if (values.length)
                    spec.impersonate[`Impersonate-Extra-${encodeURIComponent(k)}`] = values;
            }
        }
        for (const v of Object.values(spec.impersonate)) {
            for (const s of Array.isArray(v) ? v : [v])
                if (/[\r\n\0]/.test(s))
                    throw new GateFileError(`${ctxLabel}: an impersonation value holds a line break; refused`);
        }
    }
    catch (err) {
        if (err instanceof GateFileError) {
            refuse(`${ctxLabel}: ${err.message}`);
            return { ok: false, server, errors, notes };
        }
        throw err;
    }
    return { ok: true, server, spec, notes };
}
class GateFileError extends Error {
}
const MAX_CREDENTIAL_FILE = 1024 * 1024;
/**
 * A file the user allowed with --allow-insecure-kubeconfig: resolved against the kubeconfig's folder as
 * kubectl does, bounded, regular files only. The error never shows the content.
 */
function readAllowedFile(p, folder, field) {
    const abs = path.isAbsolute(p) ? p : path.resolve(folder, p);
    let fd;
    try {
        fd = fs.openSync(abs, 'r');
    }
    catch (err) {
        throw new GateFileError(`${field} ${quote(p)} cannot be read (${err.code ?? 'error'})`);
    }
    try {
        const st = fs.fstatSync(fd);
        if (!st.isFile() || st.size > MAX_CREDENTIAL_FILE)
            throw new GateFileError(`${field} ${quote(p)} is not a regular file of at most ${MAX_CREDENTIAL_FILE} bytes`);
        const buf = Buffer.alloc(st.size);
        let n = 0;
        while (n < buf.length) {
            const got = fs.readSync(fd, buf, n, buf.length - n, null);
            if (got === 0)
                break;
            n += got;
        }
        return buf.subarray(0, n);
    }
    finally {
        fs.closeSync(fd);
    }
}
function serverShown(entry) {
    const s = own(entry.raw, 'server');
    return typeof s === 'string' ? redactUrl(s) : '';
}
function stripTrailingSlash(s) {
    return s.endsWith('/') ? s.slice(0, -1) : s;
}
/** Exact key only: what kubectl reads. Other spellings are judged (and may refuse) but never used. */
function own(raw, key) {
    return isPlainObject(raw) && Object.hasOwn(raw, key) ? raw[key] : undefined;
}
// ---------------------------------------------------------------------------------------------------
// exec
/** `which`, on the given PATH, absolute folders only: a relative or empty PATH entry would be `./`. */
export function lookPath(name, envPath) {
    if (!name || /[\\/]/.test(name))
        return null;
    for (const dir of (envPath ?? '').split(path.delimiter)) {
        if (!dir || !path.isAbsolute(dir))
            continue;
        const candidate = path.join(dir, name);
        try {
            const st = fs.statSync(candidate);
            if (!st.isFile())
                continue;
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        }
        catch {
            continue;
        }
    }
    return null;
}
function decideExec(user, file, userFindings, policy, ctxLabel) {
    const base = `${pathString(user.bodyPath)}.exec`;
    const at = (sub) => `${base}${sub} in ${quote(file)}`;
    const ex = own(user.raw, 'exec');
    if (!isPlainObject(ex))
        return { error: `${ctxLabel}: ${at('')} is not a mapping (${KCF.exec}); refused` };
    const command = own(ex, 'command');
    if (typeof command !== 'string' || !command || command.length > 4096 || /[\0\r\n]/.test(command)) {
        return { error: `${ctxLabel}: ${at('.command')} is missing or not a plain string (${KCF.exec}); refused` };
    }
    const argsRaw = own(ex, 'args') ?? [];
    if (!Array.isArray(argsRaw) || argsRaw.length > 256 || argsRaw.some((a) => typeof a !== 'string' || a.length > 8192 || a.includes('\0'))) {
        return { error: `${ctxLabel}: ${at('.args')} is not a list of strings (${KCF.exec}); refused` };
    }
    const args = argsRaw;
    const envRaw = own(ex, 'env') ?? [];
    if (!Array.isArray(envRaw) || envRaw.length > 256 || envRaw.some((e) => !isPlainObject(e) || typeof e.name !== 'string' || !e.name || typeof e.value !== 'string' || /[=\0]/.test(e.name))) {
        return { error: `${ctxLabel}: ${at('.env')} is not a list of {name, value} strings (${KCF.exec}); refused` };
    }
    const env = envRaw.map((e) => ({ name: e.name, value: e.value }));
    const apiVersionRaw = own(ex, 'apiVersion');
    const apiVersion = typeof apiVersionRaw === 'string' && apiVersionRaw ? apiVersionRaw : 'client.authentication.k8s.io/v1';
    const hasSlash = /[\\/]/.test(command);
    const basename = path.posix.basename(command.replace(/\\/g, '/'));
    const allowFlag = `--allow-exec ${basename}`;
    if (hasSlash && !path.isAbsolute(command)) {
        return {
            error: `${ctxLabel}: ${at('.command')} ${quote(command)} is a relative path (${KCF.exec}): it would run a program shipped beside the kubeconfig. meshward never runs a relative command, whatever the flags: put the plugin on PATH and name it by its basename`,
        };
    }
    const resolved = lookPath(basename, policy.env.PATH);
    const explicitlyAllowed = policy.allowExec.some((a) => a === basename || (hasSlash && a === command));
    let runPath;
    if (hasSlash) {
        // An absolute command runs only if it is exactly what PATH resolution of its name gives (so a
        // listed name cannot smuggle in /tmp/x/aws), or the user allowed that exact path.
        if (policy.allowExec.includes(command))
            runPath = command;
        else if (resolved === command)
            runPath = command;
        else {
            return {
                error: `${ctxLabel}: ${at('.command')} ${quote(command)} is not the ${quote(basename)} found on PATH (${resolved ? quote(resolved) : 'none found'}) (${KCF.exec}); refused. Name the plugin by its basename, or pass --allow-exec ${command} to run that exact file`,
            };
        }
    }
    else {
        if (!resolved)
            return { error: `${ctxLabel}: ${at('.command')} ${quote(command)} was not found on PATH (${KCF.exec}); install the plugin or fix PATH` };
        runPath = resolved;
    }
    if (explicitlyAllowed)
        return { exec: { command: runPath, args, env, apiVersion }, why: `allowed by --allow-exec` };
    const plugin = credentialPlugin(basename);
    if (!plugin) {
        return { error: `${ctxLabel}: ${at('.command')} ${quote(command)} is not a well-known credential plugin (${KCF.exec}); refused before running. If you trust it, pass ${allowFlag}` };
    }
    if (!matchesTokenShape(plugin, args)) {
        return {
            error: `${ctxLabel}: ${at('.args')} [${redactArgs(args).slice(0, 12).map((a) => quote(a, 80)).join(', ')}] are not the token-fetching shape of ${quote(plugin.name)} (${plugin.example}) (${KCF.exec}); refused before running. If you trust it, pass ${allowFlag}`,
        };
    }
    // Environment entries the judge grades critical or high (LD_PRELOAD, NODE_OPTIONS, PATH, proxies, CA
    // bundles) turn even a listed plugin into someone else's code or traffic.
    const envPrefix = `${base}.env`;
    const hazard = userFindings.find((f) => f.id === KCF.exec && f.path.startsWith(envPrefix) && (f.severity === 'critical' || f.severity === 'high'));
    if (hazard) {
        const i = Number(/\[(\d+)\]/.exec(hazard.path.slice(envPrefix.length))?.[1] ?? -1);
        const name = env[i]?.name ?? '?';
        return { error: `${ctxLabel}: ${hazard.path} in ${quote(file)} sets ${quote(name, 60)} for the plugin (${KCF.exec}), which changes what code it runs or where its traffic goes; refused before running. If you trust it, pass ${allowFlag}` };
    }
    return { exec: { command: runPath, args, env, apiVersion }, why: `well-known plugin ${quote(plugin.name)} fetching a token` };
}
