#!/usr/bin/env node
// Serves the bundled examples from the Kubernetes API stand-in (src/testing/apiserver, built into
// dist/testing) so `meshward scan --context ...` and kubectl can be tried without a cluster:
//
//   npm run build && node scripts/stand-in.js --kubeconfig /tmp/meshward-stand-in.yaml
//
// One cluster per example (insecure, secure, and the multicluster east, west and north), each on its
// own 127.0.0.1 port, and a kubeconfig with one context per cluster (inline credentials, mode 0600).
// Stops on Ctrl-C / SIGTERM.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const usage = `usage: node scripts/stand-in.js --kubeconfig FILE [--credential token|cert] [--user admin|viewer]

  --kubeconfig FILE   where to write the kubeconfig (one context per example cluster); required
  --credential        token (default) or cert (client certificate from the stand-in's CA)
  --user              admin (default, system:masters) or viewer (read-only ClusterRole "view")`;

function parseArgs(argv) {
  const out = { kubeconfig: null, credential: 'token', user: 'admin' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--kubeconfig') out.kubeconfig = value();
    else if (a === '--credential') out.credential = value();
    else if (a === '--user') out.user = value();
    else if (a === '-h' || a === '--help') {
      console.log(usage);
      process.exit(0);
    } else throw new Error(`unknown argument ${JSON.stringify(a)}`);
  }
  if (!out.kubeconfig) throw new Error('--kubeconfig FILE is required');
  if (!['token', 'cert'].includes(out.credential)) throw new Error('--credential must be token or cert');
  if (!['admin', 'viewer'].includes(out.user)) throw new Error('--user must be admin or viewer');
  return out;
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`stand-in: ${e.message}\n${usage}`);
  process.exit(2);
}

const dist = path.join(root, 'dist/testing/apiserver/index.js');
if (!fs.existsSync(dist)) {
  console.error(`stand-in: ${path.relative(process.cwd(), dist)} is missing; run \`npm run build\` first`);
  process.exit(2);
}
const { startStandIn } = await import(dist);

// A read-only user, for trying partial results: the "view"-like ClusterRole reads everything but Secrets.
const VIEWER = [
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'meshward-stand-in-view' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }, { apiGroups: [''], resources: ['secrets'], verbs: [] }] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'meshward-stand-in-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'meshward-stand-in-view' }, subjects: [{ kind: 'User', name: 'viewer' }] },
];
const ex = (p) => path.join(root, 'examples', p);
const crds = ['istio', 'gateway-api'];
const clusters = [
  { name: 'insecure', folders: [ex('insecure')], objects: VIEWER, crds },
  { name: 'secure', folders: [ex('secure')], objects: VIEWER, crds },
  ...['east', 'west', 'north'].map((name) => ({ name, folders: [ex(`multicluster/${name}`)], objects: VIEWER, crds })),
];

const standIn = await startStandIn({ clusters, users: [{ name: 'viewer' }] });
fs.writeFileSync(args.kubeconfig, standIn.kubeconfig({ user: args.user, credential: args.credential }), { mode: 0o600 });
fs.chmodSync(args.kubeconfig, 0o600);

console.log(`meshward stand-in: ${clusters.length} clusters served (user ${args.user}, ${args.credential} credentials)`);
for (const c of standIn.clusters) {
  const notes = standIn.cluster(c.name).notes;
  console.log(`  ${c.name.padEnd(9)} ${c.url}  ${standIn.cluster(c.name).objects.size()} objects (CRDs included)${notes.length ? `, ${notes.length} skipped: ${notes.join('; ')}` : ''}`);
}
console.log(`
kubeconfig written to ${args.kubeconfig} (contexts: ${standIn.clusters.map((c) => c.name).join(', ')})

  meshward scan --kubeconfig ${args.kubeconfig} --context insecure
  meshward scan --kubeconfig ${args.kubeconfig} --all-contexts
  kubectl --kubeconfig ${args.kubeconfig} --context secure get pods -A

Ctrl-C stops it (the kubeconfig stays behind; its credentials die with this process).`);

let stopping = false;
const stop = async (signal) => {
  if (stopping) return;
  stopping = true;
  console.log(`\nstand-in: ${signal}, stopping`);
  await standIn.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
