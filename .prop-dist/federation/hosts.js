/** The exporter's own name of an exported service. */
export function exportedHost(m, e) {
    return `${e.service}.${e.namespace}.svc.${m.clusterDomain}`;
}
