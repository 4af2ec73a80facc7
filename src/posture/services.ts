import type { MeshModel } from '../model/model.js';
import { setOwn } from '../model/own.js';
import type { Resource } from '../model/resource.js';
import type { Workload } from '../model/workloads.js';
import { HostIndex, resolveHost } from '../model/hosts.js';
import type { ServiceInfo } from './types.js';
import { EMPTY, arr, isObject, portNumber, push, specOf, str } from './util.js';

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

  constructor(private readonly model: MeshModel) {
    for (const r of model.ofKind('', 'Service')) {
      const info = new Service(model, r);
      this.all.push(info);
      this.byKey.set(`${r.namespace}/${r.name}`, info);
      this.byResource.set(r, info);
    }
  }

  get(namespace: string, name: string): ServiceInfo | undefined {
    return this.byKey.get(`${namespace}/${name}`);
  }

  of(r: Resource): ServiceInfo | undefined {
    return this.byResource.get(r);
  }

  /** Services whose selector picks this workload (the reverse index is built on first use). */
  selecting(w: Workload): readonly ServiceInfo[] {
    if (!this.byWorkload) {
      this.byWorkload = new Map();
      for (const s of this.all) for (const x of s.workloads) push(this.byWorkload, x, s);
    }
    return this.byWorkload.get(w) ?? EMPTY;
  }

  /** Services carrying a label that select this workload (for rare labels such as istio.io/use-waypoint). */
  selectingWithLabel(w: Workload, label: string): readonly ServiceInfo[] {
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
    const canonical = resolveHost(host, fromNs, this.model.clusterDomain, (ns) => this.model.namespace(ns).resource !== null || this.model.inNamespace(ns).length > 0);
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
