/**
 * charts/meshward rendered without Helm, for the tests that hold the chart equal to the generators
 * (src/webhook/generate-chart.test.ts, src/relay/generate-relay-chart.test.ts). Helm cannot run here, so
 * the chart is rendered the way Helm renders it, with the parts of Helm that matter for these templates:
 * - values: values.yaml, overridden key by key (Helm's coalescing), then checked against
 *   values.schema.json (Helm refuses to render when they fail it);
 * - templates: each file of templates/ through Go's own text/template (the WebAssembly build in
 *   @evertdespiegeleer/go-template, Go 1.25), then split into documents on `---`.
 * The templates keep to text/template built-ins (no Sprig, no `include`, no .Release/.Chart/.Files), so
 * Go's engine renders them exactly as Helm's does: a Helm-only function would fail to parse here. Values
 * reach the templates as JSON numbers (float64), as in Helm, so a comparison is written `gt .Values.x 1.0`.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import AjvModule from 'ajv';
import { parse as renderGoTemplate } from '@evertdespiegeleer/go-template';
import { REPO_ROOT } from './kit.js';
/* eslint-disable @typescript-eslint/no-explicit-any */
// ajv ships CommonJS with a `default` property; under NodeNext the default import is module.exports.
const Ajv = AjvModule.default ?? AjvModule;
export const CHART = path.join(REPO_ROOT, 'charts', 'meshward');
function isPlainObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** Helm's coalescing: maps merge key by key, anything else replaces. */
export function coalesce(base, over) {
    if (!isPlainObject(base) || !isPlainObject(over))
        return over === undefined ? base : over;
    const out = { ...base };
    for (const [k, v] of Object.entries(over))
        out[k] = coalesce(base[k], v);
    return out;
}
export async function chartValues(overrides = {}) {
    const defaults = parseYaml(await fs.readFile(path.join(CHART, 'values.yaml'), 'utf8'));
    return coalesce(defaults, overrides);
}
let validator = null;
export async function schemaErrors(values) {
    if (!validator) {
        const ajv = new Ajv({ allErrors: true, strict: false });
        validator = ajv.compile(JSON.parse(await fs.readFile(path.join(CHART, 'values.schema.json'), 'utf8')));
    }
    return validator(values) ? null : JSON.stringify(validator.errors);
}
export async function templateFiles() {
    const dir = path.join(CHART, 'templates');
    return (await fs.readdir(dir)).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(dir, f));
}
/** Renders the chart as `helm template` would: values, schema, each template, documents. */
export async function renderChart(overrides = {}) {
    const values = await chartValues(overrides);
    const invalid = await schemaErrors(values);
    if (invalid)
        throw new Error(`values.schema.json refuses the values: ${invalid}`);
    const objects = [];
    for (const file of await templateFiles()) {
        const text = await renderGoTemplate(await fs.readFile(file, 'utf8'), { Values: values });
        for (const doc of parseAllDocuments(text, { version: '1.1' })) {
            assert.deepEqual(doc.errors, [], `${path.basename(file)} renders to valid YAML`);
            const obj = doc.toJS();
            if (obj !== null && obj !== undefined)
                objects.push(obj);
        }
    }
    return objects;
}
export const keyOf = (o) => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ''} ${o.metadata?.name}`;
export function byKey(objs) {
    const m = new Map();
    for (const o of objs) {
        assert.ok(!m.has(keyOf(o)), `one ${keyOf(o)}`);
        m.set(keyOf(o), o);
    }
    return m;
}
/** The same objects, each deep-equal; the order does not matter (Helm sorts by kind anyway). */
export function assertSameObjects(chart, generated) {
    const a = byKey(chart);
    const b = byKey(generated);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [k, v] of b)
        assert.deepEqual(a.get(k), v, k);
}
