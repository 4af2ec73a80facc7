import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capabilitiesOf } from './capabilities.js';
import { scanYaml } from '../testing/kit.js';

const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', role: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ${kind}
metadata: {name: b${kind === 'RoleBinding' ? ', namespace: shop' : ''}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${role}}
subjects:
- {kind: User, name: alice}
`;

async function capabilities(text: string): Promise<string[]> {
  const { model } = await scanYaml(text);
  return (capabilitiesOf(model).get('user:alice') ?? []).map((c) => `${c.capability} ${c.namespace ?? '*'}`).sort();
}

test('cluster-admin bound in one namespace is that namespace, not the cluster: no webhooks, no impersonating users', async () => {
  const inShop = await capabilities(binding('RoleBinding', 'cluster-admin'));
  assert.ok(inShop.includes('read-secrets shop') && inShop.includes('create-pods shop'), inShop.join(', '));
  assert.ok(!inShop.some((c) => /^(cluster-admin|patch-webhooks) /.test(c)), inShop.join(', '));
  // Impersonating service accounts is namespaced (the account's namespace); users and groups are not.
  assert.ok(inShop.includes('impersonate shop'), 'service accounts of shop');
  const clusterWide = await capabilities(binding('ClusterRoleBinding', 'cluster-admin'));
  assert.ok(clusterWide.includes('cluster-admin *') && clusterWide.includes('patch-webhooks *'), clusterWide.join(', '));
});

test('a role naming webhook configurations grants them only through a ClusterRoleBinding', async () => {
  const role = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: hooks}
rules:
- {apiGroups: [admissionregistration.k8s.io], resources: [mutatingwebhookconfigurations], verbs: [patch]}
---
`;
  assert.deepEqual(await capabilities(role + binding('RoleBinding', 'hooks')), []);
  assert.deepEqual(await capabilities(role + binding('ClusterRoleBinding', 'hooks')), ['patch-webhooks *']);
});
