// Browser notifications for mentions and direct messages while the tab is hidden, each room's
// level (all, mentions, muted), permission asked only on a click, a click on a notification
// opening its room; and a hidden tab not marking what arrives as read.
import { test, expect, Page, BrowserContext } from '@playwright/test';
import { expectConnected, messages, openConnected, send, serverPerTest, setHidden } from './page';

const t = serverPerTest();

const open = (context: BrowserContext, path: string, name: string) =>
  openConnected(context, `${t.server.url}${path}`, name, t.problems);

/** Replaces the browser's Notification with one that records what the page shows (headless
 * Chromium draws none) and how often it asked for permission. */
async function recordNotifications(context: BrowserContext) {
  await context.addInitScript(() => {
    const Real = window.Notification;
    const w = window as any;
    w.__shown = [];
    w.__asked = 0;
    class Recorded {
      title: string;
      body?: string;
      tag?: string;
      onclick: (() => void) | null = null;
      closed = false;
      static get permission() {
        return Real.permission;
      }
      static requestPermission() {
        w.__asked += 1;
        return Real.requestPermission();
      }
      constructor(title: string, options?: NotificationOptions) {
        this.title = title;
        this.body = options?.body;
        this.tag = options?.tag;
        w.__shown.push(this);
      }
      close() {
        this.closed = true;
      }
    }
    w.Notification = Recorded;
  });
}

function shown(page: Page): Promise<{ title: string; body: string }[]> {
  return page.evaluate(() => (window as any).__shown.map((n: any) => ({ title: n.title, body: n.body })));
}

function roomLink(page: Page, room: string) {
  return page.getByRole('navigation', { name: 'Rooms' }).locator(`a[href="/r/${room}"]`);
}

test('a hidden tab notifies mentions and direct messages, as each room is set, and a click opens the room', async ({ browser }) => {
  const a = await browser.newContext({ permissions: ['notifications'] });
  const b = await browser.newContext();
  await recordNotifications(a);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  // Allowed already: nothing to turn on, and nothing was asked.
  await expect(ada.getByTestId('notify-ask')).toHaveCount(0);
  await setHidden(ada, true);

  await send(bob, 'plain words');
  await send(bob, '@ada can you look?');
  await expect(messages(bob)).toHaveCount(2);
  await expect.poll(() => shown(ada)).toEqual([{ title: 'bob in #general', body: '@ada can you look?' }]);

  // A direct message notifies too.
  await bob.getByLabel('Message someone').fill('ada');
  await bob.getByRole('button', { name: 'Open' }).click();
  await expect(bob.getByRole('heading', { level: 1 })).toHaveText('@ada');
  await send(bob, 'psst');
  await expect.poll(async () => (await shown(ada)).length).toBe(2);
  expect((await shown(ada))[1]).toEqual({ title: 'bob', body: 'psst' });

  // Nothing while the tab is visible.
  await setHidden(ada, false);
  await send(bob, 'you there?');
  await expect(roomLink(ada, bob.url().split('/r/')[1]).getByTestId('unread')).toHaveText(/^2/);
  expect(await shown(ada)).toHaveLength(2);

  // Clicking the notification brings the page to the conversation.
  const dm = bob.url().split('/r/')[1];
  await ada.evaluate(() => (window as any).__shown[1].onclick());
  await expect(ada).toHaveURL(new RegExp(`/r/${dm}$`));
  await expectConnected(ada);
  await expect(messages(ada)).toHaveText(['psst', 'you there?']);
  expect(await ada.evaluate(() => (window as any).__asked)).toBe(0);
  await Promise.all([a.close(), b.close()]);
});

test("each room's level is kept, follows the user's tabs, and a muted room neither notifies nor counts in the title", async ({ browser }) => {
  const a = await browser.newContext({ permissions: ['notifications'] });
  const b = await browser.newContext();
  await recordNotifications(a);
  const ada = await open(a, '/r/general', 'Ada');
  const ada2 = await a.newPage();
  await ada2.goto(`${t.server.url}/r/general`);
  await expectConnected(ada2);
  const bob = await open(b, '/r/general', 'Bob');

  // Everything, in general: a plain message notifies.
  const level = ada.getByTestId('notify-level');
  await expect(level).toHaveText('Notify: mentions');
  await level.click();
  await ada.getByLabel('All messages').check();
  await ada.getByRole('button', { name: 'Save' }).click();
  await expect(level).toHaveText('Notify: all');
  await expect(ada2.getByTestId('notify-level')).toHaveText('Notify: all');
  await setHidden(ada, true);
  await send(bob, 'anyone?');
  await expect.poll(() => shown(ada)).toEqual([{ title: 'bob in #general', body: 'anyone?' }]);

  // Muted, from the other tab: nothing notifies, not even a mention, and the title leaves it out.
  await ada2.getByTestId('notify-level').click();
  await ada2.getByLabel('Nothing (muted)').check();
  await ada2.getByRole('button', { name: 'Save' }).click();
  await expect(ada2.getByTestId('notify-level')).toHaveText('Muted');
  await expect(ada2.getByLabel('Nothing (muted)')).toBeHidden();
  await expect(level).toHaveText('Muted');
  // The first tab's form follows: opened, it shows the level now set.
  await level.click();
  await expect(ada.getByLabel('Nothing (muted)')).toBeChecked();
  await setHidden(ada2, true);
  await send(bob, '@ada still there?');
  await expect(roomLink(ada, 'general').getByTestId('mentions')).toContainText('1');
  await expect(ada).toHaveTitle('#general · Natter');
  expect(await shown(ada)).toHaveLength(1);

  // After a reload the level is still there.
  await ada.reload();
  await expectConnected(ada);
  await expect(ada.getByTestId('notify-level')).toHaveText('Muted');
  await Promise.all([a.close(), b.close()]);
});

test('notifications are offered on a click, never asked for on load', async ({ browser }) => {
  const a = await browser.newContext();
  await recordNotifications(a);
  const ada = await open(a, '/r/general', 'Ada');
  const ask = ada.getByTestId('notify-ask');
  // Chromium without a grant says "default" (offer) or "denied" (blocked) depending on its mode.
  const permission = await ada.evaluate(() => (window as any).Notification.permission);
  if (permission === 'default') {
    await expect(ask).toHaveText('Turn on notifications');
    expect(await ada.evaluate(() => (window as any).__asked)).toBe(0);
    await ask.click();
    await expect.poll(() => ada.evaluate(() => (window as any).__asked)).toBe(1);
  } else {
    await expect(ada.locator('.notify-blocked')).toBeVisible();
    expect(await ada.evaluate(() => (window as any).__asked)).toBe(0);
  }
  await a.close();
});

test('a hidden tab does not mark what arrives as read; showing it does', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  await setHidden(ada, true);
  await send(bob, 'while you were away');
  await expect(messages(ada)).toHaveText(['while you were away']);
  await expect(roomLink(ada, 'general').getByTestId('unread')).toHaveText(/^1/);
  await expect(ada).toHaveTitle('(1) #general · Natter');
  await ada.waitForTimeout(1500);
  await expect(roomLink(ada, 'general').getByTestId('unread')).toHaveText(/^1/);
  await setHidden(ada, false);
  await expect(roomLink(ada, 'general').getByTestId('unread')).toHaveCount(0);
  await expect(ada).toHaveTitle('#general · Natter');
  await Promise.all([a.close(), b.close()]);
});
