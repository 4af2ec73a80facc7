/** Small plans and manifests for the federation tests (rules, generator, CLI). */
import { loadPlan } from './plan.js';
const ROOT = 'ab'.repeat(32);
/** Two meshes under one root: east exports payments/card-api to west's shop/checkout. */
export const TWO_MESH_PLAN = `meshes:
- name: east
  trustDomain: east.example.com
  network: net-east
  eastWestGateway: {address: 198.51.100.10}
  rootCA: {sha256: "${ROOT}"}
  exports:
  - namespace: payments
    service: card-api
    ports: [{number: 8080, name: http, protocol: HTTP}]
    importers:
    - {mesh: west, namespace: shop, serviceAccount: checkout}
- name: west
  trustDomain: west.example.com
  network: net-west
  eastWestGateway: {address: 198.51.100.20}
  rootCA: {sha256: "${ROOT}"}
`;
export function twoMeshPlan() {
    return loadPlan(TWO_MESH_PLAN, 'plan.yaml');
}
/** An east-west Gateway with AUTO_PASSTHROUGH for these hosts. */
export function eastWestGateway(hosts, mode = 'AUTO_PASSTHROUGH') {
    return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: federation-eastwest, namespace: istio-system}
spec:
  selector: {istio: eastwestgateway}
  servers:
  - port: {number: 15443, name: tls, protocol: TLS}
    tls: {mode: ${mode}}
    hosts: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]
`;
}
/** An import of east's card-api into namespace shop, as the generator writes it (DestinationRule tls is `tls`). */
export function importOf(opts = {}) {
    const host = opts.host ?? 'card-api.east.global';
    return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: card-api, namespace: shop}
spec:
  hosts: [${host}]
  exportTo: ["."]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 8080, name: http, protocol: HTTP}]
  endpoints: [{address: ${opts.address ?? '198.51.100.10'}, ports: {http: ${opts.port ?? 15443}}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: card-api, namespace: shop}
spec:
  host: ${host}
  exportTo: ["."]
  trafficPolicy:
    tls: ${opts.tls ?? '{mode: ISTIO_MUTUAL, sni: outbound_.8080_._.card-api.payments.svc.cluster.local, subjectAltNames: [spiffe://east.example.com/ns/payments/sa/card-api]}'}
`;
}
/** payments/card-api: Namespace, Service and Deployment with a sidecar. */
export const CARD_API = `apiVersion: v1
kind: Namespace
metadata: {name: payments, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: card-api, namespace: payments}
spec: {selector: {app: card-api}, ports: [{port: 8080}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: card-api, namespace: payments}
spec:
  selector: {matchLabels: {app: card-api}}
  template:
    metadata: {labels: {app: card-api}}
    spec: {serviceAccountName: card-api, containers: [{name: app, image: example/card-api:1}]}
`;
