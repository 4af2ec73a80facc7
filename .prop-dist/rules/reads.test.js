// Every rule's `reads` must list each kind its findings depend on: the admission webhook runs only the
// rules that read the incoming kind, and incremental analysis (issue 17) re-runs only the rules that read
// a changed kind, so a kind missing from `reads` is a finding missed there. This test finds such kinds
// empirically: for each corpus and each kind K in it, the objects of K are taken out; every rule that
// does not declare K must then report exactly what it reported before (leaving aside findings on K
// objects themselves). Corpora: the bundled examples, every rule's docs examples, and random clusters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readdirSync, statSync } from 'node:fs';
import fc from 'fast-check';
import { defaultSettings } from '../config/settings.js';
import { runRules } from '../engine/run.js';
import { MeshModel } from '../model/model.js';
import { kindKey } from '../model/resource.js';
import { BARE_KIND_GROUPS, splitKindKey } from '../cluster/discovery.js';
import { REPO_ROOT } from '../testing/kit.js';
import { exampleObjects, objectArb, parseObjects, toResource } from '../testing/decide-corpus.js';
import { allRules } from './index.js';
/** `Deployment` → `apps/Deployment`: the form a Resource's group and kind make. */
function normalise(key) {
    const { group, kind } = splitKindKey(key);
    return kindKey(group ?? (Object.hasOwn(BARE_KIND_GROUPS, kind) ? BARE_KIND_GROUPS[kind] : ''), kind);
}
const declared = new Map(allRules.map((r) => [r.meta.id, new Set(r.meta.reads.map(normalise))]));
const settings = defaultSettings();
function findingsByRule(resources, skipKind) {
    const model = new MeshModel(resources.map((r, id) => ({ ...r, id })));
    const out = new Map();
    for (const f of runRules(model, allRules, { settings }).findings) {
        // Findings on objects of the removed kind cannot survive its removal, whatever the rule reads.
        if (skipKind !== null && normalise(`${f.resource.apiVersion.includes('/') ? f.resource.apiVersion.split('/')[0] + '/' : ''}${f.resource.kind}`) === skipKind)
            continue;
        const list = out.get(f.ruleId) ?? [];
        list.push(`${f.fingerprint} ${f.severity} ${f.message}`);
        out.set(f.ruleId, list);
    }
    for (const l of out.values())
        l.sort();
    return out;
}
/** Rule id → kinds whose removal changed its findings though its `reads` do not list them, with one example each. */
function undeclaredReads(corpora) {
    const found = new Map();
    for (const { name, objects } of corpora) {
        const resources = objects.map((o) => toResource(o));
        const kinds = [...new Set(resources.map((r) => kindKey(r.group, r.kind)))];
        for (const k of kinds) {
            // The first removed object of each namespace leaves a neutral marker in its place, so the
            // namespaces the input speaks of, and their order, stay the same (they decide how short host
            // names resolve and the order findings list namespaces in): that set is not a kind.
            const marked = new Set();
            const rest = [];
            for (const r of resources) {
                if (kindKey(r.group, r.kind) !== k)
                    rest.push(r);
                else if (r.namespace && !marked.has(r.namespace)) {
                    marked.add(r.namespace);
                    rest.push(toResource({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'meshward-reads-test-marker', namespace: r.namespace } }));
                }
            }
            // An empty input is no mesh at all: rules about the mesh as a whole rightly say nothing then.
            if (!rest.some((r) => !marked.has(r.namespace) || r.name !== 'meshward-reads-test-marker'))
                continue;
            const before = findingsByRule(resources, k);
            const after = findingsByRule(rest, null);
            for (const rule of allRules) {
                const id = rule.meta.id;
                if (declared.get(id).has(k))
                    continue;
                const a = JSON.stringify(before.get(id) ?? []);
                const b = JSON.stringify(after.get(id) ?? []);
                if (a === b)
                    continue;
                const byKind = found.get(id) ?? new Map();
                if (!byKind.has(k))
                    byKind.set(k, name);
                found.set(id, byKind);
            }
        }
    }
    return found;
}
function exampleCorpora() {
    const out = [];
    const examples = path.join(REPO_ROOT, 'examples');
    for (const d of ['insecure', 'secure'])
        out.push({ name: `examples/${d}`, objects: exampleObjects(path.join(examples, d)) });
    const mc = path.join(examples, 'multicluster');
    for (const d of readdirSync(mc).sort()) {
        const p = path.join(mc, d);
        if (statSync(p).isDirectory())
            out.push({ name: `examples/multicluster/${d}`, objects: exampleObjects(p) });
    }
    for (const rule of allRules) {
        const bad = rule.meta.docs.bad ? parseObjects(rule.meta.docs.bad) : [];
        const good = rule.meta.docs.good ? parseObjects(rule.meta.docs.good) : [];
        if (bad.length)
            out.push({ name: `${rule.meta.id} docs bad example`, objects: bad });
        if (bad.length && good.length)
            out.push({ name: `${rule.meta.id} docs bad + good examples`, objects: [...bad, ...good] });
    }
    return out;
}
function randomCorpora(count, seed) {
    const samples = fc.sample(fc.array(objectArb, { minLength: 4, maxLength: 24 }), { numRuns: count, seed });
    return samples.map((objects, i) => ({ name: `random cluster ${i} (seed ${seed})`, objects: dedupe(objects) }));
}
/** One object per kind, namespace and name (a cluster cannot hold two). */
function dedupe(objects) {
    const seen = new Map();
    for (const o of objects)
        seen.set(`${o.apiVersion}|${o.kind}|${o.metadata?.namespace ?? ''}|${o.metadata?.name}`, o);
    return [...seen.values()];
}
function describe(found) {
    return [...found]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, kinds]) => `${id} depends on ${[...kinds].map(([k, where]) => `${k} (seen in ${where})`).join(', ')} but its reads are ${JSON.stringify(allRules.find((r) => r.meta.id === id).meta.reads)}`);
}
test('every kind a rule depends on is in its reads: bundled examples and docs examples', () => {
    assert.deepEqual(describe(undeclaredReads(exampleCorpora())), []);
});
test('every kind a rule depends on is in its reads: random clusters', () => {
    const seed = Number(process.env.MESHWARD_READS_SEED ?? 42);
    const runs = Number(process.env.MESHWARD_READS_RUNS ?? 60);
    assert.deepEqual(describe(undeclaredReads(randomCorpora(runs, seed))), []);
});
