/** Helpers for the dashboard's browser tests. */
import type { Page } from 'playwright-core';

/** Opens the dashboard with `token` in its session storage, as the sign-in form would leave it. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(baseUrl + '/ui/');
  // A string expression: this file compiles without the DOM's types.
  await page.evaluate(`sessionStorage.setItem('meshward.token', ${JSON.stringify(token)})`);
  await page.reload();
}
