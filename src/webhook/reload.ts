/**
 * Files the webhook reloads while it runs: the tenant policy and the TLS certificate and key.
 *
 * They are polled with stat() rather than fs.watch: Kubernetes mounts Secrets and ConfigMaps as
 * symlinks into a folder it swaps atomically (`..data`), which an inode watch on the old file never
 * sees, while a stat() of the path follows the new link. A change is a different inode, size or mtime.
 */
import { promises as fs } from 'node:fs';
import { loadTenantPolicy, TenantPolicyError, type TenantPolicyFile } from '../tenancy/policy.js';

/** How often mounted files are checked by default (kubelet itself syncs mounts about once a minute). */
export const DEFAULT_RELOAD_INTERVAL_MS = 5_000;

type Stamp = string;

async function stampOf(files: readonly string[]): Promise<Stamp> {
  const parts: string[] = [];
  for (const f of files) {
    try {
      const s = await fs.stat(f);
      parts.push(`${s.ino}:${s.size}:${s.mtimeMs}`);
    } catch (err) {
      parts.push(`missing:${(err as NodeJS.ErrnoException).code ?? '?'}`);
    }
  }
  return parts.join('|');
}

/**
 * Calls `load` whenever one of `files` changes (checked every `intervalMs`, or when `check()` is
 * called, e.g. on SIGHUP). `load` decides whether the new content is taken; it must not throw.
 */
export class FilePoller {
  private stamp: Stamp | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly files: readonly string[],
    private readonly load: () => Promise<void>,
  ) {}

  /** Records the files' current state (the caller has just loaded them) and starts polling. */
  async start(intervalMs: number): Promise<void> {
    this.stamp = await stampOf(this.files);
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  /** Reloads if a file changed since the last load. Concurrent calls share one check. */
  check(): Promise<void> {
    if (!this.running) {
      this.running = (async () => {
        const now = await stampOf(this.files);
        if (now === this.stamp) return;
        this.stamp = now;
        await this.load();
      })().finally(() => (this.running = null));
    }
    return this.running;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** Where the tenant policy in force comes from: a file, a ConfigMap, or nowhere. */
export interface PolicySource {
  readonly current: TenantPolicyFile | null;
  /** Looks for a new version now (SIGHUP, tests). */
  check(): Promise<void>;
  close(): void;
}

export interface PolicyEvents {
  /** A new policy was taken. */
  onLoaded?: (file: string) => void;
  /** A new policy was refused: the old one stays. `message` names the file, line and field, never a value beyond it. */
  onRefused?: (file: string, message: string) => void;
}

/**
 * The tenant policy in force. Starts from a policy that must load (a bad file at start-up is a usage
 * error); later versions replace it only if they load, else the old one is kept and the error logged.
 */
export class TenantPolicyHolder implements PolicySource {
  private poller: FilePoller | null = null;
  private constructor(
    private policy: TenantPolicyFile | null,
    readonly file: string | null,
    private readonly events: PolicyEvents,
  ) {}

  /** No policy: every namespace is its own tenant. */
  static none(): TenantPolicyHolder {
    return new TenantPolicyHolder(null, null, {});
  }

  /** A policy that never changes (tests, the benchmark). */
  static fixed(policy: TenantPolicyFile | null): TenantPolicyHolder {
    return new TenantPolicyHolder(policy, null, {});
  }

  /** Loads `file` (throws TenantPolicyError when it is invalid) and reloads it on change. */
  static async fromFile(file: string, intervalMs: number, events: PolicyEvents = {}): Promise<TenantPolicyHolder> {
    const holder = new TenantPolicyHolder(await loadTenantPolicy(file), file, events);
    holder.poller = new FilePoller([file], () => holder.reload());
    await holder.poller.start(intervalMs);
    return holder;
  }

  get current(): TenantPolicyFile | null {
    return this.policy;
  }

  /** Checks the file now (SIGHUP, tests). */
  async check(): Promise<void> {
    await this.poller?.check();
  }

  private async reload(): Promise<void> {
    if (!this.file) return;
    try {
      this.policy = await loadTenantPolicy(this.file);
      this.events.onLoaded?.(this.file);
    } catch (err) {
      const message = err instanceof TenantPolicyError ? err.message : `cannot load: ${(err as Error)?.name ?? 'error'}`;
      this.events.onRefused?.(this.file, message);
    }
  }

  close(): void {
    this.poller?.stop();
  }
}
