/**
 * Judging a parsed kubeconfig: every cluster, user and context, not only the current one (another
 * consumer may pick another context, and istiod checks every user).
 *
 * Pure: the judge reads the parsed structure and nothing else. It never looks at the files, commands or
 * URLs a kubeconfig names; relative paths are reported with the folder they would resolve against, never
 * resolved. Messages hold no secret value (fingerprints stand in where one must be named) and every
 * untrusted string is quoted with control characters escaped.
 *
 * The same function serves `meshward kubeconfig` (kubeconfig files) and `meshward scan` (kubeconfigs
 * inside credential-carrying Secrets): only the origin differs.
 */
import path from 'node:path';
import { field, pathString } from './parse.js';
import { WELL_KNOWN_PLUGIN_NAMES } from './plugins.js';
import { decodeJwt, describeJwt, hasUnsafeChars, isPlainObject, quote, redactUrl, secretFingerprint } from './redact.js';
/** Rule IDs, one per hazard family. Metadata (titles, docs) lives in rules.ts. */
export const KCF = {
    exec: 'KCF001',
    authProvider: 'KCF002',
    tokenFile: 'KCF003',
    credentialPath: 'KCF004',
    insecureTls: 'KCF005',
    plainHttp: 'KCF006',
    proxy: 'KCF007',
    tlsServerName: 'KCF008',
    internalServer: 'KCF009',
    impersonation: 'KCF010',
    nonExpiringToken: 'KCF011',
    ambiguousNames: 'KCF012',
};
// ---------------------------------------------------------------------------------------------------
// The one list of well-known credential plugins lives in plugins.ts (the live gate uses its shapes).
const WELL_KNOWN_PLUGINS = WELL_KNOWN_PLUGIN_NAMES;
const INTERPRETERS = new Set([
    'sh', 'bash', 'zsh', 'dash', 'ksh', 'fish', 'csh', 'tcsh', 'ash', 'busybox', 'env', 'xargs',
    'python', 'python2', 'python3', 'perl', 'ruby', 'node', 'nodejs', 'deno', 'bun', 'php', 'lua', 'awk', 'gawk',
    'osascript', 'powershell', 'powershell.exe', 'pwsh', 'cmd', 'cmd.exe',
    'curl', 'wget', 'nc', 'ncat', 'netcat', 'socat', 'ssh', 'openssl', 'find',
]);
const INLINE_CODE_FLAGS = new Set(['-c', '-e', '--eval', '-E', '/c', '/C', '-Command', '-command', '-EncodedCommand', '-exec', '-r']);
const ENV_HAZARDS = [
    [/^(LD_PRELOAD|LD_LIBRARY_PATH|LD_AUDIT|DYLD_INSERT_LIBRARIES|DYLD_LIBRARY_PATH|DYLD_FRAMEWORK_PATH|GCONV_PATH)$/, {
            severity: 'critical',
            effect: 'loads a shared library of the attacker’s choice into the plugin, so even an allowlisted plugin runs attacker code',
        }],
    [/^(NODE_OPTIONS|PYTHONPATH|PYTHONSTARTUP|PYTHONHOME|PERL5OPT|PERL5LIB|PERLLIB|RUBYOPT|RUBYLIB|BASH_ENV|ENV|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|GIT_SSH_COMMAND|PS4|SHELLOPTS)$/, {
            severity: 'critical',
            effect: 'makes the interpreter behind the plugin (many cloud plugins are Python, Node or shell) load or run code of the attacker’s choice, even when the command itself is allowlisted',
        }],
    [/^PATH$/, {
            severity: 'high',
            effect: 'decides where programs are found: the plugin’s own helpers, and for @kubernetes/client-node the plugin itself, can come from a folder the attacker chose',
        }],
    [/^(HTTP_PROXY|HTTPS_PROXY|ALL_PROXY|NO_PROXY)$/, {
            severity: 'high',
            effect: 'routes the plugin’s own traffic (its cloud or OIDC login) through a proxy the attacker chose',
        }],
    [/^(SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|NODE_EXTRA_CA_CERTS|AWS_CA_BUNDLE|GIT_SSL_CAINFO)$/, {
            severity: 'high',
            effect: 'makes the plugin trust certificates the attacker chose, so its login can be intercepted',
        }],
    [/^(KUBECONFIG|HOME|XDG_CONFIG_HOME|AWS_CONFIG_FILE|AWS_SHARED_CREDENTIALS_FILE|AWS_PROFILE|AWS_ROLE_ARN|AWS_WEB_IDENTITY_TOKEN_FILE|CLOUDSDK_CONFIG|GOOGLE_APPLICATION_CREDENTIALS|AZURE_CONFIG_DIR)$/, {
            severity: 'medium',
            effect: 'points the plugin at other configuration or credentials than the user expects',
        }],
];
const SHELL_META = /[;&|`<>]|\$\(|\$\{/;
const SENSITIVE_PATH = /(\/var\/run\/secrets\/|\/run\/secrets\/|^\/proc\/|\/etc\/(shadow|kubernetes|pki|ssl|certs|istio)|\/etc\/certs\/|\.ssh\/|\.aws\/|\.config\/gcloud|\.azure\/|\.docker\/config\.json|\.kube\/|serviceaccount|istio)/i;
// ---------------------------------------------------------------------------------------------------
/** Judges one parsed kubeconfig. */
export function judgeKubeconfig(parsed, opts) {
    const j = new Judge(parsed, opts);
    for (const u of parsed.users)
        j.user(u);
    for (const c of parsed.clusters)
        j.cluster(c);
    for (const c of parsed.contexts)
        j.context(c);
    j.names();
    return j.findings;
}
/**
 * Judges kubeconfigs that are merged (KUBECONFIG=a:b:c): each file on its own, with references that
 * another file satisfies not counted as dangling, plus definitions that an earlier file shadows
 * (kubectl takes the first definition of each name, so a file placed earlier decides what later
 * files' contexts run). Returns the findings of each input, in input order.
 */
export function judgeKubeconfigSet(list, opts) {
    const all = { cluster: new Set(), user: new Set(), context: new Set() };
    for (const p of list)
        for (const e of [...p.clusters, ...p.users, ...p.contexts])
            if (e.name)
                all[e.kind].add(e.name);
    const firstDefinedIn = { cluster: new Map(), user: new Map(), context: new Map() };
    let currentFrom = null;
    return list.map((p, i) => {
        const findings = judgeKubeconfig(p, { ...opts, origin: opts.origins[i] ?? { kind: 'file' }, definedElsewhere: all });
        if (list.length > 1) {
            for (const e of [...p.clusters, ...p.users, ...p.contexts]) {
                if (!e.name)
                    continue;
                const first = firstDefinedIn[e.kind].get(e.name);
                if (first === undefined) {
                    firstDefinedIn[e.kind].set(e.name, p.file);
                    continue;
                }
                if (first === p.file)
                    continue; // duplicates inside one file are judged per file
                findings.push(finding(p, KCF.ambiguousNames, 'low', e, [...e.path, 'name'], false, `${subjectLabel(e)}: ignored when these kubeconfigs are merged through KUBECONFIG: ${quote(first)} defines ${e.kind} ${quote(e.name)} first and kubectl uses that definition. An attacker who gets a file listed earlier decides what every context naming ${quote(e.name)} runs and where it sends credentials.`, [{ role: 'shadowed-by', description: `${e.kind} ${quote(e.name)} in ${quote(first)}` }]));
            }
            if (p.currentContext !== null && p.currentContextPath) {
                if (currentFrom === null)
                    currentFrom = p.file;
                else if (currentFrom !== p.file) {
                    findings.push({
                        ...finding(p, KCF.ambiguousNames, 'info', null, p.currentContextPath, false, `current-context ${quote(p.currentContext)} is ignored when merged: ${quote(currentFrom)} sets current-context first, so whoever controls the earlier file picks the default context.`),
                        subject: { kind: 'context', name: p.currentContext },
                    });
                }
            }
        }
        return findings;
    });
}
export function credentialsOf(parsed, now = Date.now()) {
    const j = new Judge(parsed, { origin: { kind: 'file' }, now });
    return parsed.users.map((u) => {
        const token = field(u.raw, 'token');
        const tokenValue = typeof token?.value === 'string' && token.value ? token.value : null;
        return {
            user: u.name,
            path: pathString(u.bodyPath),
            kinds: credentialKinds(u.raw),
            tokenFingerprint: tokenValue ? secretFingerprint(tokenValue) : null,
            jwt: tokenValue ? decodeJwt(tokenValue, now) : null,
            servers: j.serversOf(u.name),
        };
    });
}
// ---------------------------------------------------------------------------------------------------
class Judge {
    parsed;
    opts;
    findings = [];
    now;
    clusterByName = new Map();
    userByName = new Map();
    contextsByCluster = new Map();
    contextsByUser = new Map();
    constructor(parsed, opts) {
        this.parsed = parsed;
        this.opts = opts;
        this.now = opts.now ?? Date.now();
        for (const c of parsed.clusters)
            if (c.name && !this.clusterByName.has(c.name))
                this.clusterByName.set(c.name, c);
        for (const u of parsed.users)
            if (u.name && !this.userByName.has(u.name))
                this.userByName.set(u.name, u);
        for (const ctx of parsed.contexts) {
            const cl = str(field(ctx.raw, 'cluster')?.value);
            const us = str(field(ctx.raw, 'user')?.value);
            if (cl)
                push(this.contextsByCluster, cl, ctx);
            if (us)
                push(this.contextsByUser, us, ctx);
        }
    }
    get secret() {
        return this.opts.origin.kind === 'secret';
    }
    add(id, severity, e, rel, istiodRejects, message, evidence = []) {
        this.findings.push(finding(this.parsed, id, severity, e, [...e.bodyPath, ...rel], istiodRejects, message, evidence));
    }
    /** Servers a user's credentials go to, from the contexts that pair them (credentials stripped from URLs). */
    serversOf(user) {
        const out = new Set();
        for (const ctx of this.contextsByUser.get(user) ?? []) {
            const cl = this.clusterByName.get(str(field(ctx.raw, 'cluster')?.value) ?? '');
            const server = str(field(cl?.raw, 'server')?.value);
            if (server)
                out.add(redactUrl(server));
        }
        return [...out];
    }
    whereSent(user) {
        const servers = this.serversOf(user);
        if (!servers.length)
            return 'to the API server of whichever cluster it is paired with';
        const shown = servers.slice(0, 3).map((s) => quote(s, 100)).join(', ');
        return `to ${shown}${servers.length > 3 ? ` and ${servers.length - 3} more` : ''}`;
    }
    relativeNote(p) {
        if (isAbsolutePath(p))
            return '';
        if (this.secret)
            return ' It is a relative path, resolved against the consuming process’s working directory.';
        const folder = this.opts.origin.folder;
        return ` It is a relative path: client-go resolves it against the kubeconfig’s folder${folder ? ` (${quote(folder)})` : ''}, so a kubeconfig that arrives inside a repository or archive can point at a file shipped beside it.`;
    }
    // -------------------------------------------------------------------------------------------------
    // users
    user(u) {
        const raw = u.raw;
        const s = subjectLabel(u);
        this.exec(u, s);
        this.authProvider(u, s);
        // Token files: client-go's `tokenFile`, @kubernetes/client-node's `token-file`.
        for (const spelling of ['tokenFile', 'token-file']) {
            const f = field(raw, spelling);
            if (!f || f.value === null || f.value === undefined || f.value === '')
                continue;
            const p = typeof f.value === 'string' ? f.value : '';
            const goSpelling = spelling === 'tokenFile';
            const sev = SENSITIVE_PATH.test(p) ? 'critical' : 'high';
            const who = goSpelling
                ? 'client-go reads it (again on every refresh) and'
                : '@kubernetes/client-node reads it while *loading* the kubeconfig, before any request, and';
            this.add(KCF.tokenFile, sev, u, [f.key], goSpelling && f.key === spelling, `${s}: ${f.key} ${p ? quote(p) : '(not a string)'} makes the consumer read a file from its own disk and send its contents as a bearer token ${this.whereSent(u.name)}: ${who} an attacker who controls the server receives the file (a service-account token, a cloud credential, any readable secret).${sev === 'critical' ? ' The path is where credentials live.' : ''}${p ? this.relativeNote(p) : ''}${goSpelling ? '' : ' client-go ignores this spelling, so istiod does not reject it.'}${spelt(f, spelling)}`);
        }
        // Certificate and key paths.
        for (const key of ['client-certificate', 'client-key']) {
            const f = field(raw, key);
            if (!f || typeof f.value !== 'string' || !f.value)
                continue;
            const what = key === 'client-certificate' ? 'certificate' : 'private key';
            this.add(KCF.credentialPath, SENSITIVE_PATH.test(f.value) ? 'critical' : 'high', u, [f.key], f.key === key, `${s}: ${f.key} ${quote(f.value)} makes the consumer load a ${what} from its own disk and authenticate with it ${this.whereSent(u.name)}: an attacker who writes this field borrows the consumer’s identity (for istiod, its own workload certificate) against a server of their choosing, and client-go’s validation opens the file, so error messages reveal which paths exist.${this.relativeNote(f.value)}${f.key === key ? ' istiod rejects it.' : ''}${spelt(f, key)}`);
        }
        this.impersonation(u, s);
        // Static token: legacy non-expiring service-account tokens.
        const token = field(raw, 'token');
        if (token && typeof token.value === 'string' && token.value) {
            const jwt = decodeJwt(token.value, this.now);
            if (jwt?.neverExpires) {
                this.add(KCF.nonExpiringToken, 'medium', u, [token.key], false, `${s}: token is ${jwt.legacyServiceAccountToken ? 'a legacy service-account token' : 'a JWT'} with no expiry (${describeJwt(jwt)}): whoever copies it keeps access until the token Secret or the service account is deleted; nothing rotates it.`, [{ role: 'token', description: describeJwt(jwt) }]);
            }
        }
    }
    exec(u, s) {
        const ex = field(u.raw, 'exec');
        if (!ex || ex.value === null || ex.value === undefined)
            return;
        const base = [ex.key];
        const rejected = ex.key === 'exec';
        if (!isPlainObject(ex.value)) {
            this.add(KCF.exec, 'critical', u, base, rejected, `${s}: ${ex.key} is set but is not a mapping; clients that accept it run a credential plugin.${rejected ? ' istiod rejects exec.' : spelt(ex, 'exec')}`);
            return;
        }
        const e = ex.value;
        const cmdF = field(e, 'command');
        const cmd = typeof cmdF?.value === 'string' ? cmdF.value : '';
        const baseName = cmd ? path.posix.basename(cmd.replace(/\\/g, '/')).toLowerCase() : '';
        const envNames = Array.isArray(field(e, 'env')?.value)
            ? field(e, 'env').value.map((x) => (isPlainObject(x) && typeof x.name === 'string' ? x.name : '')).filter(Boolean)
            : [];
        let how;
        if (!cmd)
            how = 'names no command (clients refuse it, but istiod still rejects the exec block)';
        else if (isAbsolutePath(cmd))
            how = `runs ${quote(cmd)}`;
        else if (/[\\/]/.test(cmd)) {
            how = this.secret
                ? `runs ${quote(cmd)}, a relative path resolved against the consuming process’s working directory`
                : `runs ${quote(cmd)}, a relative path that client-go resolves against the kubeconfig’s folder${this.opts.origin.folder ? ` (${quote(this.opts.origin.folder)})` : ''}: a kubeconfig shipped with a repository or archive runs a program shipped beside it`;
        }
        else
            how = `runs ${quote(cmd)}, looked up on the consumer’s PATH: whichever program of that name comes first runs`;
        const interp = INTERPRETERS.has(baseName);
        const known = !interp && WELL_KNOWN_PLUGINS.has(baseName) && !/[\\/]/.test(cmd);
        const severity = !this.secret && known ? 'medium' : 'critical';
        const mode = field(e, 'interactiveMode');
        const extra = [
            interp ? ` ${quote(baseName)} is a general-purpose interpreter or network tool: it does whatever its arguments say.` : '',
            known ? ` ${quote(baseName)} is a common cloud login plugin; expected in your own kubeconfig, never in one you received.` : '',
            !mode ? ' interactiveMode is unset (IfAvailable for v1beta1): the plugin may read the terminal.' : '',
        ].join('');
        this.add(KCF.exec, severity, u, cmdF ? [...base, cmdF.key] : base, rejected, `${s}: ${ex.key}.command ${how}, with the consumer’s full environment and privileges, whenever a client authenticates: an attacker who writes this field runs code on every machine and in every controller that uses the kubeconfig.${extra}${rejected ? ' istiod rejects exec.' : spelt(ex, 'exec')}`, envNames.length ? [{ role: 'exec-env', description: `sets ${envNames.slice(0, 10).map((n) => quote(n, 60)).join(', ')}` }] : []);
        // args
        const argsF = field(e, 'args');
        if (argsF && Array.isArray(argsF.value)) {
            const args = argsF.value;
            const inline = interp ? args.findIndex((a) => typeof a === 'string' && INLINE_CODE_FLAGS.has(a)) : -1;
            if (inline >= 0) {
                this.add(KCF.exec, 'critical', u, [...base, argsF.key, inline], rejected, `${s}: ${ex.key}.args[${inline}] ${quote(String(args[inline]))} hands inline code to ${quote(baseName)}: the arguments are a program an attacker wrote.${rejected ? ' istiod rejects exec.' : spelt(ex, 'exec')}`);
            }
            const meta = args.findIndex((a) => typeof a === 'string' && SHELL_META.test(a));
            if (meta >= 0) {
                this.add(KCF.exec, 'medium', u, [...base, argsF.key, meta], rejected, `${s}: ${ex.key}.args[${meta}] holds shell metacharacters: client-go passes arguments without a shell, but clients that build a shell command line (fabric8 before its fix, scripts that re-run the plugin) execute what follows them: an attacker’s shell code runs wherever the kubeconfig is loaded by such a client.${rejected ? ' istiod rejects exec.' : spelt(ex, 'exec')}`);
            }
        }
        // env
        const envF = field(e, 'env');
        if (envF && Array.isArray(envF.value)) {
            envF.value.forEach((item, i) => {
                if (!isPlainObject(item) || typeof item.name !== 'string')
                    return;
                const name = item.name;
                const hazard = ENV_HAZARDS.find(([re]) => re.test(name.toUpperCase()));
                if (!hazard)
                    return;
                const value = item.value;
                this.add(KCF.exec, hazard[1].severity, u, [...base, envF.key, i], rejected, `${s}: ${ex.key}.env sets ${quote(name, 60)} (value ${secretFingerprint(value ?? '')}) for the plugin: it ${hazard[1].effect}. The plugin also inherits the consumer’s whole environment.${rejected ? ' istiod rejects exec.' : spelt(ex, 'exec')}`);
            });
        }
        // installHint
        const hint = field(e, 'installHint');
        if (hint && typeof hint.value === 'string' && hint.value.trim()) {
            const h = hint.value;
            const unsafe = hasUnsafeChars(h.replace(/[\n\t]/g, ''));
            const lures = /(curl|wget|iwr|invoke-webrequest|iex|\|\s*(ba|z|da)?sh\b|bash\s+-c|powershell|sudo|chmod|https?:\/\/)/i.test(h);
            this.add(KCF.exec, unsafe || lures ? 'medium' : 'low', u, [...base, hint.key], rejected, `${s}: ${ex.key}.installHint is text kubectl prints when the plugin is missing, so it reads as advice from your tools: an attacker uses it to talk the user into installing or running something.${unsafe ? ' It holds terminal control or invisible characters, so what the user sees is not what is written.' : ''}${lures ? ' It tells the user to fetch, run or trust something (a URL, curl, a shell).' : ''}${rejected ? ' istiod rejects exec.' : spelt(ex, 'exec')}`);
        }
        // provideClusterInfo
        const pci = field(e, 'provideClusterInfo');
        if (pci && (pci.value === true || pci.value === 'true')) {
            this.add(KCF.exec, 'low', u, [...base, pci.key], rejected, `${s}: ${ex.key}.provideClusterInfo hands the plugin the cluster’s server, CA data and exec extension config in KUBERNETES_EXEC_INFO: an attacker’s plugin learns which cluster it is serving and its CA, and can tailor the credential or report the target.${rejected ? ' istiod rejects exec.' : spelt(ex, 'exec')}`);
        }
        // interactiveMode
        if (mode && typeof mode.value === 'string' && (mode.value === 'Always' || mode.value === 'IfAvailable')) {
            this.add(KCF.exec, mode.value === 'Always' ? 'medium' : 'low', u, [...base, mode.key], rejected, `${s}: ${ex.key}.interactiveMode is ${mode.value}: the plugin gets the terminal and can prompt for passwords or one-time codes, which an attacker’s plugin collects.${rejected ? ' istiod rejects exec.' : spelt(ex, 'exec')}`);
        }
    }
    authProvider(u, s) {
        const ap = field(u.raw, 'auth-provider');
        if (!ap || ap.value === null || ap.value === undefined)
            return;
        const base = [ap.key];
        if (!isPlainObject(ap.value)) {
            this.add(KCF.authProvider, 'high', u, base, true, `${s}: ${ap.key} is set but is not a mapping; istiod rejects every auth-provider but oidc.`);
            return;
        }
        const nameF = field(ap.value, 'name');
        const name = typeof nameF?.value === 'string' ? nameF.value : '';
        const lower = name.toLowerCase();
        const rejects = ap.key === 'auth-provider' && name !== 'oidc';
        const cfgF = field(ap.value, 'config');
        const cfg = isPlainObject(cfgF?.value) ? cfgF.value : {};
        const cfgPath = (key) => [...base, cfgF?.key ?? 'config', key];
        const namePath = nameF ? [...base, nameF.key] : base;
        const rejectNote = rejects ? ` istiod rejects auth-provider ${quote(name || '(unnamed)')} (only oidc is allowed).` : spelt(ap, 'auth-provider');
        const gone = lower === 'gcp' || lower === 'azure' ? ' client-go ≥1.26 no longer ships it, but @kubernetes/client-node and older clients still do.' : '';
        const cmdPath = field(cfg, 'cmd-path');
        const cmdArgs = field(cfg, 'cmd-args');
        if (cmdPath && typeof cmdPath.value === 'string' && cmdPath.value) {
            const viaShell = lower === 'gcp' || lower === 'azure';
            this.add(KCF.authProvider, viaShell ? 'critical' : 'high', u, cfgPath(cmdPath.key), rejects, `${s}: ${ap.key}.config.${cmdPath.key} ${quote(cmdPath.value)} runs a command to fetch a token${viaShell ? `: @kubernetes/client-node builds a shell command line from it${cmdArgs ? ` and ${cmdArgs.key}` : ''} and runs it with execSync, so an attacker who writes these fields runs any shell code on the consumer` : `; what runs depends on the client`}.${gone}${rejectNote}`);
        }
        else if (lower === 'gcp') {
            this.add(KCF.authProvider, 'high', u, namePath, rejects, `${s}: ${ap.key} gcp without cmd-path authenticates with Google Application Default Credentials, the *consumer’s own* cloud identity (workload identity, node service account, gcloud login), and sends that token ${this.whereSent(u.name)}: an attacker who sets the server collects a Google access token for the consumer.${gone}${rejectNote}`);
        }
        else if (lower === 'azure') {
            this.add(KCF.authProvider, 'high', u, namePath, rejects, `${s}: ${ap.key} azure uses and refreshes Azure AD tokens held in its config (tenant, client and refresh token) and sends the access token ${this.whereSent(u.name)}: an attacker who sets the server receives Azure tokens, and a refresh token in the file outlives the access token.${gone}${rejectNote}`);
        }
        else if (lower === 'oidc') {
            const iss = field(cfg, 'idp-issuer-url');
            if (iss && typeof iss.value === 'string' && iss.value) {
                const url = parseUrl(iss.value);
                const hostClass = url ? classifyHost(url.hostname) : null;
                if (url?.protocol === 'http:') {
                    this.add(KCF.authProvider, 'high', u, cfgPath(iss.key), false, `${s}: ${ap.key}.config.${iss.key} ${quote(redactUrl(iss.value))} is plain http://: token refresh sends the client secret and the refresh token in cleartext, and whoever answers on that path mints the ID tokens the client then trusts. istiod allows oidc.`);
                }
                else if (hostClass && hostClass !== 'loopback') {
                    this.add(KCF.authProvider, 'high', u, cfgPath(iss.key), false, `${s}: ${ap.key}.config.${iss.key} ${quote(redactUrl(iss.value))} points at ${HOST_CLASS_TEXT[hostClass]}: the client fetches /.well-known/openid-configuration there and posts its refresh token, a request an attacker aims at the consumer’s internal network (SSRF). istiod allows oidc.`);
                }
                else if (!url) {
                    this.add(KCF.authProvider, 'low', u, cfgPath(iss.key), false, `${s}: ${ap.key}.config.${iss.key} is not a valid URL: token refresh fails, or goes wherever a lenient client makes of it, which an attacker can shape.`);
                }
            }
            const idpCa = field(cfg, 'idp-certificate-authority');
            if (idpCa && typeof idpCa.value === 'string' && idpCa.value) {
                this.add(KCF.credentialPath, 'low', u, cfgPath(idpCa.key), false, `${s}: ${ap.key}.config.${idpCa.key} ${quote(idpCa.value)} makes the consumer read a CA file from its own disk to trust the identity provider: whoever controls that file decides which issuer certificate is accepted.${this.relativeNote(idpCa.value)}`);
            }
        }
        else {
            this.add(KCF.authProvider, 'high', u, namePath, rejects, `${s}: ${ap.key} ${quote(name || '(unnamed)')} is an auth-provider plugin whose behaviour depends on the client that loads it (openstack and others read files, run commands or send ambient cloud credentials): an attacker picks the provider that does the most damage where the kubeconfig is used.${rejectNote}`);
        }
        // A tokenFile inside the provider config: @kubernetes/client-node's file provider reads it whatever the name.
        const tf = field(cfg, 'tokenFile');
        if (tf && typeof tf.value === 'string' && tf.value) {
            this.add(KCF.tokenFile, SENSITIVE_PATH.test(tf.value) ? 'critical' : 'high', u, cfgPath(tf.key), rejects, `${s}: ${ap.key}.config.${tf.key} ${quote(tf.value)} makes @kubernetes/client-node read that file every minute and send it as a bearer token ${this.whereSent(u.name)}: an attacker who controls the server receives the file.${this.relativeNote(tf.value)}${rejectNote}`);
        }
    }
    impersonation(u, s) {
        const raw = u.raw;
        const as = field(raw, 'as');
        const asUid = field(raw, 'as-uid');
        const asGroups = field(raw, 'as-groups');
        const asExtra = field(raw, 'as-user-extra');
        const asName = typeof as?.value === 'string' ? as.value : '';
        const noAs = !asName ? ' Without as, client-go refuses the kubeconfig; other clients may send the header anyway.' : '';
        const tail = ' Harmless unless the credential may impersonate; when it can (or is later granted that), every request runs as the impersonated identity. istiod keeps this field.';
        if (as && asName) {
            const critical = /^system:admin$/.test(asName);
            const high = /^system:(serviceaccount:kube-system:|node:|kube-controller-manager$|kube-scheduler$)/.test(asName);
            this.add(KCF.impersonation, critical ? 'critical' : high ? 'high' : 'medium', u, [as.key], false, `${s}: ${as.key} ${quote(asName, 100)} sends Impersonate-User with every request: an attacker who writes it turns any credential that can impersonate into ${critical ? 'a cluster administrator' : high ? 'a privileged system identity' : quote(asName, 100)}.${tail}`);
        }
        if (asGroups && asGroups.value !== null && asGroups.value !== undefined) {
            const groups = Array.isArray(asGroups.value) ? asGroups.value.filter((g) => typeof g === 'string') : [];
            const masters = groups.includes('system:masters');
            this.add(KCF.impersonation, masters ? 'critical' : 'medium', u, [asGroups.key], false, `${s}: ${asGroups.key} ${groups.length ? groups.slice(0, 5).map((g) => quote(g, 80)).join(', ') : '(not a list of strings)'} sends Impersonate-Group: ${masters ? 'system:masters bypasses RBAC entirely, so an attacker who writes it turns any credential that can impersonate groups into cluster-admin' : 'an attacker who writes it adds the permissions of those groups'}.${noAs}${tail}`);
        }
        if (asUid && asUid.value !== null && asUid.value !== undefined && asUid.value !== '') {
            this.add(KCF.impersonation, 'medium', u, [asUid.key], false, `${s}: ${asUid.key} sends Impersonate-Uid, pinning the impersonated user’s UID for webhooks and audit: an attacker uses it to pass as a specific account. istiod silently drops this field, so istiod and other clients authenticate differently.${noAs}`);
        }
        if (asExtra && asExtra.value !== null && asExtra.value !== undefined) {
            const keys = isPlainObject(asExtra.value) ? Object.keys(asExtra.value) : [];
            this.add(KCF.impersonation, 'medium', u, [asExtra.key], false, `${s}: ${asExtra.key} sends Impersonate-Extra-${keys.length ? keys.slice(0, 5).map((k) => quote(k, 60)).join(', ') : '*'}: extra attributes that authorizers and webhooks may trust (scopes, tenant IDs), set by whoever wrote the kubeconfig.${noAs}${tail}`);
        }
    }
    // -------------------------------------------------------------------------------------------------
    // clusters
    cluster(c) {
        const raw = c.raw;
        const s = subjectLabel(c);
        const serverF = field(raw, 'server');
        const server = typeof serverF?.value === 'string' ? serverF.value : '';
        const url = server ? parseUrl(server) : null;
        const users = this.usersOf(c.name);
        const credUsers = users.filter((u) => credentialKinds(this.userByName.get(u)?.raw).length > 0);
        const credText = credUsers.length
            ? `contexts pair it with user${credUsers.length > 1 ? 's' : ''} ${credUsers.slice(0, 4).map((u) => `${quote(u)} (${credentialKinds(this.userByName.get(u)?.raw).join(', ')})`).join(', ')}`
            : users.length
                ? `contexts pair it with user${users.length > 1 ? 's' : ''} ${users.slice(0, 4).map((u) => quote(u)).join(', ')}, which ${users.length > 1 ? 'carry' : 'carries'} no credential here`
                : 'no context here uses it, but any user can be paired with it';
        const contextsEv = (this.contextsByCluster.get(c.name) ?? []).map((ctx) => ({ role: 'context', description: `context ${quote(ctx.label)} uses it` }));
        if (serverF && url && url.protocol === 'http:') {
            this.add(KCF.plainHttp, credUsers.length || !users.length ? 'high' : 'medium', c, [serverF.key], false, `${s}: ${serverF.key} ${quote(redactUrl(server))} is plain http://: every request, with its bearer token or password, crosses the network in cleartext, so anyone on the path reads and replays the credentials and rewrites the answers; ${credText}. istiod does not check server.`, contextsEv);
        }
        const insecure = field(raw, 'insecure-skip-tls-verify');
        if (insecure && (insecure.value === true || (typeof insecure.value === 'string' && insecure.value.toLowerCase() === 'true')) && url?.protocol !== 'http:') {
            const withCa = field(raw, 'certificate-authority-data') ?? field(raw, 'certificate-authority');
            this.add(KCF.insecureTls, 'high', c, [insecure.key], false, `${s}: ${insecure.key} turns off server certificate checks: anyone on the network path can pose as the API server, take the credentials sent to it and feed back forged objects (for istiod: forged endpoints and config); ${credText}.${withCa ? ' A CA is also set; client-go refuses that combination, other clients skip the check.' : ''} istiod does not check this field.`, contextsEv);
        }
        const proxy = field(raw, 'proxy-url');
        if (proxy && typeof proxy.value === 'string' && proxy.value) {
            const pu = parseUrl(proxy.value);
            const exposed = url?.protocol === 'http:' || (insecure && (insecure.value === true || insecure.value === 'true'));
            const creds = pu && (pu.username || pu.password) ? ' The URL carries proxy credentials (fingerprinted here).' : '';
            const scheme = pu ? pu.protocol.replace(/:$/, '') : 'unparseable';
            this.add(KCF.proxy, exposed ? 'high' : 'medium', c, [proxy.key], false, `${s}: ${proxy.key} ${quote(redactUrl(proxy.value))} (${scheme}) sends all API traffic, credentials included, through that proxy: an attacker who sets it learns every server contacted and when, can block or delay traffic, and ${exposed ? 'because this cluster’s TLS is off or absent, reads and rewrites the requests and their credentials' : 'reads everything if TLS is ever weakened'}; ${credText}.${creds} istiod does not check proxy-url.`, contextsEv);
        }
        const tsn = field(raw, 'tls-server-name');
        if (tsn && typeof tsn.value === 'string' && tsn.value) {
            const caData = field(raw, 'certificate-authority-data');
            const caFile = field(raw, 'certificate-authority');
            const custom = Boolean((caData && caData.value) || (caFile && caFile.value));
            const host = url?.hostname ?? '';
            if (tsn.value !== host) {
                this.add(KCF.tlsServerName, custom ? 'medium' : 'low', c, [tsn.key], false, `${s}: ${tsn.key} ${quote(tsn.value, 100)} makes clients check the server certificate against that name instead of ${host ? quote(host, 100) : 'the server host'}${custom
                    ? ', and the CA comes from this same kubeconfig: whoever wrote it picks both the trusted CA and the accepted name, so a redirected or intercepted server passes verification'
                    : ': an attacker who owns a publicly trusted certificate for that name can answer for the server'}; ${credText}. istiod does not check this field.`, contextsEv);
            }
        }
        if (serverF && url) {
            const hostClass = classifyHost(url.hostname);
            if (hostClass === 'metadata' || hostClass === 'link-local') {
                this.add(KCF.internalServer, 'high', c, [serverF.key], false, `${s}: ${serverF.key} ${quote(redactUrl(server))} points at ${HOST_CLASS_TEXT[hostClass]}: an attacker who sets it makes the consumer send API requests, with credentials, to an endpoint inside the consumer’s own network position (SSRF); ${credText}. istiod does not check server.`, contextsEv);
            }
            else if ((hostClass === 'loopback' || hostClass === 'unspecified') && this.secret) {
                this.add(KCF.internalServer, 'medium', c, [serverF.key], false, `${s}: ${serverF.key} ${quote(redactUrl(server))} points at ${HOST_CLASS_TEXT[hostClass]}: in a credential Secret that means the consumer (istiod, Kiali, Argo CD) talks to a port on its own pod or node, which an attacker who sets it may own or reach through (istioctl warns about this too).`, contextsEv);
            }
        }
        else if (serverF && server && !url) {
            // Not a URL: nothing to classify. client-go defaults the scheme; say nothing.
        }
        const ca = field(raw, 'certificate-authority');
        if (ca && typeof ca.value === 'string' && ca.value) {
            this.add(KCF.credentialPath, 'low', c, [ca.key], false, `${s}: ${ca.key} ${quote(ca.value)} makes the consumer read a CA file from its own disk: it is never sent, but whoever controls that file decides which server certificates pass, and client-go’s validation opens it, so errors reveal which paths exist.${this.relativeNote(ca.value)} istiod does not check this field.`);
        }
    }
    usersOf(cluster) {
        const out = new Set();
        for (const ctx of this.contextsByCluster.get(cluster) ?? []) {
            const u = str(field(ctx.raw, 'user')?.value);
            if (u)
                out.add(u);
        }
        return [...out];
    }
    // -------------------------------------------------------------------------------------------------
    // contexts and names
    context(ctx) {
        const s = subjectLabel(ctx);
        for (const kind of ['cluster', 'user']) {
            const f = field(ctx.raw, kind);
            const name = str(f?.value);
            if (!f || !name)
                continue;
            const known = kind === 'cluster' ? this.clusterByName.has(name) : this.userByName.has(name);
            if (known || this.opts.definedElsewhere?.[kind]?.has(name))
                continue;
            this.add(KCF.ambiguousNames, 'low', ctx, [f.key], false, `${s}: names ${kind} ${quote(name)}, which this kubeconfig does not define: with KUBECONFIG listing several files, whichever file defines ${quote(name)} first supplies it, so an attacker who adds a file decides ${kind === 'user' ? 'which credential (or plugin) this context uses' : 'where this context’s credentials go'}.`);
        }
    }
    names() {
        const p = this.parsed;
        for (const list of [p.clusters, p.users, p.contexts]) {
            const seen = new Map();
            for (const e of list) {
                if (!e.name)
                    continue;
                const first = seen.get(e.name);
                if (!first) {
                    seen.set(e.name, e);
                    continue;
                }
                this.findings.push(finding(p, KCF.ambiguousNames, 'low', e, [...e.path, 'name'], false, `${subjectLabel(e)}: defined twice (first at ${pathString(first.path)}): client-go refuses the file, other clients take the first or the last, so different tools use different ${e.kind === 'user' ? 'credentials' : e.kind === 'cluster' ? 'servers' : 'pairings'}; an attacker hides the dangerous copy behind the harmless one. meshward judged both.`, [{ role: 'first-definition', description: pathString(first.path) }]));
            }
        }
        if (p.currentContext && p.currentContextPath && !p.contexts.some((c) => c.name === p.currentContext) && !this.opts.definedElsewhere?.context?.has(p.currentContext)) {
            this.findings.push({
                ...finding(p, KCF.ambiguousNames, 'low', null, p.currentContextPath, false, `current-context ${quote(p.currentContext)} names a context this kubeconfig does not define: another file merged through KUBECONFIG supplies it, so an attacker who adds a file picks the default context.`),
                subject: { kind: 'context', name: p.currentContext },
            });
        }
    }
}
// ---------------------------------------------------------------------------------------------------
function finding(parsed, id, severity, e, segments, istiodRejects, message, evidence = []) {
    const subject = e ? { kind: e.kind, name: e.label } : { kind: 'context', name: '' };
    // The key names the subject and the field below the entry, so reordering the lists keeps it.
    const rel = e ? segments.slice(e.path.length) : segments;
    return {
        id,
        severity,
        message,
        path: pathString(segments),
        segments,
        subject,
        istiodRejects,
        key: `${subject.kind}:${subject.name}:${pathString(rel)}`,
        evidence,
        file: parsed.file,
    };
}
function subjectLabel(e) {
    return `${e.kind} ${e.name ? quote(e.name, 80) : `#${e.index}`}`;
}
/** Kinds of credential a user entry carries (names only). */
export function credentialKinds(raw) {
    if (!isPlainObject(raw))
        return [];
    const out = [];
    const has = (k) => {
        const f = field(raw, k);
        return f && f.value !== null && f.value !== undefined && f.value !== '';
    };
    if (has('token'))
        out.push('bearer token');
    if (has('tokenFile') || has('token-file'))
        out.push('token file');
    if (has('password'))
        out.push('password');
    if (has('client-key-data') || has('client-key'))
        out.push('client key');
    if (has('exec'))
        out.push('exec plugin');
    if (has('auth-provider'))
        out.push('auth-provider');
    return out;
}
/** A note for a field found under another capitalisation than the canonical one. */
function spelt(f, canonical) {
    return f.key === canonical
        ? ''
        : ` (spelt ${quote(f.key, 60)}: current client-go ignores that spelling and istiod lets it through, but clients that match field names without regard to case act on it)`;
}
function isAbsolutePath(p) {
    return p.startsWith('/') || p.startsWith('\\\\') || /^[A-Za-z]:[\\/]/.test(p);
}
function parseUrl(s) {
    try {
        return new URL(s);
    }
    catch {
        return null;
    }
}
const HOST_CLASS_TEXT = {
    metadata: 'a cloud metadata service',
    'link-local': 'a link-local address (where cloud metadata services live)',
    loopback: 'the loopback address',
    unspecified: 'the unspecified address (0.0.0.0, which reaches the local host)',
};
const METADATA_HOSTS = new Set([
    'metadata.google.internal',
    'metadata.goog',
    'metadata',
    'instance-data',
    'instance-data.ec2.internal',
    '169.254.169.254',
    '169.254.170.2',
    '100.100.100.200',
    '[fd00:ec2::254]',
]);
/** Classifies a URL hostname (as normalised by the WHATWG URL parser, so 0xA9FEA9FE is 169.254.169.254). */
export function classifyHost(hostname) {
    const h = hostname.toLowerCase().replace(/\.$/, '');
    if (METADATA_HOSTS.has(h))
        return 'metadata';
    if (h === 'localhost' || h.endsWith('.localhost'))
        return 'loopback';
    let v4 = /^\d+\.\d+\.\d+\.\d+$/.test(h) ? h : null;
    if (!v4 && h.startsWith('[')) {
        const inner = h.slice(1, -1);
        if (inner === '::1')
            return 'loopback';
        if (inner === '::')
            return 'unspecified';
        if (/^fe[89ab][0-9a-f]:/.test(inner))
            return 'link-local';
        const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(inner);
        if (mapped) {
            const a = parseInt(mapped[1], 16);
            const b = parseInt(mapped[2], 16);
            v4 = `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
            if (METADATA_HOSTS.has(v4))
                return 'metadata';
        }
    }
    if (!v4)
        return null;
    const [a, b] = v4.split('.').map(Number);
    if (a === 127)
        return 'loopback';
    if (a === 0)
        return 'unspecified';
    if (a === 169 && b === 254)
        return 'link-local';
    return null;
}
function str(v) {
    return typeof v === 'string' && v ? v : null;
}
function push(m, k, v) {
    const l = m.get(k);
    if (l)
        l.push(v);
    else
        m.set(k, [v]);
}
