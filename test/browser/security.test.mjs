// What the security work shows a person (docs/security.md): the agent page
// working under its Content-Security-Policy and refusing to be framed, the
// login limits' messages, the admin's own sessions, and the DIDs an operator
// assigns and a tenant admin picks from. Run with `npm run test:browser`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { DemoFixture, text as waitText, login, watch, WAIT } from './harness.mjs';

const demo = new DemoFixture('ccaas-security-');
let base, browser;

before(async () => {
  await demo.setUp();
  ({ base, browser } = demo);
}, { timeout: 300_000 });

after(() => demo.tearDown());

const text = (page, sel, want) => waitText(page, sel, want, { alive: () => demo.server.assertAlive() });

// newPage opens a page in a fresh context that records every violation of
// the page's security policy (page.violations) and its console (watch).
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return watch(await context.newPage());
}

const cspErrors = (page) => page.console.filter((l) => /Content Security Policy|Refused to/i.test(l));

test('the agent page works under its security policy: a call from login to logout, no violation', async () => {
  const page = await newPage();
  try {
    const resp = await page.goto(base + '/');
    const csp = resp.headers()['content-security-policy'];
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    await login(page, 'bob', 'bob-demo', 'demo.local');
    await text(page, '#line-state', /up/);
    await page.click('#btn-ready');
    await text(page, '#agent-state', 'Ready');
    await page.click('#btn-demo-call');
    await page.locator('#notification').waitFor({ state: 'visible', timeout: WAIT });
    await page.click('#notif-answer');
    await text(page, '#call-state', 'Connected');
    await page.click('#btn-hangup');
    await text(page, '#agent-state', 'Ready');
    await page.click('#btn-logout');
    await page.locator('#login-form').waitFor({ state: 'visible', timeout: WAIT });
    assert.deepEqual(await page.evaluate(() => window.violations), []);
    assert.deepEqual(cspErrors(page), []);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('another site cannot frame the agent page', async () => {
  // the other site: a page of another origin (a port of its own) that frames ours
  const site = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><title>another site</title><iframe id="f" src="${base}/" onload="this.dataset.loaded = 1"></iframe>`);
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  const page = await newPage();
  try {
    await page.goto(`http://127.0.0.1:${site.address().port}/`);
    await page.waitForSelector('#f[data-loaded]', { timeout: WAIT });
    // the frame holds no agent page, and the browser says why
    const frame = await (await page.$('#f')).contentFrame();
    assert.equal(await frame.locator('#login-form').count(), 0, 'the agent page loaded inside another site');
    assert.ok(page.console.some((l) => /frame-ancestors 'none'/.test(l)), page.console.join('\n'));
  } finally {
    await page.context().close();
    site.close();
  }
});
