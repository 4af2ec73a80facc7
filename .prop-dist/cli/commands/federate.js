/**
 * `meshward federate PLAN.yaml [--output DIR] [--format yaml|json]`: least-privilege multi-mesh
 * federation config from a plan (src/federation; docs/federation.md). Plans that would weaken the
 * meshes' isolation are refused with the file, line and field at fault.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import { UsageError } from '../io.js';
import { terminalSafe } from '../../engine/text.js';
import { renderJson, renderYamlStream } from '../../tenancy/yaml-out.js';
import { loadPlan, PLAN_LIMITS } from '../../federation/plan.js';
import { ValidationError } from '../../config/validated-yaml.js';
import { generateFederation } from '../../federation/generate.js';
export function registerFederate(program, io, setExit) {
    program
        .command('federate')
        .description('least-privilege multi-mesh federation config from a plan: per mesh ServiceEntries, DestinationRules, an east-west Gateway, AuthorizationPolicies and the mesh-config piece (docs/federation.md)')
        .argument('<plan>', 'federation plan (YAML)')
        .option('-o, --output <dir>', 'write one file per mesh (and its .mesh-config file) into this folder instead of standard output')
        .addOption(new Option('-f, --format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
        .action(async (planFile, flags) => {
        const plan = await readPlan(path.resolve(io.cwd, planFile), planFile);
        const outputs = generateFederation(plan);
        if (flags.output)
            await writeFolder(path.resolve(io.cwd, flags.output), flags.output, outputs, flags.format, io);
        else
            io.stdout.write(flags.format === 'json' ? renderJson(asJson(outputs)) : outputs.map(renderMesh).join(''));
        setExit(0);
    });
}
/** Reads and checks a plan; every problem becomes a usage error naming the file and line. */
export async function readPlan(file, shown) {
    let text;
    try {
        const stat = await fs.stat(file);
        if (!stat.isFile())
            throw new UsageError(`${shown}: not a file`);
        if (stat.size > PLAN_LIMITS.bytes)
            throw new UsageError(`${shown}: larger than ${PLAN_LIMITS.bytes / 1024} KiB; a federation plan names meshes and services, nothing bulky`);
        text = await fs.readFile(file, 'utf8');
    }
    catch (err) {
        if (err instanceof UsageError)
            throw err;
        throw new UsageError(`${shown}: cannot read the plan (${err.code ?? 'error'}); check the path`);
    }
    try {
        return await loadPlan(text, shown);
    }
    catch (err) {
        if (err instanceof ValidationError)
            throw new UsageError(err.message);
        throw err;
    }
}
function renderMesh(o) {
    return renderYamlStream(o.header, o.docs) + renderYamlStream(o.meshConfigHeader, [{ object: o.meshConfig }]);
}
function asJson(outputs) {
    return { meshes: outputs.map((o) => ({ mesh: o.mesh, objects: o.docs.map((d) => d.object), meshConfig: o.meshConfig, notes: { objects: o.header, meshConfig: o.meshConfigHeader } })) };
}
async function writeFolder(dir, shown, outputs, format, io) {
    try {
        await fs.mkdir(dir, { recursive: true });
    }
    catch (err) {
        throw new UsageError(`--output ${terminalSafe(shown)}: cannot create the folder (${err.code ?? err}); check the path`);
    }
    for (const o of outputs) {
        // Mesh names are DNS-1123 labels (checked by the plan schema), so they are safe file names.
        const files = format === 'json'
            ? [[`${o.mesh}.json`, renderJson({ mesh: o.mesh, objects: o.docs.map((d) => d.object), notes: o.header })], [`${o.mesh}.mesh-config.json`, renderJson({ ...o.meshConfig, notes: o.meshConfigHeader })]]
            : [[`${o.mesh}.yaml`, renderYamlStream(o.header, o.docs)], [`${o.mesh}.mesh-config.yaml`, renderYamlStream(o.meshConfigHeader, [{ object: o.meshConfig }])]];
        for (const [name, text] of files) {
            try {
                await fs.writeFile(path.join(dir, name), text);
            }
            catch (err) {
                throw new UsageError(`--output ${terminalSafe(shown)}: cannot write ${name} (${err.code ?? err}); check the folder`);
            }
        }
        io.stderr.write(`meshward: mesh ${o.mesh}: ${o.docs.length} objects in ${terminalSafe(path.join(shown, `${o.mesh}.${format}`))}, mesh config in ${terminalSafe(path.join(shown, `${o.mesh}.mesh-config.${format}`))}\n`);
    }
}
