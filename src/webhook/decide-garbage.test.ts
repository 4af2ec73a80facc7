/**
 * A review's objects die young (issue 12, the latency tail): everything the fast decision makes for
 * one review (the overlay, its focused views, the overlay posture, the rules' per-model indexes) must
 * be collectable by the next minor GC once the review is answered. What survives two minor GCs is
 * copied into old space, and old space is only emptied by full mark-compact collections, whose pauses
 * were the webhook's p99 (docs/webhook.md "Performance").
 *
 * Measured as the old-space bytes a review leaves after two minor GCs (median over 60 reviews). The
 * bound lies between what this code leaves (about 360 bytes, measured) and what the patterns it
 * replaced left on the same cluster (20 to 27 KB; 10 to 70 KB a review at 20,000 objects): a closure
 * or getter stored on an object made by `Object.create` of a long-lived model, or an object literal
 * with a getter, kept its whole review alive.
 * WeakRef cannot tell: V8 clears WeakRefs only in full collections.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { defaultSettings } from '../config/settings.js';
import { FastDecider } from './decide.js';
import { tuneGcForWebhook } from './gc-tuning.js';
import { CORPUS_CLUSTER, reviewOf, toResource, type Obj } from '../testing/decide-corpus.js';
import type { AdmissionRequest, DecisionState } from './types.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (opts?: { type: 'minor' | 'major' }) => void;
// As the webhook process runs (src/cli/commands/webhook.ts).
tuneGcForWebhook([]);

const NAMESPACES = 40;

/** A mesh of tenant namespaces, each with workloads, Services selecting them, policies and routes. */
function cluster(): Obj[] {
  const out: Obj[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: 'rootNamespace: istio-system\n' } },
    { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } },
    { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'ingress', namespace: 'istio-system' }, spec: { selector: { matchLabels: { istio: 'ingressgateway' } }, rules: [{ to: [{ operation: { ports: ['443'] } }] }] } },
  ];
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `team${n}`;
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } });
    for (const app of ['web', 'api', 'db']) {
      out.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: app, namespace: ns },
        spec: { selector: { matchLabels: { app } }, template: { metadata: { labels: { app, version: 'v1' } }, spec: { containers: [{ name: app, image: `registry.example/${app}:1.${n}`, ports: [{ containerPort: 8080 }] }] } } },
      });
      out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
      out.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: `${app}-allow`, namespace: ns },
        spec: { selector: { matchLabels: { app } }, rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/web`] } }], to: [{ operation: { methods: ['GET'], paths: ['/api/*'] } }] }] },
      });
    }
    out.push({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'web', namespace: ns }, spec: { hosts: [`web.${ns}.svc.cluster.local`], http: [{ route: [{ destination: { host: 'web' } }] }] } });
    out.push({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'api', namespace: ns }, spec: { host: 'api', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } } });
  }
  return out;
}

/** UPDATEs (a label added) and CREATEs (a copy under a new name) of Deployments, AuthorizationPolicies and VirtualServices. */
function reviews(objects: Obj[]): AdmissionRequest[] {
  const out: AdmissionRequest[] = [];
  const pool = objects.filter((o) => ['Deployment', 'AuthorizationPolicy', 'VirtualService'].includes(o.kind) && o.metadata.namespace !== 'istio-system');
  for (let i = 0; i < 60; i++) {
    const o = pool[(i * 37) % pool.length];
    const copy = structuredClone(o);
    if (i % 2) {
      copy.metadata.labels = { ...(copy.metadata.labels ?? {}), touched: String(i) };
      out.push(reviewOf('UPDATE', copy, o));
    } else {
      copy.metadata.name = `${o.metadata.name}-copy${i}`;
      out.push(reviewOf('CREATE', copy));
    }
  }
  return out;
}

/** Old-generation objects (not code: the JIT compiling during the loop is not the review's garbage). */
function oldSpaceBytes(): number {
  return v8
    .getHeapSpaceStatistics()
    .filter((s) => s.space_name === 'old_space' || s.space_name === 'large_object_space')
    .reduce((n, s) => n + s.space_used_size, 0);
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('what a review makes dies in the next minor GC: old space does not grow with the reviews decided', async () => {
  const objects = cluster();
  const resources = objects.map((o) => toResource(o));
  const state: DecisionState = { version: 1, synced: true, resources: () => resources };
  const decider = new FastDecider({ tenantPolicy: null, settings: defaultSettings(), cluster: CORPUS_CLUSTER }, { staleness: 'wait' });
  const batch = reviews(objects);
  // Warm-up: the base's lazily built indexes and the code, twice over every review.
  for (let round = 0; round < 2; round++) for (const r of batch) decider.decide(r, state);
  assert.equal(decider.stats().fast, decider.stats().reviews, `every review takes the fast path (fallbacks: ${JSON.stringify(decider.stats().fallbacks)})`);

  gc({ type: 'major' });
  await turn();
  gc({ type: 'major' });
  // Per review: what old space gained from just before it to after two minor GCs (the first copies
  // what is still alive, the second promotes it). The median, because V8 starts with a small young
  // generation and now and then a review triggers scavenges of its own, promoting some of its
  // objects while they are still in use.
  const gains: number[] = [];
  for (const r of batch) {
    await turn();
    const before = oldSpaceBytes();
    decider.decide(r, state);
    await turn();
    gc({ type: 'minor' });
    await turn();
    gc({ type: 'minor' });
    gains.push(oldSpaceBytes() - before);
  }
  gains.sort((a, b) => a - b);
  const median = gains[gains.length >> 1];
  assert.ok(median < 4000, `a review left ${median} bytes in old space (median of ${gains.length}; at most 4,000 expected): something keeps a review's objects alive past its minor GCs`);
});
