/**
 * The sanitizer's contract: rules see the same thing either way. Every YAML under examples/ and
 * test/fixtures/ (Secrets of every flavour, kubeconfigs in Secrets, cacerts, env, ConfigMaps...) is
 * scanned twice, raw and with each object passed through `sanitizeObject` (facts attached to the
 * Resource, as the live reader does), and must give the same findings, input errors, blast radius and
 * trust findings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadPaths, type LoadResult } from '../loader/load.js';
import { MeshModel } from '../model/model.js';
import { Locator } from '../loader/locate.js';
import { runRules } from '../engine/run.js';
import { allRules } from '../rules/index.js';
import { defaultSettings } from '../config/settings.js';
import { credentialProblems, describeCredentialProblem } from '../multicluster/credentials.js';
import { blastRadius, type ClusterInput } from '../multicluster/blast-radius.js';
import { trustFindings } from '../multicluster/trust.js';
import type { Finding } from '../engine/finding.js';
import type { Resource } from '../model/resource.js';
import { REPO_ROOT } from '../testing/kit.js';
import { sanitizeObject } from './sanitize.js';

/** The Resource the live reader builds from a sanitized object (source kept so findings can still be located and compared). */
export function sanitizedResource(r: Resource): Resource {
  const s = sanitizeObject(r.obj);
  const meta = s.obj.metadata as Record<string, unknown> | undefined;
  const out: Resource = { ...r, obj: s.obj, labels: stringMap(meta?.labels), annotations: stringMap(meta?.annotations) };
  if (s.secretFacts) out.secretFacts = s.secretFacts;
  return out;
}

function stringMap(m: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!m || typeof m !== 'object' || Array.isArray(m)) return out;
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') Object.defineProperty(out, k, { value: String(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The comparable part of a finding: rule, resource, message, path, severity and evidence (positions aside). */
function comparable(f: Finding): string {
  const r = f.resource;
  const ev = f.evidence.map((e) => `${e.role}|${e.description}|${e.resource ? `${e.resource.kind}/${e.resource.namespace}/${e.resource.name}` : ''}|${e.location?.path ?? ''}`);
  return JSON.stringify([f.ruleId, f.severity, `${r.cluster}/${r.kind}/${r.namespace}/${r.name}`, f.message, f.location?.path ?? null, ev]);
}

/** What a scan of these resources reports: findings, credential errors and rule failures. */
export function analyse(resources: Resource[], load: LoadResult): { findings: string[]; errors: string[]; failures: string[]; model: MeshModel } {
  const model = new MeshModel(resources, {});
  const locator = new Locator(load.files);
  const errors = credentialProblems(model).map(describeCredentialProblem);
  const { findings, failures } = runRules(model, allRules, { settings: defaultSettings(), locator });
  return { findings: findings.map(comparable).sort(), errors: errors.sort(), failures: failures.map((f) => `${f.ruleId}: ${f.message}`).sort(), model };
}

/** Each folder scanned as one input (objects of a folder see each other, as in a real scan); loose files on their own. */
function inputs(): string[] {
  const out: string[] = [];
  const visit = (dir: string, depth: number) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) {
        if (depth === 0 || !readdirSync(p).some((n) => statSync(path.join(p, n)).isDirectory())) out.push(p);
        else visit(p, depth + 1);
      } else if (/\.(ya?ml|json)$/.test(name) && depth === 0) out.push(p);
    }
  };
  visit(path.join(REPO_ROOT, 'examples'), 0);
  visit(path.join(REPO_ROOT, 'test/fixtures'), 0);
  return out;
}

test('equivalence: every example and fixture gives the same findings raw and sanitized', async () => {
  const all = inputs();
  assert.ok(all.some((p) => p.endsWith(path.join('fixtures', 'secrets'))), 'the Secret fixtures are part of the comparison');
  let compared = 0;
  let secrets = 0;
  for (const p of all) {
    const load = await loadPaths([p], {});
    if (!load.resources.length) continue;
    const raw = analyse(load.resources, load);
    const clean = analyse(load.resources.map(sanitizedResource), load);
    const where = path.relative(REPO_ROOT, p);
    assert.deepEqual(clean.findings, raw.findings, `${where}: findings differ after sanitizing`);
    assert.deepEqual(clean.errors, raw.errors, `${where}: credential errors differ after sanitizing`);
    assert.deepEqual(clean.failures, raw.failures, `${where}: rule failures differ after sanitizing`);
    compared += raw.findings.length;
    secrets += load.resources.filter((r) => r.kind === 'Secret').length;
  }
  // The comparison must have had something to compare, Secrets included.
  assert.ok(compared > 100, `only ${compared} findings compared`);
  assert.ok(secrets > 15, `only ${secrets} Secrets compared`);
});

test('equivalence: blast radius and cross-cluster trust of the multicluster example are the same sanitized', async () => {
  const dir = path.join(REPO_ROOT, 'examples/multicluster');
  const clusters = readdirSync(dir).sort();
  const build = async (sanitize: boolean): Promise<ClusterInput[]> =>
    Promise.all(
      clusters.map(async (name) => {
        const load = await loadPaths([path.join(dir, name)], { cluster: name });
        const resources = sanitize ? load.resources.map(sanitizedResource) : load.resources;
        return { name, model: new MeshModel(resources, {}), files: load.files };
      }),
    );
  const raw = await build(false);
  const clean = await build(true);
  const rawBlast = blastRadius(raw);
  assert.ok(JSON.stringify(rawBlast).length > 200, 'the example has a blast radius to compare');
  assert.deepEqual(JSON.parse(JSON.stringify(blastRadius(clean))), JSON.parse(JSON.stringify(rawBlast)));
  const rawTrust = trustFindings(raw);
  assert.ok(rawTrust.length > 0, 'the example has trust findings to compare');
  assert.deepEqual(trustFindings(clean), rawTrust);
});
