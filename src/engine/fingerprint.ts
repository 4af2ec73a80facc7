import { createHash } from 'node:crypto';

/**
 * A finding's identity across runs: the rule, the object, the field and the rule's discriminator, but
 * not the file or line, so moving a manifest or reformatting it keeps its baseline entry.
 */
export function fingerprint(parts: { ruleId: string; cluster: string; kind: string; namespace: string; name: string; path: string; key?: string }): string {
  const h = createHash('sha256');
  h.update([parts.ruleId, parts.cluster, parts.kind, parts.namespace, parts.name, parts.path, parts.key ?? ''].join('\u0000'));
  // 16 bytes as 32 hex digits, written directly: slicing the 64-digit hex string would keep all of it alive.
  return h.digest().toString('hex', 0, 16);
}
