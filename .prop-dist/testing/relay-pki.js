/**
 * Test-only relay identity: a throwaway CA (ECDSA P-256, @peculiar/x509 over WebCrypto, nothing on
 * disk), the server's serving certificate for 127.0.0.1/localhost, client certificates with the URI SAN
 * `clusterSpiffeId(NAME)` (or any URI, to play a hostile agent), a fixed-credentials AgentIdentity
 * (`--cert/--key` style), and an AgentIdentityService that authenticates as the contract says. The
 * identity engineer's src/server/identity.ts and src/relay/enroll.ts replace these outside tests.
 */
import { webcrypto, X509Certificate } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { clusterFromSpiffeId, clusterSpiffeId } from '../relay/protocol.js';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
x509.cryptoProvider.set(webcrypto);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 24 * 3600 * 1000;
async function keyPem(key) {
    const b64 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key)).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
    return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}
function serial() {
    const b = webcrypto.getRandomValues(new Uint8Array(16));
    b[0] = (b[0] & 0x7f) | 0x01;
    return Buffer.from(b).toString('hex');
}
export async function createRelayPki(name = 'meshward-relay-test-ca') {
    const now = Date.now();
    const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']));
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: serial(),
        name: [{ CN: [name] }],
        notBefore: new Date(now - DAY_MS),
        notAfter: new Date(now + 30 * DAY_MS),
        signingAlgorithm: ALG,
        keys: caKeys,
        extensions: [
            new x509.BasicConstraintsExtension(true, 0, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
            await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
        ],
    });
    const issue = async (cn, ext, notBefore, notAfter) => {
        const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']));
        const cert = await x509.X509CertificateGenerator.create({
            serialNumber: serial(),
            subject: [{ CN: [cn] }],
            issuer: ca.subject,
            notBefore,
            notAfter,
            signingAlgorithm: ALG,
            publicKey: keys.publicKey,
            signingKey: caKeys.privateKey,
            extensions: [new x509.BasicConstraintsExtension(false, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), await x509.AuthorityKeyIdentifierExtension.create(ca, false), ...ext],
        });
        return { certPem: cert.toString('pem') + '\n', keyPem: await keyPem(keys.privateKey) };
    };
    const caPem = ca.toString('pem') + '\n';
    const server = await issue('meshward-server', [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
            { type: 'ip', value: '127.0.0.1' },
            { type: 'dns', value: 'localhost' },
        ]),
    ], new Date(now - DAY_MS), new Date(now + 30 * DAY_MS));
    return {
        caPem,
        server,
        async issueClient(cluster, opts = {}) {
            const uris = opts.uris ?? [clusterSpiffeId(cluster)];
            const notAfter = opts.notAfter ?? new Date(now + DAY_MS);
            const c = await issue(cluster, [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]), new x509.SubjectAlternativeNameExtension(uris.map((value) => ({ type: 'url', value })))], opts.notBefore ?? new Date(now - 3600_000), notAfter);
            return { keyPem: c.keyPem, certificatePem: c.certPem, caCertificatePem: caPem, notAfter };
        },
    };
}
export { fixedAgentIdentity } from '../relay/fixed-identity.js';
/**
 * The contract's authentication: a client certificate verified by the CA (the TLS layer did that:
 * `authorized`), within its validity, exactly one meshward cluster URI SAN, the cluster registered and
 * not revoked (asked at every call).
 */
export class TestIdentityService {
    pki;
    registered = new Set();
    revoked = new Set();
    constructor(pki) {
        this.pki = pki;
    }
    agentTlsOptions() {
        return { key: this.pki.server.keyPem, cert: this.pki.server.certPem, ca: this.pki.caPem, requestCert: true, rejectUnauthorized: false };
    }
    async authenticate(socket, at) {
        if (!socket.authorized)
            return { code: 'unauthenticated', message: 'a client certificate issued by the server is required' };
        const peer = socket.getPeerCertificate();
        if (!peer || !peer.raw)
            return { code: 'unauthenticated', message: 'a client certificate is required' };
        const cert = new X509Certificate(peer.raw);
        if (at < new Date(cert.validFrom) || at > new Date(cert.validTo))
            return { code: 'unauthenticated', message: 'the client certificate is not valid now; renew it' };
        const uris = (cert.subjectAltName ?? '').split(', ').filter((s) => s.startsWith('URI:')).map((s) => s.slice(4));
        const clusters = uris.map(clusterFromSpiffeId);
        if (clusters.length !== 1 || !clusters[0])
            return { code: 'unauthenticated', message: 'the client certificate names no meshward cluster' };
        const cluster = clusters[0];
        if (this.revoked.has(cluster))
            return { code: 'revoked', message: `cluster ${cluster} is revoked` };
        if (!this.registered.has(cluster))
            return { code: 'unauthenticated', message: `cluster ${cluster} is not registered` };
        return { cluster };
    }
    async enroll() {
        return { code: 'unavailable', message: 'the test identity service does not enroll' };
    }
    async renew() {
        return { code: 'unavailable', message: 'the test identity service does not renew' };
    }
    async registerCluster(name) {
        this.registered.add(name);
        return { token: 'unused', expiresAt: new Date().toISOString() };
    }
    async revokeCluster(name) {
        this.revoked.add(name);
        return this.registered.has(name);
    }
    caCertificate() {
        return this.pki.caPem;
    }
}
