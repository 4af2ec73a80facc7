/**
 * One cluster's HTTPS endpoint: authentication (bearer tokens, client certificates, impersonation),
 * RBAC, discovery, list/get/create/update/patch/delete, watch, access reviews, Table output for
 * kubectl, and injected faults. Answers are shaped and worded as the real kube-apiserver's.
 */
import https from 'node:https';
import { StoreError, notFound, qualified, resourceKey } from './store.js';
import { authorize, forbiddenMessage } from './rbac.js';
import { SelectorError, fieldsMatch, labelsMatch, parseFieldSelector, parseLabelSelector } from './selectors.js';
const MAX_BODY = 3 * 1024 * 1024;
const MAX_RECORDS = 100_000;
class HttpError extends Error {
    code;
    reason;
    details;
    headers;
    constructor(code, reason, message, details, headers = {}) {
        super(message);
        this.code = code;
        this.reason = reason;
        this.details = details;
        this.headers = headers;
    }
}
function status(code, reason, message, details) {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}
const NOT_FOUND_PATH = () => new HttpError(404, 'NotFound', 'the server could not find the requested resource', {});
export class ClusterServer {
    name;
    objects;
    requests = [];
    faults;
    server;
    sockets = new Set();
    closers = new Set();
    watchClosers = new Set();
    faultUses = new Map();
    tokens;
    ca;
    bookmarkIntervalMs;
    port = 0;
    constructor(opts) {
        this.name = opts.name;
        this.objects = opts.objects;
        this.tokens = opts.tokens;
        this.faults = opts.faults;
        this.ca = opts.ca;
        this.bookmarkIntervalMs = opts.bookmarkIntervalMs;
        this.server = https.createServer({ key: opts.serverCert.keyPem, cert: opts.serverCert.certPem, ca: opts.ca.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => void this.handle(req, res));
        this.server.on('connection', (s) => {
            this.sockets.add(s);
            s.on('close', () => this.sockets.delete(s));
        });
        this.server.on('secureConnection', (s) => {
            this.sockets.add(s);
            s.on('close', () => this.sockets.delete(s));
        });
    }
    async listen(host) {
        await new Promise((resolve, reject) => {
            this.server.once('error', reject);
            this.server.listen(0, host, () => resolve());
        });
        this.port = this.server.address().port;
        return `https://${host}:${this.port}`;
    }
    async stop() {
        for (const c of [...this.closers])
            c();
        for (const s of this.sockets)
            s.destroy();
        await new Promise((resolve) => this.server.close(() => resolve()));
    }
    /** Cuts every open watch stream, as an API server restart does (clients see a dropped connection). */
    dropWatches() {
        const all = [...this.watchClosers];
        for (const c of all)
            c();
        return all.length;
    }
    setFaults(faults) {
        this.faults = faults;
        this.faultUses.clear();
    }
    waiters = new Set();
    /** Resolves with the first request (already served or still to come) that `pred` accepts. */
    waitForRequest(pred) {
        const seen = this.requests.find(pred);
        if (seen)
            return Promise.resolve(seen);
        return new Promise((resolve) => this.waiters.add({ pred, resolve }));
    }
    /** Called once a request is routed (verb and resource known) and again when it is answered. */
    notify(r) {
        for (const w of this.waiters) {
            if (w.pred(r)) {
                this.waiters.delete(w);
                w.resolve(r);
            }
        }
    }
    record(r) {
        this.requests.push(r);
        if (this.requests.length > MAX_RECORDS)
            this.requests.splice(0, this.requests.length - MAX_RECORDS);
    }
    async handle(req, res) {
        const rec = { method: req.method ?? 'GET', path: '', query: '', verb: '', resource: '', namespace: '', limit: null, continued: false, user: '', status: 0 };
        res.on('finish', () => {
            rec.status = res.statusCode;
            this.notify(rec);
        });
        res.on('close', () => {
            if (!rec.status)
                rec.status = res.statusCode;
        });
        this.record(rec);
        try {
            const url = new URL(req.url ?? '/', 'https://stand-in');
            rec.path = url.pathname;
            rec.query = url.search.slice(1, 4097);
            const q = url.searchParams;
            rec.limit = q.has('limit') ? Number(q.get('limit')) : null;
            rec.continued = (q.get('continue') ?? '') !== '';
            const authenticated = this.authenticate(req);
            if (!authenticated)
                throw new HttpError(401, 'Unauthorized', 'Unauthorized');
            const user = this.impersonate(req, authenticated);
            rec.user = user.name;
            let segments;
            try {
                segments = url.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
            }
            catch {
                throw NOT_FOUND_PATH();
            }
            const target = this.resolve(segments);
            const method = rec.method;
            const watch = q.get('watch') === '1' || q.get('watch') === 'true';
            let verb;
            if (!target)
                verb = method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase();
            else if (method === 'GET')
                verb = watch ? 'watch' : target.name ? 'get' : 'list';
            else if (method === 'POST')
                verb = 'create';
            else if (method === 'PUT')
                verb = 'update';
            else if (method === 'PATCH')
                verb = 'patch';
            else if (method === 'DELETE')
                verb = target.name ? 'delete' : 'deletecollection';
            else
                throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
            rec.verb = verb;
            if (target) {
                rec.resource = qualified(target.resource);
                rec.namespace = target.namespace;
            }
            this.notify(rec);
            const fault = this.takeFault(target, verb);
            if (fault?.latencyMs) {
                // Cut short by stop(), so a stopping stand-in leaves no timer behind.
                await new Promise((resolve) => {
                    const done = () => {
                        clearTimeout(timer);
                        this.closers.delete(done);
                        resolve();
                    };
                    const timer = setTimeout(done, fault.latencyMs);
                    this.closers.add(done);
                });
                if (res.destroyed)
                    return;
            }
            if (fault?.status) {
                const headers = {};
                if (fault.retryAfterSeconds !== undefined)
                    headers['Retry-After'] = String(fault.retryAfterSeconds);
                const reason = fault.status === 429 ? 'TooManyRequests' : fault.status === 503 ? 'ServiceUnavailable' : fault.status === 504 ? 'Timeout' : 'InternalError';
                const message = fault.status === 429 ? 'Too many requests, please try again later.' : fault.status === 503 ? 'the server is currently unable to handle the request' : 'Internal error occurred: injected by the stand-in';
                throw new HttpError(fault.status, reason, message, fault.retryAfterSeconds !== undefined ? { retryAfterSeconds: fault.retryAfterSeconds } : {}, headers);
            }
            const attrs = target
                ? { user, verb, path: url.pathname, resource: { group: target.resource.group, resource: target.resource.name, subresource: target.subresource, namespace: target.namespace, name: target.name } }
                : { user, verb, path: url.pathname };
            const decision = authorize(this.objects, attrs);
            if (!decision.allowed) {
                const message = forbiddenMessage(attrs, decision.reason);
                if (!target)
                    throw new HttpError(403, 'Forbidden', `forbidden: ${message}`, {});
                const who = target.name ? `${qualified(target.resource)} ${JSON.stringify(target.name)}` : qualified(target.resource);
                throw new HttpError(403, 'Forbidden', `${who} is forbidden: ${message}`, { ...(target.name ? { name: target.name } : {}), ...(target.resource.group ? { group: target.resource.group } : {}), kind: target.resource.name });
            }
            if (!target)
                return this.nonResource(segments, url, res);
            if (target.subresource)
                throw NOT_FOUND_PATH();
            const r = target.resource;
            if (r.group === 'authorization.k8s.io') {
                if (verb !== 'create')
                    throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
                return this.accessReview(r, user, await readJson(req), res);
            }
            switch (verb) {
                case 'list': return this.list(target, q, req, res, fault);
                case 'watch': return this.watch(target, q, req, res, fault);
                case 'get': {
                    const s = this.objects.get(r, target.namespace, target.name);
                    if (!s)
                        throw notFound(r, target.name);
                    return send(res, 200, wantsTable(req) ? this.table(target, [s], '', '') : this.objectJson(s, target));
                }
                case 'create': {
                    if (target.name)
                        throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
                    const s = this.objects.create(this.typed(await readJson(req), target), { resource: r, namespace: target.namespace });
                    return send(res, 201, this.objectJson(s, target));
                }
                case 'update': return send(res, 200, this.objectJson(this.objects.update(r, target.namespace, target.name, this.typed(await readJson(req), target)), target));
                case 'patch': {
                    const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
                    if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json') {
                        throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json`);
                    }
                    const cur = this.objects.get(r, target.namespace, target.name);
                    if (!cur)
                        throw notFound(r, target.name);
                    const patched = mergePatch(structuredClone(cur.obj), await readJson(req));
                    return send(res, 200, this.objectJson(this.objects.update(r, target.namespace, target.name, patched), target));
                }
                case 'delete': return send(res, 200, this.objectJson(this.objects.delete(r, target.namespace, target.name), target));
                default: throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
            }
        }
        catch (e) {
            if (res.headersSent) {
                res.destroy();
                return;
            }
            if (e instanceof HttpError) {
                for (const [k, v] of Object.entries(e.headers))
                    res.setHeader(k, v);
                send(res, e.code, status(e.code, e.reason, e.message, e.details));
            }
            else if (e instanceof StoreError)
                send(res, e.code, status(e.code, e.reason, e.message, e.details));
            else if (e instanceof SelectorError)
                send(res, 400, status(400, 'BadRequest', e.message));
            else
                send(res, 500, status(500, 'InternalError', `Internal error occurred: ${e.message}`));
        }
    }
    authenticate(req) {
        const sock = req.socket;
        if (sock.authorized) {
            const pem = sock.getPeerX509Certificate?.();
            if (pem && this.ca.signed(pem)) {
                const peer = sock.getPeerCertificate(false);
                const cn = peer.subject?.CN;
                const o = peer.subject?.O;
                const name = Array.isArray(cn) ? cn[0] : cn;
                if (typeof name === 'string' && name !== '') {
                    const groups = (Array.isArray(o) ? o : typeof o === 'string' ? [o] : []).filter((g) => g !== '');
                    return { name, groups: [...groups, 'system:authenticated'] };
                }
            }
        }
        const auth = req.headers.authorization;
        if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) {
            const token = auth.replace(/^bearer\s+/i, '').trim();
            const u = this.tokens.get(token);
            if (u)
                return { name: u.name, groups: [...u.groups, 'system:authenticated'] };
        }
        return null;
    }
    /** `Impersonate-User`/`Impersonate-Group`: allowed when the caller may `impersonate` those users and groups. */
    impersonate(req, caller) {
        const asUser = req.headers['impersonate-user'];
        const asGroups = req.headers['impersonate-group'];
        if (asUser === undefined && asGroups === undefined)
            return caller;
        if (typeof asUser !== 'string' || asUser === '')
            throw new HttpError(500, 'InternalError', 'Internal error occurred: requested [] without impersonating a user');
        const groups = asGroups === undefined ? [] : Array.isArray(asGroups) ? asGroups : [asGroups];
        const sa = asUser.match(/^system:serviceaccount:([^:]+):([^:]+)$/);
        const checks = [
            sa
                ? { user: caller, verb: 'impersonate', path: '', resource: { group: '', resource: 'serviceaccounts', subresource: '', namespace: sa[1], name: sa[2] } }
                : { user: caller, verb: 'impersonate', path: '', resource: { group: '', resource: 'users', subresource: '', namespace: '', name: asUser } },
            ...groups.map((g) => ({ user: caller, verb: 'impersonate', path: '', resource: { group: '', resource: 'groups', subresource: '', namespace: '', name: g } })),
        ];
        for (const a of checks) {
            const d = authorize(this.objects, a);
            if (!d.allowed) {
                const r = a.resource;
                throw new HttpError(403, 'Forbidden', `${r.resource} ${JSON.stringify(r.name)} is forbidden: ${forbiddenMessage(a, d.reason)}`, { name: r.name, kind: r.resource });
            }
        }
        const all = new Set(groups);
        if (sa) {
            all.add('system:serviceaccounts');
            all.add(`system:serviceaccounts:${sa[1]}`);
        }
        if (asUser !== 'system:anonymous')
            all.add('system:authenticated');
        return { name: asUser, groups: [...all] };
    }
    takeFault(target, verb) {
        for (const f of this.faults) {
            if (f.verb !== undefined && f.verb !== verb)
                continue;
            if (f.kind !== undefined) {
                if (!target)
                    continue;
                const r = target.resource;
                const names = [r.name, r.kind, `${r.group}/${r.name}`, `${r.group}/${r.kind}`];
                if (!names.includes(f.kind))
                    continue;
            }
            if (f.times !== undefined) {
                const used = this.faultUses.get(f) ?? 0;
                if (used >= f.times)
                    continue;
                this.faultUses.set(f, used + 1);
            }
            return f;
        }
        return undefined;
    }
    /** A resource path, or null for a non-resource path (discovery, /version...). */
    resolve(seg) {
        let group, version, rest;
        if (seg[0] === 'api' && seg.length >= 3) {
            group = '';
            version = seg[1];
            rest = seg.slice(2);
        }
        else if (seg[0] === 'apis' && seg.length >= 4) {
            group = seg[1];
            version = seg[2];
            rest = seg.slice(3);
        }
        else
            return null;
        let namespace = '';
        if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
            namespace = rest[1];
            rest = rest.slice(2);
        }
        const [plural, name = '', subresource = '', ...extra] = rest;
        const r = plural !== undefined ? this.objects.resource(group, plural) : undefined;
        if (!r || !r.versions.includes(version) || extra.length > 0)
            throw NOT_FOUND_PATH();
        if (namespace && !r.namespaced)
            throw NOT_FOUND_PATH();
        if (r.namespaced && name && !namespace)
            throw NOT_FOUND_PATH();
        return { resource: r, version, namespace, name, subresource };
    }
    nonResource(seg, url, res) {
        const p = '/' + seg.join('/');
        if (p === '/healthz' || p === '/livez' || p === '/readyz') {
            res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
            res.end('ok');
            return;
        }
        if (p === '/version')
            return send(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.0-meshward-stand-in', gitCommit: '', gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.22', compiler: 'gc', platform: 'linux/amd64' });
        const all = this.objects.apiResources();
        if (p === '/api')
            return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }] });
        if (p === '/api/v1')
            return send(res, 200, resourceList('v1', all.filter((r) => r.group === ''), 'v1'));
        const groups = new Map();
        for (const r of all) {
            if (r.group === '')
                continue;
            const vs = groups.get(r.group) ?? [];
            for (const v of r.versions)
                if (!vs.includes(v))
                    vs.push(v);
            groups.set(r.group, vs);
        }
        const groupJson = (g, vs) => {
            const sorted = sortVersions(vs);
            return { name: g, versions: sorted.map((v) => ({ groupVersion: `${g}/${v}`, version: v })), preferredVersion: { groupVersion: `${g}/${sorted[0]}`, version: sorted[0] } };
        };
        if (p === '/apis')
            return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups].map(([g, vs]) => groupJson(g, vs)) });
        if (seg[0] === 'apis' && seg.length === 2 && groups.has(seg[1]))
            return send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...groupJson(seg[1], groups.get(seg[1])) });
        if (seg[0] === 'apis' && seg.length === 3 && (groups.get(seg[1]) ?? []).includes(seg[2])) {
            return send(res, 200, resourceList(`${seg[1]}/${seg[2]}`, all.filter((r) => r.group === seg[1] && r.versions.includes(seg[2])), seg[2]));
        }
        void url;
        throw NOT_FOUND_PATH();
    }
    /** As the real server decodes a body: a missing apiVersion or kind is the endpoint's. */
    typed(body, t) {
        if (!body || typeof body !== 'object' || Array.isArray(body))
            return body;
        const o = body;
        return { ...o, apiVersion: o.apiVersion ?? this.apiVersion(t), kind: o.kind ?? t.resource.kind };
    }
    apiVersion(t) {
        return t.resource.group ? `${t.resource.group}/${t.version}` : t.version;
    }
    objectJson(s, t) {
        const av = this.apiVersion(t);
        if (s.obj.apiVersion !== av)
            return JSON.stringify({ ...s.obj, apiVersion: av });
        return (s.json ??= JSON.stringify(s.obj));
    }
    selectors(q, t) {
        const resource = `${t.resource.group}/${t.resource.name}`;
        return { labels: parseLabelSelector(q.get('labelSelector')), fields: parseFieldSelector(q.get('fieldSelector'), resource), resource };
    }
    matches(s, sel) {
        return fieldsMatch(sel.fields, s.name, s.namespace, s.obj, sel.resource) && labelsMatch(sel.labels, s.obj.metadata?.labels);
    }
    list(t, q, req, res, fault) {
        const sel = this.selectors(q, t);
        const limitText = q.get('limit');
        const limit = limitText !== null && /^\d+$/.test(limitText) && Number(limitText) > 0 ? Number(limitText) : 0;
        const cont = q.get('continue') ?? '';
        let start = null;
        let listRv = this.objects.rv;
        if (cont) {
            const token = decodeContinue(cont);
            if (token.rv < this.objects.compactedRv) {
                throw new HttpError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.', {});
            }
            start = token.start;
            listRv = token.rv;
        }
        const items = [];
        let last = null;
        let more = false;
        // As etcd-backed lists do: `limit` counts the items returned, the continue token starts after
        // the last object examined.
        for (const s of this.objects.iterate(t.resource, t.namespace, start)) {
            if (limit && items.length >= limit) {
                more = true;
                break;
            }
            if (this.matches(s, sel)) {
                items.push(s);
                last = s;
            }
        }
        const metadata = { resourceVersion: String(listRv) };
        if (more && last) {
            const rel = t.resource.namespaced && t.namespace ? last.key.slice(t.namespace.length + 1) : last.key;
            metadata.continue = encodeContinue(listRv, rel + '\u0000');
            if (sel.labels.length === 0 && sel.fields.length === 0) {
                let after = 0;
                for (const _ of this.objects.iterate(t.resource, t.namespace, rel + '\u0000'))
                    after++;
                metadata.remainingItemCount = after;
            }
        }
        if (wantsTable(req))
            return send(res, 200, this.table(t, items, String(listRv), metadata.continue ?? ''));
        const av = this.apiVersion(t);
        const head = `{"kind":${JSON.stringify(t.resource.kind + 'List')},"apiVersion":${JSON.stringify(av)},"metadata":${JSON.stringify(metadata)},"items":[`;
        const body = head + items.map((s) => this.objectJson(s, t)).join(',') + ']}';
        if (fault?.dropMidBody || fault?.stallMidBody) {
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.write(body.slice(0, Math.max(1, body.length >> 1)));
            if (fault.dropMidBody)
                setImmediate(() => res.destroy());
            else {
                const close = () => res.destroy();
                this.closers.add(close);
                res.on('close', () => this.closers.delete(close));
            }
            return;
        }
        send(res, 200, body);
    }
    table(t, items, rv, cont) {
        const now = Date.now();
        return {
            kind: 'Table',
            apiVersion: 'meta.k8s.io/v1',
            metadata: { resourceVersion: rv, ...(cont ? { continue: cont } : {}) },
            columnDefinitions: [
                { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
                { name: 'Age', type: 'string', format: '', description: 'CreationTimestamp of the object.', priority: 0 },
            ],
            rows: items.map((s) => ({
                cells: [s.name, age(now, s.obj.metadata?.creationTimestamp)],
                object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: s.obj.metadata },
            })),
        };
    }
    watch(t, q, req, res, fault) {
        const sel = this.selectors(q, t);
        const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
        const initial = q.get('sendInitialEvents') === 'true';
        const rvText = q.get('resourceVersion') ?? '';
        if (initial && (!bookmarks || q.get('resourceVersionMatch') !== 'NotOlderThan')) {
            throw new HttpError(422, 'Invalid', 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is allowed only with allowWatchBookmarks=true and resourceVersionMatch=NotOlderThan', {});
        }
        if (rvText !== '' && !/^\d+$/.test(rvText))
            throw new HttpError(400, 'BadRequest', `invalid resource version: ${JSON.stringify(rvText.slice(0, 40))}`);
        const table = wantsTable(req);
        const key = resourceKey(t.resource.group, t.resource.name);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
        res.flushHeaders();
        for (const line of fault?.watchLines ?? [])
            res.write(line + '\n');
        const write = (type, s, object) => {
            const obj = object ?? (table && s ? this.table(t, [s], s.obj.metadata.resourceVersion, '') : null);
            res.write(obj ? `{"type":"${type}","object":${JSON.stringify(obj)}}\n` : `{"type":"${type}","object":${this.objectJson(s, t)}}\n`);
        };
        const bookmark = (annotations) => {
            write('BOOKMARK', null, { kind: t.resource.kind, apiVersion: this.apiVersion(t), metadata: { resourceVersion: String(this.objects.rv), ...(annotations ? { annotations } : {}) } });
        };
        const inScope = (s) => !t.namespace || s.namespace === t.namespace;
        const emit = (e) => {
            if (e.resource !== key || !inScope(e.current))
                return;
            const now = this.matches(e.current, sel);
            const before = e.previous !== null && e.type !== 'ADDED' && this.matches(e.previous, sel);
            if (e.type === 'DELETED') {
                if (before)
                    write('DELETED', e.current);
            }
            else if (e.type === 'ADDED') {
                if (now)
                    write('ADDED', e.current);
            }
            else if (now && before)
                write('MODIFIED', e.current);
            else if (now)
                write('ADDED', e.current);
            else if (before)
                write('DELETED', e.current);
        };
        if (rvText === '' || rvText === '0' || initial) {
            for (const s of this.objects.iterate(t.resource, t.namespace, null))
                if (this.matches(s, sel))
                    write('ADDED', s);
            if (initial)
                bookmark({ 'k8s.io/initial-events-end': 'true' });
        }
        else {
            const rv = Number(rvText);
            const replay = this.objects.eventsSince(rv, key);
            if (replay === null) {
                write('ERROR', null, status(410, 'Expired', `too old resource version: ${rv} (${this.objects.compactedRv})`));
                res.end();
                return;
            }
            for (const e of replay)
                emit(e);
        }
        if (fault?.dropMidBody) {
            setImmediate(() => res.destroy());
            return;
        }
        if (fault?.stallMidBody) {
            const cut = () => {
                this.closers.delete(cut);
                this.watchClosers.delete(cut);
                res.destroy();
            };
            this.closers.add(cut);
            this.watchClosers.add(cut);
            res.on('close', cut);
            return;
        }
        const unsubscribe = this.objects.onChange(emit);
        const timers = [];
        const close = () => {
            unsubscribe();
            for (const tm of timers)
                clearTimeout(tm);
            this.closers.delete(close);
            this.watchClosers.delete(drop);
            if (!res.writableEnded)
                res.end();
        };
        const drop = () => {
            close();
            res.destroy();
        };
        this.closers.add(close);
        this.watchClosers.add(drop);
        req.on('close', close);
        res.on('close', close);
        const timeout = Number(q.get('timeoutSeconds') ?? '');
        if (Number.isFinite(timeout) && timeout > 0)
            timers.push(setTimeout(close, Math.min(timeout, 3600) * 1000));
        if (bookmarks)
            timers.push(setInterval(() => bookmark(), this.bookmarkIntervalMs));
    }
    accessReview(r, user, body, res) {
        const spec = body && typeof body === 'object' && body.spec && typeof body.spec === 'object' ? body.spec : {};
        let subject = user;
        if (r.name === 'subjectaccessreviews') {
            const groups = Array.isArray(spec.groups) ? spec.groups.filter((g) => typeof g === 'string') : [];
            subject = { name: typeof spec.user === 'string' ? spec.user : '', groups };
        }
        const ra = spec.resourceAttributes, nra = spec.nonResourceAttributes;
        const str = (v) => (typeof v === 'string' ? v : '');
        let attrs;
        if (ra && typeof ra === 'object') {
            attrs = { user: subject, verb: str(ra.verb), path: '', resource: { group: str(ra.group), resource: str(ra.resource), subresource: str(ra.subresource), namespace: str(ra.namespace), name: str(ra.name) } };
        }
        else if (nra && typeof nra === 'object') {
            attrs = { user: subject, verb: str(nra.verb), path: str(nra.path) };
        }
        else {
            throw new HttpError(422, 'Invalid', `${r.kind}.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`, {});
        }
        const d = authorize(this.objects, attrs);
        send(res, 201, { kind: r.kind, apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status: { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) } });
    }
}
function send(res, code, body) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
    res.end(text);
}
function wantsTable(req) {
    const accept = req.headers.accept ?? '';
    return /(^|[;,\s])as=Table([;,\s]|$)/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}
function resourceList(groupVersion, rs, version) {
    return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion,
        resources: rs
            .filter((r) => r.versions.includes(version))
            .map((r) => ({
            name: r.name,
            singularName: r.singularName,
            namespaced: r.namespaced,
            kind: r.kind,
            verbs: r.verbs,
            ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
            ...(r.categories.length ? { categories: r.categories } : {}),
        })),
    };
}
/** Kubernetes version priority: GA before beta before alpha, higher numbers first. */
function sortVersions(vs) {
    const rank = (v) => {
        const m = v.match(/^v(\d+)(?:(alpha|beta)(\d+))?$/);
        if (!m)
            return [3, 0, 0];
        return [m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2, -Number(m[1]), -Number(m[3] ?? 0)];
    };
    return [...vs].sort((a, b) => {
        const x = rank(a), y = rank(b);
        return x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || a.localeCompare(b);
    });
}
function age(now, ts) {
    const t = typeof ts === 'string' ? Date.parse(ts) : NaN;
    if (!Number.isFinite(t))
        return '<unknown>';
    const s = Math.max(0, Math.floor((now - t) / 1000));
    if (s < 120)
        return `${s}s`;
    if (s < 7200)
        return `${Math.floor(s / 60)}m`;
    if (s < 48 * 3600)
        return `${Math.floor(s / 3600)}h`;
    return `${Math.floor(s / 86400)}d`;
}
/** The real server's continue token: base64url (no padding) of {"v":"meta.k8s.io/v1","rv":N,"start":"key"}. */
export function encodeContinue(rv, start) {
    return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}
function decodeContinue(token) {
    let parsed;
    try {
        parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    }
    catch {
        throw new HttpError(400, 'BadRequest', 'invalid continue token: continue key is not valid: illegal base64 data or JSON', {});
    }
    if (!parsed || parsed.v !== 'meta.k8s.io/v1')
        throw new HttpError(400, 'BadRequest', 'invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)', {});
    if (typeof parsed.rv !== 'number' || !Number.isInteger(parsed.rv) || parsed.rv <= 0)
        throw new HttpError(400, 'BadRequest', 'invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)', {});
    if (typeof parsed.start !== 'string' || parsed.start === '' || parsed.start.startsWith('/'))
        throw new HttpError(400, 'BadRequest', 'invalid continue token: continue key is not valid: encoded start key was not a relative key', {});
    return { rv: parsed.rv, start: parsed.start };
}
async function readJson(req) {
    const chunks = [];
    let size = 0;
    for await (const c of req) {
        size += c.length;
        if (size > MAX_BODY)
            throw new HttpError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY}`);
        chunks.push(c);
    }
    try {
        return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    }
    catch (e) {
        throw new HttpError(400, 'BadRequest', `the body of the request is not valid JSON: ${e.message.slice(0, 200)}`);
    }
}
/** RFC 7386 JSON merge patch; keys are copied with defineProperty so `__proto__` stays data. */
function mergePatch(target, patch) {
    if (!patch || typeof patch !== 'object' || Array.isArray(patch))
        return patch;
    const out = target && typeof target === 'object' && !Array.isArray(target) ? target : {};
    for (const k of Object.keys(patch)) {
        const v = patch[k];
        if (v === null)
            delete out[k];
        else
            Object.defineProperty(out, k, { value: mergePatch(Object.hasOwn(out, k) ? out[k] : undefined, v), enumerable: true, writable: true, configurable: true });
    }
    return out;
}
