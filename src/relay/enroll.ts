/**
 * The agent side of identity (OpenAgentIdentity in ./identity-types.ts).
 *
 * The agent's key is generated here, with WebCrypto, and never sent anywhere: the server sees a CSR
 * (the public key and a signature by the private one) and answers with a certificate for it. Stored
 * credentials are reused across restarts; the bootstrap token is spent only when nothing valid is
 * stored. At two thirds of a certificate's lifetime the agent renews with a NEW key over its current
 * mutual-TLS identity, saves the result, then switches to it.
 *
 * Every request goes over node:https with the server's CA as the only trust (`--server-ca`): never an
 * insecure agent, never the system roots.
 */
import https from 'node:https';
import { createPrivateKey, createPublicKey, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  AGENT_PATHS,
  RELAY_PROTOCOL_VERSION,
  clusterFromSpiffeId,
  isClusterName,
  type EnrollRequest,
  type EnrollResponse,
  type RelayError,
  type RenewRequest,
} from './protocol.js';
import type { AgentCredentials, AgentIdentity, OpenAgentIdentity, OpenAgentIdentityOptions } from './identity-types.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** The largest enroll/renew answer read: a certificate and a CA, a few KB. */
const MAX_RESPONSE_BYTES = 64 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

/** Why the agent has no identity, or lost it; the message says what to do. Never holds a key or a token. */
export class AgentIdentityError extends Error {
  constructor(
    message: string,
    /** The server's RelayError code, when the server refused. */
    readonly code?: RelayError['code'] | 'transport' | 'tls' | 'bad-response',
  ) {
    super(message);
    this.name = 'AgentIdentityError';
  }
}

function pemOf(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A fresh P-256 key and a CSR for it. The CSR's subject is a courtesy: the server ignores it. */
export async function newKeyAndCsr(cluster: string): Promise<{ keyPem: string; csrPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as { publicKey: webcrypto.CryptoKey; privateKey: webcrypto.CryptoKey };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ CN: [cluster] }], keys, signingAlgorithm: P256 });
  return { keyPem: pemOf('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), csrPem: csr.toString('pem') + '\n' };
}

/** The cluster a certificate's single URI SAN names, or null. */
export function certificateCluster(certPem: string): string | null {
  try {
    const san = new x509.X509Certificate(certPem).getExtension(x509.SubjectAlternativeNameExtension);
    const names = san?.names.items ?? [];
    if (names.length !== 1 || names[0]!.type !== 'url') return null;
    return clusterFromSpiffeId(names[0]!.value);
  } catch {
    return null;
  }
}

/** Checks credentials fit together and name `cluster`; returns the certificate's validity, or why they do not. */
function inspect(keyPem: string, certPem: string, cluster: string): { notBefore: Date; notAfter: Date } | string {
  let cert: NodeX509;
  try {
    cert = new NodeX509(certPem);
  } catch {
    return 'the certificate cannot be parsed';
  }
  try {
    const a = cert.publicKey.export({ type: 'spki', format: 'der' });
    const b = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    if (Buffer.compare(a, b) !== 0) return 'the key does not belong to the certificate';
  } catch {
    return 'the private key cannot be parsed';
  }
  const named = certificateCluster(certPem);
  if (named !== cluster) return named ? `the certificate is for cluster ${named}, not ${cluster}` : 'the certificate names no meshward cluster';
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

interface PostOptions {
  server: URL;
  path: string;
  caPem: string;
  body: unknown;
  bearer?: string;
  client?: { keyPem: string; certificatePem: string };
}

/** POSTs JSON over HTTPS trusting only `caPem`; resolves with the status and the parsed (bounded) body. */
function postJson(o: PostOptions): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const url = new URL(o.path, o.server);
    const payload = Buffer.from(JSON.stringify(o.body));
    const req = https.request(
      url,
      {
        method: 'POST',
        // A one-off agent: a renewed certificate must not ride on a pooled connection of the old one.
        agent: false,
        ca: o.caPem,
        rejectUnauthorized: true,
        key: o.client?.keyPem,
        cert: o.client?.certificatePem,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          ...(o.bearer ? { authorization: `Bearer ${o.bearer}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy();
            reject(new AgentIdentityError(`the server's answer to ${o.path} is larger than ${MAX_RESPONSE_BYTES / 1024} KiB; is --server the meshward agent port?`, 'bad-response'));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          let body: unknown = null;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', (e) => reject(new AgentIdentityError(`the connection to ${url.origin} broke while reading the answer (${(e as NodeJS.ErrnoException).code ?? e.message})`, 'transport')));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const tlsHint = /CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME|ALTNAME/i.test(`${e.code ?? ''} ${e.message}`)
        ? `; the server's certificate is not trusted by --server-ca or does not name ${url.hostname}`
        : '';
      // A certificate the agent does not trust will not become trusted by trying again: 'tls', not 'transport'.
      reject(new AgentIdentityError(`cannot reach the meshward server at ${url.origin} (${e.code ?? e.message})${tlsHint}`, tlsHint ? 'tls' : 'transport'));
    });
    req.end(payload);
  });
}

function relayErrorOf(body: unknown): RelayError | null {
  if (typeof body !== 'object' || body === null) return null;
  const { code, message } = body as { code?: unknown; message?: unknown };
  return typeof code === 'string' && typeof message === 'string' ? { code: code as RelayError['code'], message } : null;
}

/** Shown to a human: the server's message is bounded and stripped of control characters. */
const printable = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 500);

async function requestCertificate(o: PostOptions, cluster: string, keyPem: string, what: 'enroll' | 'renew'): Promise<AgentCredentials> {
  const res = await postJson(o);
  if (res.status !== 200) {
    const e = relayErrorOf(res.body);
    const serverSays = e ? `: ${printable(e.message)}` : '';
    let advice = '';
    // The server's message may already say how to get a new token: then only how to pass it is added.
    if (e?.code === 'bad-token') advice = serverSays.includes('register-cluster') ? '; pass the new token with --bootstrap-token-file' : `; ask for a new one with \`meshward server register-cluster ${cluster}\` and pass it with --bootstrap-token-file`;
    else if (e?.code === 'revoked') advice = '; this cluster was revoked on the server: register it under a new name';
    else if (what === 'renew' && e?.code === 'unauthenticated') advice = `; the certificate can no longer renew itself: ask for a new bootstrap token with \`meshward server register-cluster ${cluster}\``;
    throw new AgentIdentityError(`${what} refused by the server (HTTP ${res.status}${e ? ` ${e.code}` : ''})${serverSays}${advice}`, e?.code ?? 'bad-response');
  }
  const r = res.body as Partial<EnrollResponse> | null;
  if (!r || typeof r.certificate !== 'string' || typeof r.caCertificate !== 'string' || r.cluster !== cluster) {
    throw new AgentIdentityError(`the server's ${what} answer is not a certificate for cluster ${cluster}; is --server the meshward agent port?`, 'bad-response');
  }
  // The answer is checked, not trusted: the certificate must be for our key and our cluster.
  const fit = inspect(keyPem, r.certificate, cluster);
  if (typeof fit === 'string') throw new AgentIdentityError(`the server's ${what} answer is unusable: ${fit}`, 'bad-response');
  try {
    if (!new NodeX509(r.certificate).checkIssued(new NodeX509(r.caCertificate))) throw new Error('not issued');
  } catch {
    throw new AgentIdentityError(`the server's ${what} answer is unusable: the certificate was not issued by the CA it came with`, 'bad-response');
  }
  return { keyPem, certificatePem: r.certificate, caCertificatePem: r.caCertificate, notAfter: fit.notAfter };
}

/** Refusals worth trying again: the server said it is busy or asked to slow down, or was not reached. */
const RETRIABLE_ENROLL = new Set(['unavailable', 'rate-limited', 'transport']);
const DEFAULT_ENROLL_RETRY_MS = 5 * 60_000;
const MAX_ENROLL_DELAY_MS = 30_000;

/**
 * `attempt`, tried again with a doubling delay (1 s to 30 s) while it fails with a retriable refusal
 * and `opts.enrollRetryMs` has not passed (OpenAgentIdentityOptions): a server restarting or briefly
 * overloaded when the agent starts does not end the agent (and its pod in a crash loop).
 */
async function withEnrollRetries<T>(opts: OpenAgentIdentityOptions, attempt: () => Promise<T>): Promise<T> {
  const budget = opts.enrollRetryMs ?? DEFAULT_ENROLL_RETRY_MS;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = performance.now();
  for (let delay = 1000; ; delay = Math.min(delay * 2, MAX_ENROLL_DELAY_MS)) {
    try {
      return await attempt();
    } catch (e) {
      const retriable = e instanceof AgentIdentityError && e.code !== undefined && RETRIABLE_ENROLL.has(e.code);
      if (!retriable || performance.now() - started + delay > budget) throw e;
      opts.onEnrollRetry?.(e.message, delay);
      await sleep(delay);
    }
  }
}

/** When renewal is due: two thirds of the way from notBefore to notAfter. */
export function renewalDueAt(notBefore: Date, notAfter: Date): Date {
  return new Date(notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3);
}

export const openAgentIdentity: OpenAgentIdentity = async (opts: OpenAgentIdentityOptions): Promise<AgentIdentity> => {
  const { cluster, store } = opts;
  if (!isClusterName(cluster)) throw new AgentIdentityError('--cluster must be a DNS label (lowercase letters, digits and -, at most 63 characters)');
  if (opts.server.protocol !== 'https:') throw new AgentIdentityError(`--server must be an https:// URL (the agent port), not ${opts.server.protocol}//`);
  const agentVersion = opts.agentVersion;
  const listeners = new Set<(c: AgentCredentials) => void>();

  if (opts.fixed) {
    const fit = inspect(opts.fixed.keyPem, opts.fixed.certificatePem, cluster);
    if (typeof fit === 'string') throw new AgentIdentityError(`--cert/--key: ${fit}`);
    const creds: AgentCredentials = { keyPem: opts.fixed.keyPem, certificatePem: opts.fixed.certificatePem, caCertificatePem: opts.serverCaPem, notAfter: fit.notAfter };
    return {
      cluster,
      current: () => creds,
      // Issued out of band: whoever issued them renews them.
      renewIfDue: async () => false,
      onRenewed: () => () => {},
    };
  }

  let current: AgentCredentials | null = null;
  let notBefore = new Date(0);
  const stored = await store.load();
  const now = new Date();
  let storedProblem = '';
  if (stored) {
    const fit = inspect(stored.keyPem, stored.certificatePem, cluster);
    if (typeof fit === 'string') storedProblem = fit;
    else if (fit.notAfter.getTime() <= now.getTime()) storedProblem = `the certificate expired at ${fit.notAfter.toISOString()}`;
    else {
      current = { ...stored, notAfter: fit.notAfter };
      notBefore = fit.notBefore;
    }
  }
  if (!current) {
    if (!opts.bootstrapToken) {
      const why = stored ? `the credentials in ${store.describe()} cannot be used (${storedProblem})` : `no credentials in ${store.describe()}`;
      throw new AgentIdentityError(`${why} and no bootstrap token was given: ask for one with \`meshward server register-cluster ${cluster}\` and pass it with --bootstrap-token-file FILE`);
    }
    const { keyPem, csrPem } = await newKeyAndCsr(cluster);
    const body: EnrollRequest = { v: RELAY_PROTOCOL_VERSION, cluster, csr: csrPem, agentVersion };
    const token = opts.bootstrapToken;
    const creds = await withEnrollRetries(opts, () => requestCertificate({ server: opts.server, path: AGENT_PATHS.enroll, caPem: opts.serverCaPem, body, bearer: token }, cluster, keyPem, 'enroll'));
    const fit = inspect(creds.keyPem, creds.certificatePem, cluster);
    notBefore = typeof fit === 'string' ? new Date() : fit.notBefore;
    await store.save(creds);
    current = creds;
  }

  let inFlight: Promise<boolean> | null = null;
  const identity: AgentIdentity = {
    cluster,
    current: () => current!,
    renewIfDue(at: Date): Promise<boolean> {
      if (inFlight) return inFlight;
      if (at.getTime() < renewalDueAt(notBefore, current!.notAfter).getTime()) return Promise.resolve(false);
      inFlight = (async () => {
        const old = current!;
        const { keyPem, csrPem } = await newKeyAndCsr(cluster);
        const body: RenewRequest = { v: RELAY_PROTOCOL_VERSION, csr: csrPem, agentVersion };
        const creds = await requestCertificate(
          { server: opts.server, path: AGENT_PATHS.renew, caPem: opts.serverCaPem, body, client: { keyPem: old.keyPem, certificatePem: old.certificatePem } },
          cluster,
          keyPem,
          'renew',
        );
        // Saved before it is used: a restart after this point finds the new credentials.
        await store.save(creds);
        const fit = inspect(creds.keyPem, creds.certificatePem, cluster);
        notBefore = typeof fit === 'string' ? at : fit.notBefore;
        current = creds;
        for (const l of listeners) {
          try {
            l(creds);
          } catch {
            // A listener's failure is its own; the renewal stands.
          }
        }
        return true;
      })().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    onRenewed(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return identity;
};
