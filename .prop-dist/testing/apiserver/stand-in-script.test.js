/** scripts/stand-in.js end to end: serves the examples, writes a usable kubeconfig, stops on SIGTERM. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/stand-in.js');
describe('scripts/stand-in.js', { timeout: 120_000 }, () => {
    it('without --kubeconfig: usage error, exit 2', () => {
        const r = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.status, 2);
        assert.match(r.stderr, /--kubeconfig FILE is required/);
        assert.match(r.stderr, /^usage:/m);
    });
    it('serves the five example clusters through one kubeconfig, then stops on SIGTERM', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-stand-in-script-'));
        const file = path.join(dir, 'kubeconfig.yaml');
        const child = spawn(process.execPath, [SCRIPT, '--kubeconfig', file, '--credential', 'cert'], { stdio: ['ignore', 'pipe', 'pipe'] });
        const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
        try {
            let out = '';
            child.stdout.setEncoding('utf8');
            await new Promise((resolve, reject) => {
                child.stdout.on('data', (c) => {
                    out += c;
                    if (out.includes('Ctrl-C stops it'))
                        resolve();
                });
                child.on('exit', (code) => reject(new Error(`stand-in.js exited (${code}) early: ${out}`)));
            });
            assert.match(out, /meshward scan --kubeconfig .* --context insecure/);
            assert.equal(fs.statSync(file).mode & 0o777, 0o600);
            const cfg = parse(fs.readFileSync(file, 'utf8'));
            assert.deepEqual(cfg.contexts.map((c) => c.name), ['insecure', 'secure', 'east', 'west', 'north']);
            const kc = new k8s.KubeConfig();
            kc.loadFromFile(file);
            kc.setCurrentContext('insecure');
            const pods = await kc.makeApiClient(k8s.CoreV1Api).listPodForAllNamespaces();
            assert.equal(pods.items.length, 3);
            kc.setCurrentContext('north');
            const crbs = await kc.makeApiClient(k8s.RbacAuthorizationV1Api).listClusterRoleBinding();
            assert.ok(crbs.items.length > 0);
        }
        finally {
            child.kill('SIGTERM');
        }
        assert.equal(await exited, 0);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
