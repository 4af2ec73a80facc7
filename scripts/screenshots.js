#!/usr/bin/env node
// Screenshots of every dashboard page for the docs: `npm run build && node scripts/screenshots.js`.
// Starts a test server on 127.0.0.1 (port 0) seeded with the bundled examples, opens each page of the
// navigation (PAGES in src/ui/app/components/layout.tsx, read from the source so new pages are
// included) plus one finding, in Chromium (light theme, 1280x860), and writes docs/img/<page>.png; then
// the HTML report of examples/insecure (docs/img/report.png).
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { startTestServer } = await import(`${root}dist/server/testing-kit.js`);
const { seedExamples } = await import(`${root}dist/ui/seed.js`);
const { launchBrowser } = await import(`${root}dist/testing/browser.js`);
const { signIn } = await import(`${root}dist/ui/testing.js`);

const layout = readFileSync(`${root}src/ui/app/components/layout.tsx`, 'utf8');
const pages = [...layout.matchAll(/\{ path: '(\/ui\/[^']*)', title: '([^']+)' \}/g)].map((m) => ({ path: m[1], title: m[2] }));
if (pages.length === 0) throw new Error('no pages found in src/ui/app/components/layout.tsx PAGES: has its format changed?');

const slug = (title) => title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
const outDir = `${root}docs/img`;
mkdirSync(outDir, { recursive: true });

const t = await startTestServer();
const b = await launchBrowser();
try {
  await seedExamples(t);
  const { page } = await b.page({ origin: t.url });
  await signIn(page, t.url, t.admin);
  const shoot = async (url, name) => {
    await page.goto(t.url + url);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    // Let the page's data arrive (no "Loading…" left) before the picture.
    await page.waitForFunction(() => !document.body.textContent.includes('Loading…') && !document.body.textContent.includes('loading more'), null, { timeout: 15_000 }).catch(() => undefined);
    // The service graph lays out in a worker after its data arrives: wait for the drawn nodes.
    if (url.startsWith('/ui/graph')) await page.locator('svg.graph g.node').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${outDir}/${name}.png` });
    console.log(`docs/img/${name}.png  ${url}`);
  };
  for (const p of pages) await shoot(`${p.path}${p.path.includes('?') ? '&' : '?'}cluster=insecure`, slug(p.title));
  const f = (await t.get('/api/findings?cluster=insecure&severity=critical&limit=1')).body.items[0];
  if (f) await shoot(`/ui/findings/insecure/${f.fingerprint}`, 'finding');
  // The HTML report of the insecure example, written by the built CLI and opened from file://.
  const tmp = mkdtempSync(path.join(tmpdir(), 'meshward-shots-'));
  try {
    const file = path.join(tmp, 'report.html');
    const r = spawnSync(process.execPath, [`${root}bin/meshward.js`, 'scan', `${root}examples/insecure`, '--format', 'html', '--output', file, '--fail-on', 'none'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`meshward scan --format html failed: ${r.stderr}`);
    const report = await b.page({ offline: true });
    await report.page.goto(pathToFileURL(file).href);
    await report.page.locator('table.posture tbody tr').first().waitFor();
    await report.page.screenshot({ path: `${outDir}/report.png` });
    console.log('docs/img/report.png  meshward scan examples/insecure --format html');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} finally {
  await b.close();
  await t.close();
}
