/**
 * A Secret's facts (./secret-facts.ts) as someone else computed them, checked before anything reads
 * them: the relay server takes them from agents (src/server/batch-decode.ts), and the fleet pass reads
 * them back from the store (src/multicluster/blast-radius.ts), where facts stored before this check
 * existed may still be. The rules, the credential extraction and the trust checks read the facts as
 * well-formed (`kubeconfigs` a list, `users` a list...): one malformed value made the cross-cluster
 * pass throw for every cluster.
 *
 * Written by hand rather than with zod: it runs in the ingest decoder threads and the fleet worker,
 * where zod costs each thread 0.1-0.2 s to load (src/advisories/database-schema.ts). Each check returns
 * a copy holding only the fields of the type, so what is stored is exactly a SecretFacts; its type is
 * checked against SecretFacts by the compiler (`SECRET_FACTS: Check<SecretFacts>`).
 */
import { SEVERITIES, type Severity } from '../engine/finding.js';
import { KCF, type KcfId, type SubjectKind } from '../kubeconfig/judge.js';
import type { PathSegment } from '../model/resource.js';
import { CREDENTIAL_CONSUMERS, SECRET_FACTS_VERSION, type CredentialFlavour, type SecretFacts } from './secret-facts.js';

/** Facts that are not a SecretFacts: `path` names the first field at fault (`secretFacts.kubeconfigs[0].users`). */
export class SecretFactsError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path} ${problem}`);
    this.name = 'SecretFactsError';
  }
}

type Check<T> = (v: unknown, at: string) => T;

/**
 * Bounds beyond the serialized size the caller enforces: the computing side never goes past them
 * (secret-facts.ts: 4,096 keys, 100 SANs, 50 key usages; kubeconfig limits: 200,000 YAML nodes).
 */
const MAX_LIST = 10_000;
const MAX_STRING = 256 * 1024;
const MAX_DEPTH = 64;

function fail(at: string, problem: string): never {
  throw new SecretFactsError(at, problem);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const str: Check<string> = (v, at) => (typeof v === 'string' && v.length <= MAX_STRING ? v : fail(at, `is not a string of at most ${MAX_STRING} characters`));
const bool: Check<boolean> = (v, at) => (typeof v === 'boolean' ? v : fail(at, 'is not a boolean'));
const count: Check<number> = (v, at) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(at, 'is not a whole number of 0 or more'));
const segment: Check<PathSegment> = (v, at) => (typeof v === 'string' ? str(v, at) : typeof v === 'number' ? count(v, at) : fail(at, 'is neither a field name nor a list index'));

function nullable<T>(c: Check<T>): Check<T | null> {
  return (v, at) => (v === null ? null : c(v, at));
}

function list<T>(c: Check<T>): Check<T[]> {
  return (v, at) => {
    if (!Array.isArray(v) || v.length > MAX_LIST) fail(at, `is not a list of at most ${MAX_LIST}`);
    return v.map((x, i) => c(x, `${at}[${i}]`));
  };
}

function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v, at) => ((values as readonly unknown[]).includes(v) ? (v as T) : fail(at, `is not one of ${values.join(', ')}`));
}

/** An object with exactly the fields of T checked (a missing one is refused, an unknown one dropped). */
function obj<T>(fields: { [K in keyof T]-?: Check<T[K]> }): Check<T> {
  return (v, at) => {
    if (!isRecord(v)) fail(at, 'is not an object');
    const out = {} as T;
    for (const k of Object.keys(fields) as Array<keyof T & string>) out[k] = fields[k](v[k], `${at}.${k}`);
    return out;
  };
}

/** Plain JSON, for the redacted kubeconfig's fields (whatever the kubeconfig held, credentials fingerprinted). */
function json(v: unknown, at: string, depth = 0): unknown {
  if (depth > MAX_DEPTH) fail(at, `is nested deeper than ${MAX_DEPTH} levels`);
  if (v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v;
  if (typeof v === 'string') return str(v, at);
  if (Array.isArray(v)) return list((x, a) => json(x, a, depth + 1))(v, at);
  if (isRecord(v)) return jsonRecord(v, at, depth);
  return fail(at, 'is not JSON data');
}

function jsonRecord(v: unknown, at: string, depth = 0): Record<string, unknown> {
  if (!isRecord(v)) fail(at, 'is not an object');
  const out: Record<string, unknown> = {};
  // defineProperty: a `__proto__` key stays plain data, as JSON.parse made it. The key is not named in
  // the path: errors quote nothing the sender wrote.
  for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: json(x, `${at}.<key>`, depth + 1), enumerable: true, writable: true, configurable: true });
  return out;
}

const path = list(segment);
const field = oneOf(['data', 'stringData'] as const);
const flavours = Object.keys(CREDENTIAL_CONSUMERS) as CredentialFlavour[];
const kcfIds = Object.values(KCF) as KcfId[];
const severities: readonly Severity[] = SEVERITIES;
const subjectKinds: readonly SubjectKind[] = ['cluster', 'user', 'context'];
const nstr = nullable(str);
const strings = list(str);

type Facts = SecretFacts;
type Kubeconfig = Facts['kubeconfigs'][number];
type Pem = Facts['pem'][number];
type User = Kubeconfig['users'][number];
type Finding = Kubeconfig['judged']['findings'][number];
type Entry = Kubeconfig['view']['clusters'][number];

const certificate: Check<NonNullable<Pem['certificate']>> = obj({
  subject: str,
  issuer: str,
  sans: strings,
  notBefore: str,
  notAfter: str,
  isCA: bool,
  keyUsage: nullable(strings),
  issuedBySelf: bool,
  fingerprint256: str,
  publicKeyFingerprint: nstr,
});

const pem: Check<Pem> = obj({
  key: str,
  blank: bool,
  certificate: nullable(certificate),
  certificateCount: count,
  unparsedSha256: nstr,
  privateKey: nullable(obj<NonNullable<Pem['privateKey']>>({ type: nstr, publicKeyFingerprint: nstr })),
});

const jwt: Check<NonNullable<User['jwt']>> = obj({
  fingerprint: str,
  algorithm: nstr,
  keyId: nstr,
  issuer: nstr,
  subject: nstr,
  namespace: nstr,
  serviceAccount: nstr,
  audience: strings,
  expiresAt: nstr,
  issuedAt: nstr,
  neverExpires: bool,
  expired: bool,
  legacyServiceAccountToken: bool,
});

const user: Check<User> = obj<User>({
  user: str,
  path: str,
  kinds: strings,
  tokenFingerprint: nstr,
  jwt: nullable(jwt),
  servers: strings,
  principal: nstr,
  groups: strings,
});

const finding: Check<Finding> = obj<Finding>({
  id: oneOf(kcfIds),
  severity: oneOf(severities),
  message: str,
  path: str,
  segments: path,
  subject: obj<Finding['subject']>({ kind: oneOf(subjectKinds), name: str }),
  istiodRejects: bool,
  key: str,
  evidence: list(obj<Finding['evidence'][number]>({ role: str, description: str })),
  file: str,
});

const entry: Check<Entry> = obj<Entry>({ name: str, fields: jsonRecord });

const kubeconfig: Check<Kubeconfig> = obj<Kubeconfig>({
  dataKey: str,
  path,
  target: nstr,
  consumer: str,
  users: list(user),
  judged: obj<Kubeconfig['judged']>({
    findings: list(finding),
    errors: list(obj<Kubeconfig['judged']['errors'][number]>({ file: str, line: count, message: str })),
  }),
  view: obj<Kubeconfig['view']>({ currentContext: nstr, clusters: list(entry), users: list(entry), contexts: list(entry), truncated: bool }),
});

const SECRET_FACTS: Check<SecretFacts> = obj<SecretFacts>({
  version: (v, at) => (v === SECRET_FACTS_VERSION ? SECRET_FACTS_VERSION : fail(at, `is not ${SECRET_FACTS_VERSION}`)),
  flavour: nullable(oneOf(flavours)),
  keys: list(obj<Facts['keys'][number]>({ field, key: str, bytes: count })),
  unreadable: list(obj<Facts['unreadable'][number]>({ field, key: str, reason: str })),
  skippedKeys: count,
  pem: list(pem),
  kubeconfigs: list(kubeconfig),
  credentialProblems: list(obj<Facts['credentialProblems'][number]>({ path, reason: str })),
});

/** A checked copy of facts, exactly a SecretFacts (unknown fields dropped). Throws a SecretFactsError. */
export function checkSecretFacts(v: unknown): SecretFacts {
  return SECRET_FACTS(v, 'secretFacts');
}

/** The problem with facts, or null when they are a SecretFacts (for readers that skip, not refuse). */
export function secretFactsProblem(v: unknown): string | null {
  try {
    SECRET_FACTS(v, 'secretFacts');
    return null;
  } catch (err) {
    if (err instanceof SecretFactsError) return err.message;
    throw err;
  }
}
