/**
 * Worker thread body of the ingest decoders (./ingest-decoder.ts): takes a batch body and its
 * Content-Encoding, answers with the batch as the store takes it (./batch-decode.ts) or with the
 * refusal the agent is to get. Holds nothing between jobs.
 */
import { parentPort } from 'node:worker_threads';
import { decodeBatchBody, Refusal } from './batch-decode.js';

const port = parentPort;
if (!port) throw new Error('ingest-decoder-worker.js is a worker thread body: start it through ingest-decoder.ts');

port.on('message', (job: { id: number; body: Uint8Array; encoding: string }) => {
  try {
    port.postMessage({ id: job.id, batch: decodeBatchBody(job.body, job.encoding) });
  } catch (err) {
    if (err instanceof Refusal) port.postMessage({ id: job.id, refusal: { status: err.status, body: err.body } });
    // Never the body's content: only what failed, first line, bounded.
    else port.postMessage({ id: job.id, error: `${(err as Error)?.name ?? 'Error'}: ${String((err as Error)?.message ?? err).split('\n')[0].slice(0, 200)}` });
  }
});
