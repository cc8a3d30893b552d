// The Content-Security-Policy in a real browser: every page hydrates and chats under it, with
// no violation reported; a script injected without the nonce is blocked.
import { test, expect, Page } from '@playwright/test';
import { expectConnected, openRoom, send, messages, serverPerTest, watchConsole } from './page';

const t = serverPerTest();

/** Collects `securitypolicyviolation` events from the moment the page starts. */
async function recordViolations(page: Page) {
  await page.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

const violations = (page: Page) => page.evaluate(() => (window as any).__violations as string[]);

test('every page works under the policy with no violation', async ({ browser }) => {
  const context = await browser.newContext();
  // Pages before logging in.
  const anon = await context.newPage();
  watchConsole(anon, t.problems);
  await recordViolations(anon);
  for (const path of ['/login', '/register']) {
    const res = await anon.goto(`${t.server.url}${path}`);
    expect(res!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await expect(anon.locator('form')).toBeVisible();
    expect(await violations(anon), path).toEqual([]);
  }
  // A room, chatting: the WASM compiles, the socket connects, messages render.
  const page = await openRoom(context, `${t.server.url}/r/general`, 'ada', t.problems);
  await recordViolations(page);
  await page.reload();
  await expectConnected(page);
  await send(page, 'under a strict policy');
  await expect(messages(page).last()).toHaveText('under a strict policy');
  expect(await violations(page)).toEqual([]);
  // The not-found pages too.
  t.expectedProblems.push(/404/);
  await page.goto(`${t.server.url}/r/no-such-room`);
  await expect(page.getByRole('heading', { name: 'Room not found' })).toBeVisible();
  expect(await violations(page)).toEqual([]);
  await page.goto(`${t.server.url}/no/such/page`);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  expect(await violations(page)).toEqual([]);
});

test('a script without the nonce does not run', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await openRoom(context, `${t.server.url}/r/general`, 'ada', t.problems);
  t.expectedProblems.push(/Content Security Policy/);
  const ran = await page.evaluate(async () => {
    (window as any).__ran = false;
    const s = document.createElement('script');
    s.textContent = 'window.__ran = true';
    document.body.appendChild(s);
    await new Promise((r) => setTimeout(r, 100));
    return (window as any).__ran;
  });
  expect(ran).toBe(false);
});
