// The browser phone (static/phone.js) on the agent page, without Asterisk:
// `ccaas demo` serves the page, /api/info is told to say phone:true, and
// /vendor/jssip.min.js is either missing, the real bundle (which then finds
// no SIP server: the demo answers /sip with 503), or fake-sip-ua.js, a
// stand-in driven from here. phone-real.test.mjs does the same against a
// real Asterisk. Run with `npm run test:browser` (make test does).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DemoFixture, text as textOf, login, watch, WAIT } from './harness.mjs';

const MIC_BLOCKED = 'Microphone blocked: allow microphone access for this site, then reload.';

const demo = new DemoFixture('ccaas-phone-', ['static/vendor/jssip.min.js']);
let dir, server, base, browser, fakeJS;

before(async () => {
  await demo.setUp();
  ({ dir, server, base, browser } = demo);
  fakeJS = await readFile(new URL('./fake-sip-ua.js', import.meta.url), 'utf8');
}, { timeout: 300_000 });

after(() => demo.tearDown());

const text = (page, sel, want, timeout) => textOf(page, sel, want, { timeout, alive: () => server.assertAlive() });

// phonePage opens the page with /api/info saying phone:true and the JsSIP
// bundle given by `jssip`: 'missing', 'real' or 'fake'. page.cti keeps the CTI
// messages; page.sockets the URLs of every WebSocket the page opened.
async function phonePage(jssip, init) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route('**/api/info', async (route) => {
    const res = await route.fetch();
    const info = await res.json();
    await route.fulfill({ response: res, json: { ...info, demo: false, phone: true } });
  });
  if (jssip !== 'real') {
    await context.route('**/vendor/jssip.min.js', (route) => (jssip === 'fake'
      ? route.fulfill({ status: 200, contentType: 'text/javascript', body: fakeJS })
      : route.fulfill({ status: 404, contentType: 'text/plain', body: '404 page not found' })));
  }
  if (init) await context.addInitScript(init);
  const page = watch(await context.newPage());
  page.cti = [];
  page.sockets = [];
  page.on('websocket', (ws) => {
    page.sockets.push(ws.url());
    ws.on('framereceived', (f) => {
      try { page.cti.push(JSON.parse(f.payload)); } catch { /* not JSON */ }
    });
  });
  await page.goto(base + '/');
  return page;
}

const account = (page) => page.cti.find((m) => m.type === 'snapshot')?.phone;
const fake = (page, fn, arg) => page.evaluate(fn, arg);
const status = (page, want, timeout) => text(page, '#phone-status', want, timeout);

async function logout(page) {
  await page.click('#btn-logout');
  await page.locator('#login-form').waitFor({ state: 'visible', timeout: WAIT });
}

test('without the JsSIP bundle the phone says so, and the rest of the page works', async () => {
  const page = await phonePage('missing');
  try {
    await login(page, 'bob', 'bob-demo', 'demo.local');
    await status(page, 'Browser phone: phone unavailable: JsSIP not bundled (run make)');
    assert.equal(await page.locator('#phone-status').getAttribute('data-phone'), 'unavailable');
    await text(page, '#line-state', /up/); // the demo's simulator answers the line
    await page.click('#btn-ready');
    await text(page, '#agent-state', 'Ready');
    await logout(page);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('the bundled JsSIP runs with the account: it opens /sip (503 in the demo) and keeps trying', async () => {
  const page = await phonePage('real');
  try {
    await login(page, 'bob', 'bob-demo', 'demo.local');
    assert.ok(account(page)?.username, 'the snapshot carries the phone account');
    await status(page, 'Browser phone: disconnected — reconnecting');
    const sip = page.sockets.filter((u) => u.endsWith('/sip'));
    assert.deepEqual(sip[0], base.replace('http', 'ws') + '/sip');
    assert.ok(page.console.every((l) => !/JsSIP could not be loaded|JsSIP UA:/.test(l)), page.console.join('\n'));
    await logout(page);
    await status(page, 'Browser phone: off');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('the phone registers the login\'s account, answers only the line call, plays it, recovers from a drop, stops at logout', async () => {
  const page = await phonePage('fake');
  try {
    await login(page, 'bob', 'bob-demo', 'demo.local');
    const acct = account(page);
    assert.ok(acct && acct.username && acct.password && acct.lineToken, `snapshot phone: ${JSON.stringify(acct)}`);
    await status(page, 'Browser phone: registering…');
    const cfg = await fake(page, () => {
      const c = window.fakeSIP.ua.config;
      return { ...c, sockets: c.sockets.map((s) => s.url), started: window.fakeSIP.ua.started };
    });
    assert.equal(cfg.started, true);
    assert.deepEqual(cfg.sockets, [base.replace('http', 'ws') + '/sip']);
    assert.equal(cfg.uri, `sip:${acct.username}@127.0.0.1`);
    assert.equal(cfg.authorization_user, acct.username);
    assert.equal(cfg.password, acct.password);
    assert.equal(cfg.register, true);
    assert.equal(cfg.session_timers, false);
    assert.match(cfg.contact_uri, new RegExp(`^sip:${acct.username}@[a-z0-9]+\\.invalid;transport=ws$`));

    // One refused REGISTER (the account may not be pushed yet): it tries again.
    await fake(page, () => { window.fakeSIP.ua.connect(); window.fakeSIP.ua.refuse('Rejected'); });
    await status(page, 'Browser phone: registering…');
    await page.waitForFunction(() => window.fakeSIP.ua.registers >= 1, null, { timeout: 3000 });
    await fake(page, () => window.fakeSIP.ua.registered());
    await status(page, 'Browser phone: registered');

    // Calls that are not this login's line are declined, never answered.
    for (const headers of [{}, { 'X-CCAAS-Line': 'someone-elses-token' }]) {
      const i = await fake(page, (h) => window.fakeSIP.incoming(h), headers);
      const s = await fake(page, (i) => { const s = window.fakeSIP.sessions[i]; return { answered: s.answered, terminated: s.terminated }; }, i);
      assert.equal(s.answered, null, `answered a call with ${JSON.stringify(headers)}`);
      assert.equal(s.terminated.status_code, 603);
    }
    await status(page, 'Browser phone: registered');

    // The line call: answered with audio only, no STUN/TURN, and its sound plays.
    const line = await fake(page, (t) => window.fakeSIP.incoming({ 'x-ccaas-line': t }), acct.lineToken);
    await status(page, 'Browser phone: line up');
    const answered = await fake(page, (i) => window.fakeSIP.sessions[i].answered, line);
    assert.deepEqual(answered, { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
    await page.waitForFunction(() => {
      const a = document.getElementById('phone-audio');
      return a.srcObject && a.srcObject.getAudioTracks().length === 1 && !a.paused;
    }, null, { timeout: WAIT });
    assert.equal(await page.locator('#phone-status').getAttribute('data-phone'), 'line');
    await text(page, '#line-state', /up/);
    await page.screenshot({ path: join(dir, 'phone-line-up.png') });

    // The socket drops: the phone says so, its line call is over; once it has
    // reconnected and registered again, the next line call is answered.
    await fake(page, () => window.fakeSIP.ua.drop());
    await status(page, 'Browser phone: disconnected — reconnecting');
    assert.ok(await fake(page, (i) => window.fakeSIP.sessions[i].isEnded(), line));
    assert.equal(await page.evaluate(() => document.getElementById('phone-audio').srcObject), null);
    await fake(page, () => { window.fakeSIP.ua.connect(); });
    await status(page, 'Browser phone: registering…');
    await fake(page, () => { window.fakeSIP.ua.registered(); });
    await status(page, 'Browser phone: registered');
    const again = await fake(page, (t) => window.fakeSIP.incoming({ 'X-CCAAS-Line': t }), acct.lineToken);
    await status(page, 'Browser phone: line up');

    // Logout stops the UA (it unregisters and ends the line call).
    await logout(page);
    await status(page, 'Browser phone: off');
    assert.ok(await fake(page, () => window.fakeSIP.ua.stopped));
    assert.ok(await fake(page, (i) => window.fakeSIP.sessions[i].isEnded(), again));
    assert.equal(await fake(page, () => window.fakeSIP.uas.length), 1);

    // A new login brings a new account: a new UA with it.
    page.cti.length = 0;
    await login(page, 'bob', 'bob-demo', 'demo.local');
    await status(page, 'Browser phone: registering…');
    const next = account(page);
    assert.notEqual(next.username, acct.username);
    assert.equal(await fake(page, () => window.fakeSIP.uas.length), 2);
    assert.equal(await fake(page, () => window.fakeSIP.ua.config.authorization_user), next.username);
    await logout(page);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('a refused microphone: a clear message that stays until the line gets the microphone', async () => {
  const page = await phonePage('fake', () => {
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    window.micAllowed = false;
    navigator.mediaDevices.getUserMedia = (c) => (window.micAllowed
      ? gum(c)
      : Promise.reject(new DOMException('Permission denied', 'NotAllowedError')));
  });
  try {
    await login(page, 'bob', 'bob-demo', 'demo.local');
    const acct = account(page);
    await fake(page, () => { window.fakeSIP.ua.connect(); window.fakeSIP.ua.registered(); });
    await status(page, 'Browser phone: registered');
    await fake(page, (t) => window.fakeSIP.incoming({ 'X-CCAAS-Line': t }), acct.lineToken);
    await status(page, 'Browser phone: microphone blocked');
    assert.equal(await page.locator('#phone-status').getAttribute('title'), MIC_BLOCKED);
    await page.locator('#message').waitFor({ state: 'visible', timeout: WAIT });
    await text(page, '#message', MIC_BLOCKED);
    assert.ok(await page.locator('#message').evaluate((m) => m.classList.contains('error')));
    await page.screenshot({ path: join(dir, 'phone-mic-blocked.png') });

    // Other actions do not make it go away; the server's next line call is
    // turned down the same way while the microphone stays blocked.
    await page.click('#btn-ready');
    await text(page, '#agent-state', 'Ready');
    await page.waitForTimeout(300);
    await text(page, '#message', MIC_BLOCKED);
    await fake(page, (t) => window.fakeSIP.incoming({ 'X-CCAAS-Line': t }), acct.lineToken);
    await page.waitForTimeout(300);
    await status(page, 'Browser phone: microphone blocked');
    // A dropped socket is news of its own; registered again, the block is still said.
    await fake(page, () => window.fakeSIP.ua.drop());
    await status(page, 'Browser phone: disconnected — reconnecting');
    await fake(page, () => { window.fakeSIP.ua.connect(); window.fakeSIP.ua.registered(); });
    await status(page, 'Browser phone: microphone blocked');
    await text(page, '#message', MIC_BLOCKED);

    // Allowed (site settings), the next line call is answered and the message goes.
    await page.evaluate(() => { window.micAllowed = true; });
    await fake(page, (t) => window.fakeSIP.incoming({ 'X-CCAAS-Line': t }), acct.lineToken);
    await status(page, 'Browser phone: line up');
    await page.locator('#message').waitFor({ state: 'hidden', timeout: WAIT });
    await page.click('#btn-notready');
    await text(page, '#agent-state', /^Not Ready/);
    await logout(page);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});
