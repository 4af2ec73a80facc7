import { hash } from 'node:crypto';
/** Bytes of a fingerprint: the first half of a SHA-256, written as 32 hex digits. */
export const FINGERPRINT_BYTES = 16;
/**
 * A finding's identity across runs: the rule, the object, the field and the rule's discriminator, but
 * not the file or line, so moving a manifest or reformatting it keeps its baseline entry.
 */
export function fingerprint(parts) {
    // 16 bytes as 32 hex digits, written directly: slicing the 64-digit hex string would keep all of it alive.
    return fingerprintDigest(parts).toString('hex', 0, FINGERPRINT_BYTES);
}
/** The fingerprint as bytes (the first FINGERPRINT_BYTES of the digest), for compact storage. */
export function fingerprintDigest(parts) {
    // One-shot hash: no Hash object per finding (a million findings on a 45 MB input).
    return hash('sha256', [parts.ruleId, parts.cluster, parts.kind, parts.namespace, parts.name, parts.path, parts.key ?? ''].join('\u0000'), 'buffer');
}
