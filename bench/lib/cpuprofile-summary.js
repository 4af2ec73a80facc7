// Summarises V8 .cpuprofile files (from `node --cpu-prof`) into where the time went for meshward:
// each sample is charged to the innermost frame that belongs to a known area (a meshward source
// folder, a dependency, or a V8 pseudo-frame such as the garbage collector), so time spent in
// built-ins (JSON.stringify, RegExp, Map) counts for the meshward code that called them.
//
//   node bench/lib/cpuprofile-summary.js <file-or-dir>... [--top 25] [--timeline 250] [--from SECONDS]
// (--from: only the samples from that many seconds into each profile, e.g. past a server's start-up.)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// meshward's top-level source folders (src/<dir>), read from the repository so new ones are picked
// up; a compiled frame's area is the last such folder in its URL, plus the file below it.
const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const SRC_DIRS = (() => {
  try {
    return fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'testing').map((e) => e.name);
  } catch {
    return ['loader', 'model', 'engine', 'rules', 'report', 'cli', 'config'];
  }
})();
const SRC_DIRS_RE = new RegExp(`/(${SRC_DIRS.map((d) => d.replace(/[^\w-]/g, '')).join('|')})/((?:(?!/(?:${SRC_DIRS.join('|')})/).)+)\\.js$`);

/** Area of a call frame, or null when it belongs to its caller (built-ins, anonymous natives). */
export function areaOf(frame) {
  const url = frame.url || '';
  const fn = frame.functionName || '';
  if (!url) {
    if (fn === '(garbage collector)') return 'gc';
    if (fn === '(idle)') return 'idle';
    if (fn === '(program)') return 'program (V8 / native, unattributed)';
    if (fn === '(root)') return 'root';
    return null;
  }
  if (url.includes('/node_modules/js-yaml/')) return 'parse: js-yaml';
  if (url.includes('/node_modules/yaml/')) return 'locate: yaml';
  if (url.includes('/node_modules/jsonc-parser/')) return 'parse: jsonc-parser';
  if (url.includes('/node_modules/commander/')) return 'cli: commander';
  if (url.includes('/node_modules/zod/')) return 'config: zod';
  if (url.includes('/node_modules/')) return `dep: ${url.split('/node_modules/').pop().split('/')[0]}`;
  const m = SRC_DIRS_RE.exec(url);
  if (m) {
    const [, dir, file] = m;
    if (dir === 'loader') {
      if (file === 'parse') return 'parse: loader/parse (tasks, shape check)';
      if (file === 'parse-worker') return 'load: worker postMessage (structured-clone serialise)';
      if (file === 'split') return 'load: split documents';
      if (file === 'locate') return 'locate: Locator';
      if (file === 'pool') return 'load: worker pool (receive, structured-clone deserialise)';
      return `load: loader/${file}`;
    }
    if (dir === 'rules') return `rules: ${file.split('/').pop()}`;
    if (dir === 'engine') return `engine: ${file}`;
    return `${dir}: ${file}`;
  }
  if (url.startsWith('node:')) return `node: ${url.slice(5)}`;
  return `other: ${path.basename(url)}`;
}

/** { area -> self time in ms } for one profile, plus its total and thread label. */
export function summarise(profile) {
  const byId = new Map();
  for (const n of profile.nodes) byId.set(n.id, n);
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const areaCache = new Map();
  const areaFor = (id) => {
    if (areaCache.has(id)) return areaCache.get(id);
    let cur = id;
    let area = null;
    while (cur !== undefined && area === null) {
      area = areaOf(byId.get(cur).callFrame);
      if (area === 'root') area = null;
      if (area === null) cur = parent.get(cur);
    }
    area ??= 'program (V8 / native, unattributed)';
    // A parser library is loading work, except when the Locator called it (positions for findings).
    const LIB = /^(?:parse|locate): (js-yaml|yaml|jsonc-parser)/;
    const lib = LIB.exec(area)?.[1];
    if (lib) {
      for (let up = parent.get(cur); up !== undefined; up = parent.get(up)) {
        const a = areaOf(byId.get(up).callFrame);
        if (a === null || a === 'root' || LIB.test(a)) continue;
        area = a.startsWith('locate') ? `locate: ${lib} (positions for findings)` : `parse: ${lib}`;
        break;
      }
    }
    areaCache.set(id, area);
    return area;
  };
  const areas = {};
  let total = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; charge it to sample i's frame (as Chrome does, near enough).
    const ms = (timeDeltas[i] ?? 0) / 1000;
    const a = areaFor(samples[i]);
    areas[a] = (areas[a] ?? 0) + ms;
    total += ms;
  }
  return { areas, total, areaFor };
}

let fromMs = 0;

/** A profile file, without the samples before `--from` (a server's start-up, when its load is what is wanted). */
function loadProfile(file) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (fromMs <= 0) return prof;
  let t = 0;
  let i = 0;
  while (i < prof.samples.length && t < fromMs) t += (prof.timeDeltas[i++] ?? 0) / 1000;
  return { ...prof, samples: prof.samples.slice(i), timeDeltas: prof.timeDeltas.slice(i) };
}

export function printSummary(files, top = 30, out = (s) => process.stdout.write(s + '\n')) {
  const all = {};
  let grand = 0;
  for (const f of files) {
    const prof = loadProfile(f);
    const { areas, total } = summarise(prof);
    const busy = total - (areas.idle ?? 0);
    out(`\n${path.basename(f)}: ${(total / 1000).toFixed(2)} s sampled, ${(busy / 1000).toFixed(2)} s busy`);
    const sorted = Object.entries(areas).filter(([a]) => a !== 'idle').sort((x, y) => y[1] - x[1]);
    for (const [a, ms] of sorted.slice(0, top)) out(`  ${(ms / 1000).toFixed(3).padStart(8)} s  ${((100 * ms) / busy).toFixed(1).padStart(5)}%  ${a}`);
    for (const [a, ms] of sorted) all[a] = (all[a] ?? 0) + ms;
    grand += busy;
  }
  if (files.length > 1) {
    out(`\nall threads: ${(grand / 1000).toFixed(2)} s busy`);
    for (const [a, ms] of Object.entries(all).sort((x, y) => y[1] - x[1]).slice(0, top)) out(`  ${(ms / 1000).toFixed(3).padStart(8)} s  ${((100 * ms) / grand).toFixed(1).padStart(5)}%  ${a}`);
  }
  // Coarse view: the part of each area before the colon (parse, gc, locate, model, rules, ...).
  const coarse = {};
  for (const [a, ms] of Object.entries(all)) {
    const k = a.split(':')[0].split(' (')[0];
    coarse[k] = (coarse[k] ?? 0) + ms;
  }
  out(`\nby coarse area${files.length > 1 ? ' (all threads)' : ''}:`);
  for (const [a, ms] of Object.entries(coarse).sort((x, y) => y[1] - x[1])) out(`  ${(ms / 1000).toFixed(3).padStart(8)} s  ${((100 * ms) / grand).toFixed(1).padStart(5)}%  ${a}`);
  return all;
}

/** The profile in windows of `windowMs`: what each slice of wall time was spent on (coarse areas). */
export function timeline(file, windowMs = 250) {
  const profile = loadProfile(file);
  const { areaFor } = summarise(profile);
  const rows = [];
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    t += dt;
    const w = Math.floor(t / windowMs);
    rows[w] ??= {};
    const coarse = areaFor(profile.samples[i]).split(':')[0].split(' (')[0];
    rows[w][coarse] = (rows[w][coarse] ?? 0) + dt;
  }
  return rows.map((r, i) => {
    const parts = Object.entries(r ?? {}).sort((a, b) => b[1] - a[1]).filter(([, ms]) => ms >= windowMs * 0.1);
    return `${String(i * windowMs).padStart(6)} ms  ${parts.map(([a, ms]) => `${a} ${Math.round((100 * ms) / windowMs)}%`).join(', ')}`;
  });
}

/** Top self-time functions (for the detail behind an area). */
export function topFunctions(file, n = 25) {
  const prof = loadProfile(file);
  const self = new Map();
  const byId = new Map(prof.nodes.map((x) => [x.id, x]));
  for (let i = 0; i < prof.samples.length; i++) {
    const node = byId.get(prof.samples[i]);
    const cf = node.callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000);
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let top = 30;
  let windowMs = 0;
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--top') top = Number(args[++i]);
    else if (args[i] === '--timeline') windowMs = Number(args[++i]);
    else if (args[i] === '--from') fromMs = 1000 * Number(args[++i]);
    else if (fs.statSync(args[i]).isDirectory()) for (const f of fs.readdirSync(args[i]).sort()) f.endsWith('.cpuprofile') && files.push(path.join(args[i], f));
    else files.push(args[i]);
  }
  printSummary(files, top);
  if (windowMs) {
    for (const f of files) {
      console.log(`\ntimeline of ${path.basename(f)} (${windowMs} ms windows, areas over 10%):`);
      for (const line of timeline(f, windowMs)) console.log(`  ${line}`);
    }
  }
  for (const f of files) {
    console.log(`\ntop self-time functions in ${path.basename(f)}:`);
    for (const [k, ms] of topFunctions(f, top)) console.log(`  ${(ms / 1000).toFixed(3).padStart(8)} s  ${k}`);
  }
}
