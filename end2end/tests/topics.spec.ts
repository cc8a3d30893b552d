// Room topics in the browser: set from the form under the title, seen live by someone else
// in the room, and in the server-rendered page after a reload.
import { test, expect } from '@playwright/test';
import { expectConnected, openRoom, serverPerTest } from './page';

const t = serverPerTest();

test('a topic set from the form shows under the title, live for others and after a reload', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await openRoom(a, `${t.server.url}/r/general`, 'ada', t.problems);
  const bob = await openRoom(b, `${t.server.url}/r/general`, 'bob', t.problems);
  await expectConnected(ada);
  await expectConnected(bob);
  await expect(bob.getByTestId('topic')).toBeHidden();

  await ada.getByText('Set topic').click();
  await ada.getByLabel('Topic').fill('Standup at 10, demos on Friday');
  await ada.getByRole('button', { name: 'Save' }).click();
  await expect(ada.getByTestId('topic')).toHaveText('Standup at 10, demos on Friday');
  await expect(bob.getByTestId('topic')).toHaveText('Standup at 10, demos on Friday');

  // In the HTML the server sends, before any script runs.
  const html = await (await b.request.get(`${t.server.url}/r/general`, { headers: { Accept: 'text/html' } })).text();
  expect(html).toMatch(/class="topic"[^>]*>Standup at 10, demos on Friday</);
  await bob.reload();
  await expectConnected(bob);
  await expect(bob.getByTestId('topic')).toHaveText('Standup at 10, demos on Friday');
  // The form to change it starts from it; a save closes it, and the other's form follows.
  await bob.getByText('Set topic').click();
  await expect(bob.getByLabel('Topic')).toHaveValue('Standup at 10, demos on Friday');
  await expect(ada.getByLabel('Topic')).toBeHidden();
  await bob.getByLabel('Topic').fill('Retro on Monday');
  await bob.getByRole('button', { name: 'Save' }).click();
  await expect(bob.getByLabel('Topic')).toBeHidden();
  await expect(ada.getByTestId('topic')).toHaveText('Retro on Monday');
  await ada.getByText('Set topic').click();
  await expect(ada.getByLabel('Topic')).toHaveValue('Retro on Monday');
});

test('only the owner of a private room sees the topic form', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await openRoom(a, `${t.server.url}/r/general`, 'ada', t.problems);
  await ada.getByLabel('New room').fill('plans');
  await ada.getByLabel(/Private/).check();
  await ada.getByRole('button', { name: 'Create' }).click();
  await expect(ada).toHaveURL(/\/r\/ada\/plans$/);
  await expectConnected(ada);
  await ada.getByText(/1 members/).click();
  const bob = await openRoom(b, `${t.server.url}/r/general`, 'bob', t.problems);
  await ada.getByLabel('Add a member').fill('bob');
  await ada.getByRole('button', { name: 'Add', exact: true }).click();
  await ada.getByText('Set topic').click();
  await ada.getByLabel('Topic').fill('Q3 roadmap');
  await ada.getByRole('button', { name: 'Save' }).click();
  await expect(ada.getByTestId('topic')).toHaveText('Q3 roadmap');

  await bob.getByRole('link', { name: /plans/ }).click();
  await expect(bob).toHaveURL(/\/r\/ada\/plans$/);
  await expectConnected(bob);
  await expect(bob.getByTestId('topic')).toHaveText('Q3 roadmap');
  await expect(bob.getByText('Set topic')).toHaveCount(0);
});
