#!/usr/bin/env node
// Writes the hostile-input corpus of issue 10 to test/fixtures/bombs/ (deterministic: same bytes every
// run). The files are committed; this script documents how each was built and rebuilds them.
// Usage: node scripts/gen-bombs.js
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'bombs');
mkdirSync(out, { recursive: true });
const write = (name, text) => writeFileSync(path.join(out, name), text);
const b64 = (s) => Buffer.from(s).toString('base64');
const indent = (text, n) => text.split('\n').map((l) => (l ? ' '.repeat(n) + l : l)).join('\n');

// 1. Merge-key chain: each mapping merges the one before and adds a key, so level i holds i keys and
//    the whole document expands quadratically (issue 10: 386 KB -> 2.7 GB in 28 s).
function mergeChain(levels) {
  const lines = ['k0: &a0 {x0: v}'];
  for (let i = 1; i < levels; i++) lines.push(`k${i}: &a${i} {<<: *a${i - 1}, x${i}: v}`);
  return lines.join('\n') + '\n';
}
const chain = mergeChain(8000);
write('merge-key-chain.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: chain, namespace: default}\ndata:\n${indent(chain, 2)}`);

// 2. Merge-key list bomb: many mappings each merging a list of the same large anchors (issue 10:
//    789 KB never finishes).
function mergeList(anchors, keysPerAnchor, users) {
  const lines = [];
  for (let a = 0; a < anchors; a++) {
    const keys = Array.from({ length: keysPerAnchor }, (_, k) => `a${a}k${k}: 1`).join(', ');
    lines.push(`m${a}: &m${a} {${keys}}`);
  }
  const refs = Array.from({ length: anchors }, (_, a) => `*m${a}`).join(', ');
  for (let u = 0; u < users; u++) lines.push(`u${u}: {<<: [${refs}]}`);
  return lines.join('\n') + '\n';
}
write('merge-key-list-bomb.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: merge-list, namespace: default}\ndata:\n${indent(mergeList(60, 120, 1500), 2)}`);

// 3. The same bombs inside a kubeconfig (for `meshward kubeconfig`) and inside a remote Secret.
const kubeconfigChain = `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: https://east.example:6443}\nusers:\n- name: u\n  user:\n${indent(mergeChain(6000), 4)}contexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n`;
write('kubeconfig-merge-chain.yaml', kubeconfigChain);
write(
  'remote-secret-merge-list.yaml',
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: istio-remote-secret-bomb\n  namespace: istio-system\n  labels: {istio/multiCluster: "true"}\ndata:\n  bomb: ${b64(`apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n${indent(mergeList(40, 100, 600), 4)}`)}\n`,
);

// 4. Billion laughs in the mesh config: as a --mesh-config file and in the istio ConfigMap's data.mesh
//    (issue 10: 1 KB hangs at 1.9 GB, a value stringified whole before being shortened).
function laughs(levels, fanout) {
  const lines = [`l0: &l0 "${'lol'.repeat(10)}"`];
  for (let i = 1; i <= levels; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: fanout }, () => `*l${i - 1}`).join(', ')}]`);
  return { defs: lines.join('\n'), top: `*l${levels}` };
}
const lol = laughs(9, 9);
write('mesh-config-laughs.yaml', `${lol.defs}\nmeshConfig:\n  defaultConfig:\n    proxyMetadata: ${lol.top}\n  outboundTrafficPolicy: {mode: ${lol.top}}\n`);
const meshText = `${lol.defs}\ndefaultConfig:\n  proxyMetadata: ${lol.top}\noutboundTrafficPolicy: {mode: ${lol.top}}\ntrustDomain: ${lol.top}\n`;
write('istio-configmap-laughs.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n${indent(meshText, 4)}`);

// 5. Deep JSON: 1 MB of nesting, unclosed (a RangeError in recursive parsers), and closed.
write('deep-nesting-unclosed.json', '['.repeat(1024 * 1024));
write('deep-nesting.json', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
write('deep-nesting.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);

// 6. Kinds and names like Object.prototype members, in every place a lookup is keyed by input.
const proto = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', 'isPrototypeOf'];
write(
  'prototype-kinds.yaml',
  proto
    .map(
      (p) =>
        `apiVersion: v1\nkind: ${p}\nmetadata:\n  name: ${p}\n  namespace: ${p}\n  labels: {${p}: ${p}}\n  annotations: {${p}: ${p}}\nspec: {${p}: {${p}: 1}}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ${p}, namespace: ${p}}\nspec:\n  hosts: [${p}]\n  gateways: [${p}/${p}]\n  http: [{route: [{destination: {host: ${p}}}]}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${p}, namespace: ${p}, labels: {${p}: ${p}}}\nspec:\n  serviceAccountName: ${p}\n  containers: [{name: ${p}, image: ${p}}]\n`,
    )
    .join('---\n'),
);

// 7. Control characters and bidi overrides in names, hosts, images and URLs (ESC sequences that clear
//    the screen or forge a hyperlink, BEL, CR that rewrites the line, RIGHT-TO-LEFT OVERRIDE).
const ctl = ['\\e[2J\\e[H', '\\a', '\\rOK   ', '\\u202Egnp.exe', '\\e]8;;http://evil.example\\aclick\\e]8;;\\a', '\\x9b31m', '\\u2028x'];
write(
  'control-character-names.yaml',
  ctl
    .map(
      (c, i) =>
        `apiVersion: v1\nkind: Pod\nmetadata:\n  name: "web${c}${i}"\n  namespace: "shop${c}"\nspec:\n  containers:\n  - name: "app${c}"\n    image: "example/app${c}:1"\n    securityContext: {runAsUser: 1337}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: "vs${c}${i}", namespace: "team${c}"}\nspec:\n  hosts: ["payments.payments.svc.cluster.local"]\n  http: [{route: [{destination: {host: "x${c}"}}]}]\n---\napiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: "ra${c}${i}", namespace: shop}\nspec:\n  jwtRules: [{issuer: "https://idp${c}", jwksUri: "http://idp.example/${c}"}]\n`,
    )
    .join('---\n'),
);

// 8. Canary secrets: remote secrets, Argo CD and Linkerd credentials with passwords WHATWG URL refuses,
//    tokens, query secrets, a tag and an alias named like secrets; Secrets with canary values.
const leakyKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: west
  cluster:
    server: "https://admin:CANARYbombpass1#x/y@west.example:6443"
    proxy-url: "http://proxyuser:CANARYbombproxy2/z@proxy.example:3128"
users:
- name: west
  user:
    token: CANARYbombtoken3
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: sh
      args: ["-c", "id", "--password=CANARYbombarg4"]
      env: [{name: AWS_SECRET_ACCESS_KEY, value: CANARYbombenv5}]
contexts:
- name: west
  context: {cluster: west, user: west}
current-context: west
`;
write(
  'canary-secrets.yaml',
  `apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-west
  namespace: istio-system
  labels: {istio/multiCluster: "true"}
data:
  west: ${b64(leakyKubeconfig)}
  tagged: ${b64('apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user: {token: !CANARYbombtag6 x, password: *CANARYbombalias7}\n')}
---
apiVersion: v1
kind: Secret
metadata:
  name: argo-west
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster}
stringData:
  name: west
  server: "https://argo:CANARYbombargo8#q/r@west.example:6443"
  config: '{"bearerToken": "CANARYbombargotoken9", "tlsClientConfig": {"insecure": true}}'
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData:
  password: CANARYbombsecret10
data:
  token: ${b64('CANARYbombsecret11')}
`,
);
write(
  'canary-jwks.yaml',
  `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  jwtRules:
  - issuer: https://idp.example
    jwksUri: "http://jwks:CANARYbombjwks12@idp.example/keys?access_token=CANARYbombjwksq13"
`,
);
// A harmless manifest, for runs whose hostile part is a side file.
write('benign.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n');
write('kubeconfig-canaries.yaml', leakyKubeconfig);
console.log(`bombs written to ${out}`);
