import { fleetRule, FLEET_RULE_IDS } from './fleet.js';
const cacerts = (intermediate) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\nstringData:\n  ca-cert.pem: <intermediate CA ${intermediate}>\n  ca-key.pem: <key of intermediate ${intermediate}>\n  root-cert.pem: <root A>\n`;
const meshConfig = (meshId, trustDomain) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |\n    trustDomain: ${trustDomain}\n    defaultConfig:\n      meshId: ${meshId}\n`;
export default fleetRule({
    id: FLEET_RULE_IDS.sharedRootAcrossMeshes,
    title: 'Separate meshes share a root CA and a trust domain',
    severity: 'high',
    category: 'multicluster',
    reads: ['Secret', 'ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
        summary: 'Clusters of different meshes (different mesh IDs) hold the same `root-cert.pem` in `cacerts` and use the same trust domain.',
        why: "A SPIFFE identity is the trust domain, namespace and service account: with one root and one trust domain, `spiffe://cluster.local/ns/payments/sa/api` minted in one mesh is accepted by the other as its own workload, so every principal-based AuthorizationPolicy there also admits the other mesh's workloads.",
        fix: "Give each mesh its own trust domain (and preferably its own root); where meshes must talk, federate explicitly and allow the other mesh's identities by name in AuthorizationPolicies.",
        bad: `# cluster: east\n${meshConfig('mesh-a', 'cluster.local')}---\n${cacerts('east')}---\n# cluster: west\n${meshConfig('mesh-b', 'cluster.local')}---\n${cacerts('west')}`,
        good: `# cluster: east\n${meshConfig('mesh-a', 'mesh-a.example')}---\n${cacerts('east')}---\n# cluster: west\n${meshConfig('mesh-b', 'mesh-b.example')}---\n${cacerts('west')}`,
        references: ['https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig', 'https://istio.io/latest/docs/setup/install/multicluster/before-you-begin/#configure-trust'],
    },
});
