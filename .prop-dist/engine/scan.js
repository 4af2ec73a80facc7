import { runRules } from './run.js';
import { loadFiles, loadPaths } from '../loader/load.js';
import { Locator } from '../loader/locate.js';
import { phase } from '../loader/timings.js';
import { relaxHeapGrowth, restoreHeapGrowth } from './heap-growth.js';
import { MeshModel } from '../model/model.js';
import { describe } from '../model/resource.js';
import { allRules } from '../rules/index.js';
import { credentialProblems, describeCredentialProblem } from '../multicluster/credentials.js';
import { defaultSettings } from '../config/settings.js';
/** The whole static pipeline: inputs → model → rules → findings (before suppressions). */
export async function scanPaths(paths, opts = {}) {
    // Parsed objects and the model all survive: no point in bounding heap growth while they are made.
    relaxHeapGrowth();
    try {
        const load = await loadPaths(paths, opts);
        if (!opts.telemetryPending)
            return analyse(load, opts);
        const telemetry = await opts.telemetryPending;
        return analyse(load, { ...opts, ...(telemetry ? { telemetry } : {}) });
    }
    finally {
        restoreHeapGrowth();
    }
}
export async function scanFiles(files, opts = {}) {
    return analyse(await loadFiles(files, opts), opts);
}
/** Model, rules and findings over resources already loaded (files, or one live cluster's objects). */
export function analyse(load, opts) {
    const settings = { ...defaultSettings(), ...opts.settings };
    phase('loaded');
    const model = new MeshModel(load.resources, {
        ...opts.model,
        systemNamespaces: settings.systemNamespaces.length ? settings.systemNamespaces : opts.model?.systemNamespaces,
    });
    phase('model built');
    const errors = [...load.errors];
    for (const e of model.errors)
        errors.push({ file: e.resource.source?.file ?? '<input>', line: e.resource.source?.line ?? 0, message: `${describe(e.resource)}: ${e.message}` });
    for (const e of model.mesh.errors)
        errors.push({ file: model.mesh.resource?.source?.file ?? '<mesh config>', line: model.mesh.resource?.source?.line ?? 0, message: e });
    const locator = opts.locator ?? new Locator(load.files);
    // Credential Secrets whose kubeconfig could not be read: an error, whatever rules run, so an
    // unreadable remote secret cannot hide its hazards behind a clean exit.
    for (const p of credentialProblems(model)) {
        const at = locator.locate(p.secret, p.path);
        errors.push({ file: at?.file ?? p.secret.source?.file ?? '<input>', line: at?.line ?? p.secret.source?.line ?? 0, message: describeCredentialProblem(p) });
    }
    // Findings are what can outgrow the input (a million on 45 MB): the heap's bound is back from here.
    restoreHeapGrowth();
    const { findings, failures } = runRules(model, opts.rules ?? allRules, {
        settings,
        locator,
        severityOverrides: opts.severityOverrides,
        disabled: opts.disabled,
        compact: opts.compactFindings,
        telemetry: opts.telemetry,
    });
    phase('rules run');
    return { findings, errors, notes: load.notes, failures, model, load };
}
