/**
 * Data for the posture and graph browser tests: a cluster whose workload, Service and labels carry
 * hostile names (the set-up and the axe check are in ./testing.ts).
 */
import type { TestServer } from '../server/testing-kit.js';
import { seedCluster } from './seed.js';

/** A name that would run script if it were ever rendered as markup; long, with an RTL override. */
export const HOSTILE = `<img src=x onerror="window.__pwned=1">\u202Egnp.exe</script>`;

/** Cluster `hostile`: a workload, its Service and a VirtualService whose names and labels are hostile. */
export async function seedHostile(t: TestServer): Promise<void> {
  // The store keeps names up to 400 bytes (Kubernetes allows 253): as long as it gets; 10 KB rides in an annotation.
  const name = HOSTILE + 'x'.repeat(300);
  await seedCluster(t, 'hostile', [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'shop', annotations: { note: HOSTILE.repeat(200) } },
      spec: { selector: { matchLabels: { app: 'evil' } }, template: { metadata: { labels: { app: 'evil' } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080 }] }] } } },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: HOSTILE, namespace: 'shop' }, spec: { selector: { app: 'evil' }, ports: [{ port: 80, targetPort: 8080 }] } },
  ]);
}
