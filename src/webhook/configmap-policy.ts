/**
 * `--tenants-configmap NS/NAME`: the tenant policy from a ConfigMap's `tenants.yaml`, read through the
 * API and reloaded when it changes. The cache cannot serve it: the sanitizer keeps no data of ConfigMaps
 * other than the mesh config's, by design. So the webhook lists that one ConfigMap by name (a `list`
 * with a field selector, which the cache's read-only role already grants on ConfigMaps; no `get`
 * needed) every reload interval, over the same judged connection as the cache.
 *
 * As with a file: the first policy must load (else the webhook does not start); a later version that
 * does not load is refused with the reason in the log and the previous one kept. A ConfigMap deleted
 * or unreadable keeps the previous policy too (a missing policy must never silently open every tenant).
 */
import type { Connection } from '../cluster/client.js';
import { parseTenantPolicy, TenantPolicyError, type TenantPolicyFile } from '../tenancy/policy.js';
import type { PolicySource } from './reload.js';
import { DNS_LABEL } from '../model/names.js';

export const TENANTS_KEY = 'tenants.yaml';
/** A ConfigMap is at most 1 MiB; the list answer wraps it. */
const MAX_LIST_BYTES = 2 * 1024 * 1024;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** `NS/NAME` split and checked; throws a message naming the flag. */
export function parseConfigMapRef(ref: string): { namespace: string; name: string } {
  const [namespace, name, extra] = ref.split('/');
  if (extra !== undefined || !namespace || !name || !DNS_LABEL.test(namespace) || !DNS_SUBDOMAIN.test(name)) {
    throw new TenantPolicyError(`--tenants-configmap takes NAMESPACE/NAME of a ConfigMap (key ${TENANTS_KEY}), not ${JSON.stringify(ref.slice(0, 80))}`);
  }
  return { namespace, name };
}

/** Reads the policy text once: the ConfigMap's tenants.yaml, or an error saying what is missing. */
export async function readConfigMapPolicy(conn: Connection, ref: { namespace: string; name: string }, timeoutMs: number): Promise<TenantPolicyFile> {
  const shown = `ConfigMap ${ref.namespace}/${ref.name}`;
  const res = await conn.get(`/api/v1/namespaces/${ref.namespace}/configmaps?fieldSelector=${encodeURIComponent(`metadata.name=${ref.name}`)}`, {
    timeoutMs,
    stallMs: timeoutMs,
    maxBytes: MAX_LIST_BYTES,
  });
  if (res.status !== 200) throw new TenantPolicyError(`${shown}: the API answered ${res.status} to a list; the webhook's role needs list on configmaps in ${ref.namespace}`);
  let list: { items?: Array<{ data?: Record<string, unknown> }> };
  try {
    list = JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new TenantPolicyError(`${shown}: the API's answer is not JSON`);
  }
  const item = Array.isArray(list.items) ? list.items[0] : undefined;
  if (!item) throw new TenantPolicyError(`${shown} does not exist; create it with the policy under the key ${TENANTS_KEY}`);
  const text = item.data && typeof item.data === 'object' && Object.hasOwn(item.data, TENANTS_KEY) ? item.data[TENANTS_KEY] : undefined;
  if (typeof text !== 'string') throw new TenantPolicyError(`${shown} has no key ${TENANTS_KEY}; put the tenant policy there`);
  return parseTenantPolicy(text, `${shown} key ${TENANTS_KEY}`);
}

/** Polls the ConfigMap; a new resourceVersion of the text is parsed and, if valid, takes over. */
export class ConfigMapPolicySource implements PolicySource {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastText: string | null = null;
  /** The last refusal logged: a ConfigMap that stays broken is logged once, not every interval. */
  private lastRefusal: string | null = null;

  private constructor(
    private policy: TenantPolicyFile,
    private readonly read: () => Promise<TenantPolicyFile>,
    private readonly events: { onLoaded?: (what: string) => void; onRefused?: (what: string, message: string) => void },
    private readonly what: string,
  ) {
    this.lastText = JSON.stringify(policy);
  }

  static async open(read: () => Promise<TenantPolicyFile>, what: string, intervalMs: number, events: ConfigMapPolicySource['events']): Promise<ConfigMapPolicySource> {
    const s = new ConfigMapPolicySource(await read(), read, events, what);
    s.timer = setInterval(() => void s.check(), intervalMs);
    s.timer.unref();
    return s;
  }

  get current(): TenantPolicyFile | null {
    return this.policy;
  }

  check(): Promise<void> {
    if (!this.running) {
      this.running = (async () => {
        try {
          const next = await this.read();
          const text = JSON.stringify(next);
          if (text === this.lastText) return;
          this.lastText = text;
          this.lastRefusal = null;
          this.policy = next;
          this.events.onLoaded?.(this.what);
        } catch (err) {
          const message = err instanceof TenantPolicyError ? err.message : `cannot read: ${(err as Error)?.name ?? 'error'} ${(err as Error)?.message?.slice(0, 160) ?? ''}`;
          if (message === this.lastRefusal) return;
          this.lastRefusal = message;
          this.events.onRefused?.(this.what, message);
        }
      })().finally(() => (this.running = null));
    }
    return this.running;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
