// One Lighthouse run of a page as a logged-in user: `bench/run --only page` calls it.
//   node bench/lighthouse.mjs <url> <cookie name=value> <mobile|desktop> <report.json>
// Lighthouse's CLI can send a Cookie header (--extra-headers), but not to the page's socket,
// which then fails to authenticate and sends the page to the login form. So the cookie goes
// into the browser itself (puppeteer), and Lighthouse keeps it (disableStorageReset).
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, '.tools', 'package.json'));
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);
const puppeteer = (await load('puppeteer-core')).default;
const lighthouse = (await load('lighthouse')).default;
const desktop = (await import(pathToFileURL(path.join(root, '.tools/node_modules/lighthouse/core/config/desktop-config.js')).href)).default;

const [url, cookie, preset, out] = process.argv.slice(2);
const [name, ...value] = cookie.split('=');
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox'],
});
try {
  await browser.setCookie({ name, value: value.join('='), domain: new URL(url).hostname, path: '/', httpOnly: true });
  const flags = {
    port: Number(new URL(browser.wsEndpoint()).port),
    output: 'json',
    logLevel: 'error',
    disableStorageReset: true,
    onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'],
  };
  const result = await lighthouse(url, flags, preset === 'desktop' ? desktop : undefined);
  writeFileSync(out, result.report);
  if (new URL(result.lhr.finalDisplayedUrl).pathname !== new URL(url).pathname) {
    throw new Error(`the page went to ${result.lhr.finalDisplayedUrl}: the cookie did not hold`);
  }
} finally {
  await browser.close();
}
