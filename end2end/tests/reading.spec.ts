// Unread counts, the "New messages" line, the tab title, mentions, read positions across tabs,
// and typing notices.
import { test, expect, Page, BrowserContext } from '@playwright/test';
import { createRoom, expectConnected, messages, openRoom, send, serverPerTest } from './page';

const t = serverPerTest();

async function open(context: BrowserContext, room: string, name: string): Promise<Page> {
  const page = await openRoom(context, `${t.server.url}/r/${room}`, name, t.problems);
  await expectConnected(page);
  return page;
}

/** The sidebar's link to `room`. */
function roomLink(page: Page, room: string) {
  return page.getByRole('navigation', { name: 'Rooms' }).locator(`a[href="/r/${room}"]`);
}

test('messages in another room are counted, the room shows where they start, and reading clears it', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, 'general', 'Ada');
  const bob = await open(b, 'general', 'Bob');
  await createRoom(bob, 'random');
  await expect(bob).toHaveTitle('#random · Natter');

  await send(ada, 'first');
  await send(ada, '@bob could you look at this?');
  await send(ada, 'third');
  await expect(messages(ada)).toHaveCount(3);

  const general = roomLink(bob, 'general');
  await expect(general.getByTestId('unread')).toHaveText(/^3/);
  await expect(general.getByTestId('mentions')).toContainText('1');
  await expect(general).toHaveClass(/unread/);
  await expect(general).toHaveAccessibleName(/general\W+1 mentioning you\W+3 unread/);
  await expect(bob).toHaveTitle('(3) #random · Natter');

  await general.click();
  await expect(bob).toHaveURL(/\/r\/general$/);
  await expect(messages(bob)).toHaveText(['first', '@bob could you look at this?', 'third']);
  // The line sits before the first unread message; the mention is marked for bob.
  const divider = bob.getByTestId('new-messages');
  await expect(divider).toHaveText('New messages');
  await expect(bob.locator('ol.messages > li').nth(0)).toHaveAttribute('data-testid', 'day');
  await expect(bob.getByTestId('day')).toHaveText(['Today']);
  await expect(bob.locator('ol.messages > li').nth(1)).toHaveAttribute('data-testid', 'new-messages');
  // One author within minutes: one group, under one avatar with her initials.
  await expect(bob.locator('li.msg.grouped')).toHaveCount(2);
  await expect(bob.locator('li.msg:not(.grouped) .avatar')).toHaveText(['AD']);
  await expect(bob.locator('li.msg.mentioned .body')).toHaveText(['@bob could you look at this?']);
  await expect(ada.locator('li.msg.mentioned')).toHaveCount(0);
  // Seen: the counts go, here and in the title.
  await expect(general.getByTestId('unread')).toHaveCount(0);
  await expect(general.getByTestId('mentions')).toHaveCount(0);
  await expect(bob).toHaveTitle('#general · Natter');

  // After a reload the room is read: no line, no count.
  await bob.reload();
  await expectConnected(bob);
  await expect(messages(bob)).toHaveCount(3);
  await expect(bob.getByTestId('new-messages')).toHaveCount(0);
  await expect(roomLink(bob, 'general').getByTestId('unread')).toHaveCount(0);
  await Promise.all([a.close(), b.close()]);
});

test("a read position follows the user to their other tabs and survives a reload", async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, 'general', 'Ada');
  const bob1 = await open(b, 'general', 'Bob');
  await createRoom(bob1, 'random');
  const bob2 = await b.newPage();
  await bob2.goto(`${t.server.url}/r/random`);
  await expectConnected(bob2);

  await send(ada, 'news for both tabs');
  for (const tab of [bob1, bob2]) {
    await expect(roomLink(tab, 'general').getByTestId('unread')).toHaveText(/^1/);
  }
  // Reading it in one tab clears the count in the other, live and after a reload.
  await roomLink(bob2, 'general').click();
  await expect(messages(bob2)).toHaveText(['news for both tabs']);
  await expect(roomLink(bob1, 'general').getByTestId('unread')).toHaveCount(0);
  await expect(bob1).toHaveTitle('#random · Natter');
  await bob1.reload();
  await expectConnected(bob1);
  await expect(roomLink(bob1, 'general').getByTestId('unread')).toHaveCount(0);

  // A message the user writes elsewhere counts as read everywhere.
  await roomLink(bob1, 'general').click();
  await bob2.goto(`${t.server.url}/r/random`);
  await expectConnected(bob2);
  await send(bob1, 'my own words');
  await expect(messages(bob1)).toContainText(['my own words']);
  await expect(roomLink(bob2, 'general').getByTestId('unread')).toHaveCount(0);
  await Promise.all([a.close(), b.close()]);
});

test('typing shows to the others in the room, and goes when the message comes or after 5 s', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, 'general', 'Ada');
  const bob = await open(b, 'general', 'Bob');
  const box = ada.getByRole('textbox', { name: /^Message #/ });
  await box.pressSequentially('hello the');
  await expect(bob.getByTestId('typing')).toHaveText('ada is typing…');
  await expect(ada.getByTestId('typing')).toHaveText('');
  await box.pressSequentially('re');
  await box.press('Enter');
  await expect(messages(bob)).toHaveText(['hello there']);
  await expect(bob.getByTestId('typing')).toHaveText('');

  // Typing and stopping: the notice goes by itself.
  await box.pressSequentially('hm');
  await expect(bob.getByTestId('typing')).toHaveText('ada is typing…');
  await expect(bob.getByTestId('typing')).toHaveText('', { timeout: 8000 });
  await Promise.all([a.close(), b.close()]);
});

test('a room opened by its address is marked read once connected', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, 'general', 'Ada');
  const bob = await open(b, 'general', 'Bob');
  await createRoom(bob, 'random');
  await send(ada, 'one');
  await send(ada, 'two');
  await expect(roomLink(bob, 'general').getByTestId('unread')).toHaveText(/^2/);
  await bob.goto(`${t.server.url}/r/general`);
  await expectConnected(bob);
  await expect(bob.getByTestId('new-messages')).toHaveCount(1);
  await expect(roomLink(bob, 'general').getByTestId('unread')).toHaveCount(0);
  await bob.goto(`${t.server.url}/r/random`);
  await expectConnected(bob);
  await expect(roomLink(bob, 'general').getByTestId('unread')).toHaveCount(0);
  await Promise.all([a.close(), b.close()]);
});

test("the server's HTML shows times in the reader's time zone, as the page does", async ({ browser }) => {
  const ctx = await browser.newContext({ timezoneId: 'Asia/Kolkata' });
  const page = await open(ctx, 'general', 'Ada');
  await send(page, 'what time is it?');
  const time = page.locator('li.msg time').first();
  const iso = (await time.getAttribute('datetime'))!;
  const local = new Date(iso).toLocaleTimeString('en-GB', { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit', hour12: false });
  await expect(time).toHaveText(local);
  // The page told the server its zone: the next page comes with the same times.
  const html = await (await ctx.request.get(`${t.server.url}/r/general`)).text();
  const rendered = html.match(/<time[^>]*>(?:<!--[^>]*-->|\s)*(\d\d:\d\d)/);
  expect(rendered?.[1]).toBe(local);
  await ctx.close();
});

test('typing @ offers the members, the keyboard picks one, and they see the mention', async ({ browser }) => {
  const [a, b, c] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
  const bea = await open(b, 'general', 'Bea');
  const bob = await open(c, 'general', 'Bob');
  const ada = await open(a, 'general', 'Ada');
  const box = ada.getByRole('textbox', { name: /^Message #/ });
  await box.pressSequentially('thanks @b');
  const options = ada.getByRole('listbox', { name: 'People to mention' }).getByRole('option');
  await expect(options).toHaveText(['@bea', '@bob']);
  await box.press('ArrowDown');
  await expect(options.nth(1)).toHaveAttribute('aria-selected', 'true');
  await box.press('Enter');
  await expect(box).toHaveValue('thanks @bob ');
  await expect(options).toHaveCount(0);
  await box.pressSequentially('!');
  await box.press('Enter');
  await expect(messages(bob)).toHaveText(['thanks @bob !']);
  await expect(bob.locator('li.msg.mentioned')).toHaveCount(1);
  await expect(bea.locator('li.msg.mentioned')).toHaveCount(0);
  // Escape closes the offers without picking.
  await box.pressSequentially('@');
  await expect(options).toHaveCount(2);
  await box.press('Escape');
  await expect(options).toHaveCount(0);
  await Promise.all([a.close(), b.close(), c.close()]);
});
