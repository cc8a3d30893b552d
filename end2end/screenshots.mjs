// Screenshots for a person to look at (not a test), against a running server with an empty
// database: node screenshots.mjs <url> <folder>. Fills it with rooms and messages first.
import { chromium } from '@playwright/test';
const [url, out] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
async function signed(name, opts) {
  const ctx = await browser.newContext(opts);
  const form = { username: name, password: 'correct horse battery' };
  const headers = { Origin: url, Accept: 'application/json' };
  let res = await ctx.request.post(`${url}/auth/register`, { form, headers });
  if (res.status() === 409) res = await ctx.request.post(`${url}/auth/login`, { form, headers });
  return ctx;
}
const ada = await signed('ada', {});
const bob = await signed('bob', {});
const bp = await bob.newPage();
await bp.goto(`${url}/r/general`);
await bp.waitForSelector('.status[data-status="connected"]');
const ap = await ada.newPage();
await ap.goto(`${url}/r/general`);
await ap.waitForSelector('.status[data-status="connected"]');
for (const r of ['design', 'ops-chat', 'random']) {
  await ap.getByLabel('New room').fill(r);
  await ap.getByRole('button', { name: 'Create' }).click();
  await ap.waitForURL(new RegExp(`/r/${r}$`));
}
await ap.goto(`${url}/r/general`);
await ap.waitForSelector('.status[data-status="connected"]');
const box = bp.getByRole('textbox', { name: /^Message [#@]/ });
for (let i = 0; i < 12; i++) { await box.fill(`message number ${i} from bob`); await box.press('Enter'); await bp.waitForTimeout(400); }
await ap.goto(`${url}/admin`);
await ap.waitForTimeout(3000);
for (let i = 12; i < 20; i++) { await box.fill(`message number ${i} from bob`); await box.press('Enter'); await bp.waitForTimeout(300); }
await ap.waitForTimeout(2000);
// Unread messages for ada elsewhere, one of them mentioning her.
await bp.goto(`${url}/r/random`);
await bp.waitForSelector('.status[data-status="connected"]');
for (const text of ['@ada could you look at the release notes?', 'no rush', 'thanks!']) {
  await box.fill(text); await box.press('Enter'); await bp.waitForTimeout(300);
}
// A direct conversation (bob is online in it) and the notification control.
await ap.goto(`${url}/r/general`);
await ap.waitForSelector('.status[data-status="connected"]');
await ap.getByLabel('Message someone').fill('bob');
await ap.getByRole('button', { name: 'Open' }).click();
await ap.waitForURL(/\/r\/dm-/);
const dmPath = new URL(ap.url()).pathname;
await ap.getByRole('textbox', { name: /^Message [#@]/ }).fill('are you around?');
await ap.getByRole('textbox', { name: /^Message [#@]/ }).press('Enter');
await ap.waitForTimeout(300);
for (const [label, viewport] of [['desktop', { width: 1280, height: 860 }], ['phone', { width: 390, height: 844 }]]) {
  for (const scheme of ['light', 'dark']) {
    const ctx = await signed('ada', { viewport, colorScheme: scheme, deviceScaleFactor: 1 });
    const p = await ctx.newPage();
    for (const [name, path] of [['admin', '/admin'], ['browse', '/rooms'], ['list', '/'], ['room', '/r/general'], ['direct', dmPath], ['notify', '/r/general']]) {
      await p.goto(`${url}${path}`);
      await p.waitForSelector('.status[data-status="connected"]', { state: 'attached' });
      await p.waitForTimeout(name === 'admin' ? 2500 : 500);
      if (name === 'notify') {
        await p.getByTestId('notify-level').click();
        await p.waitForTimeout(200);
      }
      await p.screenshot({ path: `${out}/${name}-${label}-${scheme}.png`, fullPage: name === 'admin' });
    }
    await ctx.close();
  }
}
await browser.close();
