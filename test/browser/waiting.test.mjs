// What an admin and a supervisor see of a queue's waiting rules (issue:
// nobody waits in the dark): the admin closes the Support queue for the day
// on the queue form (a schedule that does not parse is refused with the
// field named), the supervisor's team view says "closed until …" and
// "open" again once the admin removes the exception, and shows the wait a
// caller entering now would be told. A caller leaves a message: the
// supervisor sees it in the list, an agent is offered it, plays it and
// closes it. A caller takes a callback: the agent is offered "Callback to"
// and talks to the customer the app dialled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminLogin, useDemo, login } from './harness.mjs';
import { assertClean } from './clean.mjs';

const demo = useDemo('ccaas-waiting-');
const text = (page, sel, want) => demo.text(page, sel, want);
const refusedPage = { allowConsole: [/Failed to load resource: the server responded with a status of 422/] };
const support = '#team-queues tr[data-queue="Support"]';

// today is the date of the server's zone (the demo tenant has none of its
// own): browser and server run on the same machine.
function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// call has a simulated customer call Support and press keys while waiting.
async function call(page, from, keys) {
  const status = await page.evaluate(async ([from, keys]) => (await fetch('/api/demo/calls', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ from, keys }),
  })).status, [from, keys]);
  assert.equal(status, 201, 'POST /api/demo/calls');
}

async function adminPage() {
  const admin = await demo.open('/admin/login');
  await adminLogin(admin);
  return admin;
}

async function editSupport(page) {
  await page.goto(demo.base + '/admin/queues');
  await page.getByRole('row', { name: /Support/ }).getByRole('link', { name: 'Edit' }).click();
  await page.waitForURL(/\/admin\/queues\/\d+$/);
}

test('an admin closes a queue for the day; the team view says until when, and the estimated wait', async () => {
  const admin = await adminPage();
  const carol = await demo.open();
  let alice;
  try {
    await login(carol, 'carol', 'carol-demo', 'demo.local');
    await text(carol, `${support} .queue-name`, 'Support');
    await text(carol, `${support} .queue-hours`, 'open');
    await text(carol, `${support} td.estimate`, '–'); // nobody works in the queue yet

    // a schedule with a typo is refused, the field named and focused
    await editSupport(admin);
    await admin.fill('#hours', 'mon-fri 08:00-18:00\nsatday 09:00-13:00');
    await admin.click('main form.card button[type=submit]');
    await text(admin, '#hours-error', /line 2.*"satday" is not a day/);
    assert.equal(await admin.locator('#hours').getAttribute('aria-invalid'), 'true');
    assert.equal(await admin.evaluate(() => document.activeElement.id), 'hours');
    await assertClean(admin, 'queue form with opening hours that do not parse', refusedPage);

    // closed all day today: callers hear that it is closed, then goodbye
    await admin.fill('#hours', '');
    await admin.fill('#hours_exceptions', `${today()} closed # inventory`);
    await admin.selectOption('#closed_action', 'hangup');
    await admin.check('#announce_estimate');
    await admin.click('main form.card button[type=submit]');
    await admin.waitForURL(/\/admin\/queues$/);
    await text(admin, 'p.flash', 'Queue Support saved.');
    await text(admin, 'main table tbody tr:first-child td:nth-child(7)', 'opening hours set; while closed, callers hear that it is closed');
    await assertClean(admin, 'queues list with opening hours');
    await editSupport(admin);
    assert.equal(await admin.inputValue('#hours_exceptions'), `${today()} closed # inventory`);
    assert.equal(await admin.isChecked('#announce_estimate'), true);
    await assertClean(admin, 'queue form with opening hours and waiting rules');

    await text(carol, `${support} .queue-hours`, /^closed until \S+ /);
    assert.equal(await carol.locator(`${support} .queue-hours.closed`).count(), 1);
    await assertClean(carol, 'team view with a closed queue');

    // an agent goes Ready: a caller entering now would be told about 1 minute
    alice = await demo.open();
    await login(alice, 'alice', 'alice-demo', 'demo.local');
    await alice.click('#btn-ready');
    await text(carol, `${support} td.estimate`, 'about 1 min');
    await text(carol, `${support} td:nth-child(5)`, '0 / 0');

    // the exception removed, the queue is open all week again
    await editSupport(admin);
    await admin.fill('#hours_exceptions', '');
    await admin.click('main form.card button[type=submit]');
    await admin.waitForURL(/\/admin\/queues$/);
    await text(carol, `${support} .queue-hours`, 'open');
    await assertClean(carol, 'team view with an open queue and an estimate');
  } finally {
    for (const p of [admin, carol, alice]) await p?.context().close();
  }
});

test('a caller leaves a message; the supervisor sees it, an agent plays it and closes it', async () => {
  const carol = await demo.open();
  const alice = await demo.open();
  try {
    await login(carol, 'carol', 'carol-demo', 'demo.local');
    await login(alice, 'alice', 'alice-demo', 'demo.local');
    await text(carol, '#team-voicemails-empty', /No voicemail waits/);
    await call(carol, '+4930700500', '20#'); // 2, a few seconds of message, # (a key every 2 s)
    const row = '#team-voicemails tr:first-child';
    await demo.text(carol, `${row} td:nth-child(2)`, '+4930700500 (Demo caller)', 20_000);
    await text(carol, `${row} td:nth-child(5)`, 'waiting');
    await text(carol, `${support} td:nth-child(5)`, '0 / 1');
    assert.equal(await carol.locator('#team-voicemails-empty').isHidden(), true);
    // the recording, served to the supervisor's session
    const url = await carol.locator(`${row} audio`).getAttribute('src');
    assert.deepEqual(await carol.evaluate(async (u) => { const r = await fetch(u); return [r.status, r.headers.get('content-type')]; }, url), [200, 'audio/wav']);
    await assertClean(carol, 'team view with a voicemail waiting');

    await alice.click('#btn-ready');
    await alice.locator('#notification').waitFor({ state: 'visible' });
    await text(alice, '#notif-title', 'Voicemail from');
    await text(alice, '#notif-caller', '+4930700500');
    await alice.click('#notif-answer');
    await text(alice, '#call-state', 'Connected');
    await text(alice, '#call-direction', 'Voicemail');
    await text(alice, '#btn-hangup', 'Close voicemail');
    await text(alice, '#voicemail-meta', /^Message of \d+ s, left /);
    assert.equal(await alice.locator('#btn-callback').isVisible(), true);
    assert.equal(await alice.locator('#btn-hold').isVisible(), false); // nobody to hold
    // the page's player loads the message (a real WAV the simulator wrote)
    const duration = await alice.evaluate(() => new Promise((resolve) => {
      const a = document.getElementById('voicemail-audio');
      if (a.readyState >= 1) resolve(a.duration);
      a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true });
      a.addEventListener('error', () => resolve(-1), { once: true });
      a.load();
    }));
    assert.ok(duration > 1, `the message plays for ${duration} s`);
    await text(carol, `${row} td:nth-child(5)`, 'Alice Anders');
    await assertClean(alice, 'agent handling a voicemail');

    await alice.click('#btn-hangup');
    await text(alice, '#call-state', /^Ended/);
    await carol.locator('#team-voicemails-empty').waitFor({ state: 'visible' });
    await text(carol, `${support} td:nth-child(5)`, '0 / 0');
  } finally {
    for (const p of [carol, alice]) await p.context().close();
  }
});

test('a caller takes a callback; the agent is offered "Callback to" and talks to the customer dialled', async () => {
  const admin = await adminPage();
  const carol = await demo.open();
  const alice = await demo.open();
  try {
    // the admin has callers offered a callback after a second of waiting
    await editSupport(admin);
    await admin.fill('#callback_after', '1');
    await admin.click('main form.card button[type=submit]');
    await admin.waitForURL(/\/admin\/queues$/);

    await login(carol, 'carol', 'carol-demo', 'demo.local');
    await login(alice, 'alice', 'alice-demo', 'demo.local');
    await call(carol, '+4930700600', '11'); // take the callback, confirm the number
    await demo.text(carol, `${support} td:nth-child(5)`, '1 / 0', 20_000);
    await text(carol, `${support} td:nth-child(2)`, '0'); // hung up: nobody waits on the line

    await alice.click('#btn-ready');
    await alice.locator('#notification').waitFor({ state: 'visible' });
    await text(alice, '#notif-title', 'Callback to');
    await text(alice, '#notif-caller', '+4930700600');
    await assertClean(alice, 'a callback offered');
    await alice.click('#notif-answer');
    await text(alice, '#call-state', 'Connected'); // the simulated customer answered the app's call
    await text(alice, '#call-direction', 'Callback (the customer asked to be called back)');
    await text(alice, '#call-caller-label', 'Customer');
    await text(carol, `${support} td:nth-child(5)`, '0 / 0');
    await assertClean(alice, 'talking to a customer called back');
    await alice.click('#btn-hangup');
    await text(alice, '#call-state', /^Ended/);
  } finally {
    for (const p of [admin, carol, alice]) await p.context().close();
  }
});
