// What new agents, supervisors and admins found hard, each as they see it, in a
// real (Debian) Chromium against `ccaas demo`: hover colours, the logout by a
// reload, the leave-page prompt, the offer's countdown and the caller's wait,
// lasting notices, messages that go once they no longer apply, and the words.
// Run with `npm run test:browser` (make test does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminLogin, login, placeCall, useDemo, watch, WAIT } from './harness.mjs';
import { assertClean } from './clean.mjs';

const demo = useDemo('ccaas-ux-');
const text = (page, sel, want, timeout) => demo.text(page, sel, want, timeout);
const visible = (page, sel) => page.locator(sel).waitFor({ state: 'visible', timeout: WAIT });
const hidden = (page, sel) => page.locator(sel).waitFor({ state: 'hidden', timeout: WAIT });

const open = (context) => demo.open('/', context);

async function ready(page) {
  await page.click('#btn-ready');
  await text(page, '#agent-state', 'Ready');
}

async function notReady(page) {
  await page.click('#btn-notready');
  await text(page, '#agent-state', /^Not Ready/);
}

async function takeCall(page, from) {
  await ready(page);
  await placeCall(page, from);
  await visible(page, '#notification');
  await text(page, '#notif-caller', from);
  await page.click('#notif-answer');
  await text(page, '#call-state', 'Connected');
}

// ---- colours, read from the computed style -----------------------------------

const rgb = (css) => {
  const m = css.match(/rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/);
  assert.ok(m, `not a colour: ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
};
const luminance = (c) => {
  const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
// contrast is WCAG's contrast ratio of two CSS colours.
const contrast = (a, b) => {
  const [x, y] = [luminance(rgb(a)), luminance(rgb(b))].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
// hue of a CSS colour in degrees, and how colourful it is (0 grey … 1).
const hue = (css) => {
  const [r, g, b] = rgb(css).map((v) => v / 255);
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  if (d === 0) return { h: 0, s: 0 };
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return { h: (h * 60 + 360) % 360, s: d / (1 - Math.abs(max + min - 1)) };
};
const isRed = (css) => { const { h, s } = hue(css); return s > 0.3 && (h < 20 || h > 340); };

// looks reads what a button looks like now: its colours, opacity and border.
const looks = (page, sel) => page.locator(sel).evaluate((el) => {
  const st = getComputedStyle(el);
  return { bg: st.backgroundColor, fg: st.color, opacity: st.opacity, border: st.borderTopStyle };
});

// hovered checks a coloured button under the pointer: still its colour, still readable.
async function hovered(page, sel, name) {
  await page.mouse.move(1000, 10);
  const before = await looks(page, sel);
  await page.hover(sel);
  await page.waitForTimeout(50);
  const after = await looks(page, sel);
  assert.notEqual(after.bg, 'rgb(238, 240, 243)', `${name}: pale grey under the pointer`);
  assert.ok(hue(after.bg).s > 0.3, `${name}: hovered, it should keep its colour, is ${after.bg}`);
  const c = contrast(after.fg, after.bg);
  assert.ok(c >= 4.5, `${name}: hovered, its label contrasts ${c.toFixed(2)}:1 (${after.fg} on ${after.bg})`);
  assert.notEqual(after.bg, before.bg, `${name}: the hover shows`);
}

// readable checks a button that cannot be used now: it reads at 4.5:1, not faded.
async function readable(page, sel, name) {
  const l = await looks(page, sel);
  assert.equal(l.opacity, '1', `${name}: faded`);
  const c = contrast(l.fg, l.bg);
  assert.ok(c >= 4.5, `${name}: contrast ${c.toFixed(2)}:1 (${l.fg} on ${l.bg})`);
  return l;
}

test('coloured buttons keep their colour under the pointer; disabled and refused ones read well and look apart', async () => {
  const page = await open();
  try {
    await visible(page, '#login-form');
    await hovered(page, '#btn-login', 'Log in');
    await login(page, 'alice', 'alice-demo', 'demo.local');
    await hovered(page, '#btn-ready', 'Ready');
    await hovered(page, '#btn-dial', 'Dial');
    await ready(page);
    const disabled = await readable(page, '#btn-ready', 'Ready while Ready (disabled)');
    await placeCall(page, '+4930900001');
    await visible(page, '#btn-answer');
    await hovered(page, '#btn-answer', 'Answer');
    await hovered(page, '#notif-answer', 'Answer in the notification');
    await page.click('#btn-answer');
    await text(page, '#call-state', 'Connected');
    // "Connected", the normal state of a call, is not red: red is for trouble
    for (const sel of ['#call-state', '#agent-state']) {
      const l = await looks(page, sel);
      assert.ok(!isRed(l.fg) && !isRed(l.bg), `${sel} is red: ${l.fg} on ${l.bg}`);
    }
    await hovered(page, '#btn-hangup', 'Hang up');
    await page.click('#btn-hold');
    await visible(page, '#btn-resume');
    await hovered(page, '#btn-resume', 'Resume');
    await page.click('#btn-resume');
    await visible(page, '#btn-hold');
    await page.click('#btn-hangup');
    await text(page, '#agent-state', 'Wrapup');
    // In wrapup Ready is refused (a click says why): readable too, and dashed, not grey
    assert.equal(await page.getAttribute('#btn-ready', 'aria-disabled'), 'true');
    const refused = await readable(page, '#btn-ready', 'Ready in wrapup (refused)');
    assert.notEqual(refused.border, disabled.border, 'refused and disabled look the same');
    assert.notEqual(refused.bg, disabled.bg, 'refused and disabled look the same');
    // The Ended badge reads well too.
    const ended = await looks(page, '#call-state');
    assert.ok(contrast(ended.fg, ended.bg) >= 4.5, `Ended: ${ended.fg} on ${ended.bg}`);
    // the dial hint in wrapup says what to do, not "go Not Ready first"
    await text(page, '#dial-hint', 'You can dial after wrapup, once you are Not Ready: choose Not Ready now and it applies when wrapup ends.');
    await text(page, '#agent-state', /^(Ready|Not Ready)/, 15_000);
    if (await page.locator('#btn-notready').isEnabled()) await notReady(page);
    await assertClean(page, 'buttons');
  } finally {
    await page.context().close();
  }
});

test('during a call or an offer the browser asks before the page goes; a reload or a close is told on the login form', async () => {
  const context = await demo.browser.newContext({ viewport: { width: 1280, height: 800 } });
  let page = await open(context);
  const dialogs = [];
  const follow = (p, answer) => p.on('dialog', async (d) => { dialogs.push(d.type()); await (answer === 'stay' ? d.dismiss() : d.accept()); });
  try {
    // Without a call the page goes without a question (and the next one says why).
    await login(page, 'bob', 'bob-demo', 'demo.local');
    await ready(page);
    follow(page, 'stay');
    await page.close({ runBeforeUnload: true });
    await page.waitForEvent('close', { timeout: WAIT });
    assert.deepEqual(dialogs, [], 'no prompt without a call');
    page = await open(context);
    await text(page, '#login-reason', 'You were logged out because the page was closed. Log in again to take calls.');

    follow(page, 'stay');
    await login(page, 'bob', 'bob-demo', 'demo.local');
    await takeCall(page, '+4930900002');
    await page.close({ runBeforeUnload: true });
    await page.waitForTimeout(500);
    assert.deepEqual(dialogs, ['beforeunload'], 'the leave-page prompt during a call');
    assert.ok(!page.isClosed(), 'the agent chose to stay');
    await text(page, '#call-state', 'Connected');

    // Reloading anyway: logged out, the caller back in the queue, and the form says so.
    page.removeAllListeners('dialog');
    follow(page, 'leave');
    await page.reload();
    await visible(page, '#login-form');
    assert.deepEqual(dialogs, ['beforeunload', 'beforeunload']);
    await text(page, '#login-reason', 'You were logged out because the page was reloaded. Your caller went back to the head of the queue. Log in again to take calls.');
    assert.equal(await page.inputValue('#username'), 'bob');
    assert.equal(await page.inputValue('#domain'), 'demo.local');
    assert.equal(await page.inputValue('#password'), '');
    const kept = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.ok(!kept.includes('bob-demo'), `the password is never kept: ${kept}`);
    await assertClean(page, 'the login form after a reload');

    // It is true: logged in again and Ready, the same caller is offered first.
    await page.fill('#password', 'bob-demo');
    await page.click('#btn-login');
    await text(page, '#agent-state', 'Not Ready (login)');
    await page.click('#btn-ready'); // the caller at the head of the queue is offered at once
    await text(page, '#notif-caller', '+4930900002');
    await text(page, '#agent-state', 'Offered');

    // Closing the tab during the offer: the next page says so.
    await page.close({ runBeforeUnload: true });
    await page.waitForEvent('close', { timeout: WAIT });
    assert.deepEqual(dialogs, ['beforeunload', 'beforeunload', 'beforeunload'], 'the prompt during an offer too');
    page = await open(context);
    await text(page, '#login-reason', 'You were logged out because the page was closed. Your caller went back to the head of the queue. Log in again to take calls.');
    assert.equal(await page.inputValue('#username'), 'bob');
    // Said once: the next load has nothing to tell.
    await page.reload();
    await visible(page, '#login-form');
    assert.ok(await page.locator('#login-reason').isHidden());
    // The caller is taken, so that the next test's calls are its own.
    await login(page, 'bob', 'bob-demo', 'demo.local');
    await page.click('#btn-ready');
    await text(page, '#notif-caller', '+4930900002');
    await page.click('#notif-answer');
    await text(page, '#call-state', 'Connected');
    await page.click('#btn-hangup');
    await text(page, '#agent-state', 'Ready');
    await notReady(page);
  } finally {
    await context.close();
  }
});

test('an offer counts down its ring time and shows how long the caller has waited', async () => {
  const page = await open();
  try {
    await login(page, 'alice', 'alice-demo', 'demo.local');
    await text(page, '#agent-state', /^Not Ready/);
    await placeCall(page, '+4930900003');
    await page.waitForTimeout(3000); // nobody is Ready: the caller waits
    await page.click('#btn-ready');
    await visible(page, '#notification');
    const wait = await text(page, '#notif-wait', /^Caller waiting 0:0[3-9]$/);
    await text(page, '#call-timer-label', 'Caller waiting');
    await text(page, '#call-timer', wait.replace('Caller waiting ', ''));
    const left = async () => Number((await text(page, '#notif-ring', /^\d+ s left to answer$/)).split(' ')[0]);
    const first = await left();
    assert.ok(first >= 15 && first <= 20, `the demo queue rings 20 s: ${first} s left`);
    await text(page, '#ring-left', `${first} s left to answer`);
    await text(page, '#notif-ring', `${first - 1} s left to answer`, 2500);
    await page.click('#notif-answer');
    await text(page, '#call-state', 'Connected');
    assert.ok(await page.locator('#ring-box').isHidden(), 'no countdown once answered');
    await text(page, '#call-timer', /^0:0\d$/); // the call's own time now
    await page.click('#btn-hangup');
    await text(page, '#agent-state', /^(Ready|Not Ready)/, 15_000);
    if (await page.locator('#btn-notready').isEnabled()) await notReady(page);
  } finally {
    await page.context().close();
  }
});

test('a whisper is shown for as long as it lasts; a refused transfer\'s message goes when the conference changes', async () => {
  const carol = await open();
  const alice = await open();
  const bob = await open();
  try {
    await login(carol, 'carol', 'carol-demo', 'demo.local');
    await login(alice, 'alice', 'alice-demo', 'demo.local');
    await login(bob, 'bob', 'bob-demo', 'demo.local');
    await takeCall(alice, '+4930900004');
    await carol.click('#team-agents tr[data-agent="alice"] button[data-cmd="whisper"]');
    await text(carol, '#watch-text', 'Whispering to Alice Anders');
    await text(alice, '#call-coach', 'Carol Chen (supervisor) is speaking to you; the caller cannot hear them.');
    await alice.waitForTimeout(7000); // longer than a notice of a moment lasts
    assert.ok(await alice.locator('#call-coach').isVisible(), 'the whisper goes on: still shown');
    await carol.click('#btn-stop-watch');
    await hidden(alice, '#call-coach');

    // Bob is invited to the conference; once he is on, Transfer says why not, and
    // the message goes when he leaves (it no longer applies).
    await ready(bob);
    await alice.fill('#conference-target', '1002');
    await alice.click('#btn-conference');
    await visible(bob, '#notification');
    await bob.click('#notif-answer');
    await text(bob, '#call-state', 'Connected');
    await text(alice, '#notice', 'Bob Berger joined the call');
    await alice.fill('#transfer-target', '1002');
    await alice.click('#btn-transfer', { force: true });
    await text(alice, '#message', 'Transfer is for a call you are alone on; to leave the customer with the others in the conference, hang up.');
    await bob.click('#btn-hangup');
    await text(alice, '#notice', 'Bob Berger left the call');
    await hidden(alice, '#message');
    await alice.click('#btn-hangup');
    await text(alice, '#agent-state', 'Wrapup');
    for (const p of [alice, bob]) {
      await text(p, '#agent-state', /^(Ready|Not Ready)/, 15_000);
      if (await p.locator('#btn-notready').isEnabled()) await notReady(p);
    }
  } finally {
    for (const p of [carol, alice, bob]) await p.context().close();
  }
});

test('an agent an admin removes is told so on the login form', async () => {
  const admin = watch(await (await demo.browser.newContext()).newPage());
  const agent = await open();
  try {
    await admin.goto(demo.base + '/admin/login');
    await adminLogin(admin);
    await admin.goto(demo.base + '/admin/agents/new');
    for (const [f, v] of Object.entries({ username: 'dora', name: 'Dora Diaz', extension: '1009', password: 'dora-password', password2: 'dora-password' })) await admin.fill(`#${f}`, v);
    await admin.click('main form.card button[type=submit]');
    await admin.waitForURL(/\/admin\/agents$/);
    await login(agent, 'dora', 'dora-password', 'demo.local');
    await text(agent, '#agent-state', 'Not Ready (login)');
    await admin.click('tbody tr:has-text("dora") a');
    await admin.check('#confirm');
    await admin.click('form.danger button[type=submit]');
    await admin.waitForURL(/\/admin\/agents$/);
    await visible(agent, '#login-form');
    await text(agent, '#login-reason', 'An administrator removed your account, so you have been logged out.');
  } finally {
    await admin.context().close();
    await agent.context().close();
  }
});
