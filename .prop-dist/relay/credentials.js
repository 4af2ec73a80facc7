/**
 * Where an agent keeps its credentials between restarts (CredentialStore in ./identity-types.ts):
 *
 * - FileCredentialStore, outside a cluster: one JSON file, mode 0600, replaced atomically (a temporary
 *   file beside it, fsync, rename), so a crash mid-write leaves the old credentials or the new ones,
 *   never half of each.
 * - SecretCredentialStore, inside a cluster: a `kubernetes.io/tls` Secret in the agent's own namespace,
 *   read and written through @kubernetes/client-node's CoreV1Api, built from the gate's ClientSpec (the
 *   kubeconfig judged by src/kubeconfig/judge.ts first, as every kubeconfig is).
 *   The agent's RBAC needs get and update on that one Secret (resourceNames) and create in its namespace.
 *
 * Neither ever puts a key or a certificate in an error message: they name the place only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { kubeConfigFor } from '../cluster/client.js';
/** Far more than a key, a certificate and a CA (a few KB): a bigger file is not ours. */
const MAX_CREDENTIAL_BYTES = 256 * 1024;
const FILE_FORMAT = 'meshward-agent-credentials/v1';
export class CredentialStoreError extends Error {
    constructor(message) {
        super(message);
        this.name = 'CredentialStoreError';
    }
}
const isPem = (s, label) => typeof s === 'string' && s.length < MAX_CREDENTIAL_BYTES && label.test(s);
const KEY_PEM = /-----BEGIN (EC |RSA )?PRIVATE KEY-----/;
const CERT_PEM = /-----BEGIN CERTIFICATE-----/;
function credentialsFrom(x, where) {
    if (!isPem(x.keyPem, KEY_PEM))
        throw new CredentialStoreError(`${where}: no PEM private key; delete it and enroll again with a bootstrap token`);
    if (!isPem(x.certificatePem, CERT_PEM))
        throw new CredentialStoreError(`${where}: no PEM certificate; delete it and enroll again with a bootstrap token`);
    if (!isPem(x.caCertificatePem, CERT_PEM))
        throw new CredentialStoreError(`${where}: no PEM CA certificate; delete it and enroll again with a bootstrap token`);
    const notAfter = typeof x.notAfter === 'string' ? new Date(x.notAfter) : null;
    if (!notAfter || Number.isNaN(notAfter.getTime()))
        throw new CredentialStoreError(`${where}: no valid notAfter date; delete it and enroll again with a bootstrap token`);
    return { keyPem: x.keyPem, certificatePem: x.certificatePem, caCertificatePem: x.caCertificatePem, notAfter };
}
export class FileCredentialStore {
    file;
    constructor(file) {
        this.file = file;
    }
    describe() {
        return this.file;
    }
    async load() {
        let st;
        try {
            st = await fs.promises.stat(this.file);
        }
        catch (e) {
            if (e.code === 'ENOENT')
                return null;
            throw new CredentialStoreError(`${this.file}: cannot read the agent credentials (${e.code ?? 'error'})`);
        }
        if (!st.isFile())
            throw new CredentialStoreError(`${this.file}: the agent credentials must be a regular file`);
        if (st.size > MAX_CREDENTIAL_BYTES)
            throw new CredentialStoreError(`${this.file}: larger than ${MAX_CREDENTIAL_BYTES / 1024} KiB, not agent credentials; delete it and enroll again`);
        // The file holds a private key: refuse it once others can read it, as ssh does.
        if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
            throw new CredentialStoreError(`${this.file}: holds a private key but is readable by others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${this.file}`);
        }
        let parsed;
        try {
            parsed = JSON.parse(await fs.promises.readFile(this.file, 'utf8'));
        }
        catch {
            throw new CredentialStoreError(`${this.file}: not JSON agent credentials; delete it and enroll again with a bootstrap token`);
        }
        if (typeof parsed !== 'object' || parsed === null || parsed.format !== FILE_FORMAT) {
            throw new CredentialStoreError(`${this.file}: not ${FILE_FORMAT}; delete it and enroll again with a bootstrap token`);
        }
        return credentialsFrom(parsed, this.file);
    }
    async save(c) {
        const dir = path.dirname(this.file);
        await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
        const tmp = path.join(dir, `.${path.basename(this.file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
        const text = JSON.stringify({ format: FILE_FORMAT, keyPem: c.keyPem, certificatePem: c.certificatePem, caCertificatePem: c.caCertificatePem, notAfter: c.notAfter.toISOString() }, null, 2) + '\n';
        // Created with mode 0600 (never readable by others, not even for a moment), flushed, then renamed over the old file.
        const fh = await fs.promises.open(tmp, 'wx', 0o600);
        try {
            await fh.writeFile(text);
            await fh.sync();
        }
        catch (e) {
            await fh.close();
            await fs.promises.rm(tmp, { force: true });
            throw new CredentialStoreError(`${this.file}: cannot write the agent credentials (${e.code ?? 'error'})`);
        }
        await fh.close();
        try {
            await fs.promises.rename(tmp, this.file);
        }
        catch (e) {
            await fs.promises.rm(tmp, { force: true });
            throw new CredentialStoreError(`${this.file}: cannot replace the agent credentials (${e.code ?? 'error'})`);
        }
        // The rename is durable once the folder is flushed too.
        try {
            const d = await fs.promises.open(dir, 'r');
            await d.sync().finally(() => d.close());
        }
        catch {
            // Some filesystems cannot fsync a folder; the rename itself is still atomic.
        }
    }
}
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
function codeOf(e) {
    const c = e?.code;
    return typeof c === 'number' ? c : undefined;
}
export class SecretCredentialStore {
    namespace;
    name;
    spec;
    kc = null;
    constructor(opts) {
        this.namespace = opts.namespace;
        this.name = opts.name ?? 'meshward-agent-credentials';
        if (!DNS_SUBDOMAIN.test(this.namespace))
            throw new CredentialStoreError('the agent namespace must be a DNS label');
        if (!DNS_SUBDOMAIN.test(this.name))
            throw new CredentialStoreError('the credentials Secret name must be a DNS subdomain');
        this.spec = opts.spec;
    }
    describe() {
        return `Secret ${this.namespace}/${this.name}`;
    }
    async api() {
        const { CoreV1Api } = await import('@kubernetes/client-node');
        this.kc ??= kubeConfigFor(this.spec);
        return (await this.kc).makeApiClient(CoreV1Api);
    }
    /** What went wrong, by status code only: an API error's body and message are never passed on. */
    failure(verb, e) {
        const code = codeOf(e);
        const hint = code === 403
            ? `the agent's service account may not ${verb} it; grant get and update on this Secret (resourceNames) and create on secrets in ${this.namespace}`
            : code === 401
                ? "the agent's service account token was refused"
                : code === undefined
                    ? 'the API server could not be reached'
                    : `the API server answered ${code}`;
        return new CredentialStoreError(`${this.describe()}: cannot ${verb} the agent credentials: ${hint}`);
    }
    async load() {
        const api = await this.api();
        let secret;
        try {
            secret = await api.readNamespacedSecret({ name: this.name, namespace: this.namespace });
        }
        catch (e) {
            if (codeOf(e) === 404)
                return null;
            throw this.failure('read', e);
        }
        const data = secret.data ?? {};
        const get = (k) => (Object.hasOwn(data, k) && typeof data[k] === 'string' && data[k].length < MAX_CREDENTIAL_BYTES * 2 ? Buffer.from(data[k], 'base64').toString('utf8') : undefined);
        const annotations = secret.metadata?.annotations ?? {};
        return credentialsFrom({
            keyPem: get('tls.key'),
            certificatePem: get('tls.crt'),
            caCertificatePem: get('ca.crt'),
            notAfter: Object.hasOwn(annotations, 'meshward.io/not-after') ? annotations['meshward.io/not-after'] : undefined,
        }, this.describe());
    }
    async save(c) {
        const api = await this.api();
        const body = {
            apiVersion: 'v1',
            kind: 'Secret',
            type: 'kubernetes.io/tls',
            metadata: {
                name: this.name,
                namespace: this.namespace,
                labels: { 'app.kubernetes.io/name': 'meshward-agent', 'app.kubernetes.io/component': 'credentials' },
                annotations: { 'meshward.io/not-after': c.notAfter.toISOString() },
            },
            data: { 'tls.key': b64(c.keyPem), 'tls.crt': b64(c.certificatePem), 'ca.crt': b64(c.caCertificatePem) },
        };
        try {
            await api.replaceNamespacedSecret({ name: this.name, namespace: this.namespace, body });
            return;
        }
        catch (e) {
            if (codeOf(e) !== 404)
                throw this.failure('update', e);
        }
        try {
            await api.createNamespacedSecret({ namespace: this.namespace, body });
        }
        catch (e) {
            throw this.failure('create', e);
        }
    }
}
