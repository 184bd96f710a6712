// The agent page and the admin pages without a mouse, zoomed to 400 %, and with
// the browser's font size doubled, in a real (Debian) Chromium against `ccaas
// demo`. Run with `npm run test:browser` (make test does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { login, placeCall, useDemo, watch, WAIT } from './harness.mjs';
import { assertClean, overflow } from './clean.mjs';

const demo = useDemo('ccaas-keyboard-');
const text = (page, sel, want, timeout) => demo.text(page, sel, want, timeout);
const visible = (page, sel) => page.locator(sel).waitFor({ state: 'visible', timeout: WAIT });

const open = (viewport = { width: 1280, height: 800 }, path = '/') => demo.open(path, { viewport });

const focused = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return el ? el.id || el.tagName.toLowerCase() : '';
});

// focusIs waits until the element with this id has the focus.
async function focusIs(page, id, what) {
  const deadline = Date.now() + WAIT;
  let got;
  while ((got = await focused(page)) !== id) {
    if (Date.now() > deadline) assert.fail(`${what}: the focus should be on #${id}, is on ${got}`);
    await page.waitForTimeout(50);
  }
}

// tabTo presses Tab (or Shift+Tab) until the element with this id has the focus,
// as a keyboard user would.
async function tabTo(page, id, back = false) {
  for (let i = 0; i < 60; i++) {
    if (await focused(page) === id) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`#${id} was not reached with ${back ? 'Shift+Tab' : 'Tab'}; the focus is on ${await focused(page)}`);
}

test('a whole call without the mouse: log in, Ready, answer, hold, resume, transfer, hang up, wrapup', async () => {
  const alice = await open(); // the keyboard only: no click, no mouse on this page
  const bob = await open();   // the colleague she transfers to
  try {
    await visible(alice, '#login-form');
    await focusIs(alice, 'username', 'the login form');
    await alice.keyboard.type('alice');
    await alice.keyboard.press('Tab');
    await alice.keyboard.type('alice-demo');
    await alice.keyboard.press('Tab');
    await alice.keyboard.type('demo.local');
    await alice.keyboard.press('Enter');
    await text(alice, '#agent-state', 'Not Ready (login)');
    await focusIs(alice, 'btn-ready', 'after logging in with Enter');

    await alice.keyboard.press('Enter');
    await text(alice, '#agent-state', 'Ready');
    await focusIs(alice, 'btn-notready', 'after Ready (now disabled)');

    // The offer: its Answer is the first stop of the tab order, and Alt+A answers.
    await placeCall(alice, '+4930800001');
    await visible(alice, '#notification');
    const first = await alice.evaluate(() => [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
      .find((el) => !el.disabled && el.tabIndex >= 0 && el.checkVisibility())?.id);
    assert.equal(first, 'notif-answer', 'the notification\'s Answer comes first in the tab order');
    assert.equal(await alice.getAttribute('#notif-answer', 'aria-keyshortcuts'), 'Alt+A');
    await text(alice, '#notif-answer', /Alt\+A/); // the shortcut is written on the button
    await alice.keyboard.press('Alt+A');
    await text(alice, '#call-state', 'Connected');
    await focusIs(alice, 'btn-hangup', 'after answering with Alt+A');

    await tabTo(alice, 'btn-hold', true);
    await alice.keyboard.press('Enter');
    await visible(alice, '#call-held');
    await focusIs(alice, 'btn-resume', 'after Hold');
    await alice.keyboard.press('Space');
    await alice.locator('#call-held').waitFor({ state: 'hidden', timeout: WAIT });
    await focusIs(alice, 'btn-hold', 'after Resume');

    // Transfer to bob: alice's call ends and her wrapup begins.
    await login(bob, 'bob', 'bob-demo', 'demo.local');
    await bob.click('#btn-ready');
    await text(bob, '#agent-state', 'Ready');
    await tabTo(alice, 'transfer-target');
    await alice.keyboard.type('1002');
    await alice.keyboard.press('Enter');
    await text(alice, '#call-state', 'Ended (transferred)');
    await text(alice, '#agent-state', 'Wrapup');
    await focusIs(alice, 'btn-notready', 'after the transfer, in wrapup');
    await visible(bob, '#notification');
    await bob.click('#notif-answer');
    await text(bob, '#call-state', 'Connected');
    await bob.click('#btn-hangup');
    await text(bob, '#agent-state', 'Ready');
    await bob.click('#btn-notready');
    await text(bob, '#agent-state', /^Not Ready/);

    // Wrapup ends; the next call is answered from the notification with Tab and Enter,
    // and hung up with Enter.
    await text(alice, '#agent-state', 'Ready', 15_000);
    await placeCall(alice, '+4930800002');
    await visible(alice, '#notification');
    await tabTo(alice, 'notif-answer');
    await alice.keyboard.press('Enter');
    await text(alice, '#call-state', 'Connected');
    await focusIs(alice, 'btn-hangup', 'after Answer');
    await alice.keyboard.press('Enter');
    await text(alice, '#agent-state', 'Wrapup');
    await focusIs(alice, 'btn-notready', 'after Hang up, in wrapup');

    // In wrapup: Not Ready (lunch) becomes pending and applies when wrapup ends.
    await tabTo(alice, 'notready-reason', true);
    await alice.keyboard.type('Lunch');
    assert.equal(await alice.inputValue('#notready-reason'), 'lunch');
    await alice.keyboard.press('Tab');
    await focusIs(alice, 'btn-notready', 'the reason, then Not Ready');
    await alice.keyboard.press('Enter');
    await text(alice, '#agent-pending', 'Next: Not Ready (lunch)');
    await text(alice, '#agent-state', 'Not Ready (lunch)', 15_000);
    await focusIs(alice, 'btn-notready', 'after wrapup');
    await assertClean(alice, 'the keyboard agent at the end');
  } finally {
    await alice.context().close();
    await bob.context().close();
  }
});

test('admin pages: the skip link leads to the content, a refused form opens on its first field in error', async () => {
  const page = await open(undefined, '/admin/login');
  try {
    await focusIs(page, 'username', 'the login form'); // autofocus
    await page.keyboard.type('admin');
    await page.fill('#password', 'admin-demo');
    await page.fill('#domain', 'demo.local');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/agents$/);

    // The first Tab reaches the skip link, which shows, and leads past the navigation.
    assert.ok(await page.locator('a.skip').evaluate((a) => a.getBoundingClientRect().bottom <= 0), 'hidden until reached');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to main content');
    assert.ok(await page.locator('a.skip').evaluate((a) => a.getBoundingClientRect().top >= 0), 'the skip link shows when it has the focus');
    await page.keyboard.press('Enter');
    await focusIs(page, 'main', 'after the skip link');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'New agent');

    await page.goto(demo.base + '/admin/agents/new');
    await page.fill('#username', 'has spaces');
    await page.fill('#name', 'New Agent');
    await page.fill('#extension', '1002'); // bob's
    await page.fill('#password', 'long-enough-1');
    await page.fill('#password2', 'long-enough-2');
    await page.keyboard.press('Enter');
    await text(page, 'main > .error', /correct the fields/);
    await focusIs(page, 'username', 'after the refused form');
    for (const [field, error] of [['username', /letters, digits/i], ['extension', /belongs to bob/], ['password2', /The two passwords differ/]]) {
      assert.equal(await page.getAttribute(`#${field}`, 'aria-invalid'), 'true', field);
      const ids = (await page.getAttribute(`#${field}`, 'aria-describedby')).split(' ');
      assert.ok(ids.includes(`${field}-error`), `${field} names its error: ${ids}`);
      await text(page, `#${field}-error`, error);
    }
    assert.equal(await page.getAttribute('#name', 'aria-invalid'), null);
  } finally {
    await page.context().close();
  }
});

test('zoomed to 400 % (320 × 200 CSS pixels): nothing scrolls sideways and the offer\'s caller is in view', async () => {
  const page = await open({ width: 320, height: 200 });
  try {
    await visible(page, '#login-form');
    assert.deepEqual(await overflow(page), [], 'the login form');
    await login(page, 'bob', 'bob-demo', 'demo.local');
    await text(page, '#agent-state', 'Not Ready (login)');
    assert.deepEqual(await overflow(page), [], 'Not Ready');
    await page.click('#btn-ready');
    await text(page, '#agent-state', 'Ready');
    await placeCall(page, '+4930800003');
    await visible(page, '#notification');
    await page.evaluate(() => window.scrollTo(0, 0));
    const caller = await page.locator('#notif-caller').boundingBox();
    assert.ok(caller && caller.y >= 0 && caller.y + caller.height <= 200, `the caller should be in view: ${JSON.stringify(caller)}`);
    await text(page, '#notif-caller', '+4930800003');
    // it covers nothing: Ready and Not Ready are below it, not under it
    const note = await page.locator('#notification').boundingBox();
    const nr = await page.locator('#btn-notready').boundingBox();
    assert.ok(nr.y >= note.y + note.height, `Not Ready should be below the notification: ${JSON.stringify({ note, nr })}`);
    assert.deepEqual(await overflow(page), [], 'the offer');
    await page.click('#notif-answer');
    await text(page, '#call-state', 'Connected');
    assert.deepEqual(await overflow(page), [], 'a connected call');
    await page.click('#btn-hangup');
    await text(page, '#agent-state', 'Ready');
    await page.click('#btn-notready');
    await text(page, '#agent-state', /^Not Ready/);
    await page.click('#btn-logout');
    await visible(page, '#login-form');
  } finally {
    await page.context().close();
  }
});

test('the browser\'s font size doubled: the page follows it and nothing overlaps', async () => {
  const context = await demo.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = watch(await context.newPage());
  try {
    // What the browser's font-size setting does (32 px for its default 16 px).
    const cdp = await context.newCDPSession(page);
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
    await page.goto(demo.base + '/');
    await login(page, 'bob', 'bob-demo', 'demo.local');
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).fontSize), '30px', 'twice the usual 15 px');
    await page.click('#btn-ready');
    await text(page, '#agent-state', 'Ready');
    await placeCall(page, '+4930800004');
    await visible(page, '#notification');
    await page.click('#notif-answer');
    await text(page, '#call-state', 'Connected');
    const box = (sel) => page.locator(sel).boundingBox();
    const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    const call = await box('#call-panel');
    for (const sel of ['.column.side', '.card.recent', '.card.dial']) {
      const other = await box(sel);
      assert.ok(!overlap(call, other), `the call card overlaps ${sel}: ${JSON.stringify({ call, other })}`);
    }
    const badge = await box('#call-state');
    assert.ok(badge.x + badge.width <= call.x + call.width, `"Connected" spills out of the call card: ${JSON.stringify({ badge, call })}`);
    await assertClean(page, 'a connected call at twice the font size');
    await page.click('#btn-hangup');
    await text(page, '#agent-state', 'Ready');
    await page.click('#btn-notready');
    await text(page, '#agent-state', /^Not Ready/);
  } finally {
    await context.close();
  }
});
