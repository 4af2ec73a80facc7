/**
 * The ingest decoders: worker threads that turn agents' batch bodies into what the store writes
 * (./batch-decode.ts: gunzip, parse, validate, sanitize, serialize), so the server's event loop only
 * receives bytes, writes rows and answers. Measured with bench/relay-fleet.js: decoding was about two
 * thirds of the event loop's work per object in an initial ingest, and its garbage (every batch's
 * parsed objects, alive while the batch is worked on) was promoted and collected by the full
 * collections of the main heap (docs/relay.md "Ingest decoders and snapshot floods").
 *
 * Each thread takes one batch at a time from a shared queue; how many batches are in flight at once
 * is bounded by the ingest route (maxConcurrentBatches), so memory is bounded whatever the fleet
 * does. A thread that dies (out of memory on a hostile body, say) fails its batch (the agent is told
 * to retry) and is started again for the next one.
 */
import os from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { RelayError } from '../relay/protocol.js';
import type { StoreBatch } from '../store/types.js';
import { Refusal } from './batch-decode.js';

/** Threads by default: one per core beyond the event loop's, at least one, at most four. */
export const DEFAULT_DECODER_THREADS = Math.max(1, Math.min(4, os.availableParallelism() - 1));
export const MAX_DECODER_THREADS = 16;
/**
 * A decoder's young generation. A 5,000-object part parses to about 15 MB of objects that all die
 * with the job: with V8's default nursery they were copied twice and promoted first. V8 makes the
 * young generation three semi-spaces' worth (two semi-spaces and the young large-object space) and
 * rounds a semi-space up to a power of two, so 192 MB is 64 MB semi-spaces, as the event loop has
 * under SERVER_NODE_OPTIONS (src/relay/node-options.ts); at 64 MB (32 MB semi-spaces: measured, the
 * new space stopped growing at 64 MB) a scavenge still found most of a part alive. Decoding
 * 5,000-object parts in a worker: 11.6 → 9.1 µs of CPU an object (helper threads included).
 */
export const DECODER_YOUNG_GENERATION_MB = 192;

type Answer = { id: number; batch?: StoreBatch; refusal?: { status: number; body: RelayError }; error?: string };
type Job = { id: number; body: Uint8Array; encoding: string; resolve: (b: StoreBatch) => void; reject: (e: Error) => void };

class DecoderThread {
  private worker: Worker | null = null;
  job: Job | null = null;

  constructor(
    private readonly done: (t: DecoderThread) => void,
    private readonly limits: ResourceLimits,
  ) {}

  run(job: Job): void {
    this.job = job;
    const w = this.start();
    // The body's memory moves to the thread when the Buffer owns all of it; otherwise it is copied once.
    const body = job.body.byteOffset === 0 && job.body.byteLength === job.body.buffer.byteLength ? job.body : new Uint8Array(job.body);
    // A job in flight keeps the process alive until it is answered; an idle thread does not.
    w.ref();
    w.postMessage({ id: job.id, body, encoding: job.encoding }, [body.buffer as ArrayBuffer]);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./ingest-decoder-worker.js', import.meta.url), { resourceLimits: this.limits });
    w.on('message', (m: Answer) => {
      const job = this.job;
      if (!job || job.id !== m.id) return;
      this.job = null;
      w.unref();
      if (m.batch) job.resolve(m.batch);
      else if (m.refusal) job.reject(new Refusal(m.refusal.status, m.refusal.body));
      else job.reject(new Error(`the ingest decoder failed: ${m.error ?? 'no answer'}`));
      this.done(this);
    });
    const fail = (why: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      const job = this.job;
      this.job = null;
      job?.reject(new Error(why));
      this.done(this);
    };
    w.on('error', (err) => fail(`the ingest decoder failed: ${String(err?.message ?? err).split('\n')[0].slice(0, 200)}`));
    w.on('exit', (code) => fail(`the ingest decoder exited (code ${code})`));
    this.worker = w;
    return w;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    // The batch in flight is not stored: its agent is told to retry (the route answers 503).
    const job = this.job;
    this.job = null;
    job?.reject(new Error('the ingest decoders are closed'));
    if (w) await w.terminate();
  }
}

export class IngestDecoders {
  private readonly idle: DecoderThread[];
  private readonly all: DecoderThread[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  /** `limits`: the threads' V8 heap limits (tests make them small to see a thread die). */
  constructor(threads = DEFAULT_DECODER_THREADS, limits: ResourceLimits = { maxYoungGenerationSizeMb: DECODER_YOUNG_GENERATION_MB }) {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_DECODER_THREADS) throw new RangeError(`ingest decoder threads must be a whole number from 1 to ${MAX_DECODER_THREADS}, not ${threads}`);
    this.all = Array.from({ length: threads }, () => new DecoderThread((t) => this.next(t), limits));
    this.idle = [...this.all];
  }

  /** The batch in `body` as the store takes it; rejects with a Refusal the agent is to get, or an Error. */
  decode(body: Uint8Array, encoding: string): Promise<StoreBatch> {
    if (this.closed) return Promise.reject(new Error('the ingest decoders are closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, body, encoding, resolve, reject });
      const t = this.idle.pop();
      if (t) this.next(t);
    });
  }

  private next(t: DecoderThread): void {
    const job = this.queue.shift();
    if (!job) {
      if (!this.idle.includes(t)) this.idle.push(t);
      return;
    }
    t.run(job);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new Error('the ingest decoders are closed'));
    await Promise.all(this.all.map((t) => t.close()));
  }
}
