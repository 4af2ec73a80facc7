import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshModel } from '../model/model.js';
import { overlayModel } from '../model/overlay.js';
import type { Resource } from '../model/resource.js';
import { parseObjects, toResource } from '../testing/decide-corpus.js';
import { namespacesTaking, sidecarScopes, type ExportScope } from './visibility.js';

// `legacy` does not inject: its workloads count only when one opts in with its own label. `pay`
// exports a host to every namespace.
const BASE = parseObjects(`apiVersion: v1
kind: Namespace
metadata: {name: legacy}
---
apiVersion: v1
kind: Namespace
metadata: {name: pay, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: old, namespace: legacy}
spec:
  selector: {matchLabels: {app: old}}
  template:
    metadata: {labels: {app: old}}
    spec: {containers: [{name: old, image: registry.example.com/old:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: registry.example.com/web:1}]}
`);

const OPTED_IN = parseObjects(`apiVersion: apps/v1
kind: Deployment
metadata: {name: new, namespace: legacy}
spec:
  selector: {matchLabels: {app: new}}
  template:
    metadata: {labels: {app: new, sidecar.istio.io/inject: "true"}}
    spec: {containers: [{name: new, image: registry.example.com/new:1}]}
`)[0];

const SHOP_ONLY_SIDECAR = parseObjects(`apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec:
  egress:
  - hosts: ["./*"]
`)[0];

const OTHER_NS_SERVICE = parseObjects(`apiVersion: v1
kind: Service
metadata: {name: api, namespace: pay}
spec: {ports: [{port: 80, name: http}], selector: {app: api}}
`)[0];

const ALL: ExportScope = { all: true, namespaces: new Set(), origin: 'istio-default' };
const HOST = 'api.pay.svc.cluster.local';

function baseModel(): { model: MeshModel; resources: Resource[] } {
  const resources = BASE.map((o, i) => ({ ...toResource(o), id: i }));
  return { model: new MeshModel(resources), resources };
}

/** The overlay of `base` with `added` (an object of the corpus) added, and the same objects built from scratch. */
function withAdded(base: { model: MeshModel; resources: Resource[] }, obj: (typeof BASE)[number]): { overlay: MeshModel; scratch: MeshModel } {
  const added = { ...toResource(obj), id: base.resources.length };
  const o = overlayModel(base.model, null, added);
  assert.ok(o.model, `overlay refused: ${o.refused}`);
  return { overlay: o.model, scratch: new MeshModel([...base.resources, added]) };
}

test('namespacesTaking on an overlay: the base answers for namespaces the change is not in, the change\'s namespace is asked again', () => {
  const base = baseModel();
  // Asked on the base first, as the webhook's base analysis does: its answers are kept.
  assert.deepEqual(namespacesTaking(base.model, ALL, 'pay', HOST), ['shop']);
  // A workload of `legacy` opting in: `legacy` now takes the host (the base's kept "no" must not answer).
  const opted = withAdded(base, OPTED_IN);
  assert.deepEqual(namespacesTaking(opted.scratch, ALL, 'pay', HOST), ['legacy', 'shop']);
  assert.deepEqual(namespacesTaking(opted.overlay, ALL, 'pay', HOST), ['legacy', 'shop']);
  // A change in another namespace: the same answer as from scratch.
  const other = withAdded(base, OTHER_NS_SERVICE);
  assert.deepEqual(namespacesTaking(other.overlay, ALL, 'pay', HOST), namespacesTaking(other.scratch, ALL, 'pay', HOST));
});

test('Sidecar scopes: an overlay of another kind shares its base\'s, one adding a Sidecar has its own', () => {
  const base = baseModel();
  const scopes = sidecarScopes(base.model);
  assert.equal(sidecarScopes(withAdded(base, OTHER_NS_SERVICE).overlay), scopes, 'a Service changes no Sidecar: the base\'s scopes');
  assert.equal(sidecarScopes(withAdded(base, OPTED_IN).overlay), scopes, 'nor does a Deployment');
  const scoped = withAdded(base, SHOP_ONLY_SIDECAR);
  assert.notEqual(sidecarScopes(scoped.overlay), scopes);
  // shop's Sidecar imports only its own namespace: shop no longer takes pay's host.
  assert.deepEqual(namespacesTaking(scoped.scratch, ALL, 'pay', HOST), []);
  assert.deepEqual(namespacesTaking(scoped.overlay, ALL, 'pay', HOST), []);
});
