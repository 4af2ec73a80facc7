/**
 * The stand-in's throwaway PKI: one ECDSA P-256 CA made at start, a server certificate for
 * 127.0.0.1 and localhost, and client certificates (CN = user, O = groups) as the real apiserver's
 * x509 authenticator reads them. Built on @peculiar/x509 over Node's WebCrypto (no openssl process,
 * no files: keys never touch the disk).
 */
import { webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
// @peculiar/x509 2.x resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
x509.cryptoProvider.set(webcrypto);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 24 * 3600 * 1000;
async function keyPem(key) {
    const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
    const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
    return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}
function serial() {
    // Positive 128-bit serial (first bit clear), as RFC 5280 asks.
    const b = webcrypto.getRandomValues(new Uint8Array(16));
    b[0] = (b[0] & 0x7f) | 0x01;
    return Buffer.from(b).toString('hex');
}
export async function createCertificateAuthority(commonName = 'meshward-stand-in-ca') {
    const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']));
    const now = Date.now();
    const caCert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: serial(),
        name: [{ CN: [commonName] }],
        notBefore: new Date(now - DAY_MS),
        notAfter: new Date(now + 30 * DAY_MS),
        signingAlgorithm: ALG,
        keys: caKeys,
        extensions: [
            new x509.BasicConstraintsExtension(true, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
            await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
        ],
    });
    const certPem = caCert.toString('pem') + '\n';
    const nodeCa = new NodeX509(certPem);
    async function issue(subject, extensions) {
        const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']));
        const cert = await x509.X509CertificateGenerator.create({
            serialNumber: serial(),
            subject,
            issuer: caCert.subject,
            notBefore: new Date(now - DAY_MS),
            notAfter: new Date(now + 30 * DAY_MS),
            signingAlgorithm: ALG,
            publicKey: keys.publicKey,
            signingKey: caKeys.privateKey,
            extensions: [
                new x509.BasicConstraintsExtension(false, undefined, true),
                new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
                await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
                ...extensions,
            ],
        });
        return { certPem: cert.toString('pem') + '\n', keyPem: await keyPem(keys.privateKey) };
    }
    return {
        certPem,
        issueServer: () => issue([{ CN: ['meshward-stand-in'] }], [
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
            new x509.SubjectAlternativeNameExtension([
                { type: 'ip', value: '127.0.0.1' },
                { type: 'ip', value: '::1' },
                { type: 'dns', value: 'localhost' },
            ]),
        ]),
        issueClient: (user, groups) => {
            const subject = [{ CN: [user] }];
            if (groups.length > 0)
                subject.push({ O: [...groups] });
            return issue(subject, [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]);
        },
        signed: (cert) => {
            try {
                return cert.checkIssued(nodeCa) && cert.verify(nodeCa.publicKey);
            }
            catch {
                return false;
            }
        },
    };
}
