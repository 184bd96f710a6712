// End-to-end test of the agent page in a real (Debian) Chromium: it builds and
// starts `ccaas demo` on a free port with a temporary database, then drives the
// page the way an agent would. Run with `npm run test:browser`.
// Set KEEP_TMP=1 to keep the temporary directory (screenshots, database),
// CCAAS_BIN=path to test an already built binary, CHROMIUM=path for another browser.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DemoFixture, text as waitText, watch, WAIT } from './harness.mjs';
import { assertClean } from './clean.mjs';

const demo = new DemoFixture('ccaas-browser-');
let dir, base, browser;
const assertServerAlive = () => demo.server.assertAlive();

before(async () => {
  await demo.setUp();
  ({ dir, base, browser } = demo);
}, { timeout: 300_000 });

after(() => demo.tearDown());

// newPage opens the agent page in a fresh context (its own cookies) and
// collects JavaScript errors, which no test should see, and the console
// (watch, for assertClean).
// It also keeps every CTI message the server sent it (page.cti), for checks
// against what the server really said.
async function newPage(setup) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (setup) await setup(context);
  const page = watch(await context.newPage());
  page.cti = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => {
    try { page.cti.push(JSON.parse(f.payload)); } catch { /* not JSON */ }
  }));
  await page.goto(base + '/');
  return page;
}

// text waits until the element's trimmed text matches (harness.mjs), failing
// early with the server's stderr if it died.
const text = (page, sel, want, timeout = WAIT) => waitText(page, sel, want, { timeout, alive: assertServerAlive });

const visible = (page, sel) => page.locator(sel).waitFor({ state: 'visible', timeout: WAIT });
const hidden = (page, sel) => page.locator(sel).waitFor({ state: 'hidden', timeout: WAIT });

async function login(page, username, password, domain = 'demo.local') {
  await visible(page, '#login-form');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.fill('#domain', domain);
  await page.click('#login-form button[type=submit]');
}

// loggedIn logs in and waits for the toolbar; a failure says what the page showed instead.
async function loggedIn(page, username, password) {
  await login(page, username, password);
  try {
    await visible(page, '#toolbar-view');
  } catch (e) {
    const shown = await page.evaluate(() => ['login-error', 'message'].map((id) => {
      const el = document.getElementById(id);
      return `#${id}${el.hidden ? ' (hidden)' : ''}: ${el.textContent}`;
    }).join('; '));
    throw new Error(`${username} did not reach the toolbar: ${shown}; page errors: ${page.errors}\n${e.message}`);
  }
}

test('a wrong password shows the server error and stays on the login form', async () => {
  const page = await newPage();
  try {
    await login(page, 'alice', 'not-her-password');
    await visible(page, '#login-error');
    await text(page, '#login-error', 'Wrong username, password or domain.');
    assert.ok(await page.locator('#login-form').isVisible());
    assert.ok(await page.locator('#toolbar-view').isHidden());
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('the demo needs no browser phone: the page says so, loads no JsSIP and opens no /sip', async () => {
  const page = await newPage();
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  page.on('websocket', (ws) => urls.push(ws.url()));
  try {
    await text(page, '#phone-status', 'Browser phone: off (demo)'); // already on the login form's page
    await login(page, 'bob', 'bob-demo');
    await text(page, '#line-state', /up/);
    await text(page, '#phone-status', 'Browser phone: off (demo)');
    assert.equal(await page.locator('#phone-status').getAttribute('data-phone'), 'demo');
    assert.match(await page.locator('#phone-status').getAttribute('title'), /simulator answers the line: no browser phone is needed/);
    const ls = await page.locator('#line-state').boundingBox();
    const ps = await page.locator('#phone-status').boundingBox();
    assert.ok(Math.abs(ls.y - ps.y) < 4 && ps.x > ls.x + ls.width, `the phone's status should sit right of the line's: ${JSON.stringify({ ls, ps })}`);
    assert.deepEqual(urls.filter((u) => /\/vendor\/|\/sip$/.test(u)), []);
    assert.ok(await page.locator('#message').isHidden());
    await logout(page);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

// recordStates keeps every label #agent-state shows from now on (window.shownStates):
// some states (Connecting) may last milliseconds, and some must never appear.
async function recordStates(page) {
  await page.evaluate(() => {
    window.shownStates = [];
    const el = document.getElementById('agent-state');
    const note = (t) => { if (window.shownStates.at(-1) !== t) window.shownStates.push(t); };
    // Read the text from each record, not from the element: several changes may share one callback.
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'characterData') note(r.target.data);
        for (const n of r.addedNodes) note(n.textContent);
      }
    }).observe(el, { childList: true, characterData: true, subtree: true });
    note(el.textContent);
  });
}
const shownStates = (page) => page.evaluate(() => window.shownStates);

// placeCall has a simulated customer call the demo queue from a known number.
async function placeCall(page, from) {
  const status = await page.evaluate(async (from) => {
    const res = await fetch('/api/demo/calls', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ did: '5550001', from }),
    });
    return res.status;
  }, from);
  assert.equal(status, 201, 'POST /api/demo/calls');
}

// readyWithCall logs in, goes Ready, has `from` call and answers it.
async function readyWithCall(page, username, password, from) {
  await loggedIn(page, username, password);
  await text(page, '#agent-state', 'Not Ready (login)');
  await page.click('#btn-ready');
  await text(page, '#agent-state', 'Ready');
  await placeCall(page, from);
  await visible(page, '#notification');
  await text(page, '#notif-caller', from);
  await page.click('#notif-answer');
  await text(page, '#agent-state', 'Connected');
  await text(page, '#call-state', 'Connected');
}

async function logout(page) {
  await page.click('#btn-logout');
  await visible(page, '#login-form');
  await text(page, '#login-reason', /logged out/);
}

test('bob takes a call, hangs up, takes a call the customer ends, and logs out', async () => {
  // Bob has no wrapup: after each call he is Ready at once.
  const page = await newPage();
  try {
    await login(page, 'bob', 'bob-demo');

    // Top-left corner: who and what state.
    await text(page, '#agent-name', /Bob/);
    await text(page, '#agent-ext', '1002');
    await text(page, '#agent-state', 'Not Ready (login)');
    const card = await page.locator('#agent-state').boundingBox();
    assert.ok(card.x < 400 && card.y < 200, `state badge should be top-left, is at ${card.x},${card.y}`);
    await visible(page, '#demo-panel');
    await text(page, '#line-state', /up/);
    assert.ok(await page.locator('#agent-pending').isHidden());
    assert.ok(await page.locator('#wrapup-countdown').isHidden());

    await page.click('#btn-ready');
    await text(page, '#agent-state', 'Ready');
    assert.ok(await page.locator('#btn-ready').isDisabled());

    await recordStates(page);

    // Call 1: through the demo button; the agent answers and hangs up.
    await page.click('#btn-demo-call');
    await visible(page, '#notification');
    const caller = await text(page, '#notif-caller', /^\+?\d{3,}/);
    const number = caller.split(' ')[0];
    const box = await page.locator('#notification').boundingBox();
    assert.ok(box.x + box.width > 1280 - 40 && box.y + box.height > 800 - 40,
      `notification should be bottom-right, is at ${JSON.stringify(box)}`);
    await text(page, '#notification', /Support/);
    await text(page, '#agent-state', 'Offered');
    await text(page, '#call-state', 'Offered');
    await text(page, '#call-caller', new RegExp('^' + number.replace('+', '\\+')));
    await text(page, '#call-queue', 'Support');
    // The protocol refuses Ready and Logout during an offer; Not Ready would become pending.
    assert.ok(await page.locator('#btn-ready').isDisabled());
    assert.ok(await page.locator('#btn-logout').isDisabled());
    assert.ok(await page.locator('#btn-notready').isEnabled());
    await page.screenshot({ path: join(dir, 'offered.png') });

    await page.click('#notif-answer');
    await text(page, '#agent-state', 'Connected');
    await text(page, '#call-state', 'Connected');
    await hidden(page, '#notification');
    const shown = await shownStates(page);
    const c = shown.indexOf('Connecting');
    assert.ok(c >= 0 && c < shown.indexOf('Connected'), `states shown: ${JSON.stringify(shown)}`);
    await visible(page, '#btn-hangup');
    // Attached data is rendered as text: only the dt/dd rows the page made, whatever the values hold.
    const tags = await page.$$eval('#call-data *', (els) => els.map((e) => e.tagName));
    assert.ok(tags.every((t) => t === 'DT' || t === 'DD'), `call data elements: ${tags}`);
    assert.ok(await page.locator('#btn-logout').isDisabled());
    assert.ok(await page.locator('#btn-ready').isDisabled());
    assert.ok(await page.locator('#btn-notready').isEnabled());
    await page.screenshot({ path: join(dir, 'connected.png') });

    await page.click('#btn-hangup');
    await text(page, '#call-state', /^Ended/);
    await text(page, '#agent-state', 'Ready');
    await hidden(page, '#btn-hangup');
    assert.ok(!(await shownStates(page)).includes('Wrapup'), 'bob has no wrapup');

    // Call 2: placed from the page with a known number; the customer hangs up.
    await placeCall(page, '+4930999888');
    await visible(page, '#notification');
    await text(page, '#notif-caller', /^\+4930999888/);
    await page.click('#btn-answer');
    await text(page, '#agent-state', 'Connected');
    await page.click('#btn-demo-hangup');
    await text(page, '#call-state', 'Ended (caller hung up)');
    await text(page, '#agent-state', 'Ready');

    // Not Ready with a reason, then Logout.
    await page.selectOption('#notready-reason', 'lunch');
    await page.click('#btn-notready');
    await text(page, '#agent-state', 'Not Ready (lunch)');
    assert.ok(await page.locator('#agent-pending').isHidden());
    await logout(page);
    await page.screenshot({ path: join(dir, 'logged-out.png') });
    assert.ok(await page.locator('#toolbar-view').isHidden());

    // The session is over: a reload lands on the login form too.
    await page.reload();
    await visible(page, '#login-form');
    await assertClean(page, 'the login form after a whole day');
  } finally {
    await page.context().close();
  }
});

test('a second login of the same agent ends the first session', async () => {
  const first = await newPage();
  const second = await newPage();
  try {
    await login(first, 'bob', 'bob-demo');
    await text(first, '#agent-ext', '1002');
    await login(second, 'bob', 'bob-demo');
    await text(second, '#agent-ext', '1002');
    await visible(first, '#login-form');
    await text(first, '#login-reason', /logged in somewhere else/);
    await text(second, '#agent-state', /^Not Ready/);
    assert.deepEqual(first.errors, []);
    assert.deepEqual(second.errors, []);
  } finally {
    await first.context().close();
    await second.context().close();
  }
});

test('alice is in wrapup after a call: countdown, Ready refused, Pending Not Ready, cancel, Not Ready at the end', async () => {
  // Alice has 10 s of wrapup after a queue call she talked to.
  const page = await newPage();
  try {
    await readyWithCall(page, 'alice', 'alice-demo', '+4930111222');
    await recordStates(page);
    await page.click('#btn-hangup');
    await text(page, '#call-state', /^Ended/);
    await text(page, '#agent-state', 'Wrapup');

    // A countdown replaces the time in state, next to the badge, and goes down.
    await visible(page, '#wrapup-countdown');
    assert.ok(await page.locator('#state-time').isHidden());
    const left = async () => Number((await text(page, '#wrapup-countdown', /^\d+ s left$/)).split(' ')[0]);
    const first = await left();
    assert.ok(first >= 1 && first <= 10, `countdown starts at ${first}`);
    const badge = await page.locator('#agent-state').boundingBox();
    const cd = await page.locator('#wrapup-countdown').boundingBox();
    assert.ok(Math.abs(cd.y + cd.height / 2 - (badge.y + badge.height / 2)) < 8 && cd.x > badge.x,
      `countdown should sit right of the state badge: ${JSON.stringify({ badge, cd })}`);
    await text(page, '#wrapup-countdown', new RegExp(`^${first - 1} s left$`), 2500);

    // Ready and Logout are refused in wrapup: they look disabled; a click brings the server's reason.
    assert.equal(await page.locator('#btn-ready').getAttribute('aria-disabled'), 'true');
    assert.equal(await page.locator('#btn-logout').getAttribute('aria-disabled'), 'true');
    await page.click('#btn-ready', { force: true });
    await visible(page, '#message');
    await text(page, '#message', /wrap ?up/i); // the server says why
    console.log('refusal in wrapup:', await page.locator('#message').textContent());
    assert.ok(await page.locator('#message').evaluate((m) => m.classList.contains('error')));
    await text(page, '#agent-state', 'Wrapup');

    // Not Ready in wrapup asks for Pending Not Ready; Cancel takes it back.
    assert.ok(await page.locator('#agent-pending').isHidden());
    await page.selectOption('#notready-reason', 'lunch');
    const before = await page.locator('#btn-notready').boundingBox();
    await page.click('#btn-notready');
    await visible(page, '#agent-pending');
    assert.deepEqual(await page.locator('#btn-notready').boundingBox(), before, 'the pending note must not move the buttons');
    await text(page, '#agent-pending', 'Next: Not Ready (lunch)');
    await text(page, '#agent-state', 'Wrapup');
    await page.click('#btn-cancel-pending');
    await hidden(page, '#agent-pending');
    await text(page, '#agent-pending', '');
    await page.click('#btn-notready');
    await visible(page, '#agent-pending');
    await text(page, '#agent-pending', 'Next: Not Ready (lunch)');
    await text(page, '#agent-state', 'Wrapup');
    await page.mouse.move(900, 600); // no hover highlight in the picture
    await page.screenshot({ path: join(dir, 'wrapup.png') });

    // When wrapup ends the pending Not Ready applies: never Ready in between.
    await text(page, '#agent-state', 'Not Ready (lunch)', 15_000);
    await hidden(page, '#agent-pending');
    await hidden(page, '#wrapup-countdown');
    await visible(page, '#state-time');
    const shown = await shownStates(page);
    assert.deepEqual(shown.slice(shown.indexOf('Wrapup')), ['Wrapup', 'Not Ready (lunch)'], `states shown: ${JSON.stringify(shown)}`);
    assert.ok(await page.locator('#btn-ready').isEnabled());
    await logout(page);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('Not Ready during a call is pending until the customer hangs up, then applies', async () => {
  const page = await newPage();
  try {
    await readyWithCall(page, 'bob', 'bob-demo', '+4930333444');
    await page.selectOption('#notready-reason', 'training');
    await page.click('#btn-notready');
    await visible(page, '#agent-pending');
    await text(page, '#agent-pending', 'Next: Not Ready (training)');
    await text(page, '#agent-state', 'Connected');
    await text(page, '#call-state', 'Connected');
    assert.ok(await page.locator('#btn-ready').isDisabled());
    assert.ok(await page.locator('#btn-logout').isDisabled());
    await page.mouse.move(900, 600);
    await page.screenshot({ path: join(dir, 'pending-in-call.png') });

    await page.click('#btn-demo-hangup');
    await text(page, '#call-state', 'Ended (caller hung up)');
    await text(page, '#agent-state', 'Not Ready (training)');
    await hidden(page, '#agent-pending');
    await logout(page);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

// ---- call controls, two agents, attached data, outbound ----------------------
//
// The server allows each user 5 logins, then one every 20 s (right passwords count
// too). So the tests below share one logged-in page per agent (sharedAgent), and each
// starts by bringing it back to Not Ready without a call (settle).

const shared = new Map(); // username -> page

async function sharedAgent(username) {
  let page = shared.get(username);
  if (page && await page.locator('#toolbar-view').isVisible()) {
    await settle(page);
    page.errors.length = 0;
    return page;
  }
  if (page) await page.context().close();
  page = await newPage();
  shared.set(username, page);
  await loggedIn(page, username, `${username}-demo`);
  await text(page, '#agent-state', /^Not Ready/);
  return page;
}

async function dropShared(username) {
  const page = shared.get(username);
  shared.delete(username);
  if (!page) return;
  if (await page.locator('#toolbar-view').isVisible().catch(() => false)) {
    await settle(page).catch(() => {});
    await logout(page).catch(() => {});
  }
  await page.context().close();
}

// After each test the shared agents are Not Ready: a queue call placed by the next
// test must reach the agent it is meant for.
afterEach(async () => {
  for (const page of shared.values()) {
    if (await page.locator('#toolbar-view').isVisible().catch(() => false)) await settle(page);
  }
});

after(async () => {
  for (const u of [...shared.keys()]) await dropShared(u).catch(() => {});
});

// settle ends whatever call the page still shows (after a failed test) and goes Not Ready.
async function settle(page) {
  const call = ((await page.locator('#call-state').textContent()) || '').trim();
  if (await page.locator('#call-details').isVisible() && /^(Offered|Connecting|Connected)/.test(call)) {
    if (call.startsWith('Offered')) {
      await page.click('#btn-answer');
      await text(page, '#call-state', 'Connected');
    }
    await page.click('#btn-hangup');
    await text(page, '#call-state', /^Ended/);
  }
  await text(page, '#agent-state', /^(Ready|Not Ready)/, 15_000); // alice may be in wrapup
  if ((await page.locator('#agent-state').textContent()) === 'Ready') {
    await page.selectOption('#notready-reason', 'break');
    await page.click('#btn-notready');
    await text(page, '#agent-state', /^Not Ready/);
  }
}

// takeCall goes Ready, has `from` call the queue and answers.
async function takeCall(page, from) {
  await page.click('#btn-ready');
  await text(page, '#agent-state', 'Ready');
  await placeCall(page, from);
  await visible(page, '#notification');
  await text(page, '#notif-caller', from);
  await page.click('#notif-answer');
  await text(page, '#agent-state', 'Connected');
  await text(page, '#call-state', 'Connected');
}

// partyRows reads #call-parties: [{cls, name, ext, state}] in order.
const partyRows = (page) => page.$$eval('#call-parties li', (lis) => lis.map((li) => ({
  cls: li.className, name: li.querySelector('.party-name').textContent,
  ext: li.querySelector('.party-ext').textContent, state: li.querySelector('.party-state').textContent,
})));

// waitParties waits until the agents listed on the page are exactly `want` ("name|state" each).
async function waitParties(page, want) {
  const deadline = Date.now() + WAIT;
  let got;
  for (;;) {
    got = (await partyRows(page)).filter((r) => r.cls.includes('agent')).map((r) => `${r.name}|${r.state}`);
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    assertServerAlive();
    if (Date.now() > deadline) assert.fail(`#call-parties: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    await page.waitForTimeout(50);
  }
}

// dataRows reads an attached-data list: [{short, title, value}].
const dataRows = (page, sel) => page.$$eval(`${sel} dt`, (dts) => dts.map((dt) => ({
  short: dt.textContent, title: dt.title, value: dt.nextElementSibling.textContent,
})));

// lastOffer is the call of the newest offer message the page received.
const lastOffer = (page) => page.cti.filter((m) => m.type === 'offer').at(-1)?.call;

async function hangUp(page, agentState) {
  await page.click('#btn-hangup');
  await text(page, '#call-state', /^Ended/);
  await text(page, '#agent-state', agentState);
}

test('bob holds and resumes a call (Held, a running hold timer), mutes and unmutes', async () => {
  const page = await sharedAgent('bob');
  await takeCall(page, '+4930777001');
  await visible(page, '#btn-hold');
  await visible(page, '#btn-mute');
  assert.ok(await page.locator('#btn-resume').isHidden());
  assert.ok(await page.locator('#call-held').isHidden());

  await page.click('#btn-hold');
  await visible(page, '#call-held');
  await text(page, '#call-held', 'Held');
  await visible(page, '#btn-resume');
  assert.ok(await page.locator('#btn-hold').isHidden());
  await text(page, '#call-parties .customer .party-state', 'On hold');
  assert.ok(await page.locator('#key-1').isDisabled(), 'no tones to a held customer');
  const first = await text(page, '#hold-timer', /^0:0\d$/);
  await text(page, '#hold-timer', (t) => /^0:\d\d$/.test(t) && t > first, 2500); // it ticks
  await page.mouse.move(900, 600);
  await page.screenshot({ path: join(dir, 'held.png') });
  await text(page, '#call-state', 'Connected');

  await page.click('#btn-resume');
  await hidden(page, '#call-held');
  await hidden(page, '#hold-timer');
  await visible(page, '#btn-hold');
  assert.ok(await page.locator('#btn-resume').isHidden());
  await text(page, '#call-parties .customer .party-state', 'Connected');

  await page.click('#btn-mute');
  await visible(page, '#call-muted');
  await visible(page, '#btn-unmute');
  await page.click('#btn-unmute');
  await hidden(page, '#call-muted');
  await visible(page, '#btn-mute');
  assert.ok(await page.locator('#message').isHidden(), 'no refusal');

  await hangUp(page, 'Ready');
  await hidden(page, '#call-actions');
  assert.deepEqual(page.errors, []);
});

test('bob transfers a call to alice: refused while she is Not Ready, then she gets it with its data', async () => {
  const bob = await sharedAgent('bob');
  const alice = await sharedAgent('alice');
  await takeCall(bob, '+4930777002');
  const data = await dataRows(bob, '#call-data');
  assert.equal(data.length, 3, `call data: ${JSON.stringify(data)}`);

  // Alice is Not Ready: the server refuses and says why; bob keeps the call.
  await bob.fill('#transfer-target', '1001');
  await bob.click('#btn-transfer');
  await text(bob, '#message', /Alice Anders \(1001\) is Not Ready/);
  console.log('refused transfer:', await bob.locator('#message').textContent());
  assert.ok(await bob.locator('#message').evaluate((m) => m.classList.contains('error')));
  await text(bob, '#call-state', 'Connected');
  await text(bob, '#agent-state', 'Connected');

  await alice.click('#btn-ready');
  await text(alice, '#agent-state', 'Ready');
  await bob.fill('#transfer-target', '1001');
  await bob.click('#btn-transfer');
  await text(bob, '#call-state', 'Ended (transferred)');
  await text(bob, '#agent-state', 'Ready'); // bob has no wrapup

  await visible(alice, '#notification');
  await text(alice, '#notif-caller', '+4930777002');
  await text(alice, '#notif-title', 'Transferred call');
  await text(alice, '#call-caller', /^\+4930777002/);
  assert.deepEqual(await dataRows(alice, '#call-data'), data, 'the data follows the call');
  assert.deepEqual(lastOffer(alice).data.map((d) => d.value), data.map((d) => d.value));
  await alice.click('#notif-answer');
  await text(alice, '#call-state', 'Connected');
  await text(alice, '#agent-state', 'Connected');
  await text(alice, '#call-direction', 'Inbound (transferred to you)');
  await waitParties(alice, ['Alice Anders (you)|Connected']);

  // A transferred-in call has no wrapup.
  await hangUp(alice, 'Ready');
  // Her call list shows it once the call has ended.
  await text(alice, '#recent-calls li:first-child .recent-callback', '+4930777002');
  await text(alice, '#recent-calls li:first-child .recent-dir', 'Inbound');
  assert.deepEqual(bob.errors, []);
  assert.deepEqual(alice.errors, []);
});

test('bob invites alice to a conference: both see both, joined and left notices, bob stays on', async () => {
  const bob = await sharedAgent('bob');
  const alice = await sharedAgent('alice');
  // Alice goes Ready only once bob has the call: the queue would offer it to her.
  await takeCall(bob, '+4930777003');
  await alice.click('#btn-ready');
  await text(alice, '#agent-state', 'Ready');
  await waitParties(bob, ['Bob Berger (you)|Connected']);

  await bob.fill('#conference-target', '1001');
  await bob.click('#btn-conference');
  await waitParties(bob, ['Bob Berger (you)|Connected', 'Alice Anders|Offered']);
  await visible(alice, '#notification');
  await text(alice, '#notif-title', 'Conference invitation');
  await text(alice, '#notif-caller', '+4930777003');
  await alice.click('#notif-answer');
  await text(alice, '#call-state', 'Connected');

  await visible(bob, '#notice');
  await text(bob, '#notice', 'Alice Anders joined the call');
  await waitParties(bob, ['Bob Berger (you)|Connected', 'Alice Anders|Connected']);
  await waitParties(alice, ['Bob Berger|Connected', 'Alice Anders (you)|Connected']);
  const rows = await partyRows(bob);
  assert.ok(rows[0].cls.includes('customer') && rows[0].ext === '+4930777003', `customer row: ${JSON.stringify(rows[0])}`);
  // Transfer is for a call one is alone on: it looks unavailable now.
  assert.equal(await bob.locator('#btn-transfer').getAttribute('aria-disabled'), 'true');
  await bob.mouse.move(900, 600);
  await bob.screenshot({ path: join(dir, 'conference.png') });

  // Alice leaves: bob is told and stays on the call with the customer.
  await alice.click('#btn-hangup');
  await text(alice, '#call-state', 'Ended (you left)');
  await text(alice, '#agent-state', 'Ready'); // no wrapup for an invited agent
  await text(bob, '#notice', 'Alice Anders left the call');
  await waitParties(bob, ['Bob Berger (you)|Connected']);
  await text(bob, '#call-state', 'Connected');
  await text(bob, '#agent-state', 'Connected');

  await hangUp(bob, 'Ready');
  assert.deepEqual(bob.errors, []);
  assert.deepEqual(alice.errors, []);
  await dropShared('alice'); // the next test logs her in on a page of its own
});

test('attached data: long keys are cut with the whole key on hover, HTML in values is shown as text', async () => {
  const page = await sharedAgent('bob');
  await page.click('#btn-ready');
  await text(page, '#agent-state', 'Ready');
  // The demo's IVR picks values at random; some hold HTML. Call until one does.
  let offer;
  for (let i = 0; i < 30; i++) {
    const from = `+49307771${String(i).padStart(2, "0")}`;
    await placeCall(page, from);
    await text(page, '#notif-caller', from);
    await text(page, '#call-state', 'Offered');
    offer = lastOffer(page);
    assert.equal(offer.caller.number, from);
    if (offer.data.some((d) => d.value.includes('<'))) break;
    await page.click('#notif-answer');
    await text(page, '#call-state', 'Connected');
    await hangUp(page, 'Ready');
  }
  const html = offer.data.find((d) => d.value.includes('<'));
  assert.ok(html, 'no call with HTML in its data in 30 tries');
  const long = offer.data.find((d) => Array.from(d.key).length > 15);
  assert.ok(long, `a key longer than 15 characters: ${JSON.stringify(offer.data)}`);

  // Both the toolbar and the notification: every key cut to 15 characters (whole in
  // title), every value exactly as sent, and no element but the rows themselves.
  for (const sel of ['#call-data', '#notif-data']) {
    const rows = await dataRows(page, sel);
    assert.deepEqual(rows.map((r) => r.title), offer.data.map((d) => d.key), `${sel} keys in title`);
    assert.deepEqual(rows.map((r) => r.value), offer.data.map((d) => d.value), `${sel} values as text`);
    for (const r of rows) {
      const chars = Array.from(r.title);
      assert.equal(r.short, chars.length > 15 ? chars.slice(0, 15).join('').trimEnd() + '…' : r.title);
    }
    const tags = await page.$$eval(`${sel} *`, (els) => els.map((e) => e.tagName));
    assert.ok(tags.every((t) => t === 'DT' || t === 'DD'), `${sel} elements: ${tags}`);
    assert.equal(await page.locator(`${sel} b`).count(), 0);
  }
  const cut = page.locator('#call-data dt', { hasText: '…' }).first();
  assert.equal(await cut.getAttribute('title'), long.key);
  assert.equal(await cut.textContent(), 'Reason for call…');
  assert.ok((await page.locator('#call-data').textContent()).includes(html.value));
  if (html.value.includes('<b>')) assert.ok((await page.locator('#call-data').textContent()).includes('<b>'));
  console.log('HTML value shown as text:', html.value);
  await page.screenshot({ path: join(dir, 'offer-data.png') });

  await page.click('#notif-answer');
  await text(page, '#call-state', 'Connected');
  await visible(page, '#keypad');
  assert.ok((await page.locator('#call-data').textContent()).includes(html.value));
  await page.mouse.move(900, 600);
  await page.screenshot({ path: join(dir, 'connected-data.png') });
  await hangUp(page, 'Ready');
  assert.deepEqual(page.errors, []);
});

test('without the tenant\'s notifyIncoming the offer shows in the toolbar only, without a beep', async () => {
  // The demo tenant notifies; the snapshot is changed on its way to the page.
  // Oscillators are counted: each beep makes two.
  const page = await newPage(async (context) => {
    await context.addInitScript(() => {
      window.oscillators = 0;
      const C = window.AudioContext;
      if (C) {
        const make = C.prototype.createOscillator;
        C.prototype.createOscillator = function () { window.oscillators++; return make.call(this); };
      }
    });
    await context.routeWebSocket(/\/api\/cti$/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((m) => {
        const msg = JSON.parse(m);
        if (msg.type === 'snapshot') msg.settings = { ...msg.settings, notifyIncoming: false };
        ws.send(JSON.stringify(msg));
      });
    });
  });
  try {
    await loggedIn(page, 'alice', 'alice-demo');
    await page.click('#btn-ready');
    await text(page, '#agent-state', 'Ready');
    await placeCall(page, '+4930777004');
    await text(page, '#call-state', 'Offered');
    await text(page, '#call-caller', /^\+4930777004/);
    await visible(page, '#btn-answer');
    await page.waitForTimeout(300);
    assert.ok(await page.locator('#notification').isHidden(), 'no notification');
    assert.equal(await page.evaluate(() => window.oscillators), 0, 'no beep');
    // The customer gives up before she answers: no wrapup for her.
    await page.click('#btn-demo-hangup');
    await text(page, '#call-state', 'Ended (caller hung up)');
    await text(page, '#agent-state', 'Ready');
    await logout(page);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('bob dials out when Not Ready, sends tones, hangs up, and calls back from his recent calls', async () => {
  const page = await sharedAgent('bob');
  const notReady = await text(page, '#agent-state', /^Not Ready/);
  assert.ok(await page.locator('#btn-dial').isEnabled());
  assert.equal(await page.locator('#btn-dial').getAttribute('aria-disabled'), null);
  assert.ok(await page.locator('#dial-hint').isHidden());

  await page.fill('#dial-number', '+4930123456');
  await page.click('#btn-dial');
  await text(page, '#call-state', 'Connected');
  await text(page, '#agent-state', 'Connected');
  await text(page, '#call-direction', 'Outbound');
  await text(page, '#call-caller', '+4930123456');
  assert.ok(await page.locator('#btn-dial').isDisabled(), 'no second call meanwhile');

  for (const k of ['1', '2', 'hash', 'star', '0']) await page.click(`#key-${k}`);
  await text(page, '#dtmf-sent', 'Sent: 12#*0'); // each accepted by the server
  await page.screenshot({ path: join(dir, 'outbound.png') });
  assert.ok(await page.locator('#message').isHidden(), 'no error');

  await hangUp(page, notReady); // back to Not Ready with the same reason, no wrapup
  await text(page, '#recent-calls li:first-child .recent-callback', '+4930123456');
  await text(page, '#recent-calls li:first-child .recent-dir', 'Outbound');
  await text(page, '#recent-calls li:first-child .recent-dur', /^\d+:\d\d$/);
  await text(page, '#recent-calls li:first-child .recent-time', /\d/);

  // Call back from the list.
  await page.fill('#dial-number', '');
  await page.click('#recent-calls li:first-child .recent-callback');
  assert.equal(await page.inputValue('#dial-number'), '+4930123456');
  await text(page, '#call-state', 'Connected');
  await text(page, '#call-direction', 'Outbound');
  await hangUp(page, notReady);
  await text(page, '#recent-calls', (t) => (t.match(/\+4930123456/g) || []).length === 2);

  // While Ready, dialling is not for now: the page and the server say why.
  await page.click('#btn-ready');
  await text(page, '#agent-state', 'Ready');
  await visible(page, '#dial-hint');
  await text(page, '#dial-hint', /Not Ready/);
  assert.equal(await page.locator('#btn-dial').getAttribute('aria-disabled'), 'true');
  await page.click('#recent-calls li:first-child .recent-callback');
  await text(page, '#message', /go Not Ready to call back/i);
  await page.click('#btn-dial', { force: true }); // looks unavailable, still asks the server
  await text(page, '#message', /Not Ready/);
  console.log('dial while Ready:', await page.locator('#message').textContent());
  await text(page, '#agent-state', 'Ready');
  assert.deepEqual(page.errors, []);
});

test('alice calls bob: his offer names alice, each sees the other, and each one\'s recent calls call the other back', async () => {
  const alice = await sharedAgent('alice');
  const bob = await sharedAgent('bob');
  await bob.click('#btn-ready');
  await text(bob, '#agent-state', 'Ready'); // the demo tenant's agent calls reach Ready agents only
  const aliceState = await text(alice, '#agent-state', /^Not Ready/);

  const seen = bob.cti.length; // bob's page is shared: earlier tests offered him calls too
  await alice.fill('#dial-number', '1002');
  await alice.click('#btn-dial');
  await visible(bob, '#notification');
  await text(bob, '#notif-title', 'Call from a colleague');
  await text(bob, '#notif-caller', '1001');
  await text(bob, '#notif-name', 'Alice Anders');
  await text(bob, '#call-caller', '1001 (Alice Anders)');
  const offer = bob.cti.slice(seen).find((m) => m.type === 'offer');
  assert.deepEqual(offer.call.caller, { number: '1001', name: 'Alice Anders' }, 'the offer names the agent who dials');
  await bob.screenshot({ path: join(dir, 'agent-call-offer.png') });

  await bob.click('#notif-answer');
  await text(bob, '#call-state', 'Connected');
  await text(bob, '#call-direction', 'Internal (a colleague calls)');
  await text(alice, '#call-state', 'Connected');
  await text(alice, '#call-caller', '1002 (Bob Berger)');
  await hangUp(alice, aliceState);
  await text(bob, '#call-state', /^Ended/);

  await text(bob, '#recent-calls li:first-child .recent-callback', '1001');
  assert.match(await bob.locator('#recent-calls li:first-child .recent-callback').getAttribute('title'), /Alice Anders/);
  await text(bob, '#recent-calls li:first-child .recent-dir', 'Internal');
  await text(alice, '#recent-calls li:first-child .recent-callback', '1002');
  assert.match(await alice.locator('#recent-calls li:first-child .recent-callback').getAttribute('title'), /Bob Berger/);
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('an offer nobody answers is withdrawn after the ring time: Not Ready (missed call)', async () => {
  // The demo queue rings for 20 s; this test waits for it. It runs last: the call goes
  // back to the head of the queue, and it is taken here so no other test gets it.
  const page = await sharedAgent('bob');
  await page.click('#btn-ready');
  await text(page, '#agent-state', 'Ready');
  await placeCall(page, '+4930555666');
  await visible(page, '#notification');
  await text(page, '#notif-caller', '+4930555666');
  await text(page, '#agent-state', 'Offered');

  await text(page, '#agent-state', 'Not Ready (missed call)', 25_000);
  await hidden(page, '#notification');
  await text(page, '#call-state', 'Ended (offer withdrawn)');
  assert.ok(await page.locator('#agent-pending').isHidden());

  // Ready again: the same customer, first in the queue, is offered at once.
  await page.click('#btn-ready');
  await visible(page, '#notification');
  await text(page, '#notif-caller', '+4930555666');
  await page.click('#notif-answer');
  await text(page, '#agent-state', 'Connected');
  await page.click('#btn-demo-hangup');
  await text(page, '#agent-state', 'Ready');
  // Bob's list has both: the answered call (newest) and, before it, the missed offer.
  await text(page, '#recent-calls li:nth-child(1) .recent-callback', '+4930555666');
  await text(page, '#recent-calls li:nth-child(2) .recent-callback', '+4930555666');
  await text(page, '#recent-calls li:nth-child(2) .recent-dur', 'missed');
  assert.deepEqual(page.errors, []);
  await dropShared('bob');
});
