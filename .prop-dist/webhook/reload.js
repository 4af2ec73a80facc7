/**
 * Files the webhook reloads while it runs: the tenant policy and the TLS certificate and key.
 *
 * They are polled with stat() rather than fs.watch: Kubernetes mounts Secrets and ConfigMaps as
 * symlinks into a folder it swaps atomically (`..data`), which an inode watch on the old file never
 * sees, while a stat() of the path follows the new link. A change is a different inode, size or mtime.
 */
import { promises as fs } from 'node:fs';
import { loadTenantPolicy, TenantPolicyError } from '../tenancy/policy.js';
/** How often mounted files are checked by default (kubelet itself syncs mounts about once a minute). */
export const DEFAULT_RELOAD_INTERVAL_MS = 5_000;
async function stampOf(files) {
    const parts = [];
    for (const f of files) {
        try {
            const s = await fs.stat(f);
            parts.push(`${s.ino}:${s.size}:${s.mtimeMs}`);
        }
        catch (err) {
            parts.push(`missing:${err.code ?? '?'}`);
        }
    }
    return parts.join('|');
}
/**
 * Calls `load` whenever one of `files` changes (checked every `intervalMs`, or when `check()` is
 * called, e.g. on SIGHUP). `load` decides whether the new content is taken; it must not throw.
 */
export class FilePoller {
    files;
    load;
    stamp = null;
    timer = null;
    running = null;
    constructor(files, load) {
        this.files = files;
        this.load = load;
    }
    /** Records the files' current state (the caller has just loaded them) and starts polling. */
    async start(intervalMs) {
        this.stamp = await stampOf(this.files);
        this.timer = setInterval(() => void this.check(), intervalMs);
        this.timer.unref();
    }
    /** Reloads if a file changed since the last load. Concurrent calls share one check. */
    check() {
        if (!this.running) {
            this.running = (async () => {
                const now = await stampOf(this.files);
                if (now === this.stamp)
                    return;
                this.stamp = now;
                await this.load();
            })().finally(() => (this.running = null));
        }
        return this.running;
    }
    stop() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = null;
    }
}
/**
 * The tenant policy in force. Starts from a policy that must load (a bad file at start-up is a usage
 * error); later versions replace it only if they load, else the old one is kept and the error logged.
 */
export class TenantPolicyHolder {
    policy;
    file;
    events;
    poller = null;
    constructor(policy, file, events) {
        this.policy = policy;
        this.file = file;
        this.events = events;
    }
    /** No policy: every namespace is its own tenant. */
    static none() {
        return new TenantPolicyHolder(null, null, {});
    }
    /** A policy that never changes (tests, the benchmark). */
    static fixed(policy) {
        return new TenantPolicyHolder(policy, null, {});
    }
    /** Loads `file` (throws TenantPolicyError when it is invalid) and reloads it on change. */
    static async fromFile(file, intervalMs, events = {}) {
        const holder = new TenantPolicyHolder(await loadTenantPolicy(file), file, events);
        holder.poller = new FilePoller([file], () => holder.reload());
        await holder.poller.start(intervalMs);
        return holder;
    }
    get current() {
        return this.policy;
    }
    /** Checks the file now (SIGHUP, tests). */
    async check() {
        await this.poller?.check();
    }
    async reload() {
        if (!this.file)
            return;
        try {
            this.policy = await loadTenantPolicy(this.file);
            this.events.onLoaded?.(this.file);
        }
        catch (err) {
            const message = err instanceof TenantPolicyError ? err.message : `cannot load: ${err?.name ?? 'error'}`;
            this.events.onRefused?.(this.file, message);
        }
    }
    close() {
        this.poller?.stop();
    }
}
