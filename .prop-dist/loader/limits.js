export const DEFAULT_LIMITS = {
    maxFileBytes: 256 * 1024 * 1024,
    maxDocumentBytes: 16 * 1024 * 1024,
    maxNodesPerDocument: 2_000_000,
    maxDepth: 200,
    maxDocuments: 2_000_000,
};
