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
import { loadFiles, loadPaths } from '../loader/load.js';
import { allRules } from '../rules/index.js';
import { MeshModel } from '../model/model.js';
import { blastRadius } from '../multicluster/blast-radius.js';
import { trustFindings } from '../multicluster/trust.js';
import { REPO_ROOT } from '../testing/kit.js';
import { analyse, sanitizedResource } from './sanitize-kit.js';
/** Each folder scanned as one input (objects of a folder see each other, as in a real scan); loose files on their own. */
function inputs() {
    const out = [];
    const visit = (dir, depth) => {
        for (const name of readdirSync(dir).sort()) {
            const p = path.join(dir, name);
            if (statSync(p).isDirectory()) {
                if (depth === 0 || !readdirSync(p).some((n) => statSync(path.join(p, n)).isDirectory()))
                    out.push(p);
                else
                    visit(p, depth + 1);
            }
            else if (/\.(ya?ml|json)$/.test(name) && depth === 0)
                out.push(p);
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
        if (!load.resources.length)
            continue;
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
    const build = async (sanitize) => Promise.all(clusters.map(async (name) => {
        const load = await loadPaths([path.join(dir, name)], { cluster: name });
        const resources = sanitize ? load.resources.map(sanitizedResource) : load.resources;
        return { name, model: new MeshModel(resources, {}), files: load.files };
    }));
    const raw = await build(false);
    const clean = await build(true);
    const rawBlast = blastRadius(raw);
    assert.ok(JSON.stringify(rawBlast).length > 200, 'the example has a blast radius to compare');
    assert.deepEqual(JSON.parse(JSON.stringify(blastRadius(clean))), JSON.parse(JSON.stringify(rawBlast)));
    const rawTrust = trustFindings(raw);
    assert.ok(rawTrust.length > 0, 'the example has trust findings to compare');
    assert.deepEqual(trustFindings(clean), rawTrust);
});
test('equivalence: every rule documentation example (bad and good) gives the same findings raw and sanitized', async () => {
    let compared = 0;
    for (const rule of allRules) {
        for (const which of ['bad', 'good']) {
            const text = rule.meta.docs[which];
            if (!text)
                continue;
            const load = await loadFiles([{ file: `${rule.meta.id}-${which}.yaml`, text, format: 'yaml' }]);
            if (!load.resources.length)
                continue; // a kubeconfig or mesh-config snippet, not Kubernetes objects
            const raw = analyse(load.resources, load);
            const clean = analyse(load.resources.map(sanitizedResource), load);
            assert.deepEqual(clean.findings, raw.findings, `${rule.meta.id} docs.${which}: findings differ after sanitizing`);
            assert.deepEqual(clean.errors, raw.errors, `${rule.meta.id} docs.${which}: errors differ after sanitizing`);
            compared += raw.findings.length;
        }
    }
    assert.ok(compared > 50, `only ${compared} findings compared`);
});
