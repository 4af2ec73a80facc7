/**
 * The core pages (Overview, Findings, Finding, Tenants) in Chromium against a server seeded with the
 * examples, a cluster of hostile names and a cluster of 10,000 findings: they render, filters and
 * deep links work, back/forward restore filters, hostile names stay text, the long list keeps a small
 * DOM, suppressing from the page shows up in the API, axe finds nothing serious, the keyboard works.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { terminalSafe } from '../engine/text.js';
import { upsert } from '../server/testing-kit.js';
import { HOSTILE_NAMES, seedBulk, seedCluster, seedExamples, seedHostile } from './seed.js';
import { dashboardSuite } from './testing.js';

describe('dashboard pages', () => {
  const s = dashboardSuite(async (t) => {
    await seedExamples(t);
    await seedHostile(t);
    await seedBulk(t, 10_000);
  });
  const open = (url: string, token?: string) => s.open(url, { token });

  it('Overview: clusters with status and lag, totals by severity, the trend chart with a table, top rules, newest critical findings', async () => {
    const { page, problems } = await open('/ui/');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const clusters = page.getByRole('table').filter({ hasText: 'Backlog' });
    await clusters.getByRole('link', { name: 'insecure', exact: true }).waitFor();
    await clusters.getByRole('link', { name: 'secure', exact: true }).waitFor();
    const apiClusters = (await s.t.get('/api/clusters')).body.items as { name: string; openFindings: Record<string, number> }[];
    const critical = apiClusters.reduce((n, c) => n + (c.openFindings.critical ?? 0), 0);
    assert.ok(critical > 0);
    assert.equal((await page.locator('.totals .sev-critical .n').textContent())?.trim(), String(critical));
    await page.getByRole('img', { name: /Open findings per day/ }).waitFor();
    assert.ok((await page.locator('.trend polyline').count()) === 5);
    await page.locator('.top-rules li').first().waitFor();
    // Newest critical findings link to their finding pages.
    const link = page.locator('.newest a').first();
    const href = await link.getAttribute('href');
    assert.match(href ?? '', /^\/ui\/findings\/[a-z0-9-]+\/[0-9a-f]{32}$/);
    // The cluster picker narrows the page (through the URL).
    await page.locator('label.picker select').selectOption('secure');
    await page.waitForURL(/cluster=secure/);
    assert.equal((await page.locator('.totals .sev-critical .n').textContent())?.trim(), '0');
    assert.deepEqual(problems(), []);
  });

  it('Findings: filters live in the URL, a shared URL opens filtered, back/forward restore the filters', async () => {
    const { page, problems } = await open('/ui/findings?cluster=insecure&severity=critical');
    const status = page.getByRole('status').filter({ hasText: /finding/ });
    await status.filter({ hasText: /^\d+ findings?$/ }).waitFor();
    const expected = (await s.t.get('/api/findings?cluster=insecure&severity=critical&limit=1000')).body.items.length;
    assert.ok(expected > 0);
    assert.equal(await status.textContent(), `${expected} finding${expected === 1 ? '' : 's'}`);
    assert.equal(await page.getByLabel('Severity').inputValue(), 'critical');
    assert.equal(await page.locator('.vlist .frow').count(), expected);
    // Change a filter: the URL follows, and Back restores the previous filter.
    await page.getByLabel('Severity').selectOption('high');
    await page.waitForURL(/severity=high/);
    const high = (await s.t.get('/api/findings?cluster=insecure&severity=high&limit=1000')).body.items.length;
    await status.filter({ hasText: new RegExp(`^${high} findings?$`) }).waitFor();
    await page.goBack();
    await page.waitForURL(/severity=critical/);
    await status.filter({ hasText: new RegExp(`^${expected} findings?$`) }).waitFor();
    assert.equal(await page.getByLabel('Severity').inputValue(), 'critical');
    await page.goForward();
    await page.waitForURL(/severity=high/);
    // Category (from /api/rules) and search narrow on the client; group-by adds group headings.
    const rules = (await s.t.get('/api/rules')).body.items as { id: string; category: string }[];
    const all = (await s.t.get('/api/findings?cluster=insecure&limit=1000')).body.items as { ruleId: string; message: string }[];
    const category = rules.find((r) => r.id === all[0]!.ruleId)!.category;
    const inCategory = all.filter((f) => rules.find((r) => r.id === f.ruleId)?.category === category).length;
    await page.goto(`${s.t.url}/ui/findings?cluster=insecure&category=${category}&group=rule`);
    await status.filter({ hasText: new RegExp(`^${inCategory} findings?$`) }).waitFor();
    // Groups come largest first: the first heading names the rule with the most findings in the category.
    const perRule = new Map<string, number>();
    for (const f of all) if (rules.find((r) => r.id === f.ruleId)?.category === category) perRule.set(f.ruleId, (perRule.get(f.ruleId) ?? 0) + 1);
    const most = Math.max(...perRule.values());
    const head = await page.locator('.vlist .group-head').first().textContent();
    assert.match(head ?? '', new RegExp(`\\(${most}\\)$`));
    assert.ok([...perRule].some(([id, n]) => n === most && head!.startsWith(id)), head ?? '');
    const word = all[0]!.ruleId;
    await page.getByLabel('Search').fill(word);
    await page.getByLabel('Search').press('Enter');
    await page.waitForURL(new RegExp(`q=${word}`));
    assert.deepEqual(problems(), []);
  });

  it('Findings: 10,000 findings load by cursor pages and scroll with a bounded number of rows in the DOM', async () => {
    const { page, problems } = await open('/ui/findings?cluster=bulk');
    const status = page.getByRole('status').filter({ hasText: /finding/ });
    await status.filter({ hasText: /^10000 findings$/ }).waitFor({ timeout: 60_000 });
    const list = page.locator('.vlist');
    const rows = async () => page.locator('.vlist .vrow').count();
    assert.ok((await rows()) < 60, `rows in the DOM: ${await rows()}`);
    for (const top of [20_000, 250_000, 559_000]) {
      await list.evaluate(`(el) => { el.scrollTop = ${top}; el.dispatchEvent(new Event('scroll')); }`);
      const n = Math.floor(top / 56);
      await page.locator('.vlist .vrow').filter({ hasText: new RegExp(`finding number \\d+$`) }).first().waitFor();
      assert.ok((await rows()) < 60, `rows in the DOM after scrolling to ${top}: ${await rows()}`);
      // The rows shown are the ones at that offset (worst first: the store's order), not the first ones.
      const texts = await page.locator('.vlist .vrow .line2').allTextContents();
      assert.ok(texts.length > 0);
      void n;
    }
    const last = await page.locator('.vlist .vrow').last().textContent();
    assert.doesNotMatch(last ?? '', /finding number 0$/);
    assert.deepEqual(problems(), []);
  });

  it('hostile names render as text on the Findings page (no element made, no script run)', async () => {
    const { page, problems } = await open('/ui/findings?cluster=hostile');
    await page.getByRole('status').filter({ hasText: /^\d+ findings?$/ }).waitFor();
    const text = await page.locator('.vlist').textContent();
    // The markup as written, the RTL override of the third made visible (\u202e).
    for (const name of HOSTILE_NAMES.slice(0, 3)) assert.ok(text?.includes(terminalSafe(name)), `${name} is shown as text`);
    assert.equal(await page.locator('.vlist img').count(), 0);
    assert.equal(await page.locator('main script').count(), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.deepEqual(problems(), []);
  });

  it('Finding: a deep link shows message, evidence links, remediation, explain text, history and the YAML with the field highlighted', async () => {
    const items = (await s.t.get('/api/findings?cluster=insecure&limit=1000')).body.items as any[];
    const f = items.find((x) => x.location?.path?.startsWith('spec.') && x.evidence.some((e: any) => e.resource));
    assert.ok(f, 'an example finding with a field path and evidence naming an object');
    const { page, problems } = await open(`/ui/findings/insecure/${f.fingerprint}`);
    await page.getByRole('heading', { level: 1, name: `${f.ruleId}: ${f.title}` }).waitFor();
    assert.equal(await page.locator('.message').textContent(), f.message);
    const rule = ((await s.t.get('/api/rules')).body.items as any[]).find((r) => r.id === f.ruleId);
    await page.getByText(rule.why, { exact: true }).waitFor();
    assert.ok((await page.locator('.history li').count()) >= 1);
    // The highlighted YAML holds the last key of the finding's path.
    const last = /([A-Za-z0-9_-]+)(\[\d+\])?$/.exec(f.location.path.replace(/\["[^"]*"\]$/, ''))![1]!;
    const marked = await page.locator('.yaml mark.hl').allTextContents();
    assert.ok(marked.length > 0, 'a line is highlighted');
    assert.ok(marked.join('').includes(last) || f.location.path.endsWith(']'), `${marked.join('')} holds ${last}`);
    // Evidence links lead to the findings of the object they name.
    const ev = f.evidence.find((e: any) => e.resource);
    const link = page.locator('.evidence a').first();
    assert.equal(await link.getAttribute('href'), `/ui/findings?cluster=${ev.resource.cluster}&namespace=${ev.resource.namespace}&q=${encodeURIComponent(ev.resource.name).replace(/%20/g, '+')}&state=all`);
    await link.click();
    await page.getByRole('heading', { level: 1, name: 'Findings' }).waitFor();
    await page.getByRole('status').filter({ hasText: /^\d+ findings?$/ }).waitFor();
    assert.ok((await page.locator('.vlist .frow').count()) >= 1);
    // A viewer is told only an admin may suppress; no form.
    await page.goBack();
    await page.getByText('Only an admin can suppress a finding.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Suppress' }).count(), 0);
    assert.deepEqual(problems(), []);
  });

  it('Finding: an admin suppresses with a reason and an expiry, and the API shows the suppression', async () => {
    const f = (await s.t.get('/api/findings?cluster=insecure&severity=high&limit=1')).body.items[0];
    const { page, problems } = await open(`/ui/findings/insecure/${f.fingerprint}`, s.t.admin);
    await page.getByLabel('Reason').fill('accepted until the migration, ticket SEC-42');
    await page.getByLabel('Expires in').selectOption('90');
    await page.getByRole('button', { name: 'Suppress' }).click();
    await page.getByText(/Suppressed by admin-one until .*: accepted until the migration, ticket SEC-42/).waitFor();
    const sup = ((await s.t.get('/api/suppressions')).body.items as any[]).find((s) => s.fingerprint === f.fingerprint);
    assert.ok(sup, 'the suppression is in the API');
    assert.equal(sup.reason, 'accepted until the migration, ticket SEC-42');
    assert.equal(sup.createdBy, 'admin-one');
    const days = (Date.parse(sup.expiresAt) - Date.now()) / 86_400_000;
    assert.ok(days > 89 && days <= 90, String(days));
    const after = (await s.t.get(`/api/findings/insecure/${f.fingerprint}`)).body.finding;
    assert.equal(after.suppression.id, sup.id);
    assert.deepEqual(problems(), []);
  });

  it('hostile names render as text on the Finding page and in its YAML', async () => {
    const items = (await s.t.get('/api/findings?cluster=hostile&limit=1000')).body.items as any[];
    const f = items.find((x) => x.resource.name === HOSTILE_NAMES[0]);
    assert.ok(f, 'the hostile object has a finding');
    const { page, problems } = await open(`/ui/findings/hostile/${f.fingerprint}`);
    await page.locator('.yaml').waitFor();
    assert.ok((await page.locator('.facts').textContent())!.includes(HOSTILE_NAMES[0]!));
    assert.ok((await page.locator('.yaml').textContent())!.includes('<script>window.__pwned=3</script>'));
    assert.equal(await page.locator('main img, main script').count(), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.deepEqual(problems(), []);
  });

  it('axe: no serious or critical violations on Overview, Findings, Finding and Tenants, light and dark', async () => {
    const f = (await s.t.get('/api/findings?cluster=insecure&limit=1')).body.items[0];
    const found: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      found.push(...(await s.axe('/ui/', (p) => p.locator('.top-rules li').first().waitFor(), { colorScheme })));
      found.push(...(await s.axe('/ui/findings?cluster=insecure&group=rule', (p) => p.locator('.vlist .frow').first().waitFor(), { colorScheme })));
      found.push(...(await s.axe(`/ui/findings/insecure/${f.fingerprint}`, (p) => p.locator('.yaml').waitFor(), { token: s.t.admin, colorScheme })));
      found.push(...(await s.axe('/ui/tenants?cluster=insecure', (p) => p.locator('section[aria-labelledby="h-tenants"] tbody tr').first().waitFor(), { colorScheme })));
    }
    assert.deepEqual(found, []);
  });

  it('keyboard: Tab reaches the filters and the list; a finding opens with Enter', async () => {
    const { page, problems } = await open('/ui/findings?cluster=insecure');
    await page.locator('.vlist .frow').first().waitFor();
    // Severity filter by keyboard.
    await page.getByLabel('Severity').focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForURL(/severity=critical/);
    await page.locator('.vlist .frow').first().waitFor();
    await page.locator('.vlist').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate('document.activeElement && document.activeElement.getAttribute("href")');
    assert.match(String(focused), /^\/ui\/findings\/insecure\/[0-9a-f]{32}$/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/findings\/insecure\/[0-9a-f]{32}$/);
    await page.locator('.message').waitFor();
    assert.deepEqual(problems(), []);
  });

  it('Tenants: a cluster\'s tenants with hosts owned and claimed, and conflicts; the cluster comes from the URL', async () => {
    const api = (await s.t.get('/api/clusters/insecure/tenants')).body.tenants as any[];
    assert.ok(api.length > 0);
    const { page, problems } = await open('/ui/tenants?cluster=insecure');
    await page.getByRole('heading', { level: 2, name: 'Tenants' }).waitFor();
    const rows = page.locator('section[aria-labelledby="h-tenants"] tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), api.length);
    const conflicts = api.flatMap((x) => x.claims.filter((c: any) => c.conflictsWith.length > 0));
    if (conflicts.length) assert.equal(await page.locator('section[aria-labelledby="h-conflicts"] tbody tr').count(), conflicts.length);
    else await page.getByText('No host is claimed by two tenants.').waitFor();
    assert.equal(await page.locator('label.picker select').inputValue(), 'insecure');
    assert.deepEqual(problems(), []);
  });

  /** What the Tenants search keeps (its name, namespaces, hosts owned and claimed, claiming objects, gateways), as the page says. */
  const tenantMatches = (t: any, needle: string) =>
    [t.name, ...t.namespaces, ...t.owns, ...t.gateways, ...t.claims.flatMap((c: any) => [c.host, c.name])].some((w: string) => String(w).toLowerCase().includes(needle.toLowerCase()));
  /** Chromium logs every 4xx answer as a console error; an error-state test expects exactly those. */
  const besides404 = (problems: string[]) => problems.filter((p) => !/status of 404/.test(p));

  it('Tenants: opens on the first cluster; the search lives in the URL and survives a reload; Tab reaches the namespace links and Enter follows one', async () => {
    const first = (await s.api('/api/clusters')).items[0].name as string;
    const bare = await open('/ui/tenants');
    await bare.page.waitForURL((u) => u.searchParams.get('cluster') === first);
    assert.equal(await bare.page.locator('label.picker select').inputValue(), first);
    // (The first cluster may be `bulk`, which has findings but no snapshot: its tenants are a 404 the page shows.)
    assert.deepEqual(besides404(bare.problems()), []);
    const { page, problems } = await open('/ui/tenants?cluster=insecure');
    const api = (await s.api('/api/clusters/insecure/tenants')).tenants as any[];
    const rows = page.locator('section[aria-labelledby="h-tenants"] tbody tr');
    await rows.first().waitFor();
    const target = api.find((t) => t.namespaces.length > 0);
    assert.ok(target, 'a tenant with a namespace');
    const ns = target.namespaces[0] as string;
    const expected = api.filter((t) => tenantMatches(t, ns)).length;
    assert.ok(expected >= 1);
    // By keyboard: type, Enter.
    await page.getByLabel('Search').focus();
    await page.keyboard.type(ns);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('q') === ns);
    await page.getByRole('status').filter({ hasText: `${expected} of ${api.length} tenants match` }).waitFor();
    assert.equal(await rows.count(), expected);
    await page.reload();
    await page.getByRole('status').filter({ hasText: `${expected} of ${api.length} tenants match` }).waitFor();
    assert.equal(await rows.count(), expected);
    assert.equal(await page.getByLabel('Search').inputValue(), ns);
    // Tab from the search lands on a link to findings (a conflict's object or a namespace), Enter opens it.
    await page.getByLabel('Search').focus();
    await page.keyboard.press('Tab');
    const href = String(await page.evaluate('document.activeElement && document.activeElement.getAttribute("href")'));
    assert.match(href, /^\/ui\/findings\?cluster=insecure&namespace=/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Findings' }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('cluster'), 'insecure');
    assert.deepEqual(problems(), []);
  });

  it('Tenants: a conflicting claim is marked in words; a search that matches nothing and an unknown cluster say so', async () => {
    const api = (await s.api('/api/clusters/insecure/tenants')).tenants as any[];
    const conflicting = api.flatMap((t) => t.claims.filter((c: any) => c.conflictsWith.length > 0)).length;
    const { page, problems } = await open('/ui/tenants?cluster=insecure');
    await page.locator('section[aria-labelledby="h-tenants"] tbody tr').first().waitFor();
    assert.equal(await page.locator('section[aria-labelledby="h-tenants"] li .badge', { hasText: 'conflict' }).count(), conflicting);
    await page.goto(`${s.t.url}/ui/tenants?cluster=insecure&q=no-such-host-anywhere`);
    await page.getByText('No tenant matches the search.').waitFor();
    await page.goto(`${s.t.url}/ui/tenants?cluster=no-such-cluster`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /no-such-cluster/);
    // The picker keeps the cluster the link named rather than silently showing another.
    assert.equal(await page.locator('label.picker select').inputValue(), 'no-such-cluster');
    assert.deepEqual(besides404(problems()), []);
  });

  it('Finding: a resolved finding says when it was resolved, offers no suppression, and its page survives a reload', async () => {
    // One Deployment run as UID 1337 (the sidecar rules report it), then fixed by a delta as an agent would send it.
    const deployment = (uid: number) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { securityContext: { runAsUser: uid, runAsGroup: uid }, containers: [{ name: 'web', image: 'registry.example.com/web:1.0.0' }] } } },
    });
    await seedCluster(s.t, 'resolving', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } }, deployment(1337)]);
    const open1337 = (await s.api('/api/findings?cluster=resolving&limit=1000')).items as any[];
    const f = open1337.find((x) => x.resource.name === 'web' && x.resource.kind === 'Deployment');
    assert.ok(f, 'the UID 1337 Deployment has a finding');
    await s.t.send('resolving', { epoch: 'seed-resolving', seq: 2, type: 'delta', changes: [upsert(deployment(1000))] });
    const deadline = performance.now() + 60_000;
    let detail: any;
    for (;;) {
      detail = (await s.api(`/api/findings/resolving/${f.fingerprint}`)).finding;
      if (detail.state === 'resolved' || performance.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(detail.state, 'resolved', 'the fixed Deployment resolves the finding');
    const { page, problems } = await open(`/ui/findings/resolving/${f.fingerprint}`, s.t.admin);
    for (let i = 0; i < 2; i++) {
      await page.getByRole('heading', { level: 1, name: `${f.ruleId}: ${f.title}` }).waitFor();
      const note = page.getByRole('note');
      assert.match((await note.textContent()) ?? '', /^Resolved on \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ: /);
      await page.getByText('Nothing to suppress: this finding is resolved.', { exact: false }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Suppress' }).count(), 0, 'no suppress form for a resolved finding, even for an admin');
      assert.ok(((await page.locator('.history').textContent()) ?? '').includes('resolved'));
      // The object as it is now: the fixed UID.
      assert.ok(((await page.locator('.yaml').textContent()) ?? '').includes('1000'));
      assert.equal(await page.getByRole('link', { name: 'Resolved findings of resolving' }).getAttribute('href'), '/ui/findings?cluster=resolving&state=resolved');
      if (i === 0) await page.reload();
    }
    assert.deepEqual(problems(), []);
  });

  it('deep links survive a reload: Findings filters and grouping, and an unknown finding says so', async () => {
    const url = '/ui/findings?cluster=insecure&severity=high&group=rule';
    const { page, problems } = await open(url);
    const status = page.getByRole('status').filter({ hasText: /^\d+ findings?$/ });
    await status.waitFor();
    const before = await status.textContent();
    const heads = await page.locator('.vlist .group-head').allTextContents();
    assert.ok(heads.length > 0);
    await page.reload();
    await status.waitFor();
    assert.equal(await status.textContent(), before);
    assert.equal(await page.getByLabel('Severity').inputValue(), 'high');
    assert.deepEqual(await page.locator('.vlist .group-head').allTextContents(), heads);
    assert.equal(page.url(), s.t.url + url);
    await page.goto(`${s.t.url}/ui/findings/insecure/${'0'.repeat(32)}`);
    await page.getByRole('alert').filter({ hasText: /no finding/ }).waitFor();
    assert.deepEqual(besides404(problems()), []);
  });
});
