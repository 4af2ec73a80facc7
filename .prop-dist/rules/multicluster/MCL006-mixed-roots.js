import { fleetRule, FLEET_RULE_IDS } from './fleet.js';
export default fleetRule({
    id: FLEET_RULE_IDS.mixedRoots,
    title: 'Clusters of one mesh use different root CAs',
    severity: 'medium',
    category: 'multicluster',
    reads: ['Secret', 'ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
        summary: "Clusters with the same mesh ID (or none set) hold `cacerts` Secrets with different `root-cert.pem` roots.",
        why: "Workloads of one cluster then reject the other's certificates, so cross-cluster mTLS fails, unless extra roots were added to trust by hand (meshConfig caCertificates, a bundled root file): each such addition widens what every workload accepts, and is easy to leave behind for a root that should no longer be trusted.",
        fix: 'Use one root per mesh, with an intermediate CA per cluster signed by it; while migrating roots, trust both for a bounded time and remove the old one after.',
        bad: '# cluster: east\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\nstringData:\n  ca-cert.pem: <intermediate CA east>\n  ca-key.pem: <key of intermediate east>\n  root-cert.pem: <root A>\n---\n# cluster: west\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\nstringData:\n  ca-cert.pem: <intermediate CA west>\n  ca-key.pem: <key of intermediate west>\n  root-cert.pem: <root B>\n',
        good: '# cluster: east\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\nstringData:\n  ca-cert.pem: <intermediate CA east>\n  ca-key.pem: <key of intermediate east>\n  root-cert.pem: <root A>\n---\n# cluster: west\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\nstringData:\n  ca-cert.pem: <intermediate CA west>\n  ca-key.pem: <key of intermediate west>\n  root-cert.pem: <root A>\n',
        references: ['https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/', 'https://istio.io/latest/docs/setup/install/multicluster/before-you-begin/#configure-trust'],
    },
});
