// The ops dashboard: the first account is an administrator and sees every node's last seconds
// live; anyone else finds nothing at /admin.
import { test, expect } from '@playwright/test';
import { expectConnected, openRoom, send, serverPerTest } from './page';

const t = serverPerTest();

test('the administrator watches the node live; others get a not-found page', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await openRoom(a, `${t.server.url}/r/general`, 'ada', t.problems);
  const bob = await openRoom(b, `${t.server.url}/r/general`, 'bob', t.problems);
  await expectConnected(bob);

  // Only the administrator has the link, and only she gets the page.
  await expect(bob.getByRole('link', { name: 'Ops' })).toHaveCount(0);
  t.expectedProblems = [/status of 404 \(Not Found\)/];
  const refused = await bob.goto(`${t.server.url}/admin`);
  expect(refused?.status()).toBe(404);
  await expect(bob.getByRole('heading', { name: 'Page not found' })).toBeVisible();

  await ada.getByRole('link', { name: 'Ops' }).click();
  await expect(ada).toHaveURL(/\/admin$/);
  await expectConnected(ada);
  const node = ada.getByRole('article');
  await expect(node).toHaveCount(1);
  // Live: the windows keep coming; Ada's socket is counted.
  const sockets = node.getByRole('img', { name: /^Sockets: now [1-9]/ });
  await expect(sockets).toBeVisible({ timeout: 5000 });

  // Bob's messages show up in the next windows.
  await bob.goto(`${t.server.url}/r/general`);
  await expectConnected(bob);
  for (let i = 0; i < 5; i++) await send(bob, `busy ${i}`);
  await expect(node.getByRole('img', { name: /^Messages in: now \d+\/s, at most [1-9]/ })).toBeVisible({ timeout: 5000 });
  await expect(node.getByRole('img', { name: /^Deliveries out: now \d+\/s, at most [1-9]/ })).toBeVisible({ timeout: 5000 });

  // A reload starts from the history the server kept.
  await ada.reload();
  await expect(ada.getByRole('article').getByRole('img', { name: /^Messages in: now \d+\/s, at most [1-9]/ })).toBeVisible();
  await Promise.all([a.close(), b.close()]);
});
