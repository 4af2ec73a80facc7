/**
 * The main-thread side of the analysis worker (./analysis-worker.ts): one worker thread, one job at a
 * time (the analysis queue runs one cluster at a time anyway), started on first use and again after
 * a crash (the job in flight fails; the cluster is analysed again on its next batch).
 */
import { Worker } from 'node:worker_threads';
import type { StoreSpec } from '../store/index.js';
import type { ClusterAnalysisWorker, ClusterRunResult, FleetRunResult } from './analysis.js';
import type { ClusterChanges } from './analysis-incremental.js';
import type { WriteFence } from '../store/types.js';

type Pending = { resolve: (r: any) => void; reject: (e: Error) => void };

export class WorkerClusterAnalysis implements ClusterAnalysisWorker {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly spec: StoreSpec) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./analysis-worker.js', import.meta.url), { workerData: { spec: this.spec } });
    w.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m.result ?? null);
    });
    const fail = (why: string) => {
      if (this.worker === w) this.worker = null;
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    };
    w.on('error', (err) => fail(`the analysis worker failed: ${String(err?.message ?? err).split('\n')[0].slice(0, 200)}`));
    w.on('exit', (code) => fail(`the analysis worker exited (code ${code})`));
    this.worker = w;
    return w;
  }

  run(cluster: string, at: Date, changes: ClusterChanges | null = null, fence?: WriteFence): Promise<ClusterRunResult | null> {
    if (this.closed) return Promise.resolve(null);
    return this.job(cluster, at, changes, fence);
  }

  fleet(at: Date, fence?: WriteFence): Promise<FleetRunResult> {
    if (this.closed) return Promise.reject(new Error('the analysis worker is closed'));
    return this.job(null, at, null, fence);
  }

  private job<T>(cluster: string | null, at: Date, changes: ClusterChanges | null, fence?: WriteFence): Promise<T> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // fence: replicas only (the lease this job writes under; the worker's writes carry it).
      w.postMessage({ id, cluster, at: at.toISOString(), changes, ...(fence ? { fence } : {}) });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.postMessage({ close: true });
    // A worker stuck in a long analysis is not waited for past a few seconds.
    const timer = setTimeout(() => void w.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }
}
