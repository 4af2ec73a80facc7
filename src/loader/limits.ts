/**
 * Bounds on hostile input. Every file meshward reads may come from an attacker, so each of these
 * turns an oversized or pathological input into an error entry instead of a hang or a crash.
 */
export interface Limits {
  /** Largest file (or stdin) read, in bytes. */
  maxFileBytes: number;
  /** Largest single YAML/JSON document, in bytes. */
  maxDocumentBytes: number;
  /** Most nodes (mappings, sequences, scalars) one document may expand to, aliases counted each time. */
  maxNodesPerDocument: number;
  /** Deepest nesting of mappings and sequences in one document. */
  maxDepth: number;
  /** Most documents read from all inputs together. */
  maxDocuments: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxFileBytes: 256 * 1024 * 1024,
  maxDocumentBytes: 16 * 1024 * 1024,
  maxNodesPerDocument: 2_000_000,
  maxDepth: 200,
  maxDocuments: 2_000_000,
};
