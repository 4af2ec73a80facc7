/**
 * The webhook's serving certificate when cert-manager is not used: a throwaway ECDSA P-256 CA signs one
 * serving certificate for the Service's DNS name, and the CA's private key is dropped as soon as it has
 * signed. The cluster then holds only the serving key (in the TLS Secret) and the CA certificate (the
 * ValidatingWebhookConfiguration's caBundle): no CA key lives anywhere to mint more certificates that
 * the API server would trust. Renewal is a new run of the generator (docs/webhook-deploy.md).
 *
 * Keys come from Node's WebCrypto (no openssl process, nothing on disk); @peculiar/x509 writes the
 * certificates.
 */
import { webcrypto, X509Certificate } from 'node:crypto';
// @peculiar/x509 2.x resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
x509.cryptoProvider.set(webcrypto);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 24 * 3600 * 1000;
/** Tolerated clock skew between this machine and the API server. */
const BACKDATE_MS = 3600 * 1000;
function pemOf(label, der) {
    const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
    return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
function serial() {
    // Positive 128-bit serial (first bit clear, never zero), as RFC 5280 asks.
    const b = webcrypto.getRandomValues(new Uint8Array(16));
    b[0] = (b[0] & 0x7f) | 0x01;
    return Buffer.from(b).toString('hex');
}
/**
 * A CA and a serving certificate for `dnsNames` (the first is the subject's CN), valid `days` days.
 * The API server checks the SAN against `<service>.<namespace>.svc`.
 */
export async function createServingCertificate(dnsNames, days, now = new Date()) {
    if (!dnsNames.length)
        throw new Error('createServingCertificate: at least one DNS name is needed');
    const notBefore = new Date(now.getTime() - BACKDATE_MS);
    const notAfter = new Date(now.getTime() + days * DAY_MS);
    const caKeys = (await webcrypto.subtle.generateKey(ALG, false, ['sign', 'verify']));
    const caCert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: serial(),
        name: [{ CN: ['meshward-webhook-ca'] }],
        notBefore,
        notAfter,
        signingAlgorithm: ALG,
        keys: caKeys,
        extensions: [
            // pathLen 0: this CA signs end-entity certificates only.
            new x509.BasicConstraintsExtension(true, 0, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
            await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
        ],
    });
    const servingKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']));
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: [{ CN: [dnsNames[0]] }],
        issuer: caCert.subject,
        notBefore,
        notAfter,
        signingAlgorithm: ALG,
        publicKey: servingKeys.publicKey,
        signingKey: caKeys.privateKey,
        extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
            new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns', value }))),
            await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
            await x509.SubjectKeyIdentifierExtension.create(servingKeys.publicKey),
        ],
    });
    // The CA key was created non-extractable and goes out of scope here: it is never serialized.
    return {
        caPem: caCert.toString('pem') + '\n',
        certPem: cert.toString('pem') + '\n',
        keyPem: pemOf('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', servingKeys.privateKey)),
        notAfter,
    };
}
export class TrustBundleError extends Error {
}
/** The largest trust file read: a handful of CA certificates, never megabytes. */
export const MAX_TRUST_BYTES = 256 * 1024;
/**
 * CA certificates from a PEM file the user gives (`--trust-ca`): the CA the running pods were issued by,
 * kept in the caBundle beside the new one while a renewal rolls out. Only CERTIFICATE blocks of CA
 * certificates are taken; anything else (a private key, a leaf certificate, stray text) is refused
 * without echoing it, since the file may hold more than it should.
 */
export function parseTrustedCas(text, source) {
    if (Buffer.byteLength(text) > MAX_TRUST_BYTES)
        throw new TrustBundleError(`${source}: larger than ${MAX_TRUST_BYTES / 1024} KiB; give the CA certificates only`);
    const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)];
    const rest = text.replace(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g, '').trim();
    if (rest)
        throw new TrustBundleError(`${source}: holds text outside PEM blocks; give PEM CA certificates only`);
    if (!blocks.length)
        throw new TrustBundleError(`${source}: no PEM certificate found; give the CA certificate(s) in PEM ("-----BEGIN CERTIFICATE-----")`);
    return blocks.map((m, i) => {
        if (m[1] !== 'CERTIFICATE')
            throw new TrustBundleError(`${source}: block ${i + 1} is a ${m[1].includes('PRIVATE') ? 'private key' : `"${m[1]}" block`}, not a certificate; give CA certificates only (and keep keys out of this file)`);
        let cert;
        try {
            cert = new X509Certificate(m[0]);
        }
        catch {
            throw new TrustBundleError(`${source}: certificate ${i + 1} cannot be parsed`);
        }
        if (!cert.ca)
            throw new TrustBundleError(`${source}: certificate ${i + 1} is not a CA certificate (basicConstraints CA:FALSE); give the CA, not the serving certificate`);
        // Re-encoded from the parsed certificate: nothing of the input but the certificate itself travels on.
        return cert.toString().trimEnd() + '\n';
    });
}
