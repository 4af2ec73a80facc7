/**
 * The server side of agent identity (AgentIdentityService in ./types.ts): bootstrap tokens, enrollment,
 * renewal, and who a connection's client certificate proves it is.
 *
 * - A cluster is registered by `meshward server register-cluster NAME`, which prints a one-time token;
 *   the store keeps only its hash (./tokens.ts).
 * - Enroll: the token names the cluster (the request's own `cluster` must agree, it is never trusted
 *   alone); the CSR proves possession of a key the agent generated and keeps; the certificate issued
 *   carries exactly one identity, the URI SAN `clusterSpiffeId(cluster)`, whatever the CSR asked.
 * - Every later request is authenticated by that certificate, and the cluster is looked up in the
 *   store on every call: a revocation takes effect on the next request, open connections included.
 */
import { X509Certificate as NodeX509, createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AGENT_PATHS,
  RELAY_LIMITS,
  RELAY_PROTOCOL_VERSION,
  clusterFromSpiffeId,
  clusterSpiffeId,
  isClusterName,
  type EnrollResponse,
  type RelayError,
} from '../relay/protocol.js';
import { StoreConflictError, type Store } from '../store/types.js';
import type { AgentIdentityService, AgentRoutesDeps, IdentityOptions } from './types.js';
import { CLIENT_AUTH_OID, CsrError, openCertificateAuthority, verifiedCsrKey, type CertificateAuthority } from './ca.js';
import { bearerToken, hashBootstrapToken, isBootstrapTokenShape, newBootstrapToken } from './tokens.js';
import { closeAfterRefusal } from './early-refusal.js';

/** The largest enroll or renew body: a CSR and a few short strings. */
export const MAX_IDENTITY_BODY_BYTES = 64 * 1024;
/** The shortest and longest client certificate lifetime accepted as configuration. */
const MIN_CERT_TTL_MS = 5 * 60 * 1000;
const MAX_CERT_TTL_MS = 30 * 24 * 3600 * 1000;
const MAX_AGENT_VERSION = 64;
const AGENT_VERSION_PATTERN = /^[\x21-\x7e]{1,64}$/;

const err = (code: RelayError['code'], message: string): RelayError => ({ code, message });

/** The HTTP status of a relay error code (the agent port answers these with the RelayError body). */
export function relayErrorStatus(code: RelayError['code']): number {
  switch (code) {
    case 'unauthenticated':
    case 'bad-token':
      return 401;
    case 'forbidden-cluster':
    case 'revoked':
      return 403;
    case 'malformed':
    case 'unsupported-version':
      return 400;
    case 'too-large':
      return 413;
    case 'out-of-order':
      return 409;
    case 'rate-limited':
      return 429;
    case 'unavailable':
      return 503;
  }
}

export function isRelayError(x: unknown): x is RelayError {
  return typeof x === 'object' && x !== null && 'code' in x && 'message' in x && !('certificate' in x);
}

/** A registration command for humans: the cluster name is a DNS label (checked), so it is safe to print. */
/** What a bootstrap token is spent for: the SHA-256 of the CSR's public key (SubjectPublicKeyInfo, DER). */
const keyDigest = (key: x509.PublicKey) => createHash('sha256').update(Buffer.from(key.rawData)).digest('hex');

const registerHint = (cluster: string | null) => `ask for a new token with \`meshward server register-cluster ${cluster ?? 'NAME'}\``;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function agentVersionOf(body: Record<string, unknown>): string | RelayError {
  const v = body.agentVersion;
  if (typeof v !== 'string' || !AGENT_VERSION_PATTERN.test(v)) return err('malformed', `agentVersion must be 1 to ${MAX_AGENT_VERSION} printable ASCII characters without spaces`);
  return v;
}

/** What a client certificate proves, cached per socket (a TLS connection's peer certificate never changes). */
interface PeerIdentity {
  cluster: string | null;
  reason: string;
  notBefore: number;
  notAfter: number;
}

/** The cluster a verified peer certificate names, or why it names none. Pure: exported for tests. */
export function identityOfCertificate(peer: NodeX509, ca: NodeX509): PeerIdentity {
  const notBefore = Date.parse(peer.validFrom);
  const notAfter = Date.parse(peer.validTo);
  const none = (reason: string): PeerIdentity => ({ cluster: null, reason, notBefore, notAfter });
  // The TLS layer already checked the chain; checked again here so that nothing else the listener
  // might trust (an extra CA in its options) could ever stand in for the relay CA.
  if (!peer.checkIssued(ca) || !peer.verify(ca.publicKey)) return none('the client certificate was not issued by this server\'s relay CA');
  if (peer.ca) return none('the client certificate is a CA certificate');
  const eku = peer.keyUsage;
  if (!Array.isArray(eku) || !eku.includes(CLIENT_AUTH_OID)) return none('the client certificate is not for client authentication');
  let names: readonly x509.GeneralName[];
  try {
    const san = new x509.X509Certificate(peer.raw).getExtension(x509.SubjectAlternativeNameExtension);
    names = san ? san.names.items : [];
  } catch {
    return none('the client certificate\'s subject alternative names cannot be parsed');
  }
  // Exactly one name, a meshward cluster URI: a certificate naming two clusters (or a cluster and
  // anything else) proves neither.
  if (names.length !== 1 || names[0]!.type !== 'url') return none('the client certificate must carry exactly one URI SAN naming its cluster');
  const cluster = clusterFromSpiffeId(names[0]!.value);
  if (!cluster || names[0]!.value !== clusterSpiffeId(cluster)) return none('the client certificate\'s URI SAN is not a meshward cluster identity');
  return { cluster, reason: '', notBefore, notAfter };
}

export interface AgentIdentityServiceImpl extends AgentIdentityService {
  /** The CA (for tests and the server's own wiring); never exposes its key. */
  readonly authority: CertificateAuthority;
}

/** Opens the CA (generating it on first start with a data folder) and returns the identity service over `store`. */
export async function createAgentIdentityService(store: Store, opts: IdentityOptions, now: Date = new Date()): Promise<AgentIdentityServiceImpl> {
  const ttlMs = opts.certificateTtlMs ?? RELAY_LIMITS.certificateTtlMs;
  if (!Number.isFinite(ttlMs) || ttlMs < MIN_CERT_TTL_MS || ttlMs > MAX_CERT_TTL_MS) {
    throw new RangeError(`the client certificate lifetime must be between 5 minutes and 30 days (got ${ttlMs} ms)`);
  }
  const authority = await openCertificateAuthority(opts, now);
  const peers = new WeakMap<object, PeerIdentity>();

  async function issue(publicKey: x509.PublicKey, cluster: string, at: Date): Promise<EnrollResponse> {
    const c = await authority.issueClientCertificate(publicKey, cluster, at, ttlMs);
    await store.recordCertificate({ cluster, serial: c.serial, issuedAt: at.toISOString(), notAfter: c.notAfter.toISOString() });
    return { cluster, certificate: c.certificatePem, caCertificate: authority.caCertPem, notAfter: c.notAfter.toISOString() };
  }

  async function csrKey(csr: unknown): Promise<x509.PublicKey | RelayError> {
    try {
      return await verifiedCsrKey(csr);
    } catch (e) {
      if (e instanceof CsrError) return err('malformed', e.message);
      throw e;
    }
  }

  return {
    authority,
    caCertificate: () => authority.caCertPem,

    agentTlsOptions() {
      return { key: authority.servingKeyPem, cert: authority.servingCertPem, ca: authority.caCertPem, requestCert: true, rejectUnauthorized: false };
    },

    async authenticate(socket: TLSSocket, at: Date) {
      if (!socket || typeof socket.getPeerX509Certificate !== 'function') return err('unauthenticated', 'not a TLS connection: agents connect with HTTPS and their client certificate');
      let id = peers.get(socket);
      if (!id) {
        const peer = socket.getPeerX509Certificate();
        if (!peer) return err('unauthenticated', 'no client certificate: enroll first with a bootstrap token (meshward agent --bootstrap-token-file FILE)');
        if (!socket.authorized) {
          // OpenSSL's reason is a fixed code (CERT_HAS_EXPIRED, ...), never input.
          const why = String(socket.authorizationError ?? 'unverified').replace(/[^A-Za-z0-9_ :.-]/g, '').slice(0, 80);
          return err('unauthenticated', `the client certificate was refused (${why}): renew before it expires, or enroll again with a new bootstrap token`);
        }
        id = identityOfCertificate(peer, authority.caCert);
        peers.set(socket, id);
      }
      if (!id.cluster) return err('unauthenticated', `${id.reason}; enroll with a bootstrap token from \`meshward server register-cluster NAME\``);
      const t = at.getTime();
      if (!(t >= id.notBefore && t <= id.notAfter)) {
        return err('unauthenticated', `the client certificate of cluster ${id.cluster} is ${t > id.notAfter ? 'expired' : 'not yet valid (check the clocks)'}; ${registerHint(id.cluster)} and restart the agent with it`);
      }
      // Asked every time: a revocation, or a cluster deleted from the store, takes effect at once.
      const rec = await store.getCluster(id.cluster);
      if (!rec) return err('unauthenticated', `cluster ${id.cluster} is not registered on this server; register it with \`meshward server register-cluster ${id.cluster}\``);
      if (rec.revokedAt) return err('revoked', `cluster ${id.cluster} was revoked at ${rec.revokedAt}; its certificates are refused`);
      return { cluster: id.cluster };
    },

    async enroll(token: string | undefined, body: unknown, at: Date) {
      if (!isPlainObject(body)) return err('malformed', 'the enroll body must be a JSON object {v, cluster, csr, agentVersion}');
      if (body.v !== RELAY_PROTOCOL_VERSION) return err('unsupported-version', `this server speaks relay protocol version ${RELAY_PROTOCOL_VERSION}; upgrade or downgrade the agent to match`);
      const claimed = body.cluster;
      if (!isClusterName(claimed)) return err('malformed', 'cluster must be a DNS label (lowercase letters, digits and -, at most 63 characters)');
      const version = agentVersionOf(body);
      if (typeof version !== 'string') return version;
      if (!isBootstrapTokenShape(token)) return err('bad-token', `no bootstrap token, or not one this server issued (send Authorization: Bearer mwb_...); ${registerHint(claimed)}`);
      // The CSR is checked before the token is spent: a broken request does not burn a good token.
      const key = await csrKey(body.csr);
      if (!(key instanceof x509.PublicKey)) return key;
      // Spent for this key: the agent asks again with the same CSR when an answer is lost (a timeout,
      // or the store failing after the token was spent), and gets a certificate for the same key.
      const cluster = await store.consumeBootstrapToken(hashBootstrapToken(token), at, keyDigest(key));
      if (!cluster) return err('bad-token', `the bootstrap token is unknown, already used for another key, expired, or its cluster revoked; ${registerHint(claimed)}`);
      if (cluster !== claimed) {
        // The token is spent either way; which cluster it was for is not said.
        return err('forbidden-cluster', `the bootstrap token was not issued for cluster ${claimed}; ${registerHint(claimed)}`);
      }
      const response = await issue(key, cluster, at);
      await store.touchCluster(cluster, at, version, null);
      return response;
    },

    async renew(cluster: string, body: unknown, at: Date) {
      if (!isClusterName(cluster)) return err('unauthenticated', 'renew needs an authenticated cluster');
      if (!isPlainObject(body)) return err('malformed', 'the renew body must be a JSON object {v, csr, agentVersion}');
      if (body.v !== RELAY_PROTOCOL_VERSION) return err('unsupported-version', `this server speaks relay protocol version ${RELAY_PROTOCOL_VERSION}; upgrade or downgrade the agent to match`);
      const version = agentVersionOf(body);
      if (typeof version !== 'string') return version;
      const key = await csrKey(body.csr);
      if (!(key instanceof x509.PublicKey)) return key;
      // The caller authenticated already; the store is asked again so a revocation in between still wins.
      const rec = await store.getCluster(cluster);
      if (!rec) return err('unauthenticated', `cluster ${cluster} is not registered on this server`);
      if (rec.revokedAt) return err('revoked', `cluster ${cluster} was revoked at ${rec.revokedAt}`);
      const response = await issue(key, cluster, at);
      await store.touchCluster(cluster, at, version, null);
      return response;
    },

    registerCluster: (name, ttl, at) => registerCluster(store, name, ttl, at),
    revokeCluster: (name, at) => store.revokeCluster(name, at),
  };
}

/** Thrown by registerCluster for a name it cannot register; the message says why and what to do. */
export class RegistrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistrationError';
  }
}

/** The longest bootstrap token lifetime: a token is meant to be used within the hour. */
export const MAX_BOOTSTRAP_TTL_MS = 24 * 3600 * 1000;

/**
 * Registers `name` if new and issues a one-time bootstrap token for it (the token itself is returned
 * once and never stored). A revoked cluster stays revoked: its name cannot be enrolled again.
 * Needs no CA: `meshward server register-cluster` runs against the store alone.
 */
export async function registerCluster(store: Store, name: string, ttlMs: number, at: Date): Promise<{ token: string; expiresAt: string }> {
  if (!isClusterName(name)) throw new RegistrationError('a cluster name is a DNS label: lowercase letters, digits and -, starting and ending with a letter or digit, at most 63 characters');
  if (!Number.isFinite(ttlMs) || ttlMs < 1000 || ttlMs > MAX_BOOTSTRAP_TTL_MS) throw new RegistrationError('the token lifetime must be between 1 second and 24 hours');
  let rec = await store.getCluster(name);
  if (!rec) {
    try {
      rec = await store.createCluster(name, at);
    } catch (e) {
      // Registered concurrently by another command or replica: use that registration.
      if (!(e instanceof StoreConflictError)) throw e;
      rec = await store.getCluster(name);
      if (!rec) throw e;
    }
  }
  if (rec.revokedAt) throw new RegistrationError(`cluster ${name} was revoked at ${rec.revokedAt} and cannot enroll again; register the cluster under a new name`);
  const token = newBootstrapToken();
  const expiresAt = new Date(at.getTime() + ttlMs);
  await store.addBootstrapToken(name, hashBootstrapToken(token), expiresAt);
  return { token, expiresAt: expiresAt.toISOString() };
}

function sendError(reply: FastifyReply, e: RelayError): FastifyReply {
  return reply.code(relayErrorStatus(e.code)).type('application/json').send(e);
}

/**
 * Fastify's own refusals (body too large, not JSON, wrong content type) answered as RelayErrors, so an
 * agent reads one error shape. The parser's message is not passed on: it can quote the body.
 */
function bodyErrorHandler(error: { statusCode?: number; name?: string; code?: unknown }, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = error.statusCode ?? 500;
  if (status === 413) return sendError(reply, err('too-large', `the body is larger than ${MAX_IDENTITY_BODY_BYTES / 1024} KiB; send one CSR`));
  if (status >= 400 && status < 500) return sendError(reply, err('malformed', 'the body must be JSON (Content-Type: application/json)'));
  // A store or CA failure: logged by kind only (an error message could quote what it was given).
  request.log.error({ event: 'identity-failure', path: request.routeOptions.url, error: String(error.name ?? 'Error').slice(0, 60), code: typeof error.code === 'string' ? error.code.slice(0, 60) : undefined }, 'identity request failed');
  return sendError(reply, err('unavailable', 'the server failed to handle the request; try again later'));
}

/**
 * POST /v1/enroll and POST /v1/renew on the agent listener. Logs name the outcome and the cluster,
 * never a body, a header or a token. The server assembly (server.ts) calls this beside ingest's routes.
 */
// Any server type and logger: the assembly creates the listener with https options and its own pino.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EarlyCheck = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

export function registerIdentityRoutes(app: FastifyInstance<any, any, any, any, any>, deps: AgentRoutesDeps): void {
  const { identity, log } = deps;
  // Before the body is read: enroll needs a bootstrap token (its shape is checked here, the token
  // itself with the CSR), renew a client certificate the store still accepts.
  const enrollToken: EarlyCheck = async (request, reply) => {
    if (isBootstrapTokenShape(bearerToken(request.headers.authorization))) return;
    log.warn({ event: 'enroll-refused', code: 'bad-token' }, 'enrollment refused');
    closeAfterRefusal(request, reply);
    return sendError(reply, err('bad-token', `no bootstrap token, or not one this server issued (send Authorization: Bearer mwb_...); ${registerHint(null)}`));
  };
  const renewer: EarlyCheck = async (request, reply) => {
    const who = await identity.authenticate(request.raw.socket as TLSSocket, new Date());
    if (!isRelayError(who)) return;
    log.warn({ event: 'renew-refused', code: who.code }, 'renewal refused');
    closeAfterRefusal(request, reply);
    return sendError(reply, who);
  };
  app.post(AGENT_PATHS.enroll, { bodyLimit: MAX_IDENTITY_BODY_BYTES, errorHandler: bodyErrorHandler, onRequest: enrollToken }, async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await identity.enroll(bearerToken(request.headers.authorization), request.body, new Date());
    if (isRelayError(result)) {
      log.warn({ event: 'enroll-refused', code: result.code }, 'enrollment refused');
      return sendError(reply, result);
    }
    log.info({ event: 'enrolled', cluster: result.cluster, notAfter: result.notAfter }, 'agent enrolled');
    return reply.code(200).send(result);
  });
  app.post(AGENT_PATHS.renew, { bodyLimit: MAX_IDENTITY_BODY_BYTES, errorHandler: bodyErrorHandler, onRequest: renewer }, async (request: FastifyRequest, reply: FastifyReply) => {
    const at = new Date();
    const who = await identity.authenticate(request.raw.socket as TLSSocket, at);
    if (isRelayError(who)) {
      log.warn({ event: 'renew-refused', code: who.code }, 'renewal refused');
      return sendError(reply, who);
    }
    const result = await identity.renew(who.cluster, request.body, at);
    if (isRelayError(result)) {
      log.warn({ event: 'renew-refused', code: result.code, cluster: who.cluster }, 'renewal refused');
      return sendError(reply, result);
    }
    log.info({ event: 'renewed', cluster: result.cluster, notAfter: result.notAfter }, 'agent certificate renewed');
    return reply.code(200).send(result);
  });
}
