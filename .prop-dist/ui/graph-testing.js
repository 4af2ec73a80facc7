/**
 * Helpers for the posture, graph and blast-radius browser tests: a cluster seeded with hostile names,
 * and an axe-core check run in a context that bypasses the CSP (only for that check: axe is injected
 * as a script the dashboard's CSP would rightly refuse).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { seedCluster } from './seed.js';
/** A name that would run script if it were ever rendered as markup; long, with an RTL override. */
export const HOSTILE = `<img src=x onerror="window.__pwned=1">\u202Egnp.exe</script>`;
/** Cluster `hostile`: a workload, its Service and a VirtualService whose names and labels are hostile. */
export async function seedHostile(t) {
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
const require = createRequire(import.meta.url);
/** Serious and critical axe violations on `url` (after `ready` resolves), as `id: target` strings. */
export async function axeViolations(b, token, origin, url, ready) {
    const context = await b.browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
    try {
        const page = await context.newPage();
        await page.goto(origin + '/ui/');
        await page.evaluate(`sessionStorage.setItem('meshward.token', ${JSON.stringify(token)})`);
        await page.goto(origin + url);
        await ready(page);
        await page.addScriptTag({ content: readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8') });
        const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`));
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
    }
    finally {
        await context.close();
    }
}
