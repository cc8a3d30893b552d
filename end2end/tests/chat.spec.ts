import { test, expect, Page, BrowserContext } from '@playwright/test';
import { createRoom, expectConnected, messages, openRoom, send, signIn, serverPerTest, PASSWORD } from './page';

const t = serverPerTest();

/** A fresh browser profile signed in as `name`, on a room page, connected. */
async function open(context: BrowserContext, room: string, name: string): Promise<Page> {
  const page = await openRoom(context, `${t.server.url}/r/${room}`, name, t.problems);
  await expectConnected(page);
  return page;
}

test('two people chat live in one room while a third in another room sees nothing', async ({ browser }) => {
  const [a, b, c] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
  const ada = await open(a, 'general', 'Ada');
  const bob = await open(b, 'general', 'Bob');
  const carol = await open(c, 'general', 'Carol');
  await createRoom(carol, 'elsewhere');

  await send(ada, 'Hello Bob');
  await expect(messages(bob)).toHaveText(['Hello Bob']);
  await expect(bob.locator('li.msg .author')).toHaveText(['ada']);
  await expect(messages(ada)).toHaveText(['Hello Bob']);
  await expect(ada.locator('li.msg.pending')).toHaveCount(0);

  await send(bob, 'Hi Ada');
  await expect(messages(ada)).toHaveText(['Hello Bob', 'Hi Ada']);

  // Carol is in #elsewhere: nothing from #general, and her own room works.
  await send(carol, 'anyone here?');
  await expect(messages(carol)).toHaveText(['anyone here?']);
  await expect(messages(ada)).toHaveText(['Hello Bob', 'Hi Ada']);
  await expect(messages(bob)).toHaveText(['Hello Bob', 'Hi Ada']);
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('Enter sends, Shift+Enter makes a new line, and the page shows who is logged in', async ({ browser }) => {
  const ctx = await browser.newContext();
  const page = await open(ctx, 'general', 'Ada');
  await expect(page.getByTestId('me')).toContainText('ada');
  const box = page.getByRole('textbox', { name: /^Message #/ });
  await box.fill('first line');
  await box.press('Shift+Enter');
  await box.pressSequentially('second line');
  await box.press('Enter');
  await expect(messages(page)).toHaveText(['first line\nsecond line']);
  await expect(box).toHaveValue('');

  await page.reload();
  await expectConnected(page);
  await expect(messages(page)).toHaveText(['first line\nsecond line']);
  await ctx.close();
});

test('the first HTML holds the history, readable without JavaScript', async ({ browser }) => {
  const ctx = await browser.newContext();
  const page = await open(ctx, 'general', 'Ada');
  for (const text of ['one', 'two', 'three']) await send(page, text);
  await expect(messages(page)).toHaveText(['one', 'two', 'three']);

  const html = await (await ctx.request.get(`${t.server.url}/r/general`)).text();
  for (const text of ['one', 'two', 'three']) expect(html).toMatch(new RegExp(`<div dir="auto" class="body md"><p>${text}</p>`));

  const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: await ctx.storageState() });
  const plain = await noJs.newPage();
  await plain.goto(`${t.server.url}/r/general`);
  await expect(plain.locator('ol.messages li.msg .body')).toHaveText(['one', 'two', 'three']);
  // It never connects, and says what it lacks instead of "connecting…".
  await expect(plain.locator('.status')).toHaveText('Live updates need JavaScript: reload the page to see new messages.', { useInnerText: true });
  // The composer is a plain form there: the post stores the message and comes back to the room.
  await plain.locator('#composer-input').fill('sent without JavaScript');
  await plain.getByRole('button', { name: 'Send' }).click();
  await expect(plain.locator('ol.messages li.msg .body')).toHaveText(['one', 'two', 'three', 'sent without JavaScript']);
  await expect(page.locator('ol.messages li.msg .body').last()).toHaveText('sent without JavaScript');
  // A refusal comes back with its reason.
  await plain.locator('#composer-input').fill('   ');
  await plain.getByRole('button', { name: 'Send' }).click();
  await expect(plain.locator('#composer-error')).toHaveText('A message cannot be empty.');
  await expect(plain.locator('ol.messages li.msg .body')).toHaveCount(4);
  await Promise.all([ctx.close(), noJs.close()]);
});

test('an empty message is not sent', async ({ browser }) => {
  const ctx = await browser.newContext();
  const page = await open(ctx, 'general', 'Ada');
  await send(page, '   ');
  await send(page, 'real');
  await expect(messages(page)).toHaveText(['real']);
  await expect(page.locator('li.msg.pending')).toHaveCount(0);
  await ctx.close();
});

test('after a server crash and restart the page reconnects and chats again', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, 'general', 'Ada');
  const bob = await open(b, 'general', 'Bob');
  await send(ada, 'before');
  await expect(messages(bob)).toHaveText(['before']);

  await t.server.kill();
  await expect(ada.locator('.status')).not.toHaveAttribute('data-status', 'connected');
  await t.server.restart();
  await expect(ada.locator('.status')).toHaveAttribute('data-status', 'connected', { timeout: 20_000 });
  await expect(bob.locator('.status')).toHaveAttribute('data-status', 'connected', { timeout: 20_000 });

  await send(bob, 'after');
  await expect(messages(ada)).toHaveText(['before', 'after']);
  await expect(messages(bob)).toHaveText(['before', 'after']);
  await Promise.all([a.close(), b.close()]);
});

test('a message sent while the server is down arrives once after it is back', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, 'general', 'Ada');
  const bob = await open(b, 'general', 'Bob');
  await t.server.kill();
  await expect(ada.locator('.status')).not.toHaveAttribute('data-status', 'connected');
  await send(ada, 'typed while down');
  await expect(ada.locator('li.msg.pending')).toHaveCount(1);
  await t.server.restart();
  await expect(messages(bob)).toHaveText(['typed while down'], { timeout: 20_000 });
  await expect(messages(ada)).toHaveText(['typed while down']);
  await expect(ada.locator('li.msg.pending')).toHaveCount(0);
  await Promise.all([a.close(), b.close()]);
});

test('an unknown room shows a not-found page', async ({ page }) => {
  await signIn(page.context(), t.server.url, 'ada');
  const res = await page.goto(`${t.server.url}/r/nowhere`);
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Room not found' })).toBeVisible();
});

test('creating a room that exists says so', async ({ browser }) => {
  const ctx = await browser.newContext();
  const page = await open(ctx, 'general', 'Ada');
  t.expectedProblems = [/status of 409 \(Conflict\)/];
  await page.getByLabel('New room').fill('general');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'A room named "general" exists already.' })).toBeVisible();
  await expect(page).toHaveURL(/\/r\/general$/);
  await ctx.close();
});

test('a message typed while the server is down survives closing the tab', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, 'general', 'Ada');
  const bob = await open(b, 'general', 'Bob');
  await t.server.kill();
  await expect(ada.locator('.status')).not.toHaveAttribute('data-status', 'connected');
  await send(ada, 'kept in the outbox');
  await expect(ada.locator('li.msg.pending')).toHaveCount(1);
  await ada.close();

  await t.server.restart();
  const again = await open(a, 'general', 'Ada');
  await expect(messages(again)).toHaveText(['kept in the outbox']);
  await expect(again.locator('li.msg.pending')).toHaveCount(0);
  await expect(messages(bob)).toHaveText(['kept in the outbox'], { timeout: 20_000 });
  await again.reload();
  await expect(messages(again)).toHaveText(['kept in the outbox']);
  await Promise.all([a.close(), b.close()]);
});

test('without JavaScript, a room is created and a direct conversation opened from the sidebar', async ({ browser }) => {
  const withJs = await browser.newContext();
  await signIn(withJs, t.server.url, 'Bob');
  const ctx = await browser.newContext();
  await signIn(ctx, t.server.url, 'Ada');
  const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: await ctx.storageState() });
  const page = await noJs.newPage();
  await page.goto(`${t.server.url}/r/general`);

  await page.locator('#new-room-name').fill('quiet');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('link', { name: /quiet/ }).click();
  await expect(page).toHaveURL(/\/r\/quiet$/);
  await page.locator('#composer-input').fill('first words');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('ol.messages li.msg .body')).toHaveText(['first words']);

  await page.locator('#direct-username').fill('bob');
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('link', { name: /bob/ }).first().click();
  await expect(page.locator('h1')).toContainText('bob');
  await Promise.all([withJs.close(), ctx.close(), noJs.close()]);
});

/** Posts `count` messages to `room`, alternately from each of `people` (signed-in contexts),
 * through the form a page without JavaScript posts (waiting out the send limit when it says so). */
async function postMany(people: BrowserContext[], room: string, count: number) {
  const base = t.server.url;
  for (let i = 1; i <= count; i++) {
    const post = () => people[i % people.length].request.post(`${base}/api/post_message`, {
      form: { room, body: `message ${i}` },
      headers: { Origin: base, Accept: 'application/json' },
    });
    let res = await post();
    while (res.status() === 429) {
      await new Promise((r) => setTimeout(r, 150));
      res = await post();
    }
    expect(res.status(), await res.text()).toBe(200);
  }
}

test('without JavaScript, a user logs in and a long room opens at its newest message', async ({ browser }) => {
  const ada = await browser.newContext();
  await signIn(ada, t.server.url, 'Ada');
  const bob = await browser.newContext();
  await signIn(bob, t.server.url, 'Bob');
  await postMany([ada, bob], 'general', 50);

  const noJs = await browser.newContext({ javaScriptEnabled: false });
  const page = await noJs.newPage();
  await page.goto(`${t.server.url}/r/general`);
  await expect(page).toHaveURL(/\/login\?next=\/r\/general$/);
  await page.getByLabel('Username').fill('Ada');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/r\/general$/);
  // The newest message is in view from the HTML and the style sheet alone; older ones above.
  const row = (text: string) => page.locator('ol.messages li.msg .body').getByText(text, { exact: true });
  await expect(row('message 50')).toBeInViewport();
  await expect(row('message 20')).not.toBeInViewport();
  await page.locator('#composer-input').fill('read it all');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(row('read it all')).toBeInViewport();
  await Promise.all([ada.close(), bob.close(), noJs.close()]);
});

test('what is typed before the page\'s code has loaded stays in the composer and is sent', async ({ browser }) => {
  const ctx = await browser.newContext();
  await signIn(ctx, t.server.url, 'Ada');
  const page = await ctx.newPage();
  // Hold the WASM back (a slow phone on a slow line) until the user has typed.
  let release = () => {};
  const held = new Promise<void>((r) => { release = r; });
  await page.route(/\.wasm$/, async (route) => { await held; await route.continue(); });
  await page.goto(`${t.server.url}/r/general`, { waitUntil: 'domcontentloaded' });
  const box = page.locator('#composer-input');
  await box.fill('typed while loading');
  await expect(page.locator('.status')).toHaveAttribute('data-status', 'connecting');
  release();
  await expectConnected(page);
  await expect(box).toHaveValue('typed while loading');
  await box.press('Enter');
  await expect(messages(page)).toHaveText(['typed while loading']);
  await expect(box).toHaveValue('');
  await ctx.close();
});

test('hydrating a long room moves nothing: the newest message stays where the HTML put it', async ({ browser }) => {
  const ctx = await browser.newContext();
  await signIn(ctx, t.server.url, 'Ada');
  await postMany([ctx], 'general', 40);
  const page = await ctx.newPage();
  await page.goto(`${t.server.url}/r/general`);
  await expectConnected(page);
  const last = page.locator('ol.messages li.msg').last();
  await expect(last.locator('.body')).toHaveText('message 40');
  await expect(last).toBeInViewport();
  // No layout shift since the page began (the browser records every one, with what moved).
  const shifts = await page.evaluate(() => new Promise<string[]>((done) => {
    const seen: string[] = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        for (const s of (e as unknown as { sources: { node?: Element }[] }).sources) seen.push(s.node?.outerHTML.slice(0, 120) ?? '?');
      }
    }).observe({ type: 'layout-shift', buffered: true });
    setTimeout(() => done(seen), 500);
  }));
  expect(shifts).toEqual([]);
  // A new message while at the bottom is shown; scrolled up, the reader is left where they are.
  await send(page, 'newest');
  await expect(page.locator('ol.messages li.msg').last()).toBeInViewport();
  await page.locator('.scroller').evaluate((e) => { e.scrollTop = -e.scrollHeight; });
  const top = page.locator('ol.messages li.msg').first();
  await expect(top).toBeInViewport();
  const before = await top.evaluate((e) => e.getBoundingClientRect().top);
  await postMany([ctx], 'general', 3);
  await expect(messages(page).last()).toHaveText('message 3');
  expect(await top.evaluate((e) => e.getBoundingClientRect().top)).toBeCloseTo(before, 0);
  await ctx.close();
});

test('the composer explains: Send waits for text, and near the limit one count says how far, turning into "too long" past it', async ({ browser }) => {
  const ctx = await browser.newContext();
  const page = await open(ctx, 'general', 'Ada');
  const input = page.locator('#composer-input');
  const sendButton = page.getByRole('button', { name: 'Send' });
  const line = page.locator('#composer-error');
  await expect(sendButton).toBeDisabled();
  await input.fill('   ');
  await expect(sendButton).toBeDisabled();
  await input.press('Enter');
  await expect(line).toBeEmpty();
  await input.fill('x'.repeat(4001));
  await expect(line).toHaveText('4,001 / 4,000: too long');
  await expect(sendButton).toBeDisabled();
  await input.press('Enter');
  await expect(page.locator('li.msg.pending')).toHaveCount(0);
  // One character less and it fits: the count stays, quietly, and Send works.
  await input.press('Backspace');
  await expect(line).toHaveText('4,000 / 4,000');
  await expect(sendButton).toBeEnabled();
  await input.fill('short again');
  await expect(line).toBeEmpty();
  await sendButton.click();
  await expect(messages(page).last()).toHaveText('short again');
  await ctx.close();
});
