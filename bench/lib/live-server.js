// The live benchmark's stand-in, in its own process so its memory and CPU are not meshward's:
//
//   node bench/lib/live-server.js --clusters N --resources R --kubeconfig FILE [--seed S] [--dist DIR]
//
// Generates R realistic mesh objects (bench/generate.js namespaces, plus the Pods their
// Deployments and StatefulSets would run, with injected istio-proxy sidecars where the namespace
// asks for injection), puts them in ONE ObjectSet and serves it as N clusters (shared by reference:
// 100 clusters cost one copy). Writes a kubeconfig with one context per cluster (c000, c001...), then
// prints one line `READY {json}` and serves until SIGTERM/SIGINT.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_SEED, namespaces } from '../generate.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function args(argv) {
  const o = { clusters: 1, resources: 10_000, seed: DEFAULT_SEED, kubeconfig: null, dist: path.join(REPO, 'dist') };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--clusters') (o.clusters = Number(v)), i++;
    else if (argv[i] === '--resources') (o.resources = Number(v)), i++;
    else if (argv[i] === '--seed') (o.seed = Number(v)), i++;
    else if (argv[i] === '--kubeconfig') (o.kubeconfig = v), i++;
    else if (argv[i] === '--dist') (o.dist = path.resolve(v)), i++;
    else throw new Error(`live-server: unknown argument ${argv[i]}`);
  }
  if (!o.kubeconfig) throw new Error('live-server: --kubeconfig FILE is required');
  return o;
}

function hash(s, n) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36).padStart(n, 'x').slice(-n).replace(/[^a-z0-9]/g, 'x');
}

/** The Pods a workload runs, as a real cluster shows them (injected sidecar when the namespace asks). */
function podsOf(w, injected) {
  const tpl = w.spec?.template ?? {};
  const replicas = Math.min(2, Math.max(1, Number(w.spec?.replicas) || 1));
  const out = [];
  const rsHash = hash(`${w.metadata.namespace}/${w.metadata.name}`, 10);
  for (let i = 0; i < replicas; i++) {
    const name = w.kind === 'StatefulSet' ? `${w.metadata.name}-${i}` : `${w.metadata.name}-${rsHash}-${hash(`${w.metadata.name}${i}`, 5)}`;
    const spec = structuredClone(tpl.spec ?? { containers: [] });
    const annotations = { ...(tpl.metadata?.annotations ?? {}) };
    if (injected) {
      annotations['sidecar.istio.io/status'] = JSON.stringify({ initContainers: ['istio-init'], containers: ['istio-proxy'], volumes: ['istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert'], imagePullSecrets: null, revision: 'default' });
      annotations['prometheus.io/path'] = '/stats/prometheus';
      annotations['prometheus.io/port'] = '15020';
      spec.initContainers = [{ name: 'istio-init', image: 'docker.io/istio/proxyv2:1.24.2', args: ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020'], securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] }, runAsUser: 0, runAsNonRoot: false } }, ...(spec.initContainers ?? [])];
      spec.containers = [...(spec.containers ?? []), { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2', args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local'], ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }], securityContext: { runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } } }];
    }
    out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: w.metadata.namespace,
        labels: { ...(tpl.metadata?.labels ?? {}), ...(w.kind === 'Deployment' ? { 'pod-template-hash': rsHash } : {}), ...(injected ? { 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': w.metadata.name } : {}) },
        annotations,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: w.kind === 'Deployment' ? 'ReplicaSet' : w.kind, name: w.kind === 'Deployment' ? `${w.metadata.name}-${rsHash}` : w.metadata.name, uid: `00000000-0000-4000-8000-${hash(name, 12)}`, controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...spec, serviceAccountName: spec.serviceAccountName ?? w.metadata.name, nodeName: `node-${hash(name, 3)}` },
      status: { phase: 'Running', podIP: `10.${hash(name, 1).charCodeAt(0) % 250}.0.${i + 10}` },
    });
  }
  return out;
}

export function liveObjects(seed, total) {
  const objects = [];
  for (const ns of namespaces(seed, total * 2)) {
    const nsObj = ns.find((o) => o.kind === 'Namespace');
    const labels = nsObj?.metadata?.labels ?? {};
    const injected = labels['istio-injection'] === 'enabled' || typeof labels['istio.io/rev'] === 'string' || nsObj?.metadata?.name === 'istio-system';
    for (const o of ns) {
      objects.push(o);
      if (o.kind === 'Deployment' || o.kind === 'StatefulSet') objects.push(...podsOf(o, injected && o.metadata?.name !== 'istiod'));
      if (objects.length >= total) return objects.slice(0, total);
    }
  }
  return objects.slice(0, total);
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const o = args(process.argv.slice(2));
  const { startStandIn, ObjectSet } = await import(pathToFileURL(path.join(o.dist, 'testing/apiserver/index.js')).href);
  const t0 = performance.now();
  const objects = liveObjects(o.seed, o.resources);
  const byKind = {};
  for (const x of objects) byKind[x.kind] = (byKind[x.kind] ?? 0) + 1;
  const set = new ObjectSet(objects, { crds: ['istio', 'gateway-api'] });
  const names = Array.from({ length: o.clusters }, (_, i) => `c${String(i).padStart(3, '0')}`);
  const standIn = await startStandIn({ clusters: names.map((name) => ({ name, objects: set })) });
  fs.writeFileSync(o.kubeconfig, standIn.kubeconfig(), { mode: 0o600 });
  process.stdout.write(`READY ${JSON.stringify({ clusters: names.length, resources: objects.length, byKind, notes: set.notes.slice(0, 5), setupMs: Math.round(performance.now() - t0) })}\n`);
  const stop = async () => {
    await standIn.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}
