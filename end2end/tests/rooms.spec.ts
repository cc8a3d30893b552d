// Your rooms: the sidebar lists the rooms you joined; Browse finds every public room; opening one
// joins it (remembered across reloads), and "Leave room" takes it out of your list.
import { test, expect } from '@playwright/test';
import { expectConnected, openRoom, send, messages, serverPerTest } from './page';

const t = serverPerTest();

test('browse, join by opening, stay joined after a reload, leave', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await openRoom(a, `${t.server.url}/r/general`, 'ada', t.problems);
  const bob = await openRoom(b, `${t.server.url}/r/general`, 'bob', t.problems);
  await expectConnected(ada);
  await ada.getByLabel('New room').fill('design');
  await ada.getByRole('button', { name: 'Create' }).click();
  await expect(ada).toHaveURL(/\/r\/design$/);
  await expectConnected(ada);
  await send(ada, 'mockups are up');

  // Bob's list does not grow with every room someone makes; Browse lists it.
  const bobRooms = bob.getByRole('navigation', { name: 'Rooms' });
  await expect(bobRooms.getByRole('link', { name: 'design' })).toHaveCount(0);
  await bobRooms.getByRole('link', { name: 'Browse' }).click();
  await expect(bob).toHaveURL(/\/rooms$/);
  await expect(bob.getByRole('heading', { name: 'Browse rooms' })).toBeVisible();
  await bob.getByRole('searchbox', { name: 'Search rooms by name' }).fill('des');
  await bob.getByRole('button', { name: 'Search' }).click();
  await expect(bob).toHaveURL(/\/rooms\?q=des$/);
  const results = bob.getByRole('list', { name: 'Public rooms' }).getByRole('listitem');
  await expect(results).toHaveCount(1);
  await results.getByRole('link', { name: /#design/ }).click();
  await expect(bob).toHaveURL(/\/r\/design$/);
  await expectConnected(bob);
  await expect(messages(bob)).toHaveText(['mockups are up']);
  await expect(bobRooms.getByRole('link', { name: 'design' })).toBeVisible();

  // Remembered: after a reload it is still his.
  await bob.reload();
  await expectConnected(bob);
  await expect(bobRooms.getByRole('link', { name: 'design' })).toBeVisible();

  // He leaves: out of his list, back to the start page; Ada's room goes on.
  await bob.getByRole('button', { name: 'Leave room' }).click();
  await expect(bob).toHaveURL(`${t.server.url}/`);
  await expect(bobRooms.getByRole('link', { name: 'design' })).toHaveCount(0);
  await send(ada, 'still here');
  await expect(messages(ada)).toHaveText(['mockups are up', 'still here']);
  await bob.reload();
  await expect(bobRooms.getByRole('link', { name: 'design' })).toHaveCount(0);
  await Promise.all([a.close(), b.close()]);
});
