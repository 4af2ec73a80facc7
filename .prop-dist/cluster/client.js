/**
 * The connection to one API server: `@kubernetes/client-node` decides the credentials and the TLS
 * material, a streaming GET reads raw JSON under bounds.
 *
 * Why not the generated API classes: they deserialize every object into typed models (timestamps
 * become Date objects, unknown fields of CRDs are dropped or reshaped) while the rules expect the JSON
 * shape, they buffer the whole body with no size bound, and a stalled body hangs them. So the client's
 * KubeConfig (built by `loadFromOptions` from the gate's ClientSpec only) computes the request options
 * through its own `applyToHTTPSOptions` (bearer token, client certificate and key, CA, exec plugin runs
 * and their cache, basic auth, proxy agent when allowed), and the GET itself is a plain node:https
 * request on a keep-alive agent built from exactly that TLS material, read chunk by chunk with a byte
 * bound, an idle (stall) timeout and an overall timeout.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import https from 'node:https';
import { spawn } from 'node:child_process';
/** A request that produced no complete response. Its message never holds a credential or a body. */
export class TransportError extends Error {
    kind;
    constructor(kind, message) {
        super(message);
        this.kind = kind;
        this.name = 'TransportError';
    }
}
const USER_AGENT = 'meshward (read-only scan)';
/** Longest an exec credential plugin may run (a cloud CLI fetching a token takes seconds). */
const EXEC_TIMEOUT_MS = 60_000;
/**
 * Builds the client-node KubeConfig from the gate's spec: a fresh object, nothing else. The library is
 * loaded on first use (it takes a second or more to import): file scans never pay for it.
 */
export async function kubeConfigFor(spec, signal) {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    // client-node runs exec plugins with no time limit and with a stdin they could prompt on. Its runner
    // is a public field of its ExecAuth (1.4.0, pinned): ours gives the plugin no terminal, kills it at
    // the exec timeout or when the cluster's read is abandoned, so a plugin waiting for a login never
    // outlives the scan.
    const execAuth = kc.authenticators?.find((a) => typeof a === 'object' && a !== null && a.constructor?.name === 'ExecAuth' && 'execFn' in a);
    if (!execAuth && spec.exec)
        throw new TransportError('auth', 'this @kubernetes/client-node has no ExecAuth runner to bound; refusing to run the exec plugin without a time limit');
    if (execAuth) {
        execAuth.execFn = ((command, args, opts) => spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], timeout: EXEC_TIMEOUT_MS, killSignal: 'SIGKILL', signal }));
    }
    kc.loadFromOptions({
        clusters: [
            {
                name: 'meshward-cluster',
                server: spec.server,
                caData: spec.caData,
                skipTLSVerify: spec.skipTLSVerify,
                tlsServerName: spec.tlsServerName,
                proxyUrl: spec.proxyUrl,
            },
        ],
        users: [
            {
                name: 'meshward-user',
                token: spec.token,
                certData: spec.certData,
                keyData: spec.keyData,
                username: spec.username,
                password: spec.password,
                exec: spec.exec
                    ? { command: spec.exec.command, args: spec.exec.args, env: spec.exec.env.length ? spec.exec.env : undefined, apiVersion: spec.exec.apiVersion }
                    : undefined,
            },
        ],
        contexts: [{ name: 'meshward', cluster: 'meshward-cluster', user: 'meshward-user' }],
        currentContext: 'meshward',
    });
    return kc;
}
/** Computes credentials (running an allowed exec plugin once) and opens nothing yet. */
export async function connect(spec, signal) {
    const kc = await kubeConfigFor(spec, signal);
    const url = new URL(spec.server);
    const isHttp = url.protocol === 'http:';
    let state = await computeAuth(kc, spec, isHttp, signal);
    const base = spec.server.replace(/\/+$/, '');
    const basePath = url.pathname.replace(/\/+$/, '');
    return {
        server: base,
        async refreshAuth(sig) {
            const old = state;
            state = await computeAuth(kc, spec, isHttp, sig);
            old.agent.destroy();
            if (old.watchAgent !== old.agent)
                old.watchAgent.destroy();
        },
        close() {
            state.agent.destroy();
            if (state.watchAgent !== state.agent)
                state.watchAgent.destroy();
        },
        get(pathAndQuery, limits) {
            return getOnce(url, basePath + pathAndQuery, state, isHttp, limits);
        },
        watch(pathAndQuery, limits, onLine) {
            return watchOnce(url, basePath + pathAndQuery, state, isHttp, limits, onLine);
        },
    };
}
async function computeAuth(kc, spec, isHttp, signal) {
    const opts = { headers: {} };
    // Loading client-node can outlast a short cluster timeout: run no plugin for a read already abandoned.
    if (signal?.aborted)
        throw new TransportError('aborted', 'cancelled (cluster timeout) before the credentials were computed');
    try {
        await abortable(kc.applyToHTTPSOptions(opts), signal);
    }
    catch (err) {
        if (err instanceof TransportError)
            throw err;
        // An exec plugin's stderr or a parse error of its output may hold a credential: never shown.
        throw new TransportError('auth', spec.exec
            ? `the exec credential plugin ${JSON.stringify(spec.exec.command)} failed or printed no valid ExecCredential (its output is not shown: it may hold credentials); run it yourself to see why`
            : 'the credentials in the kubeconfig could not be used (a certificate or key that does not parse?)');
    }
    const headers = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
        if (typeof v === 'string' || Array.isArray(v))
            headers[k] = v;
    }
    if (opts.auth)
        headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    for (const [k, v] of Object.entries(spec.impersonate))
        headers[k] = v;
    let agent;
    let watchAgent;
    if (spec.proxyUrl) {
        // Only reachable with --allow-insecure-kubeconfig: client-node's proxy agent as it built it.
        agent = watchAgent = opts.agent;
    }
    else if (isHttp) {
        opts.agent?.destroy?.();
        agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
        watchAgent = new http.Agent({ keepAlive: true });
    }
    else {
        opts.agent?.destroy?.();
        const tls = {
            ca: opts.ca,
            cert: opts.cert,
            key: opts.key,
            servername: opts.servername,
            rejectUnauthorized: !spec.skipTLSVerify,
        };
        agent = new https.Agent({ keepAlive: true, maxSockets: 4, ...tls });
        watchAgent = new https.Agent({ keepAlive: true, ...tls });
    }
    return { headers, agent, watchAgent };
}
function abortable(p, signal) {
    if (!signal)
        return p;
    if (signal.aborted) {
        p.catch(() => { }); // settled later, by nobody: its rejection must not go unhandled
        return Promise.reject(new TransportError('aborted', 'cancelled before credentials were ready'));
    }
    return new Promise((resolve, reject) => {
        const onAbort = () => reject(new TransportError('aborted', 'cancelled (cluster timeout) while the credentials were being computed'));
        signal.addEventListener('abort', onAbort, { once: true });
        p.then((v) => {
            signal.removeEventListener('abort', onAbort);
            resolve(v);
        }, (e) => {
            signal.removeEventListener('abort', onAbort);
            reject(e);
        });
    });
}
/**
 * Starts a GET to the API server with the connection's credentials (its agent carries the TLS material).
 * TLS material that does not parse fails here, synchronously: thrown as a TransportError whose message
 * does not show it.
 */
function startGet(url, fullPath, state, isHttp, agent, headers) {
    const mod = isHttp ? http : https;
    try {
        return mod.request({
            protocol: url.protocol,
            hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
            port: url.port || (isHttp ? 80 : 443),
            path: fullPath,
            method: 'GET',
            agent,
            headers: { ...state.headers, Accept: 'application/json', ...headers, 'User-Agent': USER_AGENT },
        });
    }
    catch {
        throw new TransportError('connect', 'TLS setup failed: the CA, client certificate or key does not parse');
    }
}
function getOnce(url, fullPath, state, isHttp, limits) {
    return new Promise((resolve, reject) => {
        if (limits.signal?.aborted) {
            reject(new TransportError('aborted', 'cancelled (cluster timeout)'));
            return;
        }
        let settled = false;
        const chunks = [];
        let size = 0;
        let req;
        try {
            req = startGet(url, fullPath, state, isHttp, state.agent, { 'Accept-Encoding': 'gzip' });
        }
        catch (err) {
            reject(err);
            return;
        }
        let inflater = null;
        const fail = (err) => {
            if (settled)
                return;
            settled = true;
            cleanup();
            inflater?.destroy();
            req.destroy();
            reject(err);
        };
        const overall = setTimeout(() => fail(new TransportError('timeout', `no complete response within ${limits.timeoutMs} ms (request timeout)`)), limits.timeoutMs);
        const onAbort = () => fail(new TransportError('aborted', 'cancelled (cluster timeout)'));
        limits.signal?.addEventListener('abort', onAbort, { once: true });
        const cleanup = () => {
            clearTimeout(overall);
            limits.signal?.removeEventListener('abort', onAbort);
        };
        // Socket inactivity, headers and body alike: a server that stops sending is a stall, not a wait.
        req.setTimeout(limits.stallMs, () => fail(new TransportError('stalled', `the server sent nothing for ${limits.stallMs} ms (stalled response)`)));
        req.on('error', (err) => {
            const code = err.code ?? '';
            if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO|ERR_TLS/i.test(code) || /certificate/i.test(err.message)) {
                fail(new TransportError('connect', `TLS failed: the server's certificate was not accepted (${code || 'certificate error'}); check certificate-authority-data and the server name`));
            }
            else if (code === 'ECONNRESET' && (size > 0 || req.reusedSocket)) {
                // A kept-alive socket the server closed while idle fails as the request goes out (a busy event
                // loop sees the close late): like a drop mid-response, a GET that is safe to retry.
                fail(new TransportError('dropped', 'the connection was dropped mid-response'));
            }
            else
                fail(new TransportError('connect', `cannot reach the API server (${code || 'connection error'})`));
        });
        req.on('response', (res) => {
            const declared = Number(res.headers['content-length']);
            if (Number.isFinite(declared) && declared > limits.maxBytes) {
                fail(new TransportError('too-large', `the response declares ${declared} bytes, over the limit of ${limits.maxBytes} bytes`));
                return;
            }
            // kubectl (client-go) asks for gzip and the API server compresses large lists: a tenth of the bytes
            // over a real network. The bound applies to the decompressed size (a gzip bomb is cut like any
            // other oversized answer).
            const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
            if (encoding !== 'identity' && encoding !== 'gzip') {
                fail(new TransportError('dropped', `the server answered with content-encoding ${JSON.stringify(encoding.slice(0, 40))}, which was not asked for`));
                return;
            }
            const keep = (chunk) => {
                size += chunk.length;
                if (size > limits.maxBytes) {
                    fail(new TransportError('too-large', `the response is over the limit of ${limits.maxBytes} bytes`));
                    return;
                }
                chunks.push(chunk);
            };
            const finish = () => {
                if (settled)
                    return;
                settled = true;
                cleanup();
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size) });
            };
            let gunzip = null;
            let wire = 0;
            if (encoding === 'gzip') {
                gunzip = inflater = zlib.createGunzip();
                gunzip.on('data', keep);
                gunzip.on('error', () => fail(new TransportError('dropped', 'the gzip-encoded response is corrupt')));
                gunzip.on('end', finish);
            }
            let bodyComplete = false;
            res.on('data', (chunk) => {
                if (settled)
                    return;
                if (!gunzip)
                    return keep(chunk);
                wire += chunk.length;
                if (wire > limits.maxBytes)
                    return fail(new TransportError('too-large', `the response is over the limit of ${limits.maxBytes} bytes`));
                gunzip.write(chunk);
            });
            res.on('aborted', () => fail(new TransportError('dropped', 'the connection was dropped mid-response')));
            res.on('error', () => fail(new TransportError('dropped', 'the connection was dropped mid-response')));
            res.on('close', () => {
                if (!bodyComplete)
                    fail(new TransportError('dropped', 'the connection was dropped mid-response'));
            });
            res.on('end', () => {
                if (settled)
                    return;
                if (!res.complete) {
                    fail(new TransportError('dropped', 'the connection was dropped mid-response'));
                    return;
                }
                bodyComplete = true;
                if (gunzip)
                    gunzip.end();
                else
                    finish();
            });
        });
        req.end();
    });
}
/**
 * One watch request. The body is not compressed (no Accept-Encoding: the API server streams watch
 * events as written), split on newlines with at most `maxLineBytes` buffered, so memory is bounded by
 * one event whatever the server sends.
 */
function watchOnce(url, fullPath, state, isHttp, limits, onLine) {
    return new Promise((resolve, reject) => {
        if (limits.signal?.aborted) {
            reject(new TransportError('aborted', 'cancelled (the cache was closed)'));
            return;
        }
        let settled = false;
        let req;
        try {
            req = startGet(url, fullPath, state, isHttp, state.watchAgent, {});
        }
        catch (err) {
            reject(err);
            return;
        }
        const onAbort = () => fail(new TransportError('aborted', 'cancelled (the cache was closed)'));
        limits.signal?.addEventListener('abort', onAbort, { once: true });
        const cleanup = () => limits.signal?.removeEventListener('abort', onAbort);
        function fail(err) {
            if (settled)
                return;
            settled = true;
            cleanup();
            req.destroy();
            reject(err);
        }
        const done = (end, destroy) => {
            if (settled)
                return;
            settled = true;
            cleanup();
            if (destroy)
                req.destroy();
            resolve(end);
        };
        let received = 0;
        // A watch may stay silent between events; bookmarks (about one a minute on a real server) bound that.
        req.setTimeout(limits.stallMs, () => fail(new TransportError('stalled', `the watch sent nothing for ${limits.stallMs} ms, not even a bookmark (stalled stream)`)));
        req.on('error', (err) => {
            const code = err.code ?? '';
            if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO|ERR_TLS/i.test(code) || /certificate/i.test(err.message)) {
                fail(new TransportError('connect', `TLS failed: the server's certificate was not accepted (${code || 'certificate error'}); check certificate-authority-data and the server name`));
            }
            else if (code === 'ECONNRESET' && received > 0)
                fail(new TransportError('dropped', 'the watch connection was dropped mid-stream'));
            else
                fail(new TransportError('connect', `cannot reach the API server (${code || 'connection error'})`));
        });
        req.on('response', (res) => {
            const status = res.statusCode ?? 0;
            const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
            if (status >= 200 && status < 300 && encoding !== 'identity') {
                fail(new TransportError('dropped', `the server answered the watch with content-encoding ${JSON.stringify(encoding.slice(0, 40))}, which was not asked for`));
                return;
            }
            const refusal = status < 200 || status >= 300;
            const errChunks = [];
            let errSize = 0;
            // The line being assembled: its pieces and size; `discarding` while the rest of an oversized line passes.
            let pending = [];
            let pendingSize = 0;
            let discarding = false;
            let discarded = 0;
            const lineDone = (buf) => {
                const text = buf.toString('utf8');
                if (text.trim() === '')
                    return true;
                return onLine(text);
            };
            res.on('data', (chunk) => {
                if (settled)
                    return;
                received += chunk.length;
                if (refusal) {
                    if (errSize < limits.maxErrorBytes) {
                        const part = chunk.subarray(0, limits.maxErrorBytes - errSize);
                        errChunks.push(part);
                        errSize += part.length;
                    }
                    return;
                }
                let start = 0;
                while (start < chunk.length && !settled) {
                    const nl = chunk.indexOf(10, start);
                    const end = nl < 0 ? chunk.length : nl;
                    const piece = chunk.subarray(start, end);
                    if (discarding)
                        discarded += piece.length;
                    else if (pendingSize + piece.length > limits.maxLineBytes) {
                        discarding = true;
                        discarded = pendingSize + piece.length;
                        pending = [];
                        pendingSize = 0;
                    }
                    else if (piece.length) {
                        pending.push(piece);
                        pendingSize += piece.length;
                    }
                    if (nl < 0)
                        break;
                    start = nl + 1;
                    if (discarding) {
                        discarding = false;
                        limits.onOversized?.(discarded);
                        discarded = 0;
                        continue;
                    }
                    const line = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingSize);
                    pending = [];
                    pendingSize = 0;
                    if (!lineDone(line)) {
                        done({ status, headers: res.headers, body: Buffer.alloc(0), stopped: true }, true);
                        return;
                    }
                }
            });
            res.on('aborted', () => fail(new TransportError('dropped', 'the watch connection was dropped mid-stream')));
            res.on('error', () => fail(new TransportError('dropped', 'the watch connection was dropped mid-stream')));
            res.on('close', () => {
                if (!res.complete)
                    fail(new TransportError('dropped', 'the watch connection was dropped mid-stream'));
            });
            res.on('end', () => {
                if (settled)
                    return;
                if (!res.complete) {
                    fail(new TransportError('dropped', 'the watch connection was dropped mid-stream'));
                    return;
                }
                // A last line without its newline still counts as an event.
                if (!refusal && !discarding && pendingSize > 0) {
                    const line = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingSize);
                    pending = [];
                    if (!lineDone(line)) {
                        done({ status, headers: res.headers, body: Buffer.alloc(0), stopped: true }, false);
                        return;
                    }
                }
                if (discarding)
                    limits.onOversized?.(discarded);
                done({ status, headers: res.headers, body: refusal ? Buffer.concat(errChunks, errSize) : Buffer.alloc(0), stopped: false }, false);
            });
        });
        req.end();
    });
}
