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

// adminLogin logs in on the admin (or operator) login form of page.
async function adminLogin(page, path, username, password, domain) {
  await page.goto(base + path);
  await page.fill('#username', username);
  await page.fill('#password', password);
  if (domain) await page.fill('#domain', domain);
  await page.click('form.card button[type=submit]');
  await page.waitForLoadState('load');
}

test('the agent page says how long to wait after too many wrong passwords', async () => {
  const page = await newPage();
  try {
    await page.goto(base + '/');
    await page.locator('#login-form').waitFor({ state: 'visible', timeout: WAIT });
    for (let i = 0; i < 6; i++) {
      await page.fill('#username', 'carol');
      await page.fill('#password', 'not-her-password');
      await page.fill('#domain', 'demo.local');
      await page.click('#login-form button[type=submit]');
      await text(page, '#login-error', i < 5 ? /wrong username, password or domain/i : /too many failed logins for this user; try again in (19|20) seconds/i);
    }
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('an admin is told the demo password is weak, sees their sessions and ends another', async () => {
  const here = await newPage();
  const there = await newPage();
  try {
    await adminLogin(there, '/admin/login', 'admin', 'admin-demo', 'demo.local');
    await adminLogin(here, '/admin/login', 'admin', 'admin-demo', 'demo.local');
    await text(here, 'p.warn', /weaker than an admin's must be now/);
    await here.click('header .who a'); // the user's name: Your sessions
    await text(here, 'h1', 'Your sessions');
    await here.locator('tbody tr').nth(1).waitFor({ timeout: WAIT });
    assert.equal(await here.locator('tbody tr').count(), 2);
    await text(here, 'tbody', /this session/);
    await text(here, 'tbody', /Chrome on Linux/);
    await here.click('tbody button:has-text("End")');
    await text(here, 'p.flash', 'The session has ended: whoever used it must log in again.');
    assert.equal(await here.locator('tbody tr').count(), 1);
    await there.goto(base + '/admin/agents');
    await text(there, 'h1', 'Tenant admin login');
    assert.deepEqual(here.errors, []);
    assert.deepEqual(here.console, []);
  } finally {
    await here.context().close();
    await there.context().close();
  }
});

test('the operator assigns a number to the tenant; its admin picks it for a queue', async () => {
  const op = await newPage();
  const admin = await newPage();
  try {
    await adminLogin(op, '/operator/login', 'operator', 'operator-demo');
    await op.click('tr:has-text("demo.local") a:has-text("Edit")');
    assert.equal((await op.inputValue('#dids')).trim(), '5550001');
    await op.fill('#dids', '5550001\n5550002');
    await op.click('form.card button[type=submit]');
    await text(op, 'p.flash', 'Tenant demo.local saved.');

    await adminLogin(admin, '/admin/login', 'admin', 'admin-demo', 'demo.local');
    await admin.goto(base + '/admin/queues/new');
    await text(admin, '#numbers', /5550001 \(rings queue Support\)/);
    assert.ok(await admin.locator('#numbers input[value="5550001"]').isDisabled());
    await admin.fill('#name', 'Hotline');
    await admin.check('#numbers input[value="5550002"]');
    await admin.click('form.card button[type=submit]');
    await text(admin, 'p.flash', 'Queue Hotline created.');
    const box = await admin.locator('main').boundingBox();
    assert.ok(box.width <= 1280, `the page overflows: ${box.width}`);
    assert.deepEqual(admin.console, []);
    assert.deepEqual(op.console, []);
  } finally {
    await op.context().close();
    await admin.context().close();
  }
});
