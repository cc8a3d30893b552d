// What a page downloads: a room loads the main WASM, then at once (in the background, after it
// runs) the chunks of what the user does to the page (message changes, older history, member
// lookup, forms: `#[lazy]` in app/src/client/changes.rs); the pages a room does not need
// (browse, the ops dashboard, login and register) are WASM files of their own, fetched when
// first shown (app/src/pages/lazy.rs, `cargo leptos build --split`).
import { test, expect, Browser, BrowserContext } from '@playwright/test';
import { expectConnected, openRoom, serverPerTest, watchConsole, PASSWORD } from './page';

const t = serverPerTest();

/** The paths of the WASM files `context` requests from now on, in order. */
function wasmRequests(context: BrowserContext): string[] {
  const paths: string[] = [];
  context.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.wasm')) paths.push(path);
  });
  return paths;
}

test('a room page fetches its action chunks at once and no split-out page; Browse opens as a page load that fetches its own and works', async ({ browser }) => {
  const ctx = await browser.newContext();
  const wasm = wasmRequests(ctx);
  const page = await openRoom(ctx, `${t.server.url}/r/general`, 'Ada', t.problems);
  await expectConnected(page);
  // The actions' chunks come right after the main module (the same deploy's names), so a click
  // never waits for one, and a tab open across a deploy has them already.
  const actions = /\/split_(change_message|form_payload|load_older_page|find_members)_/;
  await expect.poll(() => wasm.filter((p) => actions.test(p)).length).toBe(4);
  expect(wasm.filter((p) => p.includes('split___'))).toEqual([]);
  expect(wasm.filter((p) => /\/natter\.[^/]*wasm$/.test(p))).toHaveLength(1);

  // A page load, not the router: the room page's WASM never fetches split-out code, so a tab
  // opened before a deploy cannot ask for it by a name the new server no longer has (a failed
  // fetch would stop the page's WASM).
  // Ada, the first account, is the administrator: her Ops link is a page load as well.
  await expect(page.getByRole('link', { name: 'Ops' })).toHaveAttribute('rel', 'external');
  await page.evaluate(() => ((window as any).natterOldDocument = true));
  await page.getByRole('link', { name: 'Browse' }).click();
  await expect(page).toHaveURL(/\/rooms$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(/rooms/i);
  expect(await page.evaluate(() => (window as any).natterOldDocument)).toBeUndefined();
  await expect.poll(() => wasm.some((p) => p.includes('split___browse_route'))).toBe(true);
  expect(wasm.some((p) => p.includes('split___admin_route'))).toBe(false);
  await expectConnected(page);
  await ctx.close();
});

/** A new visitor's register page, opened first: its own code fetched. Hydration warnings and
 * panics would reach the console, which each test checks at its end. */
async function openRegister(browser: Browser) {
  const ctx = await browser.newContext();
  const wasm = wasmRequests(ctx);
  const page = await ctx.newPage();
  watchConsole(page, t.problems);
  await page.goto(`${t.server.url}/register`);
  await expect.poll(() => wasm.some((p) => p.includes('split___register_route'))).toBe(true);
  return { ctx, page };
}

test('a split-out page opened first fetches its code and hydrates without a complaint, and its form works', async ({ browser }) => {
  const { ctx, page } = await openRegister(browser);
  // The other split-out page is a page load away, not a fetch of its code by this one.
  await expect(page.getByRole('link', { name: 'Have an account? Log in' })).toHaveAttribute('rel', 'external');
  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page).toHaveURL(/\/$|\/r\/general$/);
  await ctx.close();
});

test('logged out, the way from a split-out page into the app ends on the login page by a page load', async ({ browser }) => {
  const { ctx, page } = await openRegister(browser);
  // The brand link goes to `/` through the router; the frame there finds nobody logged in and
  // sends the browser to the login page: a page load, so this page never fetches its code.
  await page.evaluate(() => ((window as any).natterOldDocument = true));
  await page.getByRole('link', { name: 'Natter' }).click();
  await expect(page).toHaveURL(/\/login(\?|$)/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Log in');
  expect(await page.evaluate(() => (window as any).natterOldDocument)).toBeUndefined();
  await ctx.close();
});
