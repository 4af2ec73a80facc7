/**
 * Test helpers for the sanitizer's proofs (equivalence and canaries): a Resource built from a
 * sanitized object as the live reader builds it, and the scan pipeline over a list of resources.
 */
import type { LoadResult } from '../loader/load.js';
import { MeshModel } from '../model/model.js';
import { Locator } from '../loader/locate.js';
import { runRules } from '../engine/run.js';
import { allRules } from '../rules/index.js';
import { defaultSettings } from '../config/settings.js';
import { credentialProblems, describeCredentialProblem } from '../multicluster/credentials.js';
import type { Finding } from '../engine/finding.js';
import { stringMap, type Resource } from '../model/resource.js';
import { sanitizeObject } from './sanitize.js';

/** The Resource the live reader builds from a sanitized object (source kept so findings can still be located and compared). */
export function sanitizedResource(r: Resource): Resource {
  const s = sanitizeObject(r.obj);
  const meta = s.obj.metadata as Record<string, unknown> | undefined;
  const out: Resource = { ...r, obj: s.obj, labels: stringMap(meta?.labels), annotations: stringMap(meta?.annotations) };
  if (s.secretFacts) out.secretFacts = s.secretFacts;
  return out;
}

/** The comparable part of a finding: rule, resource, message, path, severity and evidence (positions aside). */
export function comparable(f: Finding): string {
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

