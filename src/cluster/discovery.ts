/**
 * Maps the kinds the rules read (`Kind` or `group/Kind`) to the resources a cluster serves, through its
 * discovery API (`/api/v1`, `/apis`, `/apis/{group}/{preferred version}`), asking only for the groups
 * the kinds need. A kind the cluster does not serve (a CRD not installed) is reported as absent, not as
 * an error.
 */
import type { ApiRequester } from './list.js';
import { FOREIGN_TEMPLATE_GROUPS } from '../model/workloads.js';

export interface ResolvedKind {
  /** The kind as the rules name it (`Pod`, `networking.istio.io/VirtualService`). */
  key: string;
  group: string;
  version: string;
  kind: string;
  /** Plural resource name (`pods`). */
  resource: string;
  namespaced: boolean;
  /** `v1` or `group/version`: written on list items that come without one. */
  apiVersion: string;
}

export interface DiscoveryResult {
  resolved: ResolvedKind[];
  /** Kinds the cluster does not serve (CRD not installed), with why. */
  absent: Array<{ key: string; reason: string }>;
  /** Kinds whose group could not be discovered (403, 503 of an aggregated API...). */
  failed: Array<{ key: string; status: number | null; message: string }>;
}

/** Groups where kinds named without a group live, after the core group (rules write `Deployment`). */
export const BARE_KIND_GROUPS: Readonly<Record<string, string>> = {
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  ReplicaSet: 'apps',
  Job: 'batch',
  CronJob: 'batch',
  ...FOREIGN_TEMPLATE_GROUPS,
  Ingress: 'networking.k8s.io',
  NetworkPolicy: 'networking.k8s.io',
  Role: 'rbac.authorization.k8s.io',
  RoleBinding: 'rbac.authorization.k8s.io',
  ClusterRole: 'rbac.authorization.k8s.io',
  ClusterRoleBinding: 'rbac.authorization.k8s.io',
  MutatingWebhookConfiguration: 'admissionregistration.k8s.io',
  ValidatingWebhookConfiguration: 'admissionregistration.k8s.io',
  CustomResourceDefinition: 'apiextensions.k8s.io',
};

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

interface VersionInfo {
  version: string;
  /** null until fetched; a fetch failure is recorded in `error`. */
  resources: ApiResource[] | null;
  error?: { status: number | null; message: string };
}

/** A group's versions, the preferred one first (a kind may live only in an older version: EnvoyFilter is v1alpha3 only). */
type GroupInfo = VersionInfo[];

export class DiscoveryError extends Error {
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'DiscoveryError';
  }
}

/** Splits `group/Kind` (the last slash: groups hold dots, never slashes) or `Kind`. */
export function splitKindKey(key: string): { group: string | null; kind: string } {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? { group: null, kind: key } : { group: key.slice(0, slash), kind: key.slice(slash + 1) };
}

export async function discover(api: ApiRequester, keys: readonly string[]): Promise<DiscoveryResult> {
  const core = await api.getJson('/api/v1', 'discovery');
  const coreResources = parseResourceList(core);
  const groupList = await api.getJson('/apis', 'discovery');
  const groups = new Map<string, GroupInfo>();
  const rawGroups = Array.isArray((groupList as any)?.groups) ? (groupList as any).groups : [];
  for (const g of rawGroups) {
    if (!g || typeof g.name !== 'string' || groups.has(g.name)) continue;
    const listed: string[] = Array.isArray(g.versions) ? g.versions.map((v: any) => v?.version).filter((v: unknown): v is string => typeof v === 'string' && v !== '') : [];
    const preferred = typeof g.preferredVersion?.version === 'string' && g.preferredVersion.version ? g.preferredVersion.version : listed[0];
    if (!preferred) continue;
    const versions = [preferred, ...listed.filter((v) => v !== preferred)].slice(0, 16);
    groups.set(g.name, versions.map((version) => ({ version, resources: null })));
  }

  const versionResources = async (name: string, info: VersionInfo): Promise<VersionInfo> => {
    if (info.resources === null && !info.error) {
      try {
        info.resources = parseResourceList(await api.getJson(`/apis/${encodeURIComponent(name)}/${encodeURIComponent(info.version)}`, 'discovery'));
      } catch (err) {
        if (!(err instanceof DiscoveryError)) throw err; // the connection itself failed: the cluster's error
        info.error = { status: err.status, message: err.message };
      }
    }
    return info;
  };

  const result: DiscoveryResult = { resolved: [], absent: [], failed: [] };
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) continue;
    seen.add(key);
    const { group, kind } = splitKindKey(key);
    const candidates = group !== null ? [group] : ['', ...(Object.hasOwn(BARE_KIND_GROUPS, kind) ? [BARE_KIND_GROUPS[kind]] : [])];
    let found: ResolvedKind | null = null;
    let failure: { status: number | null; message: string } | null = null;
    let groupMissing = true;
    for (const g of candidates) {
      if (g === '') {
        groupMissing = false;
        const r = pick(coreResources, kind);
        if (r) found = { key, group: '', version: 'v1', kind, resource: r.name, namespaced: r.namespaced, apiVersion: 'v1' };
      } else {
        const versions = groups.get(g);
        if (!versions) continue;
        groupMissing = false;
        // The preferred version first; older ones only when the kind is not there.
        for (const v of versions) {
          const info = await versionResources(g, v);
          if (info.error) {
            failure ??= info.error;
            continue;
          }
          const r = pick(info.resources ?? [], kind);
          if (r) {
            found = { key, group: g, version: info.version, kind, resource: r.name, namespaced: r.namespaced, apiVersion: `${g}/${info.version}` };
            break;
          }
        }
      }
      if (found) break;
    }
    if (found) {
      result.resolved.push(found);
      continue;
    }
    if (failure) result.failed.push({ key, ...failure });
    else if (groupMissing && group !== null) result.absent.push({ key, reason: `API group ${group} is not served (its CRDs are not installed)` });
    else result.absent.push({ key, reason: group !== null ? `API group ${group} serves no kind ${kind} (CRD not installed?)` : `no API group this cluster serves has kind ${kind}` });
  }
  return result;
}

function pick(list: ApiResource[], kind: string): ApiResource | null {
  // Subresources (`pods/log`) share the kind; only the top-level resource with `list` is wanted.
  return list.find((r) => r.kind === kind && !r.name.includes('/') && r.verbs.includes('list')) ?? null;
}

function parseResourceList(doc: unknown): ApiResource[] {
  const list = (doc as any)?.resources;
  if (!Array.isArray(list)) return [];
  const out: ApiResource[] = [];
  for (const r of list) {
    if (!r || typeof r.name !== 'string' || typeof r.kind !== 'string') continue;
    if (!/^[a-z0-9][a-z0-9.\-/]*$/.test(r.name)) continue; // used in a URL path: plain names only
    out.push({ name: r.name, kind: r.kind, namespaced: r.namespaced === true, verbs: Array.isArray(r.verbs) ? r.verbs.filter((v: unknown) => typeof v === 'string') : [] });
  }
  return out;
}
