/**
 * Options for `readClusters` in tests: every selection flag off, generous timeouts for a loaded
 * machine, nothing read from the real environment. Tests override what they exercise.
 */
import type { ReadClustersOptions } from '../cluster/types.js';

export function liveReadOptions<T extends Partial<ReadClustersOptions>>(kubeconfig: string, folder: string, over: T = {} as T): ReadClustersOptions & T {
  return {
    kubeconfig,
    contexts: [],
    allContexts: false,
    inCluster: false,
    clusterNames: new Map(),
    allowExec: [],
    allowInsecureKubeconfig: false,
    concurrency: 2,
    requestTimeoutMs: 15_000,
    clusterTimeoutMs: 60_000,
    kinds: ['Pod'],
    env: {},
    homedir: folder,
    cwd: folder,
    ...over,
  };
}
