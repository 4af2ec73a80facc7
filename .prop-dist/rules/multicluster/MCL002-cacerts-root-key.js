import { defineRule } from '../types.js';
import { keyOf, pemOfKey, secretFactsOf } from '../../cluster/secret-facts.js';
export default defineRule({
    meta: {
        id: 'MCL002',
        title: 'The mesh root CA private key is stored in the cluster',
        severity: 'high',
        category: 'multicluster',
        reads: ['Secret'],
        docs: {
            summary: "A `cacerts` Secret (Istio's plug-in CA) holds a root key: a `root-key.pem` entry, or a `ca-cert.pem` that is self-signed (the CA istiod signs with is the root itself, so `ca-key.pem` is the root's key).",
            why: "Whoever reads that Secret (istiod's service account, anyone with Secret read in the namespace, any cluster holding a remote secret that reads Secrets here) can mint workload certificates for every cluster and mesh that trusts the root: any identity, in every cluster, at once. A per-cluster intermediate limits a stolen key to one cluster.",
            fix: 'Keep the root key offline (or in an external CA / KMS) and give each cluster its own intermediate CA in cacerts: ca-cert.pem and ca-key.pem of the intermediate, root-cert.pem of the root, cert-chain.pem.',
            bad: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\ntype: Opaque\nstringData:\n  ca-cert.pem: <intermediate CA certificate>\n  ca-key.pem: <intermediate CA private key>\n  cert-chain.pem: <intermediate certificate, then the root>\n  root-cert.pem: <root certificate>\n  root-key.pem: <root CA private key>\n",
            good: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\ntype: Opaque\nstringData:\n  ca-cert.pem: <intermediate CA certificate>\n  ca-key.pem: <intermediate CA private key>\n  cert-chain.pem: <intermediate certificate, then the root>\n  root-cert.pem: <root certificate>\n",
            references: ['https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/', 'https://istio.io/latest/docs/ops/best-practices/security/'],
        },
    },
    check({ model, report }) {
        for (const s of model.ofKind('', 'Secret')) {
            if (s.name !== 'cacerts')
                continue;
            // Read through the Secret's facts: key presence and certificate metadata, never a value.
            const facts = secretFactsOf(s);
            const field = (k) => [keyOf(facts, k)?.field ?? 'data', k];
            if (keyOf(facts, 'root-key.pem')) {
                report({ resource: s, path: field('root-key.pem'), key: 'root-key', message: `Secret ${s.namespace}/cacerts holds root-key.pem: the mesh root CA's private key is readable in this cluster.` });
                continue;
            }
            const ca = keyOf(facts, 'ca-cert.pem');
            if (!ca || !ca.bytes || !keyOf(facts, 'ca-key.pem'))
                continue;
            // Not a certificate meshward can read: nothing to say.
            const cert = pemOfKey(facts, 'ca-cert.pem')?.certificate;
            if (cert && cert.subject === cert.issuer && cert.issuedBySelf && cert.isCA) {
                report({
                    resource: s,
                    path: field('ca-cert.pem'),
                    key: 'self-signed',
                    message: `Secret ${s.namespace}/cacerts signs with a self-signed CA ("${cert.subject.replace(/\n/g, ', ').slice(0, 120)}"), so ca-key.pem is the root key itself: mint any identity for every cluster that trusts this root.`,
                });
            }
        }
    },
});
