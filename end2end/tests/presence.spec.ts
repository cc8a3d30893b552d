// Presence: online (a tab in use), away (tabs open, none in use), offline (none open), shown
// live beside direct conversations and a private room's members.
import { test, expect, Page, BrowserContext } from '@playwright/test';
import { createPrivateRoomWith, expectConnected, openConnected, serverPerTest, setHidden } from './page';

const t = serverPerTest();

const open = (context: BrowserContext, path: string, name: string) =>
  openConnected(context, `${t.server.url}${path}`, name, t.problems);

/** Opens (or finds) the direct conversation with `who` from the sidebar's form. */
async function openDirect(page: Page, who: string) {
  await page.getByLabel('Message someone').fill(who);
  await page.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`@${who}`);
}

test('a direct conversation shows whether the other person is online, away or offline, across their tabs', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada1 = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  await openDirect(bob, 'ada');
  const inList = bob.getByRole('navigation', { name: 'Rooms' }).getByTestId('presence');
  const inHeader = bob.locator('.presence-line').getByTestId('presence');
  await expect(inList).toHaveAttribute('data-presence', 'online');
  await expect(inHeader).toHaveText('online');
  // Spoken with the conversation's name, for screen readers.
  await expect(bob.getByRole('navigation', { name: 'Rooms' }).locator('a[data-kind="direct"]')).toHaveAccessibleName(/ada\W+\(online\)/);

  // Ada's second tab; hiding one leaves her online, hiding both makes her away.
  const ada2 = await a.newPage();
  await ada2.goto(`${t.server.url}/r/general`);
  await expectConnected(ada2);
  await setHidden(ada1, true);
  await bob.waitForTimeout(300);
  await expect(inHeader).toHaveText('online');
  await setHidden(ada2, true);
  await expect(inHeader).toHaveText('away');
  await expect(inList).toHaveAttribute('data-presence', 'away');
  await setHidden(ada1, false);
  await expect(inHeader).toHaveText('online');

  // Closing her tabs: the one in use first (away), then the other (offline).
  await ada1.close();
  await expect(inHeader).toHaveText('away');
  await ada2.close();
  await expect(inHeader).toHaveText('offline');
  await expect(inList).toHaveAttribute('data-presence', 'offline');

  // After a reload bob asks again and sees the same.
  await bob.reload();
  await expectConnected(bob);
  await expect(bob.locator('.presence-line').getByTestId('presence')).toHaveText('offline');
  await Promise.all([a.close(), b.close()]);
});

test("a private room's member list shows each member's presence, live", async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const bob = await open(b, '/r/general', 'Bob');
  const ada = await open(a, '/r/general', 'Ada');
  await createPrivateRoomWith(ada, 'ada', 'plans', 'bob');
  const members = ada.getByRole('list', { name: 'Members' });
  await expect(members.locator('[data-user="bob"]')).toHaveAttribute('data-presence', 'online');
  await expect(members.locator('[data-user="ada"]')).toHaveAttribute('data-presence', 'online');
  await setHidden(bob, true);
  await expect(members.locator('[data-user="bob"]')).toHaveAttribute('data-presence', 'away');
  await bob.close();
  await expect(members.locator('[data-user="bob"]')).toHaveAttribute('data-presence', 'offline');
  await Promise.all([a.close(), b.close()]);
});
