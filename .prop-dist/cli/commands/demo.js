import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { sha256Hex } from '../../server/api/auth.js';
import { UsageError } from '../io.js';
import { startServerFromFlags } from './server.js';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'meshward.js');
/** The examples served as clusters (as scripts/stand-in.js serves them). */
const CLUSTERS = [
    { name: 'insecure', folder: 'insecure' },
    { name: 'secure', folder: 'secure' },
    { name: 'east', folder: 'multicluster/east' },
    { name: 'west', folder: 'multicluster/west' },
    { name: 'north', folder: 'multicluster/north' },
];
/** `meshward demo`: the whole relay on this machine in one command (docs/relay.md#demo). */
export function registerDemo(program, io, setExit) {
    program
        .command('demo')
        .description('start a relay server, the Kubernetes API stand-in serving the bundled examples as clusters, and one agent per cluster; print the API URL and a token (Ctrl-C stops everything; needs a source checkout built with npm run build)')
        .option('--api-port <n>', 'API port on 127.0.0.1 (0: any free port)', '8080')
        .option('--keep', 'keep the temporary data folder after Ctrl-C (its path is printed)')
        .action(async (flags) => {
        setExit(await runDemo(flags, io));
    });
}
async function runDemo(flags, io) {
    // The stand-in is test tooling: in a source checkout's dist/testing, not in the published package.
    const standInModule = path.join(ROOT, 'dist', 'testing', 'apiserver', 'index.js');
    if (!existsSync(standInModule))
        throw new UsageError('meshward demo runs from a source checkout: the Kubernetes API stand-in (dist/testing) is not in the published package. Clone the repository, then `npm ci && npm run build && node bin/meshward.js demo`');
    const { startStandIn } = (await import(pathToFileURL(standInModule).href));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meshward-demo-'));
    const token = `mwd_${randomBytes(24).toString('base64url')}`;
    writeFileSync(path.join(dir, 'tokens.yaml'), `tokens:\n  - name: demo-admin\n    role: admin\n    sha256: ${sha256Hex(token)}\n`, { mode: 0o600 });
    // Server logs go to a file: the terminal shows the demo's own lines.
    const logFile = path.join(dir, 'server.log');
    const log = pino({ base: { service: 'meshward-server' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: logFile, sync: false }));
    const children = [];
    let standIn = null;
    let stopServer = null;
    const cleanup = async () => {
        for (const c of children)
            if (c.exitCode === null)
                c.kill('SIGTERM');
        await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('close', r)) : null)));
        await stopServer?.();
        await standIn?.stop();
        if (!flags.keep)
            rmSync(dir, { recursive: true, force: true });
    };
    try {
        const { server, identity } = await startServerFromFlags({ data: path.join(dir, 'data'), host: '127.0.0.1', agentPort: '0', apiPort: flags.apiPort, tokensFile: path.join(dir, 'tokens.yaml'), retention: '90d' }, io, log);
        stopServer = () => server.close();
        writeFileSync(path.join(dir, 'server-ca.pem'), identity.caCertificate());
        standIn = await startStandIn({ clusters: CLUSTERS.map((c) => ({ name: c.name, folders: [path.join(ROOT, 'examples', c.folder)], crds: ['istio', 'gateway-api'] })) });
        writeFileSync(path.join(dir, 'kubeconfig.yaml'), standIn.kubeconfig({}), { mode: 0o600 });
        for (const c of CLUSTERS) {
            const issued = await identity.registerCluster(c.name, 10 * 60_000, new Date());
            const tokenFile = path.join(dir, `bootstrap-${c.name}.token`);
            writeFileSync(tokenFile, issued.token, { mode: 0o600 });
            const agentLog = path.join(dir, `agent-${c.name}.log`);
            const child = spawn(process.execPath, [BIN, 'agent', '--server', server.agentUrl, '--cluster', c.name, '--server-ca', 'server-ca.pem', '--bootstrap-token-file', path.basename(tokenFile), '--credentials-file', `agent-${c.name}.json`, '--kubeconfig', 'kubeconfig.yaml', '--context', c.name], { cwd: dir, env: { ...process.env, NO_COLOR: '1', HOME: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
            const { createWriteStream } = await import('node:fs');
            child.stderr?.pipe(createWriteStream(agentLog));
            child.once('close', (code, signal) => {
                if (!stopping)
                    io.stderr.write(`demo: the agent of ${c.name} stopped (${signal ?? `exit ${code}`}); its log: ${agentLog}\n`);
            });
            children.push(child);
        }
        io.stdout.write([
            `meshward demo: a relay server, ${CLUSTERS.length} clusters (the bundled examples, served by the API stand-in) and one agent per cluster.`,
            '',
            `  API        ${server.apiUrl}   (OpenAPI: ${server.apiUrl}/api/openapi.json)`,
            `  token      ${token}   (admin; valid for this demo only)`,
            `  agents     ${server.agentUrl} (mutual TLS)`,
            `  folder     ${dir}   (server.log, agent-*.log)`,
            '',
            `  curl -s -H "Authorization: Bearer ${token}" ${server.apiUrl}/api/clusters`,
            `  curl -s -H "Authorization: Bearer ${token}" "${server.apiUrl}/api/findings?severity=critical&severity=high&limit=20"`,
            `  curl -s -H "Authorization: Bearer ${token}" ${server.apiUrl}/api/blast-radius`,
            '',
            'Ctrl-C stops everything.',
            '',
        ].join('\n'));
    }
    catch (err) {
        stopping = true;
        await cleanup();
        throw err;
    }
    await new Promise((resolve) => {
        const stop = () => {
            stopping = true;
            io.stdout.write('\nmeshward demo: stopping the agents, the server and the stand-in\n');
            cleanup().then(resolve, resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
    });
    return 0;
}
let stopping = false;
