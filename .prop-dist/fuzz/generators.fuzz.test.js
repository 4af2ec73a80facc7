/**
 * Fuzzing the generators: whatever the names in the input (line breaks, `---`, `#`, quotes, control
 * characters, prototype member names), the generated YAML or JSON parses back to exactly the objects
 * the generator meant, and nothing else: a name must never end a comment and start an object of the
 * attacker's choosing in a file users apply to their cluster.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { renderSidecars, sidecarObject } from '../tenancy/generate-sidecars.js';
import { AdmissionPolicyError, generateAdmission } from '../tenancy/generate-admission.js';
import { fuzzParams, hostileString, nameLike } from './arbitraries.js';
/** Every document of a YAML stream as plain data, empty documents (only comments) left out. */
function parseBack(text) {
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs))
        throw new Error('not a YAML stream');
    for (const d of docs)
        if (d.errors.length)
            throw new Error(`generated YAML does not parse: ${d.errors[0].message}`);
    return docs.map((d) => d.toJS({ maxAliasCount: 0 })).filter((v) => v !== null && v !== undefined);
}
const plan = fc.record({
    namespace: nameLike,
    tenant: nameLike,
    policyTenant: fc.boolean(),
    sameTenant: fc.array(nameLike, { maxLength: 3 }),
    trusted: fc.array(nameLike, { maxLength: 3 }),
    egressHosts: fc.array(nameLike.map((n) => `${n}/*`), { maxLength: 4 }),
});
const generation = fc.record({ rootNamespace: nameLike, plans: fc.array(plan, { maxLength: 4 }), notes: fc.constant([]) });
// The sidecar generator writes names into YAML comments today (issue 10 class 1, fixed on the
// generator branch): kept at full strength, marked todo until that fix is merged.
test('fuzz: generate sidecars (YAML) parses back to exactly the planned Sidecars', { timeout: 60_000 }, () => {
    fc.assert(fc.property(generation, fc.option(hostileString, { nil: null }), hostileString, (gen, policyFile, version) => {
        const text = renderSidecars(gen, { format: 'yaml', policyFile, version });
        assert.deepEqual(parseBack(text), gen.plans.map(sidecarObject));
        return true;
    }), fuzzParams(150));
});
test('fuzz: generate sidecars (JSON) parses back to exactly the planned Sidecars', { timeout: 60_000 }, () => {
    fc.assert(fc.property(generation, (gen) => {
        const text = renderSidecars(gen, { format: 'json', policyFile: null, version: '0' });
        assert.deepEqual(JSON.parse(text), { apiVersion: 'v1', kind: 'List', items: gen.plans.map(sidecarObject) });
        return true;
    }), fuzzParams(100));
});
/** Valid names most of the time, so the generator gets past its own refusals and writes something. */
const mostlyValid = fc.oneof({ weight: 6, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/) }, { weight: 1, arbitrary: nameLike });
const tenantPolicy = fc.record({
    platform: fc.record({ namespaces: fc.array(mostlyValid, { maxLength: 2 }), subjects: fc.array(mostlyValid.map((n) => `user:${n}`), { maxLength: 2 }) }),
    tenants: fc.array(fc.record({
        name: mostlyValid,
        namespaces: fc.array(mostlyValid, { minLength: 1, maxLength: 3 }),
        hosts: fc.array(fc.constantFrom('shop.example.com', '*.shop.example.com', '*'), { maxLength: 2 }),
        gateways: fc.array(fc.constantFrom('istio-system/public', 'gw/*'), { maxLength: 1 }),
        trusts: fc.array(mostlyValid, { maxLength: 2 }),
    }), { minLength: 1, maxLength: 3 }),
});
for (const format of ['vap', 'kyverno']) {
    // Comments of the admission output quote the policy file name and platform names (issue 10 class 1,
    // fixed on the generator branch): kept at full strength, marked todo until merged.
    test(`fuzz: generate admission-policy ${format} parses back to exactly the generated objects`, { timeout: 60_000 }, () => {
        let generated = 0;
        const params = fuzzParams(100);
        fc.assert(fc.property(tenantPolicy, fc.oneof(hostileString, fc.constant('tenants.yaml')), mostlyValid, fc.constantFrom('enforce', 'audit'), (policy, policyFile, name, mode) => {
            let out;
            try {
                out = generateAdmission(policy, { format, policyFile, version: '0', systemNamespaces: ['istio-system'], clusterDomain: 'cluster.local', mode, name });
            }
            catch (err) {
                // Refusing a name it cannot express is allowed; any other exception is not.
                assert.ok(err instanceof AdmissionPolicyError, `threw ${err?.name}: ${err?.message}`);
                return true;
            }
            generated++;
            assert.deepEqual(parseBack(out.text), JSON.parse(JSON.stringify(out.objects)));
            return true;
        }), params);
        assert.ok(generated >= params.numRuns / 5, `only ${generated} of ${params.numRuns} runs got past the generator's refusals: the property tested little`);
    });
}
