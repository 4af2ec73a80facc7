/**
 * What the server makes of an agent's batch body before storing it: decompressed under the cap,
 * parsed, validated strictly, every object sanitized again and serialized as the store keeps it.
 * Pure and synchronous: the ingest decoder threads (./ingest-decoder.ts) run it, so the event loop
 * only moves bytes and writes rows (docs/relay.md "Ingest decoders and snapshot floods").
 *
 * Everything an agent sends is hostile, even with a valid certificate:
 * - the decompressed size is bounded by zlib's output cap (a gzip bomb stops there, having allocated
 *   no more); the compressed one by the route's body limit;
 * - the shape is validated strictly (names without control characters, kinds and versions as the API
 *   writes them, bounded strings and counts); keys like `__proto__` are plain data (JSON.parse makes
 *   them own properties and the sanitizer copies them as such);
 * - every object is sanitized again (src/cluster/sanitize.ts) with its kind and apiVersion as the wire
 *   declares them, so a Secret cannot slip its data past the sanitizer under another kind.
 * Nothing of a body is ever quoted in an error.
 */
import { gunzipSync } from 'node:zlib';
import { sanitizeOwnedObject } from '../cluster/sanitize.js';
import { checkSecretFacts, SecretFactsError } from '../cluster/secret-facts-check.js';
import type { SecretFacts } from '../cluster/secret-facts.js';
import { isClusterName, RELAY_LIMITS, RELAY_PROTOCOL_VERSION, type Batch, type Change, type RelayError, type WireKindStatus, type WireObject } from '../relay/protocol.js';
import { wireObjectJsonWith, wireObjectKey } from '../store/common.js';
import type { SerializedUpsert, StoreBatch, StoreChange } from '../store/types.js';

/** Control characters have no place in a Kubernetes name, kind or version; in a log or a terminal they do harm. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const KIND = /^[A-Za-z][A-Za-z0-9]{0,62}$/;
const API_VERSION = /^(?:[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;
const KIND_KEY = /^(?:[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z][A-Za-z0-9]{0,62}$/;
const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAME = 253;
const MAX_NAMESPACE = 63;
const MAX_SHORT = 300;
const MAX_KINDS = 1_000;
/** A Secret's derived facts, serialized: certificates and kubeconfig summaries, never megabytes. */
const MAX_SECRET_FACTS_BYTES = 512 * 1024;

/** A batch refused: the HTTP status and the relay error the agent gets. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly body: RelayError,
  ) {
    super(body.message);
  }
}

export function refuse(status: number, code: RelayError['code'], message: string): never {
  throw new Refusal(status, { code, message });
}

/**
 * A batch body (gzip-compressed JSON) as the store takes it: every upsert validated, sanitized and
 * serialized (`upsert-json`), deletes as sent. Throws a Refusal for anything an agent must be told.
 */
export function decodeBatchBody(body: Uint8Array, contentEncoding: string): StoreBatch {
  if (body.length === 0) refuse(400, 'malformed', 'the batch body is empty; send gzip-compressed JSON');
  if (contentEncoding.toLowerCase().trim() !== 'gzip') refuse(400, 'malformed', 'a batch is sent with Content-Encoding: gzip');
  let raw: Buffer;
  try {
    raw = gunzipSync(body, { maxOutputLength: RELAY_LIMITS.maxDecompressedBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      refuse(413, 'too-large', `the batch is over ${RELAY_LIMITS.maxDecompressedBytes} bytes decompressed; send smaller batches`);
    }
    refuse(400, 'malformed', 'the batch body is not valid gzip');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    refuse(400, 'malformed', 'the batch body is not JSON');
  }
  const { batch, objectTexts } = validateBatchWithTexts(parsed);
  // Each upsert as the store writes it: its key and its JSON text, made from the object's text that
  // validation serialized to measure it (the same JSON as serializing the wire object).
  const changes = batch.changes.map((c, i): StoreChange => (c.op === 'upsert' ? serializedUpsert(c.object, objectTexts[i]!) : c));
  return { ...batch, changes };
}

function serializedUpsert(o: WireObject, objText: string): SerializedUpsert {
  return { op: 'upsert-json', key: wireObjectKey(o), body: wireObjectJsonWith(o, objText) };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shortString(v: unknown, max: number = MAX_SHORT): v is string {
  return typeof v === 'string' && v.length <= max && !CONTROL.test(v);
}

function name(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max && !CONTROL.test(v);
}

/** A strictly checked copy of the batch: unknown fields dropped, every object sanitized again. */
export function validateBatch(v: unknown): Batch {
  return validateBatchWithTexts(v).batch;
}

/** validateBatch, with each upsert's sanitized object as JSON text (`objectTexts[i]` for `changes[i]`). */
function validateBatchWithTexts(v: unknown): { batch: Batch; objectTexts: Array<string | undefined> } {
  if (!isObj(v)) refuse(400, 'malformed', 'a batch is a JSON object');
  if (v.v !== RELAY_PROTOCOL_VERSION) refuse(400, 'unsupported-version', `this server speaks relay protocol version ${RELAY_PROTOCOL_VERSION}; run an agent of the server's version`);
  if (!isClusterName(v.cluster)) refuse(400, 'malformed', '`cluster` is not a cluster name (a DNS label)');
  if (!shortString(v.agentVersion, 100)) refuse(400, 'malformed', '`agentVersion` is not a short string');
  if (typeof v.epoch !== 'string' || !EPOCH.test(v.epoch)) refuse(400, 'malformed', '`epoch` is not 1 to 64 letters, digits, - or _');
  if (typeof v.seq !== 'number' || !Number.isSafeInteger(v.seq) || v.seq < 1) refuse(400, 'malformed', '`seq` is not a positive whole number');
  if (v.type !== 'snapshot' && v.type !== 'delta') refuse(400, 'malformed', '`type` is neither snapshot nor delta');
  if (v.last !== undefined && typeof v.last !== 'boolean') refuse(400, 'malformed', '`last` is not a boolean');
  if (v.last === true && v.type !== 'snapshot') refuse(400, 'malformed', '`last` belongs to snapshot parts only');
  if (!shortString(v.sentAt, 64)) refuse(400, 'malformed', '`sentAt` is not an ISO 8601 time');
  if (!Array.isArray(v.changes)) refuse(400, 'malformed', '`changes` is not a list');
  if (v.changes.length > RELAY_LIMITS.maxChangesPerBatch) refuse(413, 'too-large', `a batch holds at most ${RELAY_LIMITS.maxChangesPerBatch} changes, this one ${v.changes.length}`);
  const objectTexts: Array<string | undefined> = [];
  const changes: Change[] = v.changes.map((c, i) => validateChange(c, i, objectTexts));
  const batch: Batch = { v: RELAY_PROTOCOL_VERSION, cluster: v.cluster, agentVersion: v.agentVersion, epoch: v.epoch, seq: v.seq, type: v.type, sentAt: v.sentAt, changes };
  if (v.type === 'snapshot') batch.last = v.last === true;
  if (v.kinds !== undefined) batch.kinds = validateKinds(v.kinds);
  return { batch, objectTexts };
}

function validateChange(c: unknown, i: number, objectTexts: Array<string | undefined>): Change {
  const at = `changes[${i}]`;
  if (!isObj(c)) refuse(400, 'malformed', `${at} is not an object`);
  if (c.op === 'delete') {
    const k = c.key;
    if (!isObj(k) || typeof k.kind !== 'string' || !KIND_KEY.test(k.kind) || !name(k.name, MAX_NAME) || typeof k.namespace !== 'string' || k.namespace.length > MAX_NAMESPACE || CONTROL.test(k.namespace)) {
      refuse(400, 'malformed', `${at}.key is not {kind, namespace, name} as the API writes them`);
    }
    return { op: 'delete', key: { kind: k.kind, namespace: k.namespace, name: k.name } };
  }
  if (c.op !== 'upsert') refuse(400, 'malformed', `${at}.op is neither upsert nor delete`);
  const { object, text } = validateObject(c.object, `${at}.object`);
  objectTexts[i] = text;
  return { op: 'upsert', object };
}

/** The checked, sanitized wire object and its `obj` as JSON text (serialized once, to measure it). */
function validateObject(w: unknown, at: string): { object: WireObject; text: string } {
  if (!isObj(w)) refuse(400, 'malformed', `${at} is not an object`);
  if (typeof w.apiVersion !== 'string' || !API_VERSION.test(w.apiVersion)) refuse(400, 'malformed', `${at}.apiVersion is not an API version`);
  if (typeof w.kind !== 'string' || !KIND.test(w.kind)) refuse(400, 'malformed', `${at}.kind is not a kind`);
  if (typeof w.namespaced !== 'boolean') refuse(400, 'malformed', `${at}.namespaced is not a boolean`);
  if (!isObj(w.obj)) refuse(400, 'malformed', `${at}.obj is not an object`);
  // The wire's kind decides how the object is sanitized (a Secret sent as "kind: Foo" in obj is still a Secret).
  // Sanitized in place: `w.obj` is JSON.parse's output of this request's body, which nothing else holds.
  const input = { ...w.obj, apiVersion: w.apiVersion, kind: w.kind };
  const { obj, secretFacts } = sanitizeOwnedObject(input);
  const md = obj.metadata;
  if (!isObj(md) || !name(md.name, MAX_NAME)) refuse(400, 'malformed', `${at}.obj.metadata.name is not a name`);
  if (w.namespaced) {
    if (!name(md.namespace, MAX_NAMESPACE)) refuse(400, 'malformed', `${at}.obj.metadata.namespace is not a namespace (the kind is namespaced)`);
  } else if (md.namespace !== undefined && md.namespace !== '') refuse(400, 'malformed', `${at}.obj.metadata.namespace is set on a cluster-scoped kind`);
  const text = JSON.stringify(obj);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only a text that could be over the bound is measured.
  if (text.length * 3 > RELAY_LIMITS.maxObjectBytes && Buffer.byteLength(text) > RELAY_LIMITS.maxObjectBytes) refuse(413, 'too-large', `${at} is over ${RELAY_LIMITS.maxObjectBytes} bytes`);
  const out: WireObject = { apiVersion: w.apiVersion, kind: w.kind, namespaced: w.namespaced, obj };
  if (w.apiVersion === 'v1' && w.kind === 'Secret') {
    // The agent derived the facts from the data it alone saw; they carry no value. Bounded, only on
    // Secrets, and checked field by field: the rules and the fleet pass read them as well-formed.
    if (w.secretFacts !== undefined) out.secretFacts = validateSecretFacts(w.secretFacts, at);
    else if (secretFacts) out.secretFacts = secretFacts;
  }
  return { object: out, text };
}

/** The agent's facts of a Secret as exactly a SecretFacts (src/cluster/secret-facts-check.ts), or a Refusal naming the field. */
function validateSecretFacts(v: unknown, at: string): SecretFacts {
  if (Buffer.byteLength(JSON.stringify(v) ?? '') > MAX_SECRET_FACTS_BYTES) refuse(413, 'too-large', `${at}.secretFacts is over ${MAX_SECRET_FACTS_BYTES} bytes`);
  try {
    return checkSecretFacts(v);
  } catch (err) {
    if (err instanceof SecretFactsError) refuse(400, 'malformed', `${at}.${err.path} ${err.problem}; run an agent of the server's version`);
    throw err;
  }
}

function validateKinds(v: unknown): WireKindStatus[] {
  if (!Array.isArray(v) || v.length > MAX_KINDS) refuse(400, 'malformed', `\`kinds\` is not a list of at most ${MAX_KINDS}`);
  return v.map((k, i) => {
    if (!isObj(k) || typeof k.kind !== 'string' || !KIND_KEY.test(k.kind) || typeof k.served !== 'boolean' || typeof k.synced !== 'boolean' || typeof k.objects !== 'number' || !Number.isSafeInteger(k.objects) || k.objects < 0 || (k.error !== null && !shortString(k.error))) {
      refuse(400, 'malformed', `kinds[${i}] is not {kind, served, synced, objects, error}`);
    }
    return { kind: k.kind, served: k.served, synced: k.synced, objects: k.objects, error: k.error as string | null };
  });
}
