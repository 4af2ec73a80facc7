/**
 * Test and demo data for the dashboard: the bundled examples sent to a test server as clusters (as an
 * agent's snapshot would arrive), then waiting until their analysis is stored. Not part of the runtime.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import type { TestServer } from '../server/testing-kit.js';
import { upsert, wire } from '../server/testing-kit.js';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples', import.meta.url));

/** Kinds that live outside namespaces (the wire says so per object). */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'CustomResourceDefinition', 'GatewayClass']);

/** Every object of the YAML files directly in `dir` (not subfolders), with namespace defaulted. */
export function exampleObjects(dir: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    for (const doc of yaml.loadAll(readFileSync(path.join(dir, name), 'utf8'))) {
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) continue;
      const obj = doc as Record<string, unknown>;
      if (typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string') continue;
      if (obj.kind.endsWith('List')) continue;
      const meta = (obj.metadata ?? {}) as Record<string, unknown>;
      if (!CLUSTER_SCOPED.has(obj.kind) && typeof meta.namespace !== 'string') obj.metadata = { ...meta, namespace: 'default' };
      out.push(obj);
    }
  }
  return out;
}

/** Sends `objects` as one snapshot of `cluster` (registering it) and waits for its findings. */
export async function seedCluster(t: TestServer, cluster: string, objects: Record<string, unknown>[], opts: { timeoutMs?: number } = {}): Promise<void> {
  if (!(await t.store.getCluster(cluster))) await t.store.createCluster(cluster, new Date());
  const epoch = `seed-${cluster}`;
  await t.send(cluster, { epoch, seq: 1, type: 'snapshot', last: true, changes: objects.map((o) => upsert(o, !CLUSTER_SCOPED.has(String(o.kind)))) });
  await waitUntilAnalysed(t, cluster, opts.timeoutMs ?? 60_000);
}

/** Waits until the server has analysed everything `cluster` sent. */
async function waitUntilAnalysed(t: TestServer, cluster: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const c = await t.store.getCluster(cluster);
    if (c && c.lastAnalysisAt && c.analysisBacklog === 0) return;
    if (performance.now() > deadline) throw new Error(`cluster ${cluster} was not analysed within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The two bundled examples as clusters `insecure` and `secure`. */
export async function seedExamples(t: TestServer): Promise<void> {
  await seedCluster(t, 'insecure', exampleObjects(path.join(EXAMPLES_DIR, 'insecure')));
  await seedCluster(t, 'secure', exampleObjects(path.join(EXAMPLES_DIR, 'secure')));
}

/** Names an agent could send: markup, a script end tag, an RTL override, and the longest name the store keeps (the 10 KB string goes in an annotation: the store refuses names over 400 bytes). */
export const HOSTILE_NAMES = ['<img src=x onerror=window.__pwned=1>', '</script><script>window.__pwned=2</script>', 'evil\u202Egnp.exe', 'x'.repeat(400)];

/**
 * A cluster `hostile` whose Deployments carry the names above (sent through ingest like an agent's
 * snapshot), each run as UID 1337 so the sidecar rules report it.
 */
export async function seedHostile(t: TestServer): Promise<void> {
  const objects: Record<string, unknown>[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } }];
  for (const name of HOSTILE_NAMES) {
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'shop', annotations: { note: '<script>window.__pwned=3</script>', long: 'y'.repeat(10_000) } },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { securityContext: { runAsUser: 1337, runAsGroup: 1337 }, containers: [{ name: 'web', image: 'registry.example.com/web:1.0.0' }] } },
      },
    });
  }
  await seedCluster(t, 'hostile', objects);
}

/**
 * A cluster name the relay never registers (it takes DNS labels only) but the store keeps: markup, a
 * script end tag, BEL and an RTL override. The dashboard must not trust the relay's check.
 */
export const HOSTILE_CLUSTER = '<img src=x onerror=window.__pwned=5></li></script>\u0007evil\u202Egnp.exe';

/** A Secret name with markup, ESC, a line break and an RTL override (ingest refuses control characters in names now; a store may hold older ones). */
export const HOSTILE_SECRET = '<script>window.__pwned=6</script>\u001b[2J\nfake\u202Egnp';

/**
 * Cluster HOSTILE_CLUSTER holding a remote secret named HOSTILE_SECRET whose Secret facts are malformed
 * (`kubeconfigs` a string): what an agent could store before ingest checked facts
 * (src/cluster/secret-facts-check.ts), written as ingest writes after decoding. The fleet pass cannot
 * use this cluster and lists it under `unusable`, its reason naming the Secret.
 */
export async function seedUnusable(t: TestServer): Promise<void> {
  if (!(await t.store.getCluster(HOSTILE_CLUSTER))) await t.store.createCluster(HOSTILE_CLUSTER, new Date());
  const secret = { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: HOSTILE_SECRET, namespace: 'istio-system', labels: { 'istio/multiCluster': 'true' } } };
  const facts = { version: 1, flavour: 'istio', keys: [], unreadable: [], skippedKeys: 0, pem: [], kubeconfigs: 'not a list', credentialProblems: [] };
  await t.send(HOSTILE_CLUSTER, {
    epoch: 'seed-unusable',
    seq: 1,
    type: 'snapshot',
    last: true,
    changes: [upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } }, false), { op: 'upsert', object: { ...wire(secret), secretFacts: facts as never } }],
  });
  await waitUntilAnalysed(t, HOSTILE_CLUSTER, 60_000);
}

/** A cluster `bulk` with `n` stored findings (written as an analysis would record them), for scrolling tests. */
export async function seedBulk(t: TestServer, n: number): Promise<void> {
  const at = new Date();
  if (!(await t.store.getCluster('bulk'))) await t.store.createCluster('bulk', at);
  const severities = ['critical', 'high', 'medium', 'low', 'info'] as const;
  const findings = Array.from({ length: n }, (_, i) => ({
    fingerprint: i.toString(16).padStart(32, '0'),
    ruleId: `BULK${String(i % 7).padStart(3, '0')}`,
    severity: severities[i % 5]!,
    title: `Bulk finding kind ${i % 7}`,
    message: `Deployment ns-${i % 20}/app-${i} is finding number ${i}`,
    remediation: 'Nothing to do: test data.',
    resource: { cluster: 'bulk', apiVersion: 'apps/v1', kind: 'Deployment', namespace: `ns-${i % 20}`, name: `app-${i}` },
    location: null,
    evidence: [],
  }));
  await t.store.recordAnalysis('bulk', findings, at);
}
