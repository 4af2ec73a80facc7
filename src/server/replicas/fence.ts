/**
 * A Store whose analysis writes carry a fencing token (src/store/leases-postgres.ts): what the
 * analysis (on its thread or in the worker) writes through while it holds a lease. Everything else
 * goes to the store unchanged.
 */
import type { Store, WriteFence } from '../../store/types.js';

export function fencedStore(store: Store, fence: WriteFence): Store {
  const mine = (cluster: string) => {
    // A fence covers one lease: a write for another cluster through it is a bug, refused loudly.
    if (cluster !== fence.lease) throw new Error(`a write for cluster ${JSON.stringify(cluster)} went through the fence of lease ${JSON.stringify(fence.lease)}`);
  };
  const recordAnalysis: Store['recordAnalysis'] = (cluster, findings, at, _fence, scope) => {
    mine(cluster);
    return store.recordAnalysis(cluster, findings, at, fence, scope);
  };
  const markAnalysed: Store['markAnalysed'] = (cluster, seq, epoch, at) => {
    mine(cluster);
    return store.markAnalysed(cluster, seq, epoch, at, fence);
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'recordAnalysis') return recordAnalysis;
      if (prop === 'markAnalysed') return markAnalysed;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
