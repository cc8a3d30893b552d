// What every browser test does with a Natter page.
import { test, expect, Page, BrowserContext } from '@playwright/test';
import { NatterServer } from './server';

/** Collects the page's console warnings, errors and uncaught exceptions into `problems`. */
export function watchConsole(page: Page, problems: string[]) {
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
}

/** What Chromium itself logs when a connection attempt fails while a test has the server down:
 * network noise, not a fault of the page. */
export function isNetworkNoise(line: string): boolean {
  return /WebSocket connection to .* failed|net::ERR_CONNECTION_REFUSED|net::ERR_INTERNET_DISCONNECTED/.test(line);
}

export const PASSWORD = 'correct horse battery';

/** Gives `context` a session for user `name` (registering them on first use), as the login
 * form would: the cookie lands in the context's cookie jar. */
export async function signIn(context: BrowserContext, base: string, name: string) {
  const form = { username: name, password: PASSWORD };
  const headers = { Origin: base, Accept: 'application/json' };
  let res = await context.request.post(`${base}/auth/register`, { form, headers });
  if (res.status() === 409) res = await context.request.post(`${base}/auth/login`, { form, headers });
  expect(res.status(), await res.text()).toBe(200);
}

/** Signs `context` in as `name`, opens `url` in a new page and waits for it to come alive. */
export async function openRoom(context: BrowserContext, url: string, name: string, problems: string[]): Promise<Page> {
  await signIn(context, new URL(url).origin, name);
  const page = await context.newPage();
  watchConsole(page, problems);
  await page.goto(url);
  // The status leaves "connecting" only once the page is hydrated and its handlers listen.
  await expect(page.locator('.status')).not.toHaveAttribute('data-status', 'connecting');
  return page;
}

/** [`openRoom`], then waits until the page's socket is connected. */
export async function openConnected(context: BrowserContext, url: string, name: string, problems: string[]): Promise<Page> {
  const page = await openRoom(context, url, name, problems);
  await expectConnected(page);
  return page;
}

export async function expectConnected(page: Page, timeout?: number) {
  await expect(page.locator('.status')).toHaveAttribute('data-status', 'connected', { timeout });
}

/** Creates public room `name` with the sidebar's form and waits for its page. */
export async function createRoom(page: Page, name: string) {
  await page.getByLabel('New room').fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page).toHaveURL(new RegExp(`/r/${name}$`));
}

/** `owner`, on `page`, creates their private room `name` and adds `member`: the page is on the
 * room once its member list shows both. */
export async function createPrivateRoomWith(page: Page, owner: string, name: string, member: string) {
  await page.getByLabel('New room').fill(name);
  await page.getByLabel('Private: only people you add').check();
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page).toHaveURL(new RegExp(`/r/${owner}/${name}$`));
  await page.locator('details.members summary').click();
  await page.getByLabel('Add a member').fill(member);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('list', { name: 'Members' }).getByRole('listitem')).toHaveCount(2);
}

/** Makes the page's tab hidden or shown, as switching tabs does. */
export async function setHidden(page: Page, hidden: boolean) {
  await page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

export async function send(page: Page, text: string) {
  const box = page.getByRole('textbox', { name: /^Message [#@]/ });
  await box.fill(text);
  await box.press('Enter');
}

/** The bodies of the confirmed messages on the page. */
export function messages(page: Page) {
  return page.locator('ol.messages li.msg:not(.pending) .body');
}

/** What `serverPerTest` gives each test: its own server, and the console lines it collects. */
export interface PerTest {
  server: NatterServer;
  problems: string[];
  /** Console lines a test causes on purpose (e.g. an HTTP error status the page shows). */
  expectedProblems: RegExp[];
}

/** Gives every test of the file a fresh server; afterwards stops it and fails the test on any
 * console warning or error it did not expect (hydration mismatches and panics show up there). */
export function serverPerTest(): PerTest {
  const t: PerTest = { server: undefined as unknown as NatterServer, problems: [], expectedProblems: [] };
  test.beforeEach(async () => {
    t.server = new NatterServer();
    await t.server.start();
    t.problems = [];
    t.expectedProblems = [];
  });
  test.afterEach(async () => {
    await t.server.dispose();
    const unexpected = t.problems.filter((p) => !isNetworkNoise(p) && !t.expectedProblems.some((re) => re.test(p)));
    expect(unexpected, 'console warnings and errors').toEqual([]);
  });
  return t;
}
