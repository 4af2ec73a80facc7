#!/usr/bin/env node
// Runs @monokle/validation over a folder of manifests the way the Monokle CLI does (read the YAML
// files, extract resources with @monokle/parser, build the reference graph with processRefs,
// validate), restricted to the plugins that are plain JavaScript and need no network:
//
//   yaml-syntax, resource-links, metadata, pod-security-standards, practices
//
// Left out: kubernetes-schema (fetches its JSON schemas from https://plugins.monokle.com/schemas at
// configure time), open-policy-agent (Trivy Rego compiled to WASM, itself fetched remotely by
// RemoteWasmLoader) and admission-policy (CEL in WASM). `fetch` is replaced by a stub that fails and
// counts calls, so an accidental download shows up as `fetchAttempts` instead of happening.
//
//   node bench/monokle/run.mjs <dir-or-file>... [--plugins a,b,c] [--sarif FILE]
//
// Prints one JSON object: resource and file counts, problem counts, per-phase and total times.
import { promises as fs } from 'node:fs';
import path from 'node:path';

const t0 = performance.now();
let fetchAttempts = 0;
globalThis.fetch = async (url) => {
  fetchAttempts++;
  throw new Error(`network disabled in the benchmark (tried ${String(url)})`);
};

const { extractK8sResources } = await import('@monokle/parser');
const { MonokleValidator, DefaultPluginLoader, ResourceParser, SchemaLoader, AnnotationSuppressor, FingerprintSuppressor, DisabledFixer, processRefs } =
  await import('@monokle/validation');

export const PURE_JS_PLUGINS = ['yaml-syntax', 'resource-links', 'metadata', 'pod-security-standards', 'practices'];

const args = process.argv.slice(2);
const inputs = [];
let plugins = PURE_JS_PLUGINS;
let sarifOut = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--plugins') plugins = args[++i].split(',').filter(Boolean);
  else if (args[i] === '--sarif') sarifOut = args[++i];
  else inputs.push(args[i]);
}
if (!inputs.length) {
  console.error('usage: node bench/monokle/run.mjs <dir-or-file>... [--plugins a,b] [--sarif FILE]');
  process.exit(2);
}

const phases = {};
const lap = (name, since) => {
  phases[name] = Math.round(performance.now() - since);
  return performance.now();
};

let t = lap('import', t0);

// 1. Read files (*.yaml, *.yml), as the Monokle CLI's readDirectory does.
const files = [];
for (const input of inputs) for (const p of await yamlFiles(input)) files.push({ id: p, path: p, content: await fs.readFile(p, 'utf8') });
t = lap('read', t);

// 2. Extract resources with Monokle's own parser (yaml package, full CST with positions).
const resources = extractK8sResources(files);
t = lap('extract', t);

// 3. Validator with the built-in loader only (never the remote plugin loader).
const parser = new ResourceParser();
const validator = new MonokleValidator({
  loader: new DefaultPluginLoader(),
  parser,
  schemaLoader: new SchemaLoader(),
  suppressors: [new AnnotationSuppressor(), new FingerprintSuppressor()],
  fixer: new DisabledFixer(),
});
await validator.preload({ plugins: Object.fromEntries(plugins.map((p) => [p, true])) });
t = lap('preload', t);

// 4. Reference graph (what resource-links and getRelated read), as the CLI does before validate.
processRefs(resources, parser, undefined, files.map((f) => f.path));
t = lap('refs', t);

// 5. Validate.
const response = await validator.validate({ resources });
t = lap('validate', t);

const results = response.runs[0]?.results ?? [];
const byRule = {};
for (const r of results) byRule[r.ruleId] = (byRule[r.ruleId] ?? 0) + 1;
if (sarifOut) await fs.writeFile(sarifOut, JSON.stringify(response));

process.stdout.write(
  JSON.stringify({
    tool: '@monokle/validation',
    version: await installedVersion('@monokle/validation'),
    plugins: validator.getPlugins().filter((p) => p.enabled).map((p) => p.metadata.name),
    failedPlugins: validator.getFailedPlugins(),
    files: files.length,
    bytes: files.reduce((n, f) => n + Buffer.byteLength(f.content), 0),
    resources: resources.length,
    problems: results.length,
    byRule,
    fetchAttempts,
    phasesMs: phases,
    totalMs: Math.round(performance.now() - t0),
  }) + '\n',
);

async function installedVersion(name) {
  try {
    return JSON.parse(await fs.readFile(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
  } catch {
    return null;
  }
}

async function yamlFiles(p) {
  const st = await fs.stat(p);
  if (st.isFile()) return [p];
  const out = [];
  const walk = async (dir) => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== '.git') await walk(full);
      } else if (/\.ya?ml$/i.test(e.name)) out.push(full);
    }
  };
  await walk(p);
  return out;
}
