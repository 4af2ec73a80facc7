#!/usr/bin/env node
// Experiment: what does it cost to parse YAML on worker threads and bring the objects back?
// Compares, on the same corpus, with js-yaml (meshward's parser) and the same schema:
//   A. one thread: js-yaml on the main thread
//   B. N workers, objects posted back (structured clone; what src/loader/pool.ts does today)
//   C. N workers, JSON text posted back, JSON.parse on the main thread
//   D. N workers, JSON text of each document, parsed lazily: only the time to receive strings
// and also JSON.parse of the same data as one JSON text (the floor for any text format).
//
//   node bench/experiments/parse-transfer.js [corpus-dir] [--workers 2]
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const yaml = require(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', 'js-yaml'));
const SCHEMA = yaml.CORE_SCHEMA.extend([yaml.types.merge]);

function split(text) {
  // Same rule as src/loader/split.ts: a `---` line at column 0 starts a document.
  const docs = [];
  let start = 0;
  for (let i = text.indexOf('\n---', 0); i >= 0; i = text.indexOf('\n---', i + 1)) {
    const c = text.charCodeAt(i + 4);
    if (c === 10 || c === 32 || c === 13 || Number.isNaN(c)) {
      if (i + 1 > start) docs.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) docs.push(text.slice(start));
  return docs;
}

if (!isMainThread) {
  parentPort.on('message', ({ id, docs, mode }) => {
    const values = docs.map((d) => yaml.load(d, { schema: SCHEMA }));
    if (mode === 'objects') parentPort.postMessage({ id, values });
    else if (mode === 'json') parentPort.postMessage({ id, json: JSON.stringify(values) });
    else parentPort.postMessage({ id, jsons: values.map((v) => JSON.stringify(v)) });
  });
} else {
  const args = process.argv.slice(2);
  let dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'out', 'mesh-100k');
  let workers = Math.max(2, os.availableParallelism?.() ?? 2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--workers') workers = Number(args[++i]);
    else dir = args[i];
  }
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  // Tasks of ~1 MB, as pool.ts batches them.
  const tasks = [];
  for (const text of files) {
    let cur = [];
    let bytes = 0;
    for (const d of split(text)) {
      cur.push(d);
      bytes += d.length;
      if (bytes >= 1 << 20) {
        tasks.push(cur);
        cur = [];
        bytes = 0;
      }
    }
    if (cur.length) tasks.push(cur);
  }
  const ndocs = tasks.reduce((n, t) => n + t.length, 0);
  console.log(`${dir}: ${files.length} files, ${ndocs} documents, ${tasks.length} tasks, ${workers} workers`);

  const row = (name, ms, extra = '') => console.log(`  ${name.padEnd(60)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${extra}`);
  const gc = () => globalThis.gc?.();

  gc();
  let t = performance.now();
  let kept = tasks.map((docs) => docs.map((d) => yaml.load(d, { schema: SCHEMA })));
  row('A. js-yaml on the main thread', performance.now() - t);
  const jsonText = JSON.stringify(kept.flat());
  kept = null;
  gc();
  t = performance.now();
  JSON.parse(jsonText);
  row('   (floor) JSON.parse of the same data as one JSON text', performance.now() - t, `${(jsonText.length / 1e6).toFixed(1)} MB of JSON`);

  const pool = (mode) =>
    new Promise((resolve) => {
      const out = new Array(tasks.length);
      let next = 0;
      let done = 0;
      let mainMs = 0;
      const ws = Array.from({ length: workers }, () => new Worker(fileURLToPath(import.meta.url)));
      const send = (w) => {
        if (next < tasks.length) {
          const id = next++;
          w.postMessage({ id, docs: tasks[id], mode });
        }
      };
      for (const w of ws) {
        w.on('message', (msg) => {
          const t0 = performance.now();
          if (mode === 'objects') out[msg.id] = msg.values;
          else if (mode === 'json') out[msg.id] = JSON.parse(msg.json);
          else out[msg.id] = msg.jsons;
          mainMs += performance.now() - t0;
          send(w);
          if (++done === tasks.length) {
            Promise.all(ws.map((x) => x.terminate())).then(() => resolve({ out, mainMs }));
          }
        });
        send(w);
      }
    });

  for (const [mode, label] of [
    ['objects', 'B. workers post objects back (structured clone, as pool.ts)'],
    ['json', 'C. workers post one JSON text per task; JSON.parse on main'],
    ['jsons', 'D. workers post a JSON text per document (not parsed on main)'],
  ]) {
    gc();
    t = performance.now();
    const { mainMs } = await pool(mode);
    row(label, performance.now() - t, `main thread handling messages: ${(mainMs / 1000).toFixed(2)} s (clone cost is paid before the handler, in native code)`);
  }
}
