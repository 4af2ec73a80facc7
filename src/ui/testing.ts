/**
 * Helpers for the dashboard's browser tests: one set-up (a seeded test server, Chromium, a signed-in
 * page whose problems are recorded) and one axe-core check, shared by every page's test.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/testing-kit.js';
import { launchBrowser, type TestBrowser } from '../testing/browser.js';

const require = createRequire(import.meta.url);

/** Opens the dashboard with `token` in its session storage, as the sign-in form would leave it. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  // Before any of the app's scripts run (so no page asks the API without it). A string expression:
  // this file compiles without the DOM's types.
  await page.addInitScript(`sessionStorage.setItem('meshward.token', ${JSON.stringify(token)})`);
  await page.goto(baseUrl + '/ui/');
}

type Scheme = 'light' | 'dark';

/**
 * axe-core's serious and critical violations on the page as it is now, as `label: id (impact) at
 * targets` strings. axe is injected as a script, which the dashboard's and the report's CSP refuse:
 * the page must be in a context made by `axeContext` (which bypasses the CSP, for this check only).
 */
export async function axeOnPage(page: Page, label: string): Promise<string[]> {
  await page.addScriptTag({ content: readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8') });
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as { violations: { id: string; impact: string; nodes: { target: unknown }[] }[] };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${label}: ${v.id} (${v.impact}) at ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
}

/** A context for axe only: the CSP bypassed (axe is injected as a script), the screenshots' viewport. */
export function axeContext(b: TestBrowser, colorScheme: Scheme = 'light'): Promise<BrowserContext> {
  return b.browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 860 }, colorScheme });
}

export interface DashboardSuite {
  /** The seeded server (set once `before` ran). */
  readonly t: TestServer;
  readonly b: TestBrowser;
  /** A fresh signed-in page (viewer unless `token` says otherwise) at `url`, its problems recorded. */
  open(url: string, opts?: { token?: string; colorScheme?: Scheme }): Promise<{ page: Page; problems(): string[] }>;
  /** axe's serious and critical violations on `url` once `ready` resolves, in the given theme. */
  axe(url: string, ready: (page: Page) => Promise<unknown>, opts?: { token?: string; colorScheme?: Scheme }): Promise<string[]>;
  /** GET an API path as the viewer, parsed. */
  api<T = any>(path: string): Promise<T>;
}

/**
 * Registers the `before`/`after` hooks of a dashboard test (call it inside `describe`): a test server
 * seeded by `seed`, and Chromium. Everything a page test repeats lives here; the assertions stay in the test.
 */
export function dashboardSuite(seed: (t: TestServer) => Promise<void>): DashboardSuite {
  let t: TestServer | undefined;
  let b: TestBrowser | undefined;
  before(async () => {
    t = await startTestServer();
    await seed(t);
    b = await launchBrowser();
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`the dashboard suite's ${what} is not started: use it inside a test, after \`before\``);
    return v;
  };
  return {
    get t() {
      return need(t, 'server');
    },
    get b() {
      return need(b, 'browser');
    },
    async open(url, opts = {}) {
      const server = need(t, 'server');
      const r = await need(b, 'browser').page({ origin: server.url, colorScheme: opts.colorScheme ?? 'light' });
      await signIn(r.page, server.url, opts.token ?? server.viewer);
      await r.page.goto(server.url + url);
      return r;
    },
    async axe(url, ready, opts = {}) {
      const server = need(t, 'server');
      const scheme = opts.colorScheme ?? 'light';
      const context = await axeContext(need(b, 'browser'), scheme);
      try {
        const page = await context.newPage();
        await signIn(page, server.url, opts.token ?? server.viewer);
        await page.goto(server.url + url);
        await ready(page);
        return await axeOnPage(page, `${url} (${scheme})`);
      } finally {
        await context.close();
      }
    },
    async api(path) {
      const server = need(t, 'server');
      const res = await fetch(server.url + path, { headers: { authorization: `Bearer ${server.viewer}` } });
      if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
      return (await res.json()) as any;
    },
  };
}
