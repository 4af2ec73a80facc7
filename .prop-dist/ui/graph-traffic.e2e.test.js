/** The Service graph page with telemetry (issue 15): traffic edges from the cluster's stored aggregates, coloured by what the proxies saw. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../server/testing-kit.js';
import { launchBrowser } from '../testing/browser.js';
import { seedCluster } from './seed.js';
import { signIn } from './testing.js';
const HOSTILE_CALLER = '<img src=x onerror=window.__pwned=9>';
function edge(from, to, security, requests) {
    return {
        source: { workload: from[1], namespace: from[0], principal: security === 'none' ? 'unknown' : `spiffe://cluster.local/ns/${from[0]}/sa/default` },
        destination: { workload: to[1], namespace: to[0], principal: `spiffe://cluster.local/ns/${to[0]}/sa/default` },
        destinationService: `${to[1]}.${to[0]}.svc.cluster.local`,
        reporter: 'destination',
        protocol: 'http',
        security,
        requests,
        responses: [['200', requests]],
        connectionsOpened: 0,
        bytes: 0,
    };
}
describe('service graph page with traffic', () => {
    let t;
    let b;
    before(async () => {
        t = await startTestServer();
        const deployment = (name) => ({
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name, namespace: 'shop' },
            spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `registry.example.com/${name}:1.0.0` }] } } },
        });
        await seedCluster(t, 'traffic', [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } },
            { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'shop' }, spec: { mtls: { mode: 'STRICT' } } },
            deployment('web'),
            deployment('api'),
            { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
        ]);
        await t.store.putTelemetry({
            cluster: 'traffic',
            via: 'agent',
            receivedAt: new Date().toISOString(),
            sourceName: 'http://prometheus.istio-system:9090',
            windowSeconds: 3600,
            end: new Date().toISOString(),
            edges: [edge(['shop', 'api'], ['shop', 'web'], 'mutual_tls', 3600), edge(['legacy', HOSTILE_CALLER], ['shop', 'web'], 'none', 720)],
            notes: [],
        });
        t.server.listener.onTelemetry('traffic');
        await t.server.analysis.idle();
        b = await launchBrowser();
    });
    after(async () => {
        await b?.close();
        await t?.close();
    });
    it('the API graph carries the traffic edges with their security, and the page draws a plaintext edge as such, with a legend', async () => {
        const res = await fetch(`${t.url}/api/clusters/traffic/graph`, { headers: { authorization: `Bearer ${t.viewer}` } });
        assert.equal(res.status, 200);
        const g = (await res.json());
        const traffic = g.edges.filter((e) => e.kind === 'traffic');
        assert.equal(traffic.length, 2, JSON.stringify(traffic));
        const plaintext = traffic.find((e) => e.traffic?.security === 'none');
        const mutual = traffic.find((e) => e.traffic?.security === 'mutual_tls');
        assert.ok(plaintext && mutual);
        assert.equal(plaintext.traffic.plaintextSeen, true);
        assert.equal(plaintext.traffic.requests, 720);
        assert.equal(plaintext.mtls, 'none');
        assert.equal(mutual.mtls, 'strict');
        assert.equal(plaintext.to, 'Deployment:shop/web');
        const { page, problems } = await b.page({ origin: t.url });
        await signIn(page, t.url, t.viewer);
        await page.goto(`${t.url}/ui/graph?cluster=traffic`);
        await page.locator('svg.graph g.node').first().waitFor();
        const drawn = page.locator(`polyline[data-edge="${plaintext.id}"]`);
        assert.match((await drawn.getAttribute('class')) ?? '', /\bedge-traffic-plaintext\b/);
        assert.equal(await drawn.getAttribute('data-security'), 'none');
        assert.match((await drawn.locator('title').textContent()) ?? '', /plaintext seen: 720 requests/);
        assert.match((await page.locator(`polyline[data-edge="${mutual.id}"]`).getAttribute('class')) ?? '', /\bedge-traffic-mutual\b/);
        // The plaintext edge is drawn red, unlike the mutual one.
        const stroke = async (id) => page.locator(`polyline[data-edge="${id}"]`).evaluate((el) => globalThis.getComputedStyle(el).stroke);
        assert.notEqual(await stroke(plaintext.id), await stroke(mutual.id));
        const legend = (await page.getByRole('list', { name: 'Edge legend' }).textContent()) ?? '';
        for (const w of ['traffic: plaintext seen', 'traffic: mutual TLS', 'traffic: plaintext and mutual TLS seen'])
            assert.ok(legend.includes(w), w);
        // The hostile caller (an unknown traffic peer) is a node whose name is text.
        const caller = page.locator('g.node.node-unknown', { hasText: '<img src=x' });
        assert.equal(await caller.count(), 1);
        assert.equal(await page.locator('svg img, main img, svg image').count(), 0);
        assert.equal(await page.evaluate('window.__pwned'), undefined);
        assert.deepEqual(problems(), []);
    });
});
