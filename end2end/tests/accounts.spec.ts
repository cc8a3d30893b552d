// Accounts and private rooms, as people use them in the browser: register, log in, create a
// private room, invite, chat, log out; an outsider finds nothing.
import { test, expect, Page } from '@playwright/test';
import { expectConnected, messages, openRoom, PASSWORD, send, watchConsole, serverPerTest } from './page';

const t = serverPerTest();

async function fillCredentials(page: Page, username: string, password: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
}

test('register, create a private room, invite, chat, log out; an outsider sees nothing', async ({ browser }) => {
  const [a, b, e] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);

  // Ada arrives logged out: the app sends her to log in, and she registers from there.
  const ada = await a.newPage();
  watchConsole(ada, t.problems);
  await ada.goto(`${t.server.url}/r/general`);
  await expect(ada).toHaveURL(/\/login\?next=\/r\/general$/);
  await ada.getByRole('link', { name: /Register/ }).click();
  await fillCredentials(ada, 'ada', PASSWORD);
  await ada.getByRole('button', { name: 'Register' }).click();
  await expect(ada).toHaveURL(`${t.server.url}/r/general`);
  await expectConnected(ada);
  await expect(ada.getByTestId('me')).toContainText('ada');

  // She creates a private room.
  await ada.getByLabel('New room').fill('secret');
  await ada.getByLabel(/Private/).check();
  await ada.getByRole('button', { name: 'Create' }).click();
  await expect(ada).toHaveURL(/\/r\/ada\/secret$/);
  await expectConnected(ada);

  const bob = await openRoom(b, `${t.server.url}/r/general`, 'bob', t.problems);
  const eve = await openRoom(e, `${t.server.url}/r/general`, 'eve', t.problems);
  await expect(bob.getByRole('link', { name: /secret/ })).toHaveCount(0);

  // Ada adds Bob; the room appears in his list at once.
  await ada.getByText(/1 members/).click();
  await ada.getByLabel('Add a member').fill('bob');
  await ada.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(ada.getByRole('list', { name: 'Members' }).getByRole('listitem')).toHaveCount(2);
  await bob.getByRole('link', { name: /secret/ }).click();
  await expect(bob).toHaveURL(/\/r\/ada\/secret$/);
  await expectConnected(bob);

  await send(ada, 'members only');
  await expect(messages(bob)).toHaveText(['members only']);
  await send(bob, 'got it');
  await expect(messages(ada)).toHaveText(['members only', 'got it']);

  // Eve: not in her list, and the address gives a not-found page.
  await expect(eve.getByRole('link', { name: /secret/ })).toHaveCount(0);
  t.expectedProblems.push(/status of 404/);
  const res = await eve.goto(`${t.server.url}/r/ada/secret`);
  expect(res?.status()).toBe(404);
  await expect(eve.getByRole('heading', { name: 'Room not found' })).toBeVisible();
  await expect(eve.getByText('members only')).toHaveCount(0);

  // Ada logs out in one tab: her other tab's socket is closed and it goes to the login page.
  const adaTab2 = await a.newPage();
  watchConsole(adaTab2, t.problems);
  await adaTab2.goto(`${t.server.url}/r/ada/secret`);
  await expectConnected(adaTab2);
  await ada.getByRole('button', { name: 'Log out' }).click();
  await expect(ada).toHaveURL(/\/login$/);
  await expect(adaTab2).toHaveURL(/\/login\?next=\/r\/ada\/secret$/, { timeout: 15_000 });
  // Bob is not affected.
  await expectConnected(bob);

  // A wrong password is refused with a clear sentence; the right one comes back to the room.
  await fillCredentials(adaTab2, 'ada', 'not my password');
  await adaTab2.getByRole('button', { name: 'Log in' }).click();
  await expect(adaTab2.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(adaTab2.getByLabel('Username')).toHaveValue('ada');
  await fillCredentials(adaTab2, 'ada', PASSWORD);
  await adaTab2.getByRole('button', { name: 'Log in' }).click();
  await expect(adaTab2).toHaveURL(/\/r\/ada\/secret$/);
  await expect(messages(adaTab2)).toHaveText(['members only', 'got it']);
  await Promise.all([a.close(), b.close(), e.close()]);
});

test('a direct conversation appears in both lists', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await openRoom(a, `${t.server.url}/r/general`, 'ada', t.problems);
  const bob = await openRoom(b, `${t.server.url}/r/general`, 'bob', t.problems);
  await ada.getByLabel('Message someone').fill('bob');
  await ada.getByRole('button', { name: 'Open' }).click();
  await expect(ada).toHaveURL(/\/r\/dm-\d+-\d+$/);
  await expect(ada.getByRole('heading', { name: '@bob' })).toBeVisible();
  await expectConnected(ada);
  await send(ada, 'psst');
  // The conversation is named by the other person, then their presence and any unread count.
  await bob.getByRole('link', { name: /^ada\b/ }).click();
  await expect(messages(bob)).toHaveText(['psst']);
  await Promise.all([a.close(), b.close()]);
});
