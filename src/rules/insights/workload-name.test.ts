import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanYaml } from '../../testing/kit.js';
import { istioWorkloadName } from './common.js';

// Istio's `*_workload` label (pkg/kube/util.go): a Pod of a ReplicaSet is named after the Deployment
// (name without `-<pod-template-hash>`) or the Argo Rollout (without `-<rollouts-pod-template-hash>`).
test('the workload name Istio gives Pods of a Deployment and of an Argo Rollout, and their ReplicaSets', async () => {
  const rs = (name: string, kind: string, apiVersion: string) =>
    `{apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: ${name}, namespace: shop, ownerReferences: [{apiVersion: ${apiVersion}, kind: ${kind}, name: ${name.replace(/-[a-z0-9]+$/, '')}, uid: u, controller: true}]}, spec: {template: {metadata: {labels: {app: x}}, spec: {containers: [{name: x, image: x:1}]}}}}`;
  const pod = (name: string, rsName: string, label: string) =>
    `{apiVersion: v1, kind: Pod, metadata: {name: ${name}, namespace: shop, labels: {app: x, ${label}}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ${rsName}, uid: u, controller: true}]}, spec: {containers: [{name: x, image: x:1}]}}`;
  const result = await scanYaml(
    [rs('api-7d4b9', 'Deployment', 'apps/v1'), rs('checkout-6f9c7', 'Rollout', 'argoproj.io/v1alpha1'), pod('api-7d4b9-q2w', 'api-7d4b9', 'pod-template-hash: 7d4b9'), pod('checkout-6f9c7-k8s', 'checkout-6f9c7', 'rollouts-pod-template-hash: 6f9c7'), pod('odd-1-x', 'odd-1', 'other: y')].join('\n---\n'),
  );
  const named = Object.fromEntries(result.model.workloads.map((w) => [w.resource.name, istioWorkloadName(w)]));
  assert.deepEqual(named, { 'api-7d4b9': 'api', 'checkout-6f9c7': 'checkout', 'api-7d4b9-q2w': 'api', 'checkout-6f9c7-k8s': 'checkout', 'odd-1-x': 'odd-1' });
});
