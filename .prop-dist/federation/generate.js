import { exportedHost, importedHost, selectorOf, serviceAccountsOf, spiffeId } from './plan.js';
/** The SNI an AUTO_PASSTHROUGH gateway routes on: Istio's outbound cluster name for the exporter's own host. */
export function passthroughSni(port, host) {
    return `outbound_.${port}_._.${host}`;
}
const MANAGED = { 'app.kubernetes.io/managed-by': 'meshward-federate' };
function meta(name, namespace, purpose) {
    return { name, namespace, labels: { ...MANAGED }, annotations: { 'meshward.io/federation': purpose } };
}
/** Object names: DNS-1123 subdomains built from DNS-1123 labels, so always valid (at most 4 × 63 + 3 < 253). */
function objName(...parts) {
    return parts.join('.');
}
export function generateFederation(fp) {
    return fp.plan.meshes.map((m) => meshOutput(fp, m));
}
function meshOutput(fp, m) {
    const docs = [];
    const peers = new Map();
    // Exports: what crosses this mesh's east-west gateway and who may call it.
    if (m.exports.length) {
        docs.push({
            comment: [`East-west Gateway of mesh ${m.name}: passes through only the ${m.exports.length} exported host(s), never * or *.local.`],
            object: {
                apiVersion: 'networking.istio.io/v1',
                kind: 'Gateway',
                metadata: meta('federation-eastwest', m.eastWestGateway.namespace, 'export'),
                spec: {
                    selector: { ...m.eastWestGateway.selector },
                    servers: [
                        {
                            port: { number: m.eastWestGateway.port, name: 'tls-federation', protocol: 'TLS' },
                            tls: { mode: 'AUTO_PASSTHROUGH' },
                            hosts: m.exports.map((e) => exportedHost(m, e)),
                        },
                    ],
                },
            },
        });
    }
    for (const e of m.exports) {
        for (const imp of e.importers) {
            const path = fp.trust.get(`${m.name}→${imp.mesh}`);
            if (path)
                peers.set(imp.mesh, path);
        }
        docs.push(...exportDocs(fp, m, e));
    }
    // Imports: the peers' services this mesh's namespaces may call.
    for (const x of fp.plan.meshes) {
        if (x.name === m.name)
            continue;
        for (const e of x.exports) {
            const namespaces = [...new Set(e.importers.filter((i) => i.mesh === m.name).map((i) => i.namespace))];
            if (!namespaces.length)
                continue;
            const path = fp.trust.get(`${x.name}→${m.name}`);
            if (path)
                peers.set(x.name, path);
            for (const ns of namespaces)
                docs.push(...importDocs(x, e, ns));
        }
    }
    const header = [
        `meshward federate: Kubernetes objects for mesh ${m.name} (trust domain ${m.trustDomain}, network ${m.network}), from plan ${fp.file}.`,
        'Apply to the cluster(s) of this mesh (kubectl apply -f); apply the .mesh-config file to its istiod (Helm values).',
        'Exports: an east-west Gateway passing through only the exported hosts; per exported service an AuthorizationPolicy',
        "admitting only the plan's importers, and STRICT mTLS, so only certificate-holding callers reach it.",
        'Imports: per importing namespace a ServiceEntry (visible to that namespace only) and a DestinationRule that verifies',
        "the exporter's identities (subjectAltNames) and sends the SNI the exporter's gateway routes on.",
    ];
    return { mesh: m.name, header, docs, ...meshConfigFor(fp, m, peers) };
}
function exportDocs(fp, m, e) {
    const principals = [];
    for (const imp of e.importers) {
        const peer = fp.meshes.get(imp.mesh);
        principals.push(`${peer.trustDomain}/ns/${imp.namespace}/sa/${imp.serviceAccount}`);
    }
    const selector = { matchLabels: selectorOf(e) };
    const name = objName('federation', e.service);
    return [
        {
            comment: [`Export ${e.namespace}/${e.service} of mesh ${m.name}: only these importers' identities may call it, on its exported ports.`],
            object: {
                apiVersion: 'security.istio.io/v1',
                kind: 'AuthorizationPolicy',
                metadata: meta(name, e.namespace, 'export'),
                spec: {
                    selector,
                    action: 'ALLOW',
                    // Authorization sees the workload's port (the Service's targetPort), not the Service port.
                    rules: [{ from: [{ source: { principals } }], to: [{ operation: { ports: e.ports.map((p) => String(p.targetPort ?? p.number)) } }] }],
                },
            },
        },
        {
            comment: [`Export ${e.namespace}/${e.service}: STRICT mutual TLS, so every caller presents a mesh certificate the policy above can judge.`],
            object: {
                apiVersion: 'security.istio.io/v1',
                kind: 'PeerAuthentication',
                metadata: meta(name, e.namespace, 'export'),
                spec: { selector, mtls: { mode: 'STRICT' } },
            },
        },
    ];
}
function importDocs(x, e, ns) {
    const host = importedHost(x, e);
    const realHost = exportedHost(x, e);
    const sans = serviceAccountsOf(e).map((sa) => spiffeId(x.trustDomain, e.namespace, sa));
    const name = objName('federation', x.name, e.namespace, e.service);
    const gw = x.eastWestGateway;
    const isIp = /^[0-9.]+$/.test(gw.address);
    const aliasNote = host === realHost ? '' : ` (alias of ${realHost})`;
    return [
        {
            comment: [`Import ${e.namespace}/${e.service} of mesh ${x.name} as ${host}${aliasNote}, for namespace ${ns} only, through ${x.name}'s east-west gateway.`],
            object: {
                apiVersion: 'networking.istio.io/v1',
                kind: 'ServiceEntry',
                metadata: meta(name, ns, 'import'),
                spec: {
                    hosts: [host],
                    exportTo: ['.'],
                    location: 'MESH_INTERNAL',
                    resolution: isIp ? 'STATIC' : 'DNS',
                    ports: e.ports.map((p) => ({ number: p.number, name: p.name, protocol: p.protocol })),
                    // No `network` on the endpoint: it is the gateway's own address, reached directly; an endpoint of
                    // another network without a gateway in meshNetworks would be dropped by istiod.
                    endpoints: [{ address: gw.address, ports: Object.fromEntries(e.ports.map((p) => [p.name, gw.port])) }],
                },
            },
        },
        {
            comment: [`Calls to ${host} use Istio mTLS, verify ${x.name}'s identities for the service, and name it in SNI as ${x.name}'s gateway expects.`],
            object: {
                apiVersion: 'networking.istio.io/v1',
                kind: 'DestinationRule',
                metadata: meta(name, ns, 'import'),
                spec: {
                    host,
                    exportTo: ['.'],
                    trafficPolicy: {
                        tls: { mode: 'ISTIO_MUTUAL', subjectAltNames: sans },
                        portLevelSettings: e.ports.map((p) => ({
                            port: { number: p.number },
                            tls: { mode: 'ISTIO_MUTUAL', sni: passthroughSni(p.number, realHost), subjectAltNames: sans },
                        })),
                    },
                },
            },
        },
    ];
}
function meshConfigFor(fp, m, peers) {
    const caCertificates = [];
    const lines = [
        `meshward federate: istiod mesh config piece for mesh ${m.name} (Helm values of istiod: merge under meshConfig).`,
        'trustDomainAliases is deliberately not set: an alias makes every policy written for this trust domain accept the',
        "peer's identities too. The generated AuthorizationPolicies name each importer's own trust domain instead.",
    ];
    for (const [name, path] of [...peers].sort(([a], [b]) => a.localeCompare(b))) {
        const peer = fp.meshes.get(name);
        if (path.kind === 'same-root')
            lines.push(`Peer ${name} (${peer.trustDomain}): same root CA, so its certificates verify already; nothing to add.`);
        else if (path.kind === 'shared-anchor')
            lines.push(`Peer ${name} (${peer.trustDomain}): both CAs are issued by trust anchor ${path.anchor}; with that anchor as root-cert.pem in both meshes' cacerts nothing to add.`);
        else {
            lines.push(`Peer ${name} (${peer.trustDomain}): separate roots trusted explicitly by the plan; caCertificates adds its root, for its trust domain only.`);
            caCertificates.push({ pem: `${peer.rootCA.pem.trim().replace(/\r\n?/g, '\n')}\n`, trustDomains: [peer.trustDomain] });
        }
    }
    const meshConfig = { trustDomain: m.trustDomain };
    if (caCertificates.length)
        meshConfig.caCertificates = caCertificates;
    return { meshConfigHeader: lines, meshConfig: { meshConfig } };
}
