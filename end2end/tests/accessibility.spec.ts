// The checks Lighthouse's accessibility score is made of (axe-core, WCAG 2.1 A and AA), on the
// pages people live in: the room list, a room with unread messages, mentions and day lines, a
// direct conversation with presence, a private room's members, the notification control, and
// browse; in light and dark, desktop and phone.
import { test, expect, Page, BrowserContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { expectConnected, openConnected, send, serverPerTest } from './page';

const t = serverPerTest();

const open = (context: BrowserContext, path: string, name: string) =>
  openConnected(context, `${t.server.url}${path}`, name, t.problems);

async function expectNoViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const found = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  expect(found, what).toEqual([]);
}

for (const scheme of ['light', 'dark'] as const) {
  for (const [device, viewport] of [['desktop', { width: 1280, height: 860 }], ['phone', { width: 390, height: 844 }]] as const) {
    test(`every page passes the accessibility checks (${device}, ${scheme})`, async ({ browser }) => {
      const b = await browser.newContext();
      const bob = await open(b, '/r/general', 'Bob');
      const a = await browser.newContext({ viewport, colorScheme: scheme });
      const ada = await open(a, '/', 'Ada');
      await send(bob, 'hello @ada, a mention');
      await send(bob, 'and a plain one');
      await expect(ada.getByRole('navigation', { name: 'Rooms' }).locator('a[href="/r/general"]').getByTestId('unread')).toHaveText(/^2/);
      await expectNoViolations(ada, 'the room list');
      await ada.goto(`${t.server.url}/r/general`);
      await expectConnected(ada);
      await expect(ada.getByTestId('new-messages')).toHaveCount(1);
      await expectNoViolations(ada, 'a room with a new-messages line and a mention');
      await ada.getByTestId('notify-level').click();
      await expectNoViolations(ada, 'the notification control');
      await ada.goto(`${t.server.url}/`);
      await ada.getByLabel('Message someone').fill('bob');
      await ada.getByRole('button', { name: 'Open' }).click();
      await expect(ada.locator('.presence-line')).toContainText('online');
      await expectNoViolations(ada, 'a direct conversation');
      await ada.goto(`${t.server.url}/rooms`);
      await expectConnected(ada);
      await expectNoViolations(ada, 'browse');
      await Promise.all([a.close(), b.close()]);
    });
  }
}
