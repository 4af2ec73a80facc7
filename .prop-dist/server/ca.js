/**
 * The relay's certificate authority: one ECDSA CA that signs the agent port's serving certificate and
 * every agent's short-lived client certificate.
 *
 * Where it comes from (IdentityOptions): generated into `--data DIR` on first start and reused after
 * (DIR/identity/, key files mode 0600, the whole folder created under a temporary name and renamed into
 * place, so two servers starting at once on the same folder end up with one CA, never a mix); or read
 * from files, so several replicas share one CA (mount the same Secret in each).
 *
 * Keys come from Node's WebCrypto, certificates and CSRs are written and read by @peculiar/x509, and
 * the issued certificate takes nothing from a CSR but its public key (checked by the CSR's own
 * signature): the subject, the SANs and every requested extension are ignored.
 */
import { createPrivateKey, createPublicKey, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import { isIP } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
// @peculiar/x509 2.x resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { clusterSpiffeId } from '../relay/protocol.js';
x509.cryptoProvider.set(webcrypto);
const P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 24 * 3600 * 1000;
/** The CA outlives many serving certificates; replacing it means re-enrolling every agent. */
const CA_LIFETIME_MS = 10 * 365 * DAY_MS;
const SERVING_LIFETIME_MS = 365 * DAY_MS;
/** A generated serving certificate this close to its end is re-issued at start (same CA). */
const SERVING_RENEW_BEFORE_MS = 30 * DAY_MS;
/** Client certificates start a little in the past: an agent whose clock is behind can still use one at once. */
const CLIENT_BACKDATE_MS = 5 * 60 * 1000;
/** The largest CSR (PEM) looked at. An RSA-8192 CSR is about 2.5 KB. */
export const MAX_CSR_BYTES = 16 * 1024;
/** The largest PEM file read (a CA or serving certificate, a key). */
const MAX_PEM_FILE_BYTES = 256 * 1024;
const MIN_RSA_BITS = 2048;
/** RSA keys above this are refused too: they cost the server seconds per signature check for nothing. */
const MAX_RSA_BITS = 8192;
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
/** Raised for a CA or serving-certificate setup that cannot be used; the message says which file and how to fix it. */
export class IdentitySetupError extends Error {
    constructor(message) {
        super(message);
        this.name = 'IdentitySetupError';
    }
}
/** A CSR that cannot be honoured; the message is safe to send back (it never echoes the CSR). */
export class CsrError extends Error {
    constructor(message) {
        super(message);
        this.name = 'CsrError';
    }
}
const DEFAULT_SERVING_NAMES = ['localhost', '127.0.0.1'];
function pemOf(label, der) {
    const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
    return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
/** A positive 128-bit serial (first bit clear, never zero), as RFC 5280 asks; unguessable. */
export function randomSerial() {
    const b = webcrypto.getRandomValues(new Uint8Array(16));
    b[0] = (b[0] & 0x7f) | 0x01;
    return Buffer.from(b).toString('hex');
}
/** The WebCrypto signing parameters of a CA key (ECDSA P-256 or P-384, each with its matching hash). */
function signingParamsOf(key, file) {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1')
        return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    if (key.asymmetricKeyType === 'ec' && curve === 'secp384r1')
        return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
    throw new IdentitySetupError(`${file}: the CA key is ${key.asymmetricKeyType ?? 'of an unknown type'}${curve ? ` ${curve}` : ''}; the relay CA must be ECDSA P-256 or P-384`);
}
function readPemFile(file, what) {
    let st;
    try {
        st = fs.statSync(file);
    }
    catch (e) {
        throw new IdentitySetupError(`${file}: cannot read the ${what} (${e.code ?? 'error'}); check the path`);
    }
    if (!st.isFile())
        throw new IdentitySetupError(`${file}: the ${what} must be a regular file`);
    if (st.size > MAX_PEM_FILE_BYTES)
        throw new IdentitySetupError(`${file}: larger than ${MAX_PEM_FILE_BYTES / 1024} KiB; give the PEM ${what} only`);
    return fs.readFileSync(file, 'utf8');
}
function parseCertificate(pem, file, what) {
    try {
        return new NodeX509(pem);
    }
    catch {
        throw new IdentitySetupError(`${file}: the ${what} is not a PEM certificate`);
    }
}
function parsePrivateKey(pem, file, what) {
    try {
        return createPrivateKey({ key: pem, format: 'pem' });
    }
    catch {
        // The content is never quoted: it is a private key, or meant to be one.
        throw new IdentitySetupError(`${file}: the ${what} is not an unencrypted PEM private key`);
    }
}
function sameKey(cert, key) {
    const a = cert.publicKey.export({ type: 'spki', format: 'der' });
    const b = createPublicKey(key).export({ type: 'spki', format: 'der' });
    return Buffer.compare(a, b) === 0;
}
/** Writes `text` to a new file with mode 0600 (the mode is set at creation: never readable by others, not even briefly). */
function writeNewPrivateFile(file, text) {
    const fd = fs.openSync(file, 'wx', 0o600);
    try {
        fs.writeSync(fd, text);
        fs.fsyncSync(fd);
    }
    finally {
        fs.closeSync(fd);
    }
}
async function importSigningKey(key, params) {
    // Imported non-extractable: the CA key is never serialized again from this process.
    return webcrypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), { name: 'ECDSA', namedCurve: params.namedCurve }, false, ['sign']);
}
async function newCa(now) {
    const keys = (await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']));
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomSerial(),
        name: [{ CN: ['meshward-relay-ca'] }],
        notBefore: new Date(now.getTime() - DAY_MS),
        notAfter: new Date(now.getTime() + CA_LIFETIME_MS),
        signingAlgorithm: P256,
        keys,
        extensions: [
            // pathLen 0: this CA signs end-entity certificates only.
            new x509.BasicConstraintsExtension(true, 0, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
            await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
    });
    return { pem: cert.toString('pem') + '\n', keyPem: pemOf('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}
async function newServing(ca, names, now) {
    const keys = (await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']));
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: [{ CN: [names[0] ?? 'localhost'] }],
        issuer: ca.caCert.subject,
        notBefore: new Date(now.getTime() - DAY_MS),
        notAfter: new Date(now.getTime() + SERVING_LIFETIME_MS),
        signingAlgorithm: ca.params,
        publicKey: keys.publicKey,
        signingKey: ca.caKey,
        extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
            new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: isIP(value) ? 'ip' : 'dns', value }))),
            await x509.AuthorityKeyIdentifierExtension.create(ca.caCert, false),
            await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
    });
    return { pem: cert.toString('pem') + '\n', keyPem: pemOf('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}
async function loadCa(certPem, keyPem, certFile, keyFile) {
    const nodeCert = parseCertificate(certPem, certFile, 'CA certificate');
    if (!nodeCert.ca)
        throw new IdentitySetupError(`${certFile}: not a CA certificate (basicConstraints CA:FALSE); give the relay CA's certificate`);
    const key = parsePrivateKey(keyPem, keyFile, 'CA key');
    const params = signingParamsOf(key, keyFile);
    if (!sameKey(nodeCert, key))
        throw new IdentitySetupError(`${keyFile}: this key does not belong to the CA certificate ${certFile}; give the pair that was generated together`);
    // Only the first certificate of the file is the CA (re-encoded: nothing else of the file travels on).
    const pem = nodeCert.toString().trimEnd() + '\n';
    return { caCertPem: pem, caCert: new x509.X509Certificate(pem), caKey: await importSigningKey(key, params), params };
}
function servingNeedsRenewal(certPem, names, now) {
    const cert = new NodeX509(certPem);
    if (new Date(cert.validTo).getTime() - now.getTime() < SERVING_RENEW_BEFORE_MS)
        return true;
    for (const n of names) {
        const covered = isIP(n) ? cert.checkIP(n) !== undefined : cert.checkHost(n, { wildcards: false }) !== undefined;
        if (!covered)
            return true;
    }
    return false;
}
/** Replaces a file atomically (temporary file with mode 0600 beside it, then rename). */
function replacePrivateFile(file, text) {
    const tmp = `${file}.${process.pid}.${randomSerial().slice(0, 8)}.tmp`;
    writeNewPrivateFile(tmp, text);
    fs.renameSync(tmp, file);
}
async function fromDataDir(dataDir, names, now) {
    const dir = path.join(dataDir, 'identity');
    const files = { caCert: path.join(dir, 'ca.crt'), caKey: path.join(dir, 'ca.key'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
    if (!fs.existsSync(dir)) {
        try {
            fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
        }
        catch (e) {
            throw new IdentitySetupError(`${dataDir}: cannot create the data folder (${e.code ?? 'error'})`);
        }
        const staging = fs.mkdtempSync(path.join(dataDir, '.identity-'));
        try {
            fs.chmodSync(staging, 0o700);
            const caFiles = await newCa(now);
            const ca = await loadCa(caFiles.pem, caFiles.keyPem, files.caCert, files.caKey);
            const serving = await newServing(ca, names, now);
            writeNewPrivateFile(path.join(staging, 'ca.crt'), caFiles.pem);
            writeNewPrivateFile(path.join(staging, 'ca.key'), caFiles.keyPem);
            writeNewPrivateFile(path.join(staging, 'server.crt'), serving.pem);
            writeNewPrivateFile(path.join(staging, 'server.key'), serving.keyPem);
            // A rename onto an existing folder fails: whichever server came first wins, the other reads its CA.
            fs.renameSync(staging, dir);
        }
        catch (e) {
            fs.rmSync(staging, { recursive: true, force: true });
            const code = e.code;
            if (code !== 'ENOTEMPTY' && code !== 'EEXIST')
                throw e;
        }
    }
    const ca = await loadCa(readPemFile(files.caCert, 'CA certificate'), readPemFile(files.caKey, 'CA key'), files.caCert, files.caKey);
    let servingCertPem = readPemFile(files.cert, 'serving certificate');
    let servingKeyPem = readPemFile(files.key, 'serving key');
    if (servingNeedsRenewal(servingCertPem, names, now)) {
        const serving = await newServing(ca, names, now);
        replacePrivateFile(files.key, serving.keyPem);
        replacePrivateFile(files.cert, serving.pem);
        servingCertPem = serving.pem;
        servingKeyPem = serving.keyPem;
    }
    return { ca, servingCertPem, servingKeyPem };
}
/**
 * The CA and serving certificate the options describe. Files win over `dataDir`: a CA from files, and
 * a serving certificate from files or, when only the CA is given, one generated in memory at each start.
 */
export async function openCertificateAuthority(src, now = new Date()) {
    const names = src.servingNames?.length ? src.servingNames : DEFAULT_SERVING_NAMES;
    let ca;
    let servingCertPem;
    let servingKeyPem;
    if (src.caCertFile || src.caKeyFile) {
        if (!src.caCertFile || !src.caKeyFile)
            throw new IdentitySetupError('give both the CA certificate and the CA key files (or neither, with --data DIR, to have them generated)');
        ca = await loadCa(readPemFile(src.caCertFile, 'CA certificate'), readPemFile(src.caKeyFile, 'CA key'), src.caCertFile, src.caKeyFile);
        if (src.servingCertFile || src.servingKeyFile) {
            if (!src.servingCertFile || !src.servingKeyFile)
                throw new IdentitySetupError('give both the serving certificate and the serving key files');
            servingCertPem = readPemFile(src.servingCertFile, 'serving certificate');
            servingKeyPem = readPemFile(src.servingKeyFile, 'serving key');
            const cert = parseCertificate(servingCertPem, src.servingCertFile, 'serving certificate');
            if (!sameKey(cert, parsePrivateKey(servingKeyPem, src.servingKeyFile, 'serving key'))) {
                throw new IdentitySetupError(`${src.servingKeyFile}: this key does not belong to the serving certificate ${src.servingCertFile}`);
            }
        }
        else {
            const serving = await newServing(ca, names, now);
            servingCertPem = serving.pem;
            servingKeyPem = serving.keyPem;
        }
    }
    else if (src.dataDir) {
        ({ ca, servingCertPem, servingKeyPem } = await fromDataDir(src.dataDir, names, now));
    }
    else {
        throw new IdentitySetupError('no CA: give --data DIR (generated there on first start) or the CA certificate and key files');
    }
    const caNode = new NodeX509(ca.caCertPem);
    return {
        caCertPem: ca.caCertPem,
        caCert: caNode,
        servingCertPem,
        servingKeyPem,
        async issueClientCertificate(publicKey, cluster, at, ttlMs) {
            const serial = randomSerial();
            const notBefore = new Date(at.getTime() - CLIENT_BACKDATE_MS);
            const notAfter = new Date(at.getTime() + ttlMs);
            const cert = await x509.X509CertificateGenerator.create({
                serialNumber: serial,
                subject: [{ O: ['meshward'], CN: [cluster] }],
                issuer: ca.caCert.subject,
                notBefore,
                notAfter,
                signingAlgorithm: ca.params,
                publicKey,
                signingKey: ca.caKey,
                extensions: [
                    new x509.BasicConstraintsExtension(false, undefined, true),
                    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
                    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
                    // The one identity the certificate carries: whatever the CSR asked for is not looked at.
                    new x509.SubjectAlternativeNameExtension([{ type: 'url', value: clusterSpiffeId(cluster) }], false),
                    await x509.AuthorityKeyIdentifierExtension.create(ca.caCert, false),
                ],
            });
            return { certificatePem: cert.toString('pem') + '\n', serial, notBefore, notAfter };
        },
    };
}
/**
 * A CSR read from untrusted input: bounded, parsed, its signature verified (proof the sender holds the
 * key), and its key one the relay accepts (ECDSA P-256/P-384, RSA 2048 to 8192 bits). Returns the
 * public key only: nothing else of the CSR is used.
 */
export async function verifiedCsrKey(csr) {
    if (typeof csr !== 'string')
        throw new CsrError('csr must be a PEM string ("-----BEGIN CERTIFICATE REQUEST-----")');
    if (csr.length > MAX_CSR_BYTES)
        throw new CsrError(`csr is larger than ${MAX_CSR_BYTES / 1024} KiB; send one PKCS#10 request for an ECDSA P-256 key`);
    const m = /^\s*-----BEGIN (NEW )?CERTIFICATE REQUEST-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END (NEW )?CERTIFICATE REQUEST-----\s*$/.exec(csr);
    if (!m)
        throw new CsrError('csr is not one PEM certificate request ("-----BEGIN CERTIFICATE REQUEST-----")');
    let req;
    try {
        req = new x509.Pkcs10CertificateRequest(Buffer.from(m[2].replace(/\s+/g, ''), 'base64'));
    }
    catch {
        throw new CsrError('csr cannot be parsed as PKCS#10');
    }
    let spki;
    try {
        spki = createPublicKey({ key: Buffer.from(req.publicKey.rawData), format: 'der', type: 'spki' });
    }
    catch {
        throw new CsrError("csr's public key cannot be parsed");
    }
    const type = spki.asymmetricKeyType;
    const details = spki.asymmetricKeyDetails ?? {};
    if (type === 'ec') {
        if (details.namedCurve !== 'prime256v1' && details.namedCurve !== 'secp384r1') {
            throw new CsrError(`csr's key is on curve ${String(details.namedCurve ?? 'unknown').slice(0, 32)}; use ECDSA P-256 or P-384`);
        }
    }
    else if (type === 'rsa') {
        const bits = details.modulusLength ?? 0;
        if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS)
            throw new CsrError(`csr's RSA key has ${bits} bits; use ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits, or better ECDSA P-256`);
    }
    else {
        throw new CsrError(`csr's key type ${String(type ?? 'unknown').slice(0, 32)} is not accepted; use ECDSA P-256 or P-384, or RSA of at least ${MIN_RSA_BITS} bits`);
    }
    let ok = false;
    try {
        ok = await req.verify();
    }
    catch {
        ok = false;
    }
    if (!ok)
        throw new CsrError("csr's signature does not verify with its own key: it was altered, or not signed by the key it carries");
    return req.publicKey;
}
export const CLIENT_AUTH_OID = OID_CLIENT_AUTH;
