/**
 * Runs the built CLI the way a hostile-input test needs it: a child process with a capped heap
 * (`--max-old-space-size`), a wall-clock timeout (the child is killed, and the result says so), bounded
 * capture of its output, and its peak memory read back through measure-preload.js.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_PATH, REPO_ROOT } from '../testing/kit.js';
const PRELOAD = fileURLToPath(new URL('./measure-preload.js', import.meta.url));
/** Output kept per stream; more is counted but dropped, so a flood cannot take the test runner down. */
const MAX_CAPTURE = 32 * 1024 * 1024;
export function runHostile(args, opts = {}) {
    const measureDir = mkdtempSync(path.join(os.tmpdir(), 'meshward-measure-'));
    const measureFile = path.join(measureDir, 'maxrss');
    const started = performance.now();
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [`--max-old-space-size=${opts.heapMiB ?? 1024}`, '--import', PRELOAD, CLI_PATH, ...args], {
            cwd: opts.cwd ?? REPO_ROOT,
            env: { ...process.env, NO_COLOR: '1', MESHWARD_MEASURE_FILE: measureFile, ...opts.env },
            stdio: ['pipe', 'pipe', 'pipe'],
        });
        const capture = () => {
            const chunks = [];
            let bytes = 0;
            return {
                push(d) {
                    if (bytes < MAX_CAPTURE)
                        chunks.push(d.subarray(0, MAX_CAPTURE - bytes));
                    bytes += d.length;
                },
                text: () => Buffer.concat(chunks).toString(),
                bytes: () => bytes,
            };
        };
        const out = capture();
        const err = capture();
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
        }, opts.timeoutMs ?? 30_000);
        child.stdout.on('data', (d) => out.push(d));
        child.stderr.on('data', (d) => err.push(d));
        child.on('error', (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on('close', (code, signal) => {
            clearTimeout(timer);
            let peakMiB = null;
            try {
                peakMiB = Math.round(Number(readFileSync(measureFile, 'utf8')) / 1024);
            }
            catch {
                peakMiB = null;
            }
            rmSync(measureDir, { recursive: true, force: true });
            resolve({
                code,
                signal,
                timedOut,
                stdout: out.text(),
                stderr: err.text(),
                stdoutBytes: out.bytes(),
                stderrBytes: err.bytes(),
                ms: Math.round(performance.now() - started),
                peakMiB,
            });
        });
        child.stdin.on('error', () => { });
        child.stdin.end(opts.stdin ?? '');
    });
}
/** One line describing a run, for assertion messages. */
export function describeRun(r) {
    return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}${r.timedOut ? ' TIMED OUT' : ''}, ${r.ms} ms, peak ${r.peakMiB ?? '?'} MiB; stderr: ${r.stderr.slice(0, 600)}`;
}
