// The agent's desk in a real (Debian) Chromium against `ccaas demo`: the
// directory under the transfer, conference and dial fields, a consultation
// completed and one cancelled, a transfer to a queue, wrapup codes and notes
// (also a required one), ending wrapup early, a name made of markup, and a
// consultation done with the keyboard alone; each state held to assertClean.
// Run with `npm run test:browser` (make test does).
//
// The demo: alice (1001, wrapup 10 s) and bob (1002, no wrapup) in queue
// Support (codes Question answered, Sale, Complaint, Wrong number), bob alone
// in queue Billing (no number: reached by transfer), carol supervising both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { login, placeCall, useDemo, WAIT } from './harness.mjs';
import { assertClean } from './clean.mjs';

const demo = useDemo('ccaas-desk-');
const text = (page, sel, want, timeout) => demo.text(page, sel, want, timeout);
const visible = (page, sel) => page.locator(sel).waitFor({ state: 'visible', timeout: WAIT });
const hidden = (page, sel) => page.locator(sel).waitFor({ state: 'hidden', timeout: WAIT });
const open = () => demo.open('/');

async function agent(name) {
  const page = await open();
  await login(page, name, `${name}-demo`, 'demo.local');
  return page;
}

async function ready(page) {
  await page.click('#btn-ready');
  await text(page, '#agent-state', 'Ready');
}

async function answer(page, from) {
  await visible(page, '#notification');
  if (from) await text(page, '#notif-caller', from);
  await page.click('#notif-answer');
  await text(page, '#call-state', 'Connected');
}

// talking: a customer calls the demo queue and alice answers.
async function talking(alice, from) {
  await placeCall(alice, from);
  await answer(alice, from);
}

// hangUpCustomer: the customer on the page's agent's call hangs up (demo control).
async function hangUpCustomer(page) {
  const status = await page.evaluate(async () => (await fetch('/api/demo/hangup', { method: 'POST' })).status);
  assert.equal(status, 204, 'POST /api/demo/hangup');
}

// adminLogin signs the demo's admin in on a page.
async function adminLogin(page) {
  await page.goto(demo.base + '/admin/login');
  await page.fill('#username', 'admin');
  await page.fill('#password', 'admin-demo');
  await page.fill('#domain', 'demo.local');
  await page.click('main form button[type=submit]');
  await page.waitForURL(/\/admin\/agents$/);
}

// option is the directory's option of a name in a field's list.
const option = (page, field, name) => page.locator(`#${field}-list [role=option]`, { hasText: name });

test('the directory: colleagues and queues with their live state, picked by keyboard', async () => {
  const alice = await agent('alice');
  const bob = await agent('bob');
  try {
    await ready(alice);
    await talking(alice, '+4930600001');
    // focusing the field opens the list: bob Not Ready, carol logged out, the queues
    await alice.focus('#transfer-target');
    await visible(alice, '#transfer-target-list');
    assert.equal(await alice.getAttribute('#transfer-target', 'aria-expanded'), 'true');
    await text(alice, '#transfer-target-list [data-presence] >> text=Bob Berger >> xpath=..', /1002 · Not Ready \(login\)/);
    await text(alice, '#transfer-target-list', /Carol Chen1050 · Logged out/);
    await text(alice, '#transfer-target-list [data-kind=queue] >> text=Billing >> xpath=..', /Queue · 0 waiting · 0 Ready/);
    assert.equal(await option(alice, 'transfer-target', 'Alice Anders').count(), 0, 'an agent is not offered herself');
    await assertClean(alice, 'the directory open under the transfer field');

    // live: bob goes Ready while the list is open
    await ready(bob);
    await text(alice, '#transfer-target-list [data-presence] >> text=Bob Berger >> xpath=..', /1002 · Ready/);
    await text(alice, '#transfer-target-list [data-kind=queue] >> text=Billing >> xpath=..', /Queue · 0 waiting · 1 Ready/);

    // typing filters; the arrows and Enter pick
    await alice.keyboard.type('bob');
    assert.equal(await alice.locator('#transfer-target-list [role=option]').count(), 1);
    await alice.keyboard.press('ArrowDown');
    assert.equal(await alice.getAttribute('#transfer-target', 'aria-activedescendant'), 'transfer-target-list-0');
    await alice.keyboard.press('Enter');
    assert.equal(await alice.inputValue('#transfer-target'), 'Bob Berger (1002)');
    await hidden(alice, '#transfer-target-list');
    // Escape closes the list; a name typed in full is found too (dial field)
    await alice.fill('#conference-target', '');
    await alice.focus('#conference-target');
    await visible(alice, '#conference-target-list');
    await alice.keyboard.press('Escape');
    await hidden(alice, '#conference-target-list');
    assert.equal(await alice.getAttribute('#conference-target', 'aria-expanded'), 'false');
    await alice.click('#btn-hangup');
    await text(alice, '#agent-state', 'Wrapup');
  } finally {
    for (const p of [alice, bob]) await p.context().close();
  }
});

test('a consultation completed: both legs shown, the customer goes to the colleague', async () => {
  const alice = await agent('alice');
  const bob = await agent('bob');
  const carol = await agent('carol');
  try {
    await ready(alice);
    await talking(alice, '+4930600002');
    await ready(bob);
    // pick bob in the list with the mouse, then Consult
    await alice.focus('#transfer-target');
    await option(alice, 'transfer-target', 'Bob Berger').click();
    await alice.click('#btn-consult');
    await visible(alice, '#consult-box');
    await text(alice, '#leg-consult', /Bob Berger \(1002\)\s*Ringing/);
    await text(alice, '#leg-customer', /^\+4930600002 \(Demo caller\)\s*On hold/);
    assert.equal(await alice.getAttribute('#leg-consult', 'aria-current'), 'true', 'the consultation is the active leg');
    assert.equal(await alice.getAttribute('#btn-consult-complete', 'aria-disabled'), 'true', 'complete waits for bob');
    await hidden(alice, '#btn-resume'); // the customer is held for the consultation
    await hidden(alice, '#call-actions');
    await assertClean(alice, 'consulting, the colleague ringing');

    await visible(bob, '#notification');
    await text(bob, '#notif-title', 'Consultation');
    await text(bob, '#notif-queue', 'Alice Anders (1001) consults you · Queue: Support');
    await text(bob, '#notif-caller', '+4930600002');
    await assertClean(bob, 'a consultation offered');
    await bob.click('#notif-answer');
    await text(bob, '#call-state', 'Connected');
    await text(bob, '#consult-title', 'Consulted by a colleague');
    await text(bob, '#leg-consult', /Alice Anders \(1001\)\s*Consulting you/);
    await text(bob, '#call-direction', 'Inbound (a colleague consults you)');
    await hidden(bob, '#consult-controls');
    await text(alice, '#leg-consult', /Bob Berger \(1002\)\s*Talking with you/);
    await text(carol, '#team-agents tr[data-agent="alice"] .team-call', /consulting Bob Berger/);
    await text(carol, '#team-agents tr[data-agent="bob"] .team-call', /consulted by Alice Anders/);
    await assertClean(alice, 'consulting, talking with the colleague');
    await assertClean(bob, 'consulted');
    await assertClean(carol, 'the team view of a consultation');

    await alice.click('#btn-consult-complete');
    await text(alice, '#call-state', 'Ended (transferred)');
    await text(alice, '#agent-state', 'Wrapup');
    await hidden(bob, '#consult-box');
    await text(bob, '#call-by', 'Alice Anders (1001)');
    await text(bob, '#call-direction', 'Inbound (transferred to you)');
    await text(bob, '#call-parties', /\+4930600002.*Connected/);
    await hangUpCustomer(bob);
    await text(bob, '#call-state', 'Ended (caller hung up)');
    await text(bob, '#agent-state', 'Ready');
  } finally {
    for (const p of [alice, bob, carol]) await p.context().close();
  }
});

test('a consultation cancelled: back to the customer', async () => {
  const alice = await agent('alice');
  const bob = await agent('bob');
  try {
    await text(alice, '#agent-state', /^Not Ready|^Wrapup/);
    await ready(alice);
    await talking(alice, '+4930600003');
    await ready(bob);
    await alice.fill('#transfer-target', '1002'); // an extension typed works as well
    await alice.click('#btn-consult');
    await answer(bob);
    await text(alice, '#leg-consult', /Talking with you/);
    await alice.click('#btn-consult-cancel');
    await hidden(alice, '#consult-box');
    await text(alice, '#call-parties', /\+4930600003.*Connected/);
    await visible(alice, '#btn-hold');
    await text(bob, '#call-state', 'Ended (consultation ended)');
    await text(bob, '#agent-state', 'Ready');
    await alice.click('#btn-hangup');
    await text(alice, '#agent-state', 'Wrapup');
  } finally {
    for (const p of [alice, bob]) await p.context().close();
  }
});

test('a transfer to a queue: the colleague of that queue is offered it, with who transferred it', async () => {
  const alice = await agent('alice');
  const bob = await agent('bob');
  try {
    await text(alice, '#agent-state', /^Not Ready|^Wrapup/, 15_000);
    await text(alice, '#agent-state', /^Not Ready/, 15_000);
    await ready(alice);
    await talking(alice, '+4930600004');
    await alice.focus('#transfer-target');
    await alice.keyboard.type('bill');
    await option(alice, 'transfer-target', 'Billing').click();
    assert.equal(await alice.inputValue('#transfer-target'), 'Billing (queue)');
    await alice.click('#btn-transfer');
    await text(alice, '#call-state', 'Ended (transferred)');
    // bob is Billing's only member: Ready, he gets it at once, saying where it comes from
    await bob.click('#btn-ready');
    await visible(bob, '#notification');
    await text(bob, '#notif-queue', 'Queue: Billing · transferred by Alice Anders');
    await assertClean(bob, 'an offer transferred to a queue');
    await bob.click('#notif-answer');
    await text(bob, '#call-queue', 'Billing');
    await text(bob, '#call-by', 'Alice Anders (1001)');
    await hangUpCustomer(bob);
    await text(bob, '#agent-state', 'Ready');
  } finally {
    for (const p of [alice, bob]) await p.context().close();
  }
});

test('a wrapup code and a note, changed in wrapup; wrapup ended early; the code in recent calls', async () => {
  const alice = await agent('alice');
  try {
    await text(alice, '#agent-state', /^Not Ready/, 15_000);
    await ready(alice);
    await talking(alice, '+4930600005');
    await visible(alice, '#dispo-form');
    assert.deepEqual(await alice.locator('#dispo-code option').allTextContents(), ['No code', 'Question answered', 'Sale', 'Complaint', 'Wrong number']);
    await alice.selectOption('#dispo-code', 'Sale');
    await alice.fill('#dispo-note', 'Wants the <b>yearly</b> plan.\nCall back Monday.');
    await text(alice, '#dispo-count', '47 / 2000');
    await alice.click('#btn-dispo');
    await text(alice, '#dispo-status', 'Saved: Sale.');
    await assertClean(alice, 'a call with its wrapup code saved');
    await hangUpCustomer(alice);
    await text(alice, '#agent-state', 'Wrapup');
    // in wrapup the form stays, with what was saved; a change is saved again
    await visible(alice, '#dispo-form');
    assert.equal(await alice.inputValue('#dispo-code'), 'Sale');
    await alice.selectOption('#dispo-code', 'Complaint');
    await alice.click('#btn-dispo');
    await text(alice, '#dispo-status', 'Saved: Complaint.');
    // the demo lets agents end wrapup early
    await visible(alice, '#btn-end-wrapup');
    await assertClean(alice, 'wrapup with the form and End wrapup');
    await alice.click('#btn-end-wrapup');
    await text(alice, '#agent-state', 'Ready');
    await hidden(alice, '#btn-end-wrapup');
    const row = alice.locator('#recent-calls .recent-row', { hasText: '+4930600005' });
    await text(alice, '#recent-calls', /Code: Complaint/);
    assert.equal(await row.locator('.recent-code').getAttribute('title'), 'Wants the <b>yearly</b> plan.\nCall back Monday.');
    // the note is text, never markup: its start shows on the row
    assert.match(await row.locator('.recent-code').textContent(), /^Code: Complaint · Note: Wants the <b>yearly<\/b> plan\. Call back Monday\.$/);
    assert.equal(await row.locator('.recent-code b').count(), 0);
    // a bad note is refused with the reason, and nothing is saved
    await talking(alice, '+4930600006');
    await alice.fill('#dispo-note', 'x'.repeat(2000));
    await alice.evaluate(() => { // past the field's own limit, as a script could
      const t = document.getElementById('dispo-note');
      t.removeAttribute('maxlength');
      t.value += 'y';
    });
    await alice.click('#btn-dispo');
    await text(alice, '#message', 'The note: at most 2000 characters (this note has 2001).');
    await text(alice, '#dispo-status', 'Not saved.');
    await hangUpCustomer(alice);
    await text(alice, '#agent-state', 'Wrapup');
  } finally {
    await alice.context().close();
  }
});

test('a required wrapup code keeps the agent in wrapup until given', async () => {
  // the admin makes Support require a code (the admin page's switch)
  const admin = await open();
  try {
    await adminLogin(admin);
    await admin.goto(demo.base + '/admin/queues');
    await admin.click('tbody tr:first-child a');
    await admin.waitForURL(/\/admin\/queues\/\d+$/);
    assert.equal(await admin.inputValue('#wrapup_codes'), 'Question answered\nSale\nComplaint\nWrong number');
    await admin.check('#code_required');
    await admin.click('main form.card button[type=submit]');
    await admin.waitForURL(/\/admin\/queues$/);
  } finally {
    await admin.context().close();
  }
  const bob = await agent('bob'); // no wrapup time: wrapup lasts until the code
  try {
    await ready(bob);
    await placeCall(bob, '+4930600007');
    await answer(bob, '+4930600007');
    await text(bob, '#dispo-required', 'Queue Support requires a wrapup code.');
    await hangUpCustomer(bob);
    await text(bob, '#agent-state', 'Wrapup');
    await visible(bob, '#wrapup-awaits');
    await text(bob, '#wrapup-awaits', 'waiting for the wrapup code');
    await text(bob, '#dispo-required', 'Required: your wrapup ends once you give a wrapup code.');
    assert.equal(await bob.getAttribute('#btn-end-wrapup', 'aria-disabled'), 'true');
    await assertClean(bob, 'wrapup waiting for a required code');
    await bob.click('#btn-end-wrapup', { force: true }); // refused: it says why
    await text(bob, '#message', 'Your wrapup waits for the wrapup code: give it first, then your wrapup ends.');
    await bob.selectOption('#dispo-code', 'Wrong number');
    await bob.click('#btn-dispo');
    await text(bob, '#agent-state', 'Ready');
  } finally {
    await bob.context().close();
  }
});

test('a name with markup shows as text in the directory', async () => {
  const evil = 'Eve <img src=x onerror="window.pwned=1">';
  const admin = await open();
  try {
    await adminLogin(admin);
    await admin.goto(demo.base + '/admin/agents/new');
    for (const [id, value] of Object.entries({ username: 'eve', name: evil, extension: '1077', password: 'eve-long-password-1', password2: 'eve-long-password-1' })) {
      await admin.fill(`#${id}`, value);
    }
    await admin.click('main form.card button[type=submit]');
    await admin.waitForURL(/\/admin\/agents$/);
  } finally {
    await admin.context().close();
  }
  const alice = await agent('alice');
  try {
    await alice.focus('#dial-number');
    await alice.keyboard.type('<img');
    const row = option(alice, 'dial-number', 'Eve');
    await text(alice, '#dial-number-list', /Eve <img src=x onerror="window.pwned=1">1077 · Logged out/);
    assert.equal(await row.count(), 1, 'the search finds the name as typed');
    assert.equal(await alice.locator('#dial-number-list img').count(), 0, 'no element made of the name');
    assert.equal(await alice.evaluate(() => window.pwned), undefined);
    await assertClean(alice, 'the directory with a name made of markup');
  } finally {
    await alice.context().close();
  }
});

test('a consultation with the keyboard alone: the focus follows each step', async () => {
  const alice = await agent('alice');
  const bob = await agent('bob');
  const focusIs = async (page, id) => {
    await page.waitForFunction((want) => document.activeElement && document.activeElement.id === want, id, { timeout: WAIT });
  };
  try {
    await text(alice, '#agent-state', /^Not Ready/, 15_000);
    await ready(alice);
    await talking(alice, '+4930600008');
    await ready(bob);
    await alice.focus('#transfer-target');
    await alice.keyboard.type('Bob');
    await alice.keyboard.press('ArrowDown');
    await alice.keyboard.press('Enter');
    assert.equal(await alice.inputValue('#transfer-target'), 'Bob Berger (1002)');
    await alice.keyboard.press('Tab'); // Transfer
    await focusIs(alice, 'btn-transfer');
    await alice.keyboard.press('Tab'); // Consult
    await focusIs(alice, 'btn-consult');
    await alice.keyboard.press('Enter');
    await visible(alice, '#consult-box');
    await focusIs(alice, 'btn-consult-cancel'); // Consult went away: Back to caller takes its place
    await answer(bob);
    await text(alice, '#leg-consult', /Talking with you/);
    await focusIs(alice, 'btn-consult-cancel'); // the colleague's answer moves nothing
    await alice.keyboard.press('Enter');
    await hidden(alice, '#consult-box');
    await focusIs(alice, 'btn-hold');
    await text(bob, '#call-state', 'Ended (consultation ended)');
    await alice.click('#btn-hangup');
    await text(alice, '#agent-state', 'Wrapup');
  } finally {
    for (const p of [alice, bob]) await p.context().close();
  }
});

test('the customer hangs up during a consultation: both agents are told and go on talking', async () => {
  const alice = await agent('alice');
  const bob = await agent('bob');
  try {
    await text(alice, '#agent-state', /^Not Ready/, 15_000);
    await ready(alice);
    await talking(alice, '+4930600009');
    await ready(bob);
    await alice.fill('#transfer-target', '1002');
    await alice.click('#btn-consult');
    await answer(bob);
    await text(alice, '#leg-consult', /Talking with you/);
    await hangUpCustomer(alice);
    for (const p of [alice, bob]) {
      await text(p, '#notice', 'Demo caller hung up while on hold; you are still talking with your colleague');
      await hidden(p, '#consult-box');
      await text(p, '#call-direction', /^Internal/);
    }
    await text(alice, '#call-parties', /Bob Berger/);
    await text(bob, '#call-parties', /Alice Anders/);
    await text(bob, '#call-direction', 'Internal'); // no longer a consultation
    await assertClean(alice, 'the customer gone during a consultation');
    await bob.click('#btn-hangup');
    await text(alice, '#call-state', /^Ended/);
    await text(alice, '#agent-state', 'Wrapup'); // for the queue call she answered
    await text(bob, '#agent-state', 'Ready');
  } finally {
    for (const p of [alice, bob]) await p.context().close();
  }
});
