// Private-room membership as it changes live: the member list of an open room follows, and a
// member who is removed keeps what was said but loses the composer and the sidebar link.
import { test, expect } from '@playwright/test';
import { expectConnected, messages, openRoom, send, serverPerTest } from './page';

const t = serverPerTest();

test('members come and go live; a removed member is told so', async ({ browser }) => {
  const [a, b, c] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
  const ada = await openRoom(a, `${t.server.url}/r/general`, 'ada', t.problems);
  const bob = await openRoom(b, `${t.server.url}/r/general`, 'bob', t.problems);
  await openRoom(c, `${t.server.url}/r/general`, 'carol', t.problems);
  await expectConnected(ada);

  await ada.getByLabel('New room').fill('team');
  await ada.getByLabel(/Private/).check();
  await ada.getByRole('button', { name: 'Create' }).click();
  await expect(ada).toHaveURL(/\/r\/ada\/team$/);
  await ada.getByText(/1 members/).click();
  await ada.getByLabel('Add a member').fill('bob');
  await ada.getByRole('button', { name: 'Add', exact: true }).click();

  await bob.getByRole('link', { name: /team/ }).click();
  await expect(bob).toHaveURL(/\/r\/ada\/team$/);
  await expectConnected(bob);
  await send(ada, 'welcome');
  await expect(messages(bob)).toHaveText(['welcome']);

  // Carol joins: Bob's open page counts her at once.
  await ada.getByLabel('Add a member').fill('carol');
  await ada.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(bob.getByText('3 members')).toBeVisible();

  // Ada removes Bob: his page says so, keeps the history, and the room leaves his list.
  await ada.getByRole('button', { name: 'Remove bob' }).click();
  await expect(bob.getByRole('status').filter({ hasText: 'You are no longer a member of this room.' })).toBeVisible();
  await expect(bob.getByRole('textbox', { name: /^Message #/ })).toHaveCount(0);
  await expect(bob.getByRole('link', { name: /team/ })).toHaveCount(0);
  await expect(messages(bob)).toHaveText(['welcome']);
  await expect(ada.getByText('2 members')).toBeVisible();
  await Promise.all([a.close(), b.close(), c.close()]);
});
