// What happens to a message after it is sent: edits, deletions, reactions and replies, each
// seen live by the other reader and the same after a reload (from the server's HTML, hydrated
// without a warning).
import { test, expect, Browser, BrowserContextOptions, Page, BrowserContext, Locator } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { createPrivateRoomWith, expectConnected, openConnected, send, serverPerTest, signIn } from './page';
import { NatterServer } from './server';

const t = serverPerTest();

const open = (context: BrowserContext, path: string, name: string) =>
  openConnected(context, `${t.server.url}${path}`, name, t.problems);

/** The confirmed message whose body holds `text`. */
function row(page: Page, text: string | RegExp): Locator {
  return page.locator('ol.messages li.msg:not(.pending)').filter({ has: page.locator('.body', { hasText: text }) });
}

/** Clicks one of a message's actions (they show on hover). */
async function act(r: Locator, action: 'Reply' | 'React' | 'Edit' | 'Delete') {
  await r.hover();
  await r.getByRole('group', { name: 'Message actions' }).getByRole('button', { name: action, exact: true }).click();
}

function composer(page: Page) {
  return page.getByRole('textbox', { name: /^Message [#@]/ });
}

async function reload(page: Page) {
  await page.reload();
  await expectConnected(page);
}

test('an edit shows live and after a reload, marked "(edited)" with its time', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  await send(ada, 'the **first** draft');
  await expect(row(bob, 'the first draft')).toHaveCount(1);

  await act(row(ada, 'the first draft'), 'Edit');
  const editor = ada.getByRole('textbox', { name: 'Edit message' });
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue('the **first** draft');
  await editor.fill('the *second* draft');
  await editor.press('Enter');
  await expect(editor).toHaveCount(0);
  for (const page of [ada, bob]) {
    const r = row(page, 'the second draft');
    await expect(r.locator('.body em')).toHaveText('second');
    await expect(r.locator('.edited')).toHaveText('(edited)');
    await expect(r.locator('.edited')).toHaveAttribute('title', /^Edited \d{4}-\d\d-\d\d \d\d:\d\d$/);
  }
  // Only the author may edit.
  await row(bob, 'the second draft').hover();
  await expect(row(bob, 'the second draft').getByRole('button', { name: 'Edit', exact: true })).toHaveCount(0);
  await expect(row(bob, 'the second draft').getByRole('button', { name: 'Delete', exact: true })).toHaveCount(0);

  // Cancel (the button, or Escape) leaves it as it was; an empty body is refused with the reason.
  await act(row(ada, 'the second draft'), 'Edit');
  await editor.fill('not this');
  await ada.getByRole('button', { name: 'Cancel', exact: true }).click();
  await act(row(ada, 'the second draft'), 'Edit');
  await editor.fill('   ');
  await editor.press('Enter');
  await expect(ada.locator('li.msg.editing form.editor').getByRole('alert')).toHaveText('A message cannot be empty.');
  await editor.press('Escape');
  await expect(editor).toHaveCount(0);
  await expect(composer(ada)).toBeFocused();

  for (const page of [ada, bob]) {
    await reload(page);
    const r = row(page, 'the second draft');
    await expect(r.locator('.body em')).toHaveText('second');
    await expect(r.locator('.edited')).toHaveText('(edited)');
  }
  await Promise.all([a.close(), b.close()]);
});

test('Up in an empty composer edits your last message; Shift+Enter starts a new line', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  await send(ada, 'one');
  await send(ada, 'two');
  await send(bob, 'not mine');
  await expect(row(ada, 'not mine')).toHaveCount(1);
  const box = composer(ada);
  // Not while there is text in it.
  await box.fill('draft');
  await box.press('ArrowUp');
  await expect(ada.getByRole('textbox', { name: 'Edit message' })).toHaveCount(0);
  await box.fill('');
  await box.press('ArrowUp');
  const editor = ada.getByRole('textbox', { name: 'Edit message' });
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue('two');
  await editor.press('End');
  await editor.press('Shift+Enter');
  await editor.pressSequentially('three');
  await expect(editor).toHaveValue('two\nthree');
  await editor.press('Enter');
  await expect(box).toBeFocused();
  for (const page of [ada, bob]) {
    await expect(row(page, 'three').locator('.body')).toHaveText(/^two\s+three \(edited\)$/);
  }
  await Promise.all([a.close(), b.close()]);
});

test('a deletion leaves "message deleted" in place, live and after a reload; a private room\'s owner deletes anyone\'s', async ({ browser }) => {
  // The first account is an administrator (who may delete any message): neither of these two.
  const root = await browser.newContext();
  await signIn(root, t.server.url, 'Root');
  await root.close();
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const bob = await open(b, '/r/general', 'Bob');
  const ada = await open(a, '/r/general', 'Ada');
  await send(ada, 'before');
  await send(ada, 'a mistake');
  await send(ada, 'after');
  await expect(row(bob, 'after')).toHaveCount(1);

  await act(row(ada, 'a mistake'), 'Delete');
  const confirm = ada.getByRole('group', { name: 'Delete this message for everyone?' });
  await expect(confirm.getByRole('button', { name: 'Delete' })).toBeFocused();
  // Escape keeps it.
  await ada.keyboard.press('Escape');
  await expect(confirm).toHaveCount(0);
  await act(row(ada, 'a mistake'), 'Delete');
  await confirm.getByRole('button', { name: 'Delete' }).click();
  for (const page of [ada, bob]) {
    await expect(row(page, 'a mistake')).toHaveCount(0);
    const bodies = page.locator('ol.messages li.msg .body');
    await expect(bodies).toHaveText(['before', 'message deleted', 'after']);
    const gone = page.locator('ol.messages li.msg.deleted');
    await expect(gone.locator('.author')).toHaveText('ada');
    await gone.hover();
    await expect(gone.getByRole('button')).toHaveCount(0);
  }
  for (const page of [ada, bob]) {
    await reload(page);
    await expect(page.locator('ol.messages li.msg .body')).toHaveText(['before', 'message deleted', 'after']);
  }

  // In her private room Ada may delete Bob's message; Bob may not delete hers.
  await createPrivateRoomWith(ada, 'ada', 'plans', 'bob');
  await expectConnected(ada);
  await bob.goto(`${t.server.url}/r/ada/plans`);
  await expectConnected(bob);
  await send(ada, 'from the owner');
  await send(bob, 'from a member');
  await expect(row(ada, 'from a member')).toHaveCount(1);
  await row(bob, 'from the owner').hover();
  await expect(row(bob, 'from the owner').getByRole('button', { name: 'Delete', exact: true })).toHaveCount(0);
  await act(row(ada, 'from a member'), 'Delete');
  await ada.getByRole('group', { name: 'Delete this message for everyone?' }).getByRole('button', { name: 'Delete' }).click();
  for (const page of [ada, bob]) {
    await expect(page.locator('ol.messages li.msg .body')).toHaveText(['from the owner', 'message deleted']);
  }
  await Promise.all([a.close(), b.close()]);
});

test('reactions toggle, name who reacted, and stay after a reload', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  await send(ada, 'we shipped it');
  await expect(row(bob, 'we shipped it')).toHaveCount(1);

  // Bob picks 🎉 from the picker.
  await act(row(bob, 'we shipped it'), 'React');
  const picker = bob.getByRole('dialog', { name: 'Add a reaction' });
  await expect(picker.getByRole('button', { name: 'React with 👍' })).toBeFocused();
  await picker.getByRole('button', { name: 'React with 🎉' }).click();
  await expect(picker).toHaveCount(0);
  const chip = (page: Page, emoji: string) => row(page, 'we shipped it').getByRole('group', { name: 'Reactions' }).locator('button.reaction:not(.add)', { hasText: emoji });
  await expect(chip(bob, '🎉')).toHaveAttribute('aria-label', '🎉 reacted by bob');
  await expect(chip(bob, '🎉')).toHaveAttribute('aria-pressed', 'true');
  await expect(chip(ada, '🎉')).toHaveAttribute('aria-pressed', 'false');
  await expect(chip(ada, '🎉')).toHaveText('🎉1');

  // Ada joins in by clicking the chip; her chip is pressed, Bob's shows both.
  await chip(ada, '🎉').click();
  await expect(chip(ada, '🎉')).toHaveAttribute('aria-pressed', 'true');
  await expect(chip(bob, '🎉')).toHaveAttribute('title', '🎉 reacted by bob, ada');
  await expect(chip(bob, '🎉')).toHaveText('🎉2');

  // Any single emoji from the field; something else is refused with the reason.
  await act(row(ada, 'we shipped it'), 'React');
  const field = ada.getByRole('dialog', { name: 'Add a reaction' }).getByLabel('Any emoji');
  await field.fill('nice');
  await field.press('Enter');
  await expect(ada.getByRole('dialog', { name: 'Add a reaction' }).getByRole('alert')).toHaveText('A reaction is one emoji, such as 👍 or 🎉.');
  await field.fill('🦀');
  await field.press('Enter');
  await expect(chip(bob, '🦀')).toHaveAttribute('aria-label', '🦀 reacted by ada');
  // Escape closes the picker and gives the focus back.
  await act(row(ada, 'we shipped it'), 'React');
  await ada.keyboard.press('Escape');
  await expect(ada.getByRole('dialog', { name: 'Add a reaction' })).toHaveCount(0);
  await expect(row(ada, 'we shipped it').getByRole('button', { name: 'React', exact: true })).toBeFocused();

  // Clicking her own chip takes it back, for everyone.
  await chip(ada, '🦀').click();
  await expect(chip(bob, '🦀')).toHaveCount(0);
  await expect(chip(ada, '🦀')).toHaveCount(0);

  for (const page of [ada, bob]) {
    await reload(page);
    await expect(chip(page, '🎉')).toHaveAttribute('aria-label', '🎉 reacted by bob, ada');
    await expect(chip(page, '🎉')).toHaveAttribute('aria-pressed', 'true');
    await expect(chip(page, '🦀')).toHaveCount(0);
  }
  // The server's own limits come back as its sentence: ten reactions per person per message.
  const more = ['👍', '❤️', '😂', '😮', '😢', '🙏', '👀', '🚀', '🔥', '✅'];
  for (const emoji of more.slice(0, 9)) {
    await act(row(ada, 'we shipped it'), 'React');
    const field = ada.getByRole('dialog', { name: 'Add a reaction' }).getByLabel('Any emoji');
    await field.fill(emoji);
    await field.press('Enter');
    await expect(chip(ada, emoji)).toHaveAttribute('aria-pressed', 'true');
  }
  await act(row(ada, 'we shipped it'), 'React');
  await ada.getByRole('dialog', { name: 'Add a reaction' }).getByLabel('Any emoji').fill('✅');
  await ada.getByRole('dialog', { name: 'Add a reaction' }).getByLabel('Any emoji').press('Enter');
  await expect(row(ada, 'we shipped it').locator('.content > .error')).toHaveText('You have reacted to this message with 10 emoji, the most one person may: take one back first.');
  await Promise.all([a.close(), b.close()]);
});

test('a reply quotes its original live and after a reload, and follows it when edited or deleted', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  await send(ada, 'lunch at noon?');
  await expect(row(bob, 'lunch at noon?')).toHaveCount(1);

  await act(row(bob, 'lunch at noon?'), 'Reply');
  await expect(composer(bob)).toBeFocused();
  const replying = bob.locator('form.composer .replying');
  await expect(replying).toHaveText(/^Replying to ada: lunch at noon\?\s*×$/);
  // Escape stops answering; Reply again, and × does the same.
  await composer(bob).press('Escape');
  await expect(replying).toHaveCount(0);
  await act(row(bob, 'lunch at noon?'), 'Reply');
  await bob.getByRole('button', { name: 'Cancel reply' }).click();
  await expect(replying).toHaveCount(0);
  await act(row(bob, 'lunch at noon?'), 'Reply');
  await send(bob, 'yes, where?');
  await expect(replying).toHaveCount(0);
  for (const page of [ada, bob]) {
    const quote = row(page, 'yes, where?').locator('.quote');
    await expect(quote.locator('.quote-author')).toHaveText('ada');
    await expect(quote.locator('.quote-text')).toHaveText('lunch at noon?');
  }

  // The quote follows its original.
  await act(row(ada, 'lunch at noon?'), 'Edit');
  await expect(ada.getByRole('textbox', { name: 'Edit message' })).toBeFocused();
  await ada.getByRole('textbox', { name: 'Edit message' }).fill('lunch at one?');
  await ada.getByRole('textbox', { name: 'Edit message' }).press('Enter');
  for (const page of [ada, bob]) {
    await expect(row(page, 'yes, where?').locator('.quote-text'), page === ada ? 'on ada\'s page' : 'on bob\'s page').toHaveText('lunch at one?');
  }
  await act(row(ada, 'lunch at one?'), 'Delete');
  await ada.getByRole('group', { name: 'Delete this message for everyone?' }).getByRole('button', { name: 'Delete' }).click();
  for (const page of [ada, bob]) {
    await expect(row(page, 'yes, where?').locator('.quote-text')).toHaveText('message deleted');
  }
  for (const page of [ada, bob]) {
    await reload(page);
    await expect(row(page, 'yes, where?').locator('.quote .quote-author')).toHaveText('ada');
    await expect(row(page, 'yes, where?').locator('.quote-text')).toHaveText('message deleted');
  }
  await Promise.all([a.close(), b.close()]);
});

test('changes made while a page was away reach it when it comes back', async ({ browser }) => {
  // A one-second heartbeat, so the page notices soon that it is cut off.
  await t.server.dispose();
  t.server = new NatterServer(['--ping-interval-ms', '1000', '--ping-timeout-ms', '1000']);
  await t.server.start();
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  await send(ada, 'stays');
  await send(ada, 'goes');
  await expect(row(bob, 'goes')).toHaveCount(1);
  // Bob's page goes offline; Ada edits, reacts and deletes meanwhile.
  await b.setOffline(true);
  await expect(bob.locator('.status')).not.toHaveAttribute('data-status', 'connected', { timeout: 5_000 });
  await act(row(ada, 'stays'), 'Edit');
  await ada.getByRole('textbox', { name: 'Edit message' }).fill('stays, edited');
  await ada.getByRole('textbox', { name: 'Edit message' }).press('Enter');
  await act(row(ada, 'stays, edited'), 'React');
  await ada.getByRole('dialog', { name: 'Add a reaction' }).getByRole('button', { name: 'React with 👀' }).click();
  await act(row(ada, 'goes'), 'Delete');
  await ada.getByRole('group', { name: 'Delete this message for everyone?' }).getByRole('button', { name: 'Delete' }).click();
  await expect(ada.locator('ol.messages li.msg.deleted')).toHaveCount(1);
  await b.setOffline(false);
  await expectConnected(bob, 30_000);
  await expect(bob.locator('ol.messages li.msg .body')).toHaveText(['stays, edited (edited)', 'message deleted']);
  await expect(row(bob, 'stays, edited').getByRole('button', { name: '👀 reacted by ada' })).toHaveCount(1);
  await Promise.all([a.close(), b.close()]);
});

test("clicking a quote scrolls to the original, loading older messages until it is there", async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  await send(ada, 'the very first message');
  // More than one page of messages after it (a page holds 50), from both, within the send limit.
  for (let i = 1; i <= 56; i++) await send(i % 2 ? bob : ada, `filler ${i}`);
  await expect(row(bob, 'filler 56')).toHaveCount(1);
  // Bob's page holds them all: he scrolls up to answer the first one.
  await act(row(bob, 'the very first message'), 'Reply');
  await send(bob, 'answering the first');
  await expect(row(bob, 'answering the first')).toHaveCount(1);

  // Ada's reloaded page holds only the newest 50.
  await reload(ada);
  await expect(row(ada, 'the very first message')).toHaveCount(0);
  await expect(ada.getByRole('button', { name: 'Load earlier messages' })).toHaveCount(1);
  const quote = row(ada, 'answering the first').locator('.quote');
  await expect(quote).toHaveText(/ada\s*the very first message/);
  await quote.click();
  const original = row(ada, 'the very first message');
  await expect(original).toBeInViewport();
  await expect(original).toHaveClass(/\bflash\b/);
  await expect(original).toBeFocused();
  await expect(original).not.toHaveClass(/\bflash\b/, { timeout: 5000 });
  // Everything is loaded now.
  await expect(ada.getByRole('button', { name: 'Load earlier messages' })).toHaveCount(0);

  // Scrolling to the top loads the older page too, and the rows read stay where they were.
  await reload(bob);
  const firstSeq = await bob.locator('ol.messages li.msg').first().getAttribute('data-seq');
  expect(Number(firstSeq)).toBeGreaterThan(1);
  await bob.locator('.scroller').evaluate((e) => { e.scrollTop = -e.scrollHeight; });
  await expect(row(bob, 'the very first message')).toHaveCount(1);
  const offset = await bob.locator(`li.msg[data-seq="${firstSeq}"]`).evaluate((e) => e.getBoundingClientRect().top - e.closest('.scroller')!.getBoundingClientRect().top);
  expect(Math.abs(offset)).toBeLessThan(150);
  await Promise.all([a.close(), b.close()]);
});

/** A room with an edited message, a deleted one, reactions and a reply; Ada's page (opened
 * with `options`) shows it. */
async function busyRoom(browser: Browser, options: BrowserContextOptions) {
  const [a, b] = await Promise.all([browser.newContext(options), browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  await send(bob, 'a first version');
  await send(bob, 'not for this room');
  await send(ada, 'short one');
  await expect(row(bob, 'short one')).toHaveCount(1);
  await act(row(bob, 'a first version'), 'Edit');
  await bob.getByRole('textbox', { name: 'Edit message' }).fill('a second version');
  await bob.getByRole('textbox', { name: 'Edit message' }).press('Enter');
  await act(row(bob, 'not for this room'), 'Delete');
  await bob.getByRole('group', { name: 'Delete this message for everyone?' }).getByRole('button', { name: 'Delete' }).click();
  await act(row(bob, 'short one'), 'React');
  await bob.getByRole('button', { name: 'React with 👍' }).click();
  await act(row(bob, 'a second version'), 'Reply');
  await send(bob, 'answering myself');
  await expect(row(ada, 'answering myself').locator('.quote')).toHaveCount(1);
  await expect(ada.locator('li.msg.deleted')).toHaveCount(1);
  await expect(row(ada, 'short one').locator('.reaction')).toHaveCount(2);
  return { a, b, ada, bob };
}

for (const scheme of ['light', 'dark'] as const) {
  test(`edited, deleted, reacted and quoted messages, the picker, the editor and the reply bar pass the accessibility checks (${scheme})`, async ({ browser }) => {
    const { a, b, ada } = await busyRoom(browser, { colorScheme: scheme });
    const check = async (what: string) => {
      const results = await new AxeBuilder({ page: ada }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      const found = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
      expect(found, what).toEqual([]);
    };
    await row(ada, 'short one').hover();
    await check('a room with changed messages');
    await act(row(ada, 'short one'), 'React');
    await check('the reaction picker');
    await ada.keyboard.press('Escape');
    await act(row(ada, 'short one'), 'Edit');
    await check('the editor');
    await ada.keyboard.press('Escape');
    await act(row(ada, 'a second version'), 'Reply');
    await check('the reply bar');
    await act(row(ada, 'short one'), 'Delete');
    await check('the delete confirmation');
    await Promise.all([a.close(), b.close()]);
  });
}

test('at phone width a tap shows a message\'s actions, every control is a 44 px target and nothing overflows', async ({ browser }) => {
  const phone = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };
  const { a, b, ada } = await busyRoom(browser, phone);
  // A tap on the text shows the actions without pressing one.
  await row(ada, 'short one').locator('.body').tap();
  const actions = row(ada, 'short one').getByRole('group', { name: 'Message actions' });
  await expect(actions).toHaveCSS('opacity', '1');
  await expect(ada.locator('form.composer .replying')).toHaveCount(0);
  await expect(ada.getByRole('textbox', { name: 'Edit message' })).toHaveCount(0);
  await actions.getByRole('button', { name: 'React', exact: true }).tap();
  const picker = ada.getByRole('dialog', { name: 'Add a reaction' });
  const box = (await picker.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  for (const target of await ada.locator('main button, main textarea, main input').all()) {
    if (!(await target.isVisible())) continue;
    const size = (await target.boundingBox())!;
    expect(size.height, `${await target.evaluate((e) => e.outerHTML.slice(0, 80))}`).toBeGreaterThanOrEqual(44);
  }
  await picker.getByRole('button', { name: 'React with 🙏' }).tap();
  await expect(row(ada, 'short one').getByRole('button', { name: '🙏 reacted by ada' })).toHaveAttribute('aria-pressed', 'true');
  expect(await ada.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await Promise.all([a.close(), b.close()]);
});

test('showing the actions moves nothing', async ({ browser }) => {
  const { a, b, ada } = await busyRoom(browser, { viewport: { width: 1280, height: 800 } });
  const boxes = () => ada.locator('ol.messages > li').evaluateAll((els) => els.map((e) => JSON.stringify(e.getBoundingClientRect())));
  const before = await boxes();
  await row(ada, 'short one').hover();
  await expect(row(ada, 'short one').getByRole('group', { name: 'Message actions' })).toHaveCSS('opacity', '1');
  expect(await boxes()).toEqual(before);
  await row(ada, 'answering myself').hover();
  expect(await boxes()).toEqual(before);
  await Promise.all([a.close(), b.close()]);
});
