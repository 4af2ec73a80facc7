import { hash } from 'node:crypto';

export interface FingerprintParts {
  ruleId: string;
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
  path: string;
  key?: string;
}

/** Bytes of a fingerprint: the first half of a SHA-256, written as 32 hex digits. */
export const FINGERPRINT_BYTES = 16;

/**
 * A finding's identity across runs: the rule, the object, the field and the rule's discriminator, but
 * not the file or line, so moving a manifest or reformatting it keeps its baseline entry.
 */
export function fingerprint(parts: FingerprintParts): string {
  // 16 bytes as 32 hex digits, written directly: slicing the 64-digit hex string would keep all of it alive.
  return fingerprintDigest(parts).toString('hex', 0, FINGERPRINT_BYTES);
}

/** The fingerprint as bytes (the first FINGERPRINT_BYTES of the digest), for compact storage. */
export function fingerprintDigest(parts: FingerprintParts): Buffer {
  // One-shot hash: no Hash object per finding (a million findings on a 45 MB input).
  return hash('sha256', identityText(parts), 'buffer');
}

const NUL = '\u0000';

/**
 * The text a fingerprint hashes: the parts joined by NUL, exactly six of them. A part holding a NUL
 * itself (an object name in a file scan is anyone's text) could otherwise move the boundaries and give
 * two findings one fingerprint, and the engine keeps only the first of two findings with the same
 * fingerprint: a crafted object could hide another's finding. Such parts are escaped instead, behind
 * a marker that adds two more NULs, so the text is never one of the plain form; the plain form (every
 * real name and path) hashes as it always has, and baselines keep matching.
 */
function identityText(parts: FingerprintParts): string {
  const list = [parts.ruleId, parts.cluster, parts.kind, parts.namespace, parts.name, parts.path, parts.key ?? ''];
  if (!list.some((p) => p.includes(NUL))) return list.join(NUL);
  return `${NUL}escaped${NUL}${list.map((p) => p.replaceAll('\\', '\\\\').replaceAll(NUL, '\\0')).join(NUL)}`;
}

/**
 * Fingerprint digests already computed, kept with the object a finding is on (a WeakMap on the
 * Resource, so they go with it): an engine that runs the same rules over the same objects again and
 * again (the incremental engine behind the server, `scan --watch` and the webhook) hashes each
 * finding's identity once instead of on every run. The other parts (cluster, kind, namespace, name)
 * are the object's own, which never change on an object the engine holds (a change is a new object).
 * Each identity's slot also holds what the last run made of it (`last`, engine/run.ts's to reuse).
 */
export class FingerprintMemo {
  /** resource → rule ID → path → the slot without a key, and by key. Nested maps: no key string is built per lookup. */
  private readonly byResource = new WeakMap<object, Map<string, Map<string, MemoEntry>>>();

  digest(parts: FingerprintParts, resource: object): Buffer {
    return this.slot(parts, resource).digest;
  }

  /** The identity's slot: its digest, and what the last run that reported it recorded there. */
  slot(parts: FingerprintParts, resource: object): MemoSlot {
    let byRule = this.byResource.get(resource);
    if (!byRule) this.byResource.set(resource, (byRule = new Map()));
    let byPath = byRule.get(parts.ruleId);
    if (!byPath) byRule.set(parts.ruleId, (byPath = new Map()));
    let entry = byPath.get(parts.path);
    if (!entry) byPath.set(parts.path, (entry = {}));
    if (parts.key === undefined) return (entry.none ??= { digest: fingerprintDigest(parts) });
    entry.keyed ??= new Map();
    let slot = entry.keyed.get(parts.key);
    if (slot === undefined) entry.keyed.set(parts.key, (slot = { digest: fingerprintDigest(parts) }));
    return slot;
  }
}

/** One finding identity's digest, and the last run's record of it (opaque here). */
export interface MemoSlot {
  readonly digest: Buffer;
  last?: unknown;
}

interface MemoEntry {
  none?: MemoSlot;
  keyed?: Map<string, MemoSlot>;
}
