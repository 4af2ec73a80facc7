import type { TrafficEdge, TrafficFacts, TrafficSourceInfo } from './types.js';

/** TrafficFacts as plain data (no index functions): what crosses to a worker thread, rebuilt there with factsFromData. */
export interface TrafficFactsData {
  source: TrafficSourceInfo;
  edges: TrafficEdge[];
  notes: string[];
}

export function factsData(f: TrafficFacts): TrafficFactsData {
  return { source: f.source, edges: [...f.edges], notes: [...f.notes] };
}

export function factsFromData(d: TrafficFactsData): TrafficFacts {
  return buildTrafficFacts(d.source, d.edges, d.notes);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Workload keys join namespace and name with a character no Kubernetes name can hold. */
const workloadKey = (namespace: string, workload: string) => `${namespace}/${workload}`;
const NONE: readonly TrafficEdge[] = Object.freeze([]);

/** Indexes edges once so rules look them up by workload or service instead of scanning. */
export function buildTrafficFacts(source: TrafficSourceInfo, edges: readonly TrafficEdge[], notes: readonly string[] = []): TrafficFacts {
  const into = new Map<string, TrafficEdge[]>();
  const from = new Map<string, TrafficEdge[]>();
  const toService = new Map<string, TrafficEdge[]>();
  for (const e of edges) {
    push(into, workloadKey(e.destination.namespace, e.destination.workload), e);
    push(from, workloadKey(e.source.namespace, e.source.workload), e);
    push(toService, e.destinationService, e);
  }
  return {
    source,
    edges,
    notes,
    into: (ns, w) => into.get(workloadKey(ns, w)) ?? NONE,
    from: (ns, w) => from.get(workloadKey(ns, w)) ?? NONE,
    toService: (s) => toService.get(s) ?? NONE,
  };
}
