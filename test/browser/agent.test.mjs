// End-to-end test of the agent page in a real (Debian) Chromium: it builds and
// starts `ccaas demo` on a free port with a temporary database, then drives the
// page the way an agent would. Run with `npm run test:browser`.
// Set KEEP_TMP=1 to keep the temporary directory (screenshots, database),
// CCAAS_BIN=path to test an already built binary, CHROMIUM=path for another browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 10_000; // ms for anything the page should show

let dir, server, base, browser;
let serverErr = '';
let serverExit = null; // set when the server exits on its own

function serverFailure(what) {
  return new Error(`${what}\n--- server stderr ---\n${serverErr.slice(-8000)}`);
}

function assertServerAlive() {
  if (serverExit) throw serverFailure(`the server died (${serverExit})`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url, ms) {
  const deadline = Date.now() + ms;
  let last = 'no answer';
  while (Date.now() < deadline) {
    assertServerAlive();
    try {
      const r = await fetch(url);
      if (r.status === 200) return;
      last = `HTTP ${r.status} ${await r.text()}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw serverFailure(`GET /healthz did not answer 200 within ${ms} ms (last: ${last})`);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ccaas-browser-'));
  // CCAAS_BIN names an already built binary (skips the build).
  const bin = process.env.CCAAS_BIN || join(dir, 'ccaas');
  if (!process.env.CCAAS_BIN) {
    await promisify(execFile)('go', ['build', '-o', bin, './cmd/ccaas'], { cwd: repoRoot, maxBuffer: 16 << 20 })
      .catch((e) => { throw new Error(`go build failed:\n${e.stderr || e.message}`); });
  }

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ['demo', '--addr', `127.0.0.1:${port}`, '--db', join(dir, 'ccaas.db'), '--callers-every', '0'], {
    cwd: dir, stdio: ['ignore', 'ignore', 'pipe'],
  });
  server.stderr.setEncoding('utf8');
  server.stderr.on('data', (d) => { serverErr += d; if (serverErr.length > 1 << 20) serverErr = serverErr.slice(-(1 << 19)); });
  server.on('exit', (code, signal) => { serverExit = `exit code ${code}, signal ${signal}`; });
  await waitHealthy(`${base}/healthz`, 30_000);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream'],
  });
}, { timeout: 300_000 });

after(async () => {
  await browser?.close().catch(() => {});
  const died = serverExit;
  if (server && !serverExit) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    const t = setTimeout(() => server.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
  if (dir && !process.env.KEEP_TMP) await rm(dir, { recursive: true, force: true });
  else if (dir) console.log(`kept ${dir}`);
  if (died) throw serverFailure(`the server died during the tests (${died})`);
});

// newPage opens the agent page in a fresh context (its own cookies) and
// collects JavaScript errors, which no test should see.
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(base + '/');
  return page;
}

// text waits until the element's trimmed text matches (a string is exact).
async function text(page, sel, want, timeout = WAIT) {
  const ok = (t) => (typeof want === 'string' ? t === want : want.test(t));
  const deadline = Date.now() + timeout;
  let got;
  for (;;) {
    got = ((await page.locator(sel).textContent({ timeout }).catch(() => null)) ?? '').trim();
    if (ok(got)) return got;
    assertServerAlive();
    if (Date.now() > deadline) break;
    await page.waitForTimeout(50);
  }
  assert.fail(`${sel}: want ${want}, got ${JSON.stringify(got)}`);
}

const visible = (page, sel) => page.locator(sel).waitFor({ state: 'visible', timeout: WAIT });
const hidden = (page, sel) => page.locator(sel).waitFor({ state: 'hidden', timeout: WAIT });

async function login(page, username, password, domain = 'demo.local') {
  await visible(page, '#login-form');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.fill('#domain', domain);
  await page.click('#login-form button[type=submit]');
}

test('a wrong password shows the server error and stays on the login form', async () => {
  const page = await newPage();
  try {
    await login(page, 'alice', 'not-her-password');
    await visible(page, '#login-error');
    await text(page, '#login-error', /wrong username, password or domain/);
    assert.ok(await page.locator('#login-form').isVisible());
    assert.ok(await page.locator('#toolbar-view').isHidden());
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
  await login(page, username, password);
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
  await text(page, '#message', /logged out/);
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
    assert.deepEqual(page.errors, []);
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
    await text(first, '#message', /logged in somewhere else/);
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

test('an offer nobody answers is withdrawn after the ring time: Not Ready (missed call)', async () => {
  // The demo queue rings for 20 s; this test waits for it. It runs last: the call goes
  // back to the head of the queue, and it is taken here so no other test gets it.
  const page = await newPage();
  try {
    await login(page, 'bob', 'bob-demo');
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
    await logout(page);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});
