export function factsData(f) {
    return { source: f.source, edges: [...f.edges], notes: [...f.notes] };
}
export function factsFromData(d) {
    return buildTrafficFacts(d.source, d.edges, d.notes);
}
function push(map, key, value) {
    const list = map.get(key);
    if (list)
        list.push(value);
    else
        map.set(key, [value]);
}
/** Workload keys join namespace and name with a character no Kubernetes name can hold. */
const workloadKey = (namespace, workload) => `${namespace}/${workload}`;
const NONE = Object.freeze([]);
/** Indexes edges once so rules look them up by workload or service instead of scanning. */
export function buildTrafficFacts(source, edges, notes = []) {
    const into = new Map();
    const from = new Map();
    const toService = new Map();
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
