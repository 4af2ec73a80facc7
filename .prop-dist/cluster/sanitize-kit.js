import { MeshModel } from '../model/model.js';
import { Locator } from '../loader/locate.js';
import { runRules } from '../engine/run.js';
import { allRules } from '../rules/index.js';
import { defaultSettings } from '../config/settings.js';
import { credentialProblems, describeCredentialProblem } from '../multicluster/credentials.js';
import { stringMap } from '../model/resource.js';
import { sanitizeObject } from './sanitize.js';
/** The Resource the live reader builds from a sanitized object (source kept so findings can still be located and compared). */
export function sanitizedResource(r) {
    const s = sanitizeObject(r.obj);
    const meta = s.obj.metadata;
    const out = { ...r, obj: s.obj, labels: stringMap(meta?.labels), annotations: stringMap(meta?.annotations) };
    if (s.secretFacts)
        out.secretFacts = s.secretFacts;
    return out;
}
/** The comparable part of a finding: rule, resource, message, path, severity and evidence (positions aside). */
export function comparable(f) {
    const r = f.resource;
    const ev = f.evidence.map((e) => `${e.role}|${e.description}|${e.resource ? `${e.resource.kind}/${e.resource.namespace}/${e.resource.name}` : ''}|${e.location?.path ?? ''}`);
    return JSON.stringify([f.ruleId, f.severity, `${r.cluster}/${r.kind}/${r.namespace}/${r.name}`, f.message, f.location?.path ?? null, ev]);
}
/** What a scan of these resources reports: findings, credential errors and rule failures. */
export function analyse(resources, load) {
    const model = new MeshModel(resources, {});
    const locator = new Locator(load.files);
    const errors = credentialProblems(model).map(describeCredentialProblem);
    const { findings, failures } = runRules(model, allRules, { settings: defaultSettings(), locator });
    return { findings: findings.map(comparable).sort(), errors: errors.sort(), failures: failures.map((f) => `${f.ruleId}: ${f.message}`).sort(), model };
}
