import { pemOfKey, secretFactsOf } from '../cluster/secret-facts.js';
import { refOf } from '../model/resource.js';
import { terminalSafe } from '../engine/text.js';
/**
 * Compares the plug-in CA material (`cacerts`) of the clusters given: the same signing CA in several
 * clusters (one stolen key signs for all of them), different roots among clusters of one mesh
 * (cross-cluster mTLS fails or someone added trust by hand), and one root with one trust domain
 * across meshes meant to be separate (each accepts the other's identities).
 */
export function trustFindings(inputs) {
    const material = [];
    for (const input of inputs) {
        const mc = input.model.mesh.config;
        const rawMeshId = typeof mc.defaultConfig?.meshId === 'string' ? mc.defaultConfig.meshId : typeof mc.meshId === 'string' ? mc.meshId : null;
        // Both come from input and reach messages: escaped once here.
        const meshId = rawMeshId === null ? null : terminalSafe(rawMeshId);
        const trustDomain = typeof mc.trustDomain === 'string' && mc.trustDomain ? terminalSafe(mc.trustDomain) : 'cluster.local';
        for (const s of input.model.ofKind('', 'Secret')) {
            if (s.name !== 'cacerts')
                continue;
            const facts = secretFactsOf(s);
            material.push({ cluster: input.name, secret: refOf(s), intermediate: identify(facts, 'ca-cert.pem'), root: identify(facts, 'root-cert.pem'), meshId, trustDomain });
        }
    }
    const out = [];
    const evidence = (m, field) => ({
        cluster: m.cluster,
        secret: m.secret,
        field,
        certificate: (field === 'ca-cert.pem' ? m.intermediate : m.root)?.subject ?? '',
    });
    // The same signing CA in several clusters: a self-signed one (the root itself) is MCL002's concern.
    for (const group of groupBy(material.filter((m) => m.intermediate && m.intermediate.id !== m.root?.id), (m) => m.intermediate.id)) {
        const clusters = uniq(group.map((m) => m.cluster));
        if (clusters.length < 2)
            continue;
        out.push({
            kind: 'shared-intermediate',
            severity: 'high',
            clusters,
            message: `clusters ${clusters.join(', ')} sign workload certificates with the same CA (${group[0].intermediate.subject}): its key is in each of them, so compromising any one lets an attacker mint identities trusted by all. Give each cluster its own intermediate.`,
            evidence: group.map((m) => evidence(m, 'ca-cert.pem')),
        });
    }
    // Clusters of one mesh (same meshId, or none given) should share a root.
    for (const group of groupBy(material.filter((m) => m.root), (m) => m.meshId ?? '(unnamed mesh)')) {
        const roots = uniq(group.map((m) => m.root.id));
        if (roots.length < 2)
            continue;
        const clusters = uniq(group.map((m) => m.cluster));
        out.push({
            kind: 'mixed-roots',
            severity: 'medium',
            clusters,
            message: `clusters ${clusters.join(', ')} of mesh ${group[0].meshId ?? '(no meshId set)'} use ${roots.length} different roots: cross-cluster mTLS fails unless extra roots were added to trust by hand, which widens trust for every workload. Use one root per mesh with an intermediate per cluster.`,
            evidence: group.map((m) => evidence(m, 'root-cert.pem')),
        });
    }
    // Separate meshes (different meshIds) sharing root and trust domain accept each other's identities.
    for (const group of groupBy(material.filter((m) => m.root && m.meshId), (m) => `${m.root.id}|${m.trustDomain}`)) {
        const meshes = uniq(group.map((m) => m.meshId));
        if (meshes.length < 2)
            continue;
        const clusters = uniq(group.map((m) => m.cluster));
        out.push({
            kind: 'shared-root-across-meshes',
            severity: 'high',
            clusters,
            message: `meshes ${meshes.join(', ')} (clusters ${clusters.join(', ')}) share a root and the trust domain "${group[0].trustDomain}": a workload of one presents identities the other accepts as its own. Give each mesh its own trust domain (and root), and federate explicitly.`,
            evidence: group.map((m) => evidence(m, 'root-cert.pem')),
        });
    }
    return out;
}
/**
 * A certificate's identity, from the Secret's facts: its SHA-256 fingerprint and subject, or a hash of
 * the text when it does not parse.
 */
function identify(facts, key) {
    const pem = pemOfKey(facts, key);
    if (!pem || pem.blank)
        return null;
    // A subject is whatever the certificate's maker wrote: escaped before it reaches a message.
    if (pem.certificate)
        return { id: pem.certificate.fingerprint256, subject: terminalSafe(pem.certificate.subject.replace(/\n/g, ', ')) };
    if (pem.unparsedSha256)
        return { id: pem.unparsedSha256, subject: `unparsed certificate sha256:${pem.unparsedSha256.slice(0, 12)}` };
    return null;
}
function groupBy(xs, key) {
    const m = new Map();
    for (const x of xs) {
        const k = key(x);
        const list = m.get(k);
        if (list)
            list.push(x);
        else
            m.set(k, [x]);
    }
    return [...m.values()];
}
function uniq(xs) {
    return [...new Set(xs)].sort();
}
