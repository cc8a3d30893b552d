// Pinned messages: pinned and unpinned live for both readers, listed in the room's header (the
// newest pin first), the same after a reload (from the server's HTML), jumping to a pinned
// message far back loads the history up to it, and only a private room's owner pins there.
import { test, expect, BrowserContext, Page, Locator } from '@playwright/test';
import { createPrivateRoomWith, expectConnected, openConnected, send, serverPerTest } from './page';

const t = serverPerTest();

const open = (context: BrowserContext, path: string, name: string) =>
  openConnected(context, `${t.server.url}${path}`, name, t.problems);

function row(page: Page, text: string | RegExp): Locator {
  return page.locator('ol.messages li.msg:not(.pending)').filter({ has: page.locator('.body', { hasText: text }) });
}

async function act(r: Locator, action: 'Pin' | 'Unpin') {
  await r.hover();
  await r.getByRole('group', { name: 'Message actions' }).getByRole('button', { name: action, exact: true }).click();
}

const pins = (page: Page) => page.locator('details.pins');

async function pinList(page: Page): Promise<Locator> {
  const details = pins(page);
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator('summary').click();
  return details.getByRole('list', { name: 'Pinned messages' }).locator('li');
}

test('pins show live for everyone, newest first, and stay after a reload', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  await send(ada, 'the plan is **simple**');
  await send(ada, 'the backup plan');
  await expect(row(bob, 'the backup plan')).toHaveCount(1);
  await expect(pins(bob)).toHaveCount(0);

  await act(row(bob, 'the plan is simple'), 'Pin');
  for (const page of [ada, bob]) {
    await expect(pins(page).locator('summary')).toHaveText('1 pinned');
    await expect(row(page, 'the plan is simple').locator('.pinned')).toHaveText('Pinned by bob');
  }
  await act(row(ada, 'the backup plan'), 'Pin');
  for (const page of [ada, bob]) {
    await expect(pins(page).locator('summary')).toHaveText('2 pinned');
    await expect(await pinList(page)).toHaveText([/ada\s+the backup plan/, /ada\s+the plan is simple/]);
  }
  // The same from the server's HTML.
  await bob.reload();
  await expectConnected(bob);
  await expect(await pinList(bob)).toHaveText([/the backup plan/, /the plan is simple/]);

  // Unpinned by the other reader: gone from both lists; a deletion unpins too.
  await act(row(bob, 'the backup plan'), 'Unpin');
  for (const page of [ada, bob]) await expect(pins(page).locator('summary')).toHaveText('1 pinned');
  await row(ada, 'the plan is simple').hover();
  await row(ada, 'the plan is simple').getByRole('button', { name: 'Delete', exact: true }).click();
  await ada.getByRole('group', { name: 'Delete this message for everyone?' }).getByRole('button', { name: 'Delete' }).click();
  for (const page of [ada, bob]) await expect(pins(page)).toHaveCount(0);
  await Promise.all([a.close(), b.close()]);
});

test('a pin far back in the history is brought into view, loading older messages', async ({ browser }) => {
  const [a] = await Promise.all([browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  await send(ada, 'the very first decision');
  await act(row(ada, 'the very first decision'), 'Pin');
  await expect(pins(ada).locator('summary')).toHaveText('1 pinned');
  for (let i = 1; i <= 55; i++) await send(ada, `filler ${i}`);
  await expect(row(ada, 'filler 55')).toHaveCount(1);
  // A reloaded page holds the newest 50 only.
  await ada.reload();
  await expectConnected(ada);
  await expect(row(ada, 'the very first decision')).toHaveCount(0);
  await (await pinList(ada)).first().getByRole('button').click();
  await expect(row(ada, 'the very first decision')).toBeInViewport();
  await expect(pins(ada)).not.toHaveAttribute('open');
  await a.close();
});

test("in a private room only its owner pins", async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  await createPrivateRoomWith(ada, 'ada', 'plans', 'bob');
  await bob.goto(`${t.server.url}/r/ada/plans`);
  await expectConnected(bob);
  await send(bob, 'a secret idea');
  await expect(row(ada, 'a secret idea')).toHaveCount(1);
  await row(bob, 'a secret idea').hover();
  await expect(row(bob, 'a secret idea').getByRole('button', { name: 'Pin', exact: true })).toHaveCount(0);
  await act(row(ada, 'a secret idea'), 'Pin');
  await expect(pins(bob).locator('summary')).toHaveText('1 pinned');
  await Promise.all([a.close(), b.close()]);
});
