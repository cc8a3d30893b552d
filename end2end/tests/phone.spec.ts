// The phone layout: the room list and a room are separate screens, nothing overflows sideways,
// touch targets are at least 44 px, and the composer sits at the bottom.
import { test, expect } from '@playwright/test';
import { expectConnected, messages, openRoom, send, serverPerTest } from './page';

const t = serverPerTest();
test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

test('at phone width the list and the room are two screens, with a way back', async ({ browser }) => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await openRoom(ctx, `${t.server.url}/`, 'Ada', t.problems);
  const list = page.getByRole('navigation', { name: 'Rooms' });
  await expect(list).toBeVisible();
  await expect(page.locator('main')).toBeHidden();
  for (const target of await page.locator('.sidebar a, .sidebar button, .sidebar input:not([type=checkbox]), .sidebar label.check').all()) {
    if (!(await target.isVisible())) continue;
    const box = (await target.boundingBox())!;
    expect(box.height, `${await target.evaluate((e) => e.outerHTML.slice(0, 80))}`).toBeGreaterThanOrEqual(44);
  }

  await list.locator('a[href="/r/general"]').tap();
  await expect(page).toHaveURL(/\/r\/general$/);
  await expectConnected(page);
  await expect(list).toBeHidden();
  await send(page, 'from my phone');
  await expect(messages(page)).toHaveText(['from my phone']);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const composer = (await page.locator('form.composer').boundingBox())!;
  expect(composer.y + composer.height).toBeGreaterThan(844 - 4);
  for (const target of await page.locator('main a, main button, main textarea, main summary').all()) {
    if (!(await target.isVisible())) continue;
    const box = (await target.boundingBox())!;
    expect(box.height, `${await target.evaluate((e) => e.outerHTML.slice(0, 80))}`).toBeGreaterThanOrEqual(44);
  }

  await page.getByRole('link', { name: 'All rooms' }).tap();
  await expect(page).toHaveURL(/\/$/);
  await expect(list).toBeVisible();
  await ctx.close();
});

test('at desktop width the sidebar stays beside the room', async ({ browser }) => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await openRoom(ctx, `${t.server.url}/r/general`, 'Ada', t.problems);
  await expect(page.getByRole('navigation', { name: 'Rooms' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'All rooms' })).toBeHidden();
  await ctx.close();
});
