import type { MeshModel } from '../model/model.js';
import { setOwn } from '../model/own.js';
import type { Resource } from '../model/resource.js';
import type { Workload } from '../model/workloads.js';
import { HostIndex, resolveHost } from '../model/hosts.js';
import { selectorMatches } from '../model/selectors.js';
import type { ServiceInfo } from './types.js';
import { EMPTY, arr, isObject, portNumber, push, specOf, str } from './util.js';
import { createLazy } from '../model/own-memo.js';

/**
 * Kubernetes Services by namespace/name and by cluster host name, each with the workloads its
 * selector picks. Wildcard hosts (`*.ns.svc.cluster.local`, `*`) resolve through the model's host
 * index, so a lookup never scans every Service.
 */
export class ServiceRegistry {
  readonly all: ServiceInfo[] = [];
  private readonly byKey = new Map<string, ServiceInfo>();
  private readonly byResource = new Map<Resource, ServiceInfo>();
  private byWorkload: Map<Workload, ServiceInfo[]> | null = null;
  private hosts: HostIndex | null = null;
  private readonly byLabel = new Map<string, Map<Workload, ServiceInfo[]>>();
  /** Set on an overlay's registry (withWorkloadChange): the change its lookups answer through. */
  private change: RegistryAnswers | null = null;

  constructor(private readonly model: MeshModel) {
    for (const r of model.ofKind('', 'Service')) {
      const info = new Service(model, r);
      this.all.push(info);
      this.byKey.set(`${r.namespace}/${r.name}`, info);
      this.byResource.set(r, info);
    }
  }

  get(namespace: string, name: string): ServiceInfo | undefined {
    if (this.change) return this.change.get(namespace, name);
    return this.byKey.get(`${namespace}/${name}`);
  }

  of(r: Resource): ServiceInfo | undefined {
    if (this.change) return this.change.of(r);
    return this.byResource.get(r);
  }

  /** Services whose selector picks this workload (the reverse index is built on first use). */
  selecting(w: Workload): readonly ServiceInfo[] {
    if (this.change) return this.change.selecting(w);
    if (!this.byWorkload) {
      this.byWorkload = new Map();
      for (const s of this.all) for (const x of s.workloads) push(this.byWorkload, x, s);
    }
    return this.byWorkload.get(w) ?? EMPTY;
  }

  /** Services carrying a label that select this workload (for rare labels such as istio.io/use-waypoint). */
  selectingWithLabel(w: Workload, label: string): readonly ServiceInfo[] {
    if (this.change) return this.change.selectingWithLabel(w, label);
    let idx = this.byLabel.get(label);
    if (!idx) {
      idx = new Map();
      for (const s of this.all) if (s.resource.labels[label] !== undefined) for (const x of s.workloads) push(idx, x, s);
      this.byLabel.set(label, idx);
    }
    return idx.get(w) ?? EMPTY;
  }

  /**
   * Services a host names, as written in a config of namespace `fromNs` (a DestinationRule host,
   * say): short names are relative to `fromNs`, wildcards cover every Service under them.
   */
  resolve(host: string, fromNs: string): readonly ServiceInfo[] {
    if (this.change) return this.change.resolve(host, fromNs);
    const canonical = this.canonical(host, fromNs);
    if (!canonical) return EMPTY;
    if (!this.hosts) {
      this.hosts = new HostIndex();
      for (const s of this.all) this.hosts.add({ host: s.fqdn, namespace: s.namespace, resource: s.resource, via: 'Service' });
    }
    const out: ServiceInfo[] = [];
    for (const owned of this.hosts.covered(canonical)) {
      const info = this.byResource.get(owned.resource);
      if (info) out.push(info);
    }
    return out;
  }

  /**
   * This registry for `model` (an overlay of this one's model) in which workload `removed` is gone and
   * `added` has come, both in `ns`: the Services of `ns` whose selector picks either get new infos
   * (their workloads are matched again in `model`); every other answer is this registry's. Returns
   * the registry and the workloads, other than the two, that such a Service picks (their postures
   * must read the new infos).
   */
  withWorkloadChange(model: MeshModel, ns: string, removed: Workload | null, added: Workload | null): { registry: ServiceRegistry; neighbours: Workload[] } {
    const replaced = new Map<ServiceInfo, ServiceInfo>();
    const neighbours = new Set<Workload>();
    const mine: ServiceInfo[] = [];
    for (const r of model.ofKindInNamespace('', 'Service', ns)) {
      const old = this.byResource.get(r);
      if (!old) continue;
      const sel = old.selector;
      if (!sel) continue;
      const picks = (w: Workload | null) => w !== null && selectorMatches(sel, w.podLabels);
      if (!picks(removed) && !picks(added)) continue;
      const info = new Service(model, r);
      replaced.set(old, info);
      if (picks(added)) mine.push(info);
      for (const w of info.workloads) if (w !== added) neighbours.add(w);
      for (const w of old.workloads) if (w !== removed) neighbours.add(w);
    }
    if (!replaced.size) {
      // Nothing picks either workload: only the added one's (empty) answers differ, and they are empty here too.
      return { registry: this, neighbours: [] };
    }
    const base = this;
    // createLazy and a data field read by the methods, not a getter and closures defined on the
    // object: V8 keeps those alive past minor GCs, and with them the whole review (own-memo.ts).
    const o = createLazy(base, { all: () => base.all.map((s) => replaced.get(s) ?? s) });
    o.change = new RegistryChange(base, replaced, mine, removed, added);
    return { registry: o, neighbours: [...neighbours] };
  }

  /**
   * This registry for `model` (an overlay of this one's model) in which Service `removed` is replaced by
   * `added` (the same namespace and name, so the same host): one new info, taking the old one's place
   * in every list. Returns null when `removed` is not this registry's. Also returns the workloads the
   * old or the new selector picks: only their answers differ (their postures must read the new info).
   */
  withServiceChange(model: MeshModel, removed: Resource | null, added: Resource | null): { registry: ServiceRegistry; touched: ReadonlySet<Workload> } | null {
    const old = removed ? (this.of(removed) ?? null) : null;
    if (removed && !old) return null;
    if (old && added && (old.namespace !== added.namespace || old.name !== added.name)) return null;
    if (!old && added && this.get(added.namespace, added.name)) return null;
    const info = added ? new Service(model, added) : null;
    const touched = new Set<Workload>([...(old?.workloads ?? []), ...(info?.workloads ?? [])]);
    const base = this;
    // createLazy, as withWorkloadChange: see own-memo.ts.
    const o = createLazy(base, { all: () => (info ? insertById(base.all.filter((s) => s !== old), info) : base.all.filter((s) => s !== old)) });
    o.change = new ServiceSwap(base, old, info, touched, (host, fromNs) => base.canonical(host, fromNs));
    return { registry: o, touched };
  }

  /** The host a name written in a config of `fromNs` stands for, as resolve() reads it (null: none). */
  canonical(host: string, fromNs: string): string | null {
    return resolveHost(host, fromNs, this.model.clusterDomain, (ns) => this.model.namespace(ns).resource !== null || this.model.inNamespace(ns).length > 0);
  }
}

/** `list` (in object order) with `info` put where its object's id places it. */
function insertById(list: readonly ServiceInfo[], info: ServiceInfo): ServiceInfo[] {
  const out = [...list];
  const id = info.resource.id;
  const at = out.findIndex((s) => s.resource.id > id);
  out.splice(at < 0 ? out.length : at, 0, info);
  return out;
}

/** What an overlay registry answers: a workload change's (RegistryChange) or a Service replaced (ServiceSwap). */
interface RegistryAnswers {
  get(namespace: string, name: string): ServiceInfo | undefined;
  of(r: Resource): ServiceInfo | undefined;
  selecting(w: Workload): readonly ServiceInfo[];
  selectingWithLabel(w: Workload, label: string): readonly ServiceInfo[];
  resolve(host: string, fromNs: string): readonly ServiceInfo[];
}

/**
 * An overlay registry's answers with one Service replaced, created (no `old`) or deleted (no `info`):
 * the base's, the old info left out and the new one put in. Only the workloads either selector picks
 * have other lists, in the registry's order (Services in object order, as a fresh registry lists them;
 * a replacement keeps the replaced object's place).
 */
class ServiceSwap implements RegistryAnswers {
  private readonly lists = new Map<Workload, readonly ServiceInfo[]>();
  constructor(
    private readonly base: ServiceRegistry,
    private readonly old: ServiceInfo | null,
    private readonly info: ServiceInfo | null,
    private readonly touched: ReadonlySet<Workload>,
    private readonly canonical: (host: string, fromNs: string) => string | null,
  ) {}

  private swap(s: ServiceInfo | undefined): ServiceInfo | undefined {
    return s !== undefined && s === this.old ? (this.info ?? undefined) : s;
  }

  get(namespace: string, name: string): ServiceInfo | undefined {
    const info = this.info;
    if (info && info.namespace === namespace && info.name === name) return info;
    return this.swap(this.base.get(namespace, name));
  }

  of(r: Resource): ServiceInfo | undefined {
    return r === this.info?.resource ? this.info : this.swap(this.base.of(r));
  }

  selecting(w: Workload): readonly ServiceInfo[] {
    if (!this.touched.has(w)) return this.base.selecting(w);
    let list = this.lists.get(w);
    if (!list) {
      const out = this.base.selecting(w).filter((s) => s !== this.old);
      this.lists.set(w, (list = this.info?.workloads.includes(w) ? insertById(out, this.info) : out));
    }
    return list;
  }

  selectingWithLabel(w: Workload, label: string): readonly ServiceInfo[] {
    if (!this.touched.has(w)) return this.base.selectingWithLabel(w, label);
    return this.selecting(w).filter((s) => s.resource.labels[label] !== undefined);
  }

  resolve(host: string, fromNs: string): readonly ServiceInfo[] {
    const list = this.base.resolve(host, fromNs);
    const kept = this.old && list.includes(this.old) ? list.filter((s) => s !== this.old) : list;
    const info = this.info;
    if (!info) return kept;
    // Whether the new Service's host is among those the name covers, as a registry's index answers it.
    const canonical = this.canonical(host, fromNs);
    if (canonical === null) return kept;
    const one = new HostIndex();
    one.add({ host: info.fqdn, namespace: info.namespace, resource: info.resource, via: 'Service' });
    return one.covered(canonical).length ? insertById(kept, info) : kept;
  }
}

/** An overlay registry's answers: the base's, with the replaced Services' new infos and the changed workloads' own. */
class RegistryChange implements RegistryAnswers {
  private readonly swapped = new Map<Workload, readonly ServiceInfo[]>();
  constructor(
    private readonly base: ServiceRegistry,
    private readonly replaced: ReadonlyMap<ServiceInfo, ServiceInfo>,
    private readonly mine: readonly ServiceInfo[],
    private readonly removed: Workload | null,
    private readonly added: Workload | null,
  ) {}

  private swap(list: readonly ServiceInfo[]): readonly ServiceInfo[] {
    return list.some((s) => this.replaced.has(s)) ? list.map((s) => this.replaced.get(s) ?? s) : list;
  }

  private own(w: Workload, label?: string): readonly ServiceInfo[] | null {
    if (w === this.added) return label === undefined ? this.mine : this.mine.filter((s) => s.resource.labels[label] !== undefined);
    if (w === this.removed) return EMPTY;
    return null;
  }

  get(namespace: string, name: string): ServiceInfo | undefined {
    const s = this.base.get(namespace, name);
    return s && (this.replaced.get(s) ?? s);
  }

  of(r: Resource): ServiceInfo | undefined {
    const s = this.base.of(r);
    return s && (this.replaced.get(s) ?? s);
  }

  selecting(w: Workload): readonly ServiceInfo[] {
    const mineOrGone = this.own(w);
    if (mineOrGone) return mineOrGone;
    let list = this.swapped.get(w);
    if (!list) this.swapped.set(w, (list = this.swap(this.base.selecting(w))));
    return list;
  }

  selectingWithLabel(w: Workload, label: string): readonly ServiceInfo[] {
    return this.own(w, label) ?? this.swap(this.base.selectingWithLabel(w, label));
  }

  resolve(host: string, fromNs: string): readonly ServiceInfo[] {
    return this.swap(this.base.resolve(host, fromNs));
  }
}

/** A Service; its fields are read, and the workloads behind it matched, on first use. */
class Service implements ServiceInfo {
  readonly namespace: string;
  readonly name: string;
  private matched: readonly Workload[] | null = null;
  private parsed: { selector: Record<string, string> | null; ports: ServiceInfo['ports']; type: string } | null = null;

  constructor(
    private readonly model: MeshModel,
    readonly resource: Resource,
  ) {
    this.namespace = resource.namespace;
    this.name = resource.name;
  }

  get fqdn(): string {
    return `${this.name}.${this.namespace}.svc.${this.model.clusterDomain}`.toLowerCase();
  }

  get selector(): Record<string, string> | null {
    return this.parse().selector;
  }

  get ports(): ServiceInfo['ports'] {
    return this.parse().ports;
  }

  get type(): string {
    return this.parse().type;
  }

  get workloads(): readonly Workload[] {
    if (!this.matched) {
      const sel = this.selector;
      this.matched = sel ? this.model.selectWorkloads(this.namespace, sel) : EMPTY;
    }
    return this.matched;
  }

  private parse() {
    if (this.parsed) return this.parsed;
    const spec = specOf(this.resource);
    const rawSel = spec?.selector;
    let selector: Record<string, string> | null = null;
    if (isObject(rawSel) && Object.keys(rawSel).length > 0) {
      selector = {};
      for (const [k, v] of Object.entries(rawSel)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') setOwn(selector, k, String(v));
    }
    const ports: ServiceInfo['ports'] = [];
    arr(spec?.ports).forEach((p, index) => {
      if (!isObject(p)) return;
      const port = portNumber(p.port);
      if (port === null) return;
      const tp = p.targetPort;
      ports.push({ port, index, name: str(p.name) ?? null, targetPort: portNumber(tp) ?? str(tp) ?? null });
    });
    this.parsed = { selector, ports, type: str(spec?.type) ?? 'ClusterIP' };
    return this.parsed;
  }
}
