import { registerScan } from './scan.js';
import { registerRules } from './rules.js';
import { registerAdvisories } from './advisories.js';
import { registerTenants } from './tenants.js';
import { registerKubeconfig } from './kubeconfig.js';
import { registerBlastRadius } from './blast-radius.js';
import { registerGenerate } from './generate.js';
import { registerPosture } from './posture.js';
import { registerRbac } from './rbac.js';
import { registerWebhook } from './webhook.js';
import { registerServer } from './server.js';
import { registerAgent } from './agent.js';
import { registerDemo } from './demo.js';
import { registerGraph } from './graph.js';
import { registerFederate } from './federate.js';
import { registerServerAdminCommands } from './server-admin.js';
/** Every sub-command, one module each. Add new commands here. */
export function registerCommands(program, io, setExit) {
    registerScan(program, io, setExit);
    registerRules(program, io, setExit);
    registerAdvisories(program, io, setExit);
    registerTenants(program, io, setExit);
    registerKubeconfig(program, io, setExit);
    registerBlastRadius(program, io, setExit);
    registerGenerate(program, io, setExit);
    registerPosture(program, io, setExit);
    registerRbac(program, io, setExit);
    registerWebhook(program, io, setExit);
    // `meshward server register-cluster|revoke-cluster` hang off `meshward server`.
    registerServerAdminCommands(registerServer(program, io, setExit), io, setExit);
    registerAgent(program, io, setExit);
    registerDemo(program, io, setExit);
    registerGraph(program, io, setExit);
    registerFederate(program, io, setExit);
}
