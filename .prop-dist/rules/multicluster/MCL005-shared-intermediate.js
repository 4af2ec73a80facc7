import { fleetRule, FLEET_RULE_IDS } from './fleet.js';
export default fleetRule({
    id: FLEET_RULE_IDS.sharedIntermediate,
    title: 'Several clusters sign workload certificates with the same CA',
    severity: 'high',
    category: 'multicluster',
    reads: ['Secret', 'ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
        summary: "The `cacerts` Secrets (Istio's plug-in CA) of two or more clusters hold the same signing CA (`ca-cert.pem`, not self-signed), so the same CA key is stored in each of them.",
        why: 'istiod signs workload certificates with that key. Stealing it from the least protected cluster lets an attacker mint any workload identity that every one of those clusters, and every cluster trusting the root, accepts: one breach becomes all of them.',
        fix: 'Issue one intermediate CA per cluster under the mesh root, and put only that cluster\'s intermediate (ca-cert.pem, ca-key.pem) in its cacerts.',
        bad: '# cluster: east\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\nstringData:\n  ca-cert.pem: <intermediate CA A>\n  ca-key.pem: <key of intermediate A>\n  root-cert.pem: <mesh root>\n---\n# cluster: west\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\nstringData:\n  ca-cert.pem: <intermediate CA A>\n  ca-key.pem: <key of intermediate A>\n  root-cert.pem: <mesh root>\n',
        good: '# cluster: east\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\nstringData:\n  ca-cert.pem: <intermediate CA east>\n  ca-key.pem: <key of intermediate east>\n  root-cert.pem: <mesh root>\n---\n# cluster: west\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\nstringData:\n  ca-cert.pem: <intermediate CA west>\n  ca-key.pem: <key of intermediate west>\n  root-cert.pem: <mesh root>\n',
        references: ['https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/', 'https://istio.io/latest/docs/setup/install/multicluster/before-you-begin/#configure-trust'],
    },
});
