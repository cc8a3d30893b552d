// Where WebSockets are blocked the page falls back to HTTP long-polling, says so, and chats;
// where the first WebSocket fails but a later one works, it upgrades.
import { test, expect, Browser, Page, BrowserContext } from '@playwright/test';
import { NatterServer } from './server';
import { expectConnected, isNetworkNoise, messages, openRoom, send } from './page';

let server: NatterServer;

test.afterEach(async () => {
  await server.dispose();
});

async function open(context: BrowserContext, name: string, problems: string[]): Promise<Page> {
  return openRoom(context, `${server.url}/r/general`, name, problems);
}

/** A server with a one-second heartbeat and two connected pages. */
async function twoOnFastHeartbeat(browser: Browser, problems: string[]) {
  server = new NatterServer(['--ping-interval-ms', '1000', '--ping-timeout-ms', '1000']);
  await server.start();
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, 'Ada', problems);
  const bob = await open(b, 'Bob', problems);
  await expectConnected(ada);
  await expectConnected(bob);
  return { a, b, ada, bob };
}

test('with WebSockets refused by the server, pages chat over long-polling', async ({ browser }) => {
  server = new NatterServer(['--transports', 'polling']);
  await server.start();
  const problems: string[] = [];
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, 'Ada', problems);
  const bob = await open(b, 'Bob', problems);
  for (const page of [ada, bob]) {
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'connected');
    await expect(page.locator('.status')).toHaveAttribute('data-transport', 'polling');
    await expect(page.locator('.status')).toContainText('Transport: polling');
  }
  await send(ada, 'over polling');
  await expect(messages(bob)).toHaveText(['over polling']);
  await send(bob, 'and back');
  await expect(messages(ada)).toHaveText(['over polling', 'and back']);
  // The refused WebSocket is the only complaint the browser may log.
  expect(problems.filter((p) => !/WebSocket|status of 400/.test(p))).toEqual([]);
  await Promise.all([a.close(), b.close()]);
});

test('when the first WebSocket fails, the page starts on polling and upgrades', async ({ browser }) => {
  server = new NatterServer();
  await server.start();
  const problems: string[] = [];
  const ctx = await browser.newContext();
  // Refuse only WebSockets that open a new session; the upgrade of a polling session passes.
  await ctx.routeWebSocket((url) => !url.searchParams.has('sid'), (ws) => ws.close());
  const polls: string[] = [];
  ctx.on('request', (r) => {
    if (r.url().includes('transport=polling')) polls.push(r.url());
  });
  const ada = await open(ctx, 'Ada', problems);
  await expect(ada.locator('.status')).toHaveAttribute('data-status', 'connected');
  await expect(ada.locator('.status')).toHaveAttribute('data-transport', 'websocket');
  expect(polls.length, 'the session began on long-polling').toBeGreaterThan(0);
  const other = await browser.newContext();
  const bob = await open(other, 'Bob', problems);
  await expect(bob.locator('.status')).toHaveAttribute('data-status', 'connected');
  await send(ada, 'after the upgrade');
  await expect(messages(bob)).toHaveText(['after the upgrade']);
  await send(bob, 'reply');
  await expect(messages(ada)).toHaveText(['after the upgrade', 'reply']);
  expect(problems).toEqual([]);
  await Promise.all([ctx.close(), other.close()]);
});

test('a silent server is noticed within ping interval + timeout, and the page recovers', async ({ browser }) => {
  const problems: string[] = [];
  const { a, b, ada, bob } = await twoOnFastHeartbeat(browser, problems);

  // Frozen, not closed: the connection stays open but nothing comes through it.
  server.pause();
  await expect(ada.locator('.status')).not.toHaveAttribute('data-status', 'connected', { timeout: 5_000 });
  await send(ada, 'typed while the server was frozen');
  server.resume();
  await expect(ada.locator('.status')).toHaveAttribute('data-status', 'connected', { timeout: 15_000 });
  await expect(messages(bob)).toHaveText(['typed while the server was frozen'], { timeout: 15_000 });
  await expect(messages(ada)).toHaveText(['typed while the server was frozen']);
  expect(problems.filter((p) => !isNetworkNoise(p))).toEqual([]);
  await Promise.all([a.close(), b.close()]);
});

test('offline: a typed message waits and is delivered once when the network returns', async ({ browser }) => {
  const problems: string[] = [];
  const { a, b, ada, bob } = await twoOnFastHeartbeat(browser, problems);

  await a.setOffline(true);
  await expect(ada.locator('.status')).not.toHaveAttribute('data-status', 'connected', { timeout: 5_000 });
  await send(ada, 'written offline');
  await expect(ada.locator('li.msg.pending')).toHaveCount(1);
  await a.setOffline(false);
  await expect(messages(bob)).toHaveText(['written offline'], { timeout: 15_000 });
  await expect(messages(ada)).toHaveText(['written offline']);
  await expect(ada.locator('li.msg.pending')).toHaveCount(0);
  await Promise.all([a.close(), b.close()]);
});
