// Message bodies are Markdown: formatted the same in the server's HTML and the live page, and
// no body can run script, load anything or link anywhere but http(s) and mailto.
import { test, expect, Page, BrowserContext } from '@playwright/test';
import { expectConnected, messages, openConnected, send, serverPerTest } from './page';

const t = serverPerTest();

const open = (context: BrowserContext, path: string, name: string) =>
  openConnected(context, `${t.server.url}${path}`, name, t.problems);

/** What a body may never hold, counted over every message on the page. */
async function dangers(page: Page) {
  return page.evaluate(() => {
    const bodies = [...document.querySelectorAll('ol.messages .body')];
    const found: string[] = [];
    for (const b of bodies) {
      for (const el of b.querySelectorAll('*')) {
        const tag = el.tagName.toLowerCase();
        if (!['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'a', 'ul', 'ol', 'li', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr'].includes(tag)) found.push(`<${tag}>`);
        for (const attr of el.getAttributeNames()) {
          if (!['href', 'rel', 'target', 'title', 'class', 'start'].includes(attr)) found.push(`${tag}[${attr}]`);
        }
        if (tag === 'a' && !/^(https?:|mailto:)/i.test(el.getAttribute('href') ?? '')) found.push(`a[href=${el.getAttribute('href')}]`);
        if (tag === 'a' && el.getAttribute('rel') !== 'noopener noreferrer nofollow') found.push('a without rel');
      }
    }
    return { bodies: bodies.length, found };
  });
}

test('Markdown is formatted alike live and in the server HTML, and links open apart', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  await send(ada, '**bold**, *italic*, ~~gone~~ and `code`');
  const box = ada.getByRole('textbox', { name: /^Message #/ });
  const long = 'a very long line that must scroll sideways rather than wrap or overflow the page '.repeat(4);
  await box.fill(`\`\`\`\nfn main() {\n    println!("${long}");\n}\n\`\`\``);
  await box.press('Enter');
  await send(ada, '- one\n- two\n\n> quoted');
  await send(ada, 'see https://example.com/docs and [the guide](https://example.com/guide)');
  await expect(messages(bob)).toHaveCount(4);
  for (const page of [bob, ada]) {
    const body = page.locator('ol.messages li.msg .body');
    await expect(body.nth(0).locator('strong')).toHaveText('bold');
    await expect(body.nth(0).locator('em')).toHaveText('italic');
    await expect(body.nth(0).locator('del')).toHaveText('gone');
    await expect(body.nth(0).locator('code')).toHaveText('code');
    await expect(body.nth(1).locator('pre code')).toContainText('fn main() {');
    await expect(body.nth(2).locator('li')).toHaveText(['one', 'two']);
    await expect(body.nth(2).locator('blockquote')).toHaveText('quoted');
    const links = body.nth(3).locator('a');
    await expect(links).toHaveText(['https://example.com/docs', 'the guide']);
    await expect(links.nth(1)).toHaveAttribute('href', 'https://example.com/guide');
    await expect(links.nth(1)).toHaveAttribute('rel', 'noopener noreferrer nofollow');
    await expect(links.nth(1)).toHaveAttribute('target', '_blank');
  }
  // The code block scrolls inside itself; the page does not scroll sideways.
  const pre = bob.locator('ol.messages pre').first();
  expect(await pre.evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true);
  expect(await bob.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);

  // The server's HTML holds the same markup as the live page.
  const live = await bob.locator('ol.messages').evaluate((e) => [...e.querySelectorAll('.body')].map((b) => b.innerHTML.replace(/<!--[^>]*-->/g, '')));
  const html = await (await b.request.get(`${t.server.url}/r/general`)).text();
  for (const fragment of live) expect(html.replace(/<!--[^>]*-->/g, '')).toContain(fragment);
  await bob.reload();
  await expectConnected(bob);
  const reloaded = await bob.locator('ol.messages').evaluate((e) => [...e.querySelectorAll('.body')].map((b) => b.innerHTML.replace(/<!--[^>]*-->/g, '')));
  expect(reloaded).toEqual(live);
  await Promise.all([a.close(), b.close()]);
});

test('no body runs script, loads anything or links anywhere unsafe, live or from the server', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const ada = await open(a, '/r/general', 'Ada');
  const bob = await open(b, '/r/general', 'Bob');
  let dialogs = 0;
  for (const p of [ada, bob]) p.on('dialog', async (d) => { dialogs += 1; await d.dismiss(); });
  const requests: string[] = [];
  bob.on('request', (r) => { if (!r.url().startsWith(t.server.url)) requests.push(r.url()); });
  const payloads = [
    "<script>alert('XSS')</script>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<svg/onload=alert('XSS')>",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    '<details open ontoggle=alert(1)>',
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    '[click](javascript:alert(1))',
    '[click](java&#x73;cript:alert(1))',
    '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '![x](https://tracker.example/pixel.png)',
    '<javascript:alert(1)>',
    '[x](https://ok.example/"onmouseover="alert(1))',
    'https://ok.example/"><script>alert(1)</script>',
    '```\n</code></pre><script>alert(1)</script>\n```',
    '[<img src=x onerror=alert(1)>](https://ok.example/)',
  ];
  const box = ada.getByRole('textbox', { name: /^Message #/ });
  for (const p of payloads) {
    await box.fill(p);
    await box.press('Enter');
  }
  await expect(messages(bob)).toHaveCount(payloads.length);
  await bob.locator('ol.messages').hover();
  expect(await dangers(bob)).toEqual({ bodies: payloads.length, found: [] });
  // Raw HTML shows as the text it is.
  await expect(messages(bob).nth(0)).toHaveText("<script>alert('XSS')</script>");
  await bob.reload();
  await expectConnected(bob);
  expect(await dangers(bob)).toEqual({ bodies: payloads.length, found: [] });
  expect(dialogs).toBe(0);
  expect(requests).toEqual([]);
  await Promise.all([a.close(), b.close()]);
});
