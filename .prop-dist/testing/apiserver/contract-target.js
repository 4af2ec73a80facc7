/**
 * What the contract tests run against: the stand-in (default), or a real cluster when
 * MESHWARD_CONTRACT_KUBECONFIG names a kubeconfig (its current context; the user must be allowed to
 * create and delete namespaces and configmaps and to impersonate, as cluster-admin is). A real
 * kubeconfig is judged by meshward's own KCF rules before @kubernetes/client-node reads it.
 */
import fs from 'node:fs';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { parseKubeconfigBytes } from '../../kubeconfig/parse.js';
import { judgeKubeconfig } from '../../kubeconfig/judge.js';
import { startStandIn } from './index.js';
/** KCF rules whose findings stop the contract run from using a real kubeconfig (the live gate's refusals). */
const REFUSED = new Set(['KCF001', 'KCF002', 'KCF003', 'KCF004', 'KCF005', 'KCF006', 'KCF007', 'KCF010']);
function judgedKubeConfig(file) {
    const bytes = fs.readFileSync(file);
    const parsed = parseKubeconfigBytes(bytes, { file });
    if (!parsed.ok)
        throw new Error(`MESHWARD_CONTRACT_KUBECONFIG ${file}: not a readable kubeconfig: ${parsed.errors.map((e) => e.message).join('; ')}`);
    const allowed = new Set((process.env.MESHWARD_CONTRACT_ALLOW ?? '').split(',').map((s) => s.trim()).filter(Boolean));
    const refused = judgeKubeconfig(parsed, { origin: { kind: 'file' } }).filter((f) => REFUSED.has(f.id) && !allowed.has(f.id));
    if (refused.length > 0) {
        throw new Error(`MESHWARD_CONTRACT_KUBECONFIG ${file} is refused by meshward's kubeconfig rules:\n` +
            refused.map((f) => `  ${f.id} ${f.path}: ${f.message}`).join('\n') +
            `\nAllow a rule with MESHWARD_CONTRACT_ALLOW=${refused[0].id} (comma-separated) if you trust this kubeconfig.`);
    }
    const kc = new k8s.KubeConfig();
    kc.loadFromString(bytes.toString('utf8'));
    return kc;
}
export async function openContractTarget() {
    const file = process.env.MESHWARD_CONTRACT_KUBECONFIG;
    let kc;
    let standIn = null;
    if (file)
        kc = judgedKubeConfig(file);
    else {
        standIn = await startStandIn({ clusters: [{ name: 'contract', bookmarkIntervalMs: 200 }] });
        kc = new k8s.KubeConfig();
        kc.loadFromString(standIn.kubeconfig());
    }
    const run = randomBytes(4).toString('hex');
    const namespace = `meshward-contract-${run}`;
    const server = kc.getCurrentCluster()?.server;
    if (!server)
        throw new Error('contract target: the kubeconfig has no current cluster');
    const request = async (method, path, opts = {}) => {
        const useKc = opts.kc ?? kc;
        const url = new URL(server.replace(/\/$/, '') + path);
        const ro = { method, headers: { Accept: 'application/json', ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...opts.headers } };
        await useKc.applyToHTTPSOptions(ro);
        return { url, ro };
    };
    const target = {
        kind: file ? 'real' : 'stand-in',
        kc,
        namespace,
        run,
        standIn,
        async raw(method, path, opts = {}) {
            const { url, ro } = await request(method, path, opts);
            return new Promise((resolve, reject) => {
                const req = https.request(url, ro, (res) => {
                    const chunks = [];
                    res.on('data', (c) => chunks.push(c));
                    res.on('end', () => {
                        const text = Buffer.concat(chunks).toString('utf8');
                        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
                    });
                    res.on('error', reject);
                });
                req.on('error', reject);
                req.end(opts.body !== undefined ? JSON.stringify(opts.body) : undefined);
            });
        },
        async watchLines(path, until, opts = {}) {
            const { url, ro } = await request('GET', path, opts);
            return new Promise((resolve, reject) => {
                const lines = [];
                let done = false;
                const req = https.request(url, ro, (res) => {
                    let buf = '';
                    res.setEncoding('utf8');
                    res.on('data', (c) => {
                        buf += c;
                        let i;
                        while ((i = buf.indexOf('\n')) >= 0) {
                            const line = buf.slice(0, i).trim();
                            buf = buf.slice(i + 1);
                            if (line)
                                lines.push(JSON.parse(line));
                            if (!done && until(lines)) {
                                done = true;
                                resolve({ lines, endedByServer: false, status: res.statusCode ?? 0 });
                                req.destroy();
                                return;
                            }
                        }
                    });
                    res.on('end', () => {
                        if (!done) {
                            done = true;
                            if (buf.trim())
                                lines.push(JSON.parse(buf));
                            resolve({ lines, endedByServer: true, status: res.statusCode ?? 0 });
                        }
                    });
                    res.on('error', (e) => (done ? undefined : reject(e)));
                });
                req.on('error', (e) => (done ? undefined : reject(e)));
                req.end();
            });
        },
        async close() {
            const core = kc.makeApiClient(k8s.CoreV1Api);
            await core.deleteNamespace({ name: namespace }).catch(() => undefined);
            await standIn?.stop();
        },
    };
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace, labels: { 'meshward.dev/contract': run } } } });
    return target;
}
/** The parsed Status of a client-node ApiException (its body is text or an object, by version). */
export function statusOf(e) {
    const ex = e;
    if (typeof ex?.code !== 'number')
        throw e;
    let body = ex.body;
    if (typeof body === 'string') {
        try {
            body = JSON.parse(body);
        }
        catch {
            /* keep the text */
        }
    }
    return { code: ex.code, body };
}
