/**
 * The Kubernetes API stand-in: many clusters in one process, each on its own 127.0.0.1 port (a port
 * per cluster rather than a path prefix, so every client sees a plain server URL, as with real
 * clusters), all under one throwaway CA.
 *
 *   const standIn = await startStandIn({ clusters: [{ name: 'east', folders: ['examples/insecure'] }] });
 *   const yaml = standIn.kubeconfig({ user: 'admin' });     // one context per cluster, inline data
 *   ...
 *   await standIn.stop();
 */
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { loadPaths } from '../../loader/load.js';
import { createCertificateAuthority } from './pki.js';
import { ObjectSet } from './store.js';
import { ClusterServer } from './server.js';
export { ObjectSet } from './store.js';
const ADMIN = { name: 'admin', groups: ['system:masters'] };
/** Loads YAML/JSON folders with meshward's bounded loader into an ObjectSet (loader errors become notes). */
export async function loadObjectSet(folders, opts = {}) {
    const loaded = await loadPaths(folders, { defaultNamespace: 'default', cluster: 'stand-in' });
    const set = new ObjectSet(loaded.resources.map((r) => r.obj), opts);
    for (const e of loaded.errors)
        set.notes.push(`${e.file}:${e.line}: ${e.message}`);
    return set;
}
export async function startStandIn(opts) {
    const names = new Set();
    for (const c of opts.clusters) {
        if (typeof c.name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(c.name))
            throw new Error(`stand-in: cluster name ${JSON.stringify(c.name)} must be a lower-case DNS name`);
        if (names.has(c.name))
            throw new Error(`stand-in: cluster name ${JSON.stringify(c.name)} is given twice`);
        names.add(c.name);
    }
    const ca = await createCertificateAuthority();
    const serverCert = await ca.issueServer();
    const servers = new Map();
    const userTables = new Map();
    const certs = new Map();
    const started = [];
    const urls = new Map();
    try {
        for (const c of opts.clusters) {
            let set;
            if (c.objects instanceof ObjectSet)
                set = c.objects;
            else {
                const setOpts = { crds: c.crds ?? ['istio'], retainEvents: c.retainEvents };
                const objects = c.objects ? [...c.objects] : [];
                if (c.folders?.length) {
                    const loaded = await loadPaths(c.folders, { defaultNamespace: 'default', cluster: c.name });
                    for (const r of loaded.resources)
                        objects.push(r.obj);
                    set = new ObjectSet(objects, setOpts);
                    for (const e of loaded.errors)
                        set.notes.push(`${e.file}:${e.line}: ${e.message}`);
                }
                else
                    set = new ObjectSet(objects, setOpts);
            }
            const users = new Map();
            for (const u of [ADMIN, ...(opts.users ?? []), ...(c.users ?? [])]) {
                users.set(u.name, { name: u.name, groups: [...(u.groups ?? [])], token: u.token ?? randomBytes(24).toString('base64url') });
            }
            const tokens = new Map();
            for (const u of users.values())
                tokens.set(u.token, { name: u.name, groups: u.groups });
            userTables.set(c.name, users);
            const server = new ClusterServer({ name: c.name, objects: set, tokens, faults: c.faults ?? [], ca, serverCert, bookmarkIntervalMs: c.bookmarkIntervalMs ?? 1000 });
            urls.set(c.name, await server.listen('127.0.0.1'));
            started.push(server);
            servers.set(c.name, server);
        }
        // Client certificates for every user name, issued once (the CA is shared by all clusters).
        for (const users of userTables.values()) {
            for (const u of users.values())
                if (!certs.has(u.name))
                    certs.set(u.name, await ca.issueClient(u.name, u.groups));
        }
    }
    catch (e) {
        await Promise.all(started.map((s) => s.stop()));
        throw e;
    }
    const need = (name) => {
        const s = servers.get(name);
        if (!s)
            throw new Error(`stand-in: no cluster named ${JSON.stringify(name)} (clusters: ${[...servers.keys()].join(', ')})`);
        return s;
    };
    const b64 = (s) => Buffer.from(s).toString('base64');
    let stopped = null;
    return {
        caPem: ca.certPem,
        clusters: opts.clusters.map((c) => ({ name: c.name, url: urls.get(c.name), caPem: ca.certPem })),
        cluster(name) {
            const s = need(name);
            return { name, url: urls.get(name), caPem: ca.certPem, objects: s.objects, requests: s.requests, setFaults: (f) => s.setFaults(f), dropWatches: () => s.dropWatches(), waitForRequest: (p) => s.waitForRequest(p), notes: s.objects.notes };
        },
        token(cluster, user = 'admin') {
            need(cluster);
            const u = userTables.get(cluster).get(user);
            if (!u)
                throw new Error(`stand-in: cluster ${JSON.stringify(cluster)} has no user ${JSON.stringify(user)}`);
            return u.token;
        },
        issueClientCert: (user, groups) => ca.issueClient(user, groups),
        kubeconfig(k = {}) {
            const user = k.user ?? 'admin';
            const chosen = k.clusters ?? opts.clusters.map((c) => c.name);
            const clusters = [], contexts = [], users = [];
            for (const name of chosen) {
                need(name);
                const u = userTables.get(name).get(user);
                if (!u)
                    throw new Error(`stand-in: cluster ${JSON.stringify(name)} has no user ${JSON.stringify(user)}`);
                clusters.push({ name, cluster: { server: urls.get(name), 'certificate-authority-data': b64(ca.certPem) } });
                const userName = `${name}-${user}`;
                if (k.credential === 'cert') {
                    const cert = certs.get(user);
                    users.push({ name: userName, user: { 'client-certificate-data': b64(cert.certPem), 'client-key-data': b64(cert.keyPem) } });
                }
                else
                    users.push({ name: userName, user: { token: u.token } });
                contexts.push({ name, context: { cluster: name, user: userName } });
            }
            return stringify({ apiVersion: 'v1', kind: 'Config', preferences: {}, 'current-context': k.currentContext ?? chosen[0] ?? '', clusters, contexts, users });
        },
        stop() {
            stopped ??= Promise.all(started.map((s) => s.stop())).then(() => undefined);
            return stopped;
        },
    };
}
