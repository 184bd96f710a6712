// Every page and every state of the agent page, the team view, the admin and
// operator pages and the reports, held to assertClean (clean.mjs): no WCAG 2.1
// A/AA violation found by axe-core, a clean console, nothing wider than 1280
// pixels. Run with `npm run test:browser` (make test does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { login, placeCall, useDemo, WAIT } from './harness.mjs';
import { assertClean } from './clean.mjs';

const demo = useDemo('ccaas-a11y-');
const text = (page, sel, want, timeout) => demo.text(page, sel, want, timeout);
const visible = (page, sel) => page.locator(sel).waitFor({ state: 'visible', timeout: WAIT });

const open = (path) => demo.open(path);

async function ready(page) {
  await page.click('#btn-ready');
  await text(page, '#agent-state', 'Ready');
}

async function answer(page, from) {
  await visible(page, '#notification');
  await text(page, '#notif-caller', from);
  await page.click('#notif-answer');
  await text(page, '#call-state', 'Connected');
}

test('the agent page in every state', async () => {
  const bob = await open();
  let alice;
  try {
    await visible(bob, '#login-form');
    await assertClean(bob, 'login form');
    await bob.fill('#username', 'bob');
    await bob.fill('#password', 'not-his-password');
    await bob.fill('#domain', 'demo.local');
    await bob.click('#btn-login');
    await text(bob, '#login-error', /wrong username, password or domain/i);
    await assertClean(bob, 'login form with an error', refusedPage(401));

    await login(bob, 'bob', 'bob-demo', 'demo.local');
    await text(bob, '#agent-state', 'Not Ready (login)');
    await text(bob, '#line-state', /up/);
    // timers are named in words a screen reader says with them
    await text(bob, '#state-time-box', /^Time in state: \d+:\d\d$/);
    await assertClean(bob, 'Not Ready');
    await ready(bob);
    await assertClean(bob, 'Ready');

    await placeCall(bob, '+4930700001');
    await visible(bob, '#notification');
    await text(bob, '#agent-state', 'Offered');
    await assertClean(bob, 'offer');
    await answer(bob, '+4930700001');
    assert.match(await bob.locator('#call-timer').evaluate((el) => el.parentElement.textContent), /^Call time: \d+:\d\d$/);
    await assertClean(bob, 'connected');

    await bob.click('#btn-notready');
    await visible(bob, '#agent-pending');
    await assertClean(bob, 'Pending Not Ready during a call');
    await bob.click('#btn-cancel-pending');
    await bob.locator('#agent-pending').waitFor({ state: 'hidden', timeout: WAIT });

    await bob.click('#btn-hold');
    await visible(bob, '#call-held');
    await text(bob, '#hold-box', /^On hold for \d+:\d\d$/);
    await assertClean(bob, 'hold');
    await bob.click('#btn-resume');
    await bob.locator('#call-held').waitFor({ state: 'hidden', timeout: WAIT });

    // Alice is invited to a conference: her offer, then all three on the call.
    alice = await open();
    await login(alice, 'alice', 'alice-demo', 'demo.local');
    await ready(alice);
    await bob.fill('#conference-target', '1001');
    await bob.click('#btn-conference');
    await visible(alice, '#notification');
    await text(alice, '#notif-title', 'Conference invitation');
    await assertClean(alice, 'conference invitation');
    await alice.click('#notif-answer');
    await text(alice, '#call-state', 'Connected');
    await text(bob, '#notice', /joined the call/);
    await assertClean(bob, 'conference');
    await assertClean(alice, 'conference, invited');
    await alice.click('#btn-hangup');
    await text(alice, '#call-state', /^Ended/);
    await bob.click('#btn-hangup');
    await text(bob, '#call-state', /^Ended/);
    await text(bob, '#agent-state', 'Ready');
    await assertClean(bob, 'a call that ended');

    // Alice has 10 s of wrapup after a queue call; Ready is refused meanwhile.
    await bob.selectOption('#notready-reason', 'lunch');
    await bob.click('#btn-notready');
    await text(bob, '#agent-state', 'Not Ready (lunch)');
    await text(alice, '#agent-state', 'Ready');
    await placeCall(alice, '+4930700002');
    await answer(alice, '+4930700002');
    await alice.click('#btn-hangup');
    await text(alice, '#agent-state', 'Wrapup');
    await assertClean(alice, 'wrapup');
    await alice.click('#btn-ready', { force: true });
    await text(alice, '#message', /wrapup/i);
    await assertClean(alice, 'wrapup with a refusal');
    await alice.click('#btn-notready');
    await visible(alice, '#agent-pending');
    await assertClean(alice, 'wrapup with Pending Not Ready');
    await text(alice, '#agent-state', /^Not Ready/, 15_000);

    await bob.click('#btn-logout');
    await visible(bob, '#login-form');
    await assertClean(bob, 'login form after logging out');
  } finally {
    await bob.context().close();
    await alice?.context().close();
  }
});

test('the team view with a call', async () => {
  const carol = await open();
  const alice = await open();
  const bob = await open();
  try {
    await login(carol, 'carol', 'carol-demo', 'demo.local');
    await visible(carol, '#team-panel');
    // the longest rows a team view has: a reason set by the supervisor, a call
    await login(bob, 'bob', 'bob-demo', 'demo.local');
    await carol.selectOption('#team-agents tr[data-agent="bob"] select', 'training');
    await carol.click('#team-agents tr[data-agent="bob"] button[data-cmd="agent_not_ready"]');
    await text(carol, '#team-agents tr[data-agent="bob"] td:nth-child(4)', 'training, by Carol Chen');
    await login(alice, 'alice', 'alice-demo', 'demo.local');
    await ready(alice);
    await placeCall(alice, '+4930700003');
    await answer(alice, '+4930700003');
    await text(carol, '#team-agents tr[data-agent="alice"] .team-state', 'Talking');
    // each row's buttons name the agent, apart from the supervisor's own Ready and Not Ready
    for (const name of ['Monitor Alice Anders', 'Whisper Alice Anders', 'Barge in Alice Anders', 'Ready Bob Berger', 'Not Ready Bob Berger', 'Log out Bob Berger']) {
      assert.equal(await carol.getByRole('button', { name, exact: true }).count(), 1, name);
    }
    assert.equal(await carol.getByRole('button', { name: 'Ready', exact: true }).getAttribute('id'), 'btn-ready');
    await assertClean(carol, 'team view with a call');
    await carol.click('#team-agents tr[data-agent="alice"] button[data-cmd="whisper"]');
    await text(carol, '#watch-text', /Alice Anders$/);
    await assertClean(carol, 'team view while whispering');
    await assertClean(alice, 'an agent a supervisor whispers to');
    await carol.click('#btn-stop-watch');
    await alice.click('#btn-hangup');
    await text(alice, '#call-state', /^Ended/);
  } finally {
    for (const p of [carol, alice, bob]) await p.context().close();
  }
});

test('the waiting room: a voicemail listed for the supervisor, offered and played', async () => {
  const carol = await open();
  const alice = await open();
  try {
    await login(carol, 'carol', 'carol-demo', 'demo.local');
    await login(alice, 'alice', 'alice-demo', 'demo.local');
    // a caller presses 2 and leaves a message (the demo's queue takes them)
    const status = await carol.evaluate(async () => (await fetch('/api/demo/calls', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ from: '+4930700900', keys: '20#' }),
    })).status);
    assert.equal(status, 201);
    await text(carol, '#team-voicemails tr:first-child td:nth-child(2)', /^\+4930700900/, 20_000);
    await assertClean(carol, 'team view with the voicemails list');
    await alice.click('#btn-ready'); // the voicemail is offered at once
    await visible(alice, '#notification');
    await text(alice, '#notif-title', 'Voicemail from');
    await assertClean(alice, 'a voicemail offered');
    await alice.click('#notif-answer');
    await visible(alice, '#voicemail-block');
    await assertClean(alice, 'a voicemail to play');
    await alice.click('#btn-hangup');
    await text(alice, '#call-state', /^Ended/);
  } finally {
    for (const p of [carol, alice]) await p.context().close();
  }
});

// adminLogin signs in on an admin or operator login page.
async function adminLogin(page, path, user, password, domain) {
  await page.goto(demo.base + path);
  await page.fill('#username', user);
  await page.fill('#password', password);
  if (domain) await page.fill('#domain', domain);
  await page.click('main form button[type=submit]');
}

// A page the server answers with an error status (a refused form: 422, a wrong
// password: 401, a missing page: 404) is logged as such by the browser: expected.
const refusedPage = (status) => ({ allowConsole: [new RegExp(`Failed to load resource: the server responded with a status of ${status}`)] });

// submitWith fills the form's fields (id → value) and sends it past the browser's
// own checks, so that the server's answer is what is tested.
async function submitWith(page, fields, button = 'main form.card button[type=submit]') {
  for (const [id, value] of Object.entries(fields)) await page.fill(`#${id}`, value);
  await page.click(button);
}

test('every admin page, with a form with errors, and the reports', async () => {
  const page = await open('/admin/login');
  try {
    await assertClean(page, 'admin login');
    await adminLogin(page, '/admin/login', 'admin', 'wrong-password', 'demo.local');
    await text(page, 'main .error', /wrong username/i);
    await assertClean(page, 'admin login with an error', refusedPage(401));
    await adminLogin(page, '/admin/login', 'admin', 'admin-demo', 'demo.local');
    await page.waitForURL(/\/admin\/agents$/);
    await assertClean(page, 'agents');
    for (const path of ['/admin/agents/new', '/admin/queues', '/admin/queues/new', '/admin/variables', '/admin/reasons', '/admin/settings', '/admin/webhooks', '/admin/webhooks/new', '/admin/sessions']) {
      await page.goto(demo.base + path);
      await assertClean(page, path);
    }
    // the first test's calls have ended: the reports show every table
    await page.goto(demo.base + '/admin/reports');
    for (const t of ['queues-table-1', 'queues-table-2', 'agents-table', 'states-table']) await visible(page, `#${t}`);
    await assertClean(page, 'reports with calls');
    await page.goto(demo.base + '/admin/agents');
    await page.click('tbody tr:first-child a');
    await page.waitForURL(/\/admin\/agents\/\d+$/);
    await assertClean(page, 'an agent');
    await page.goto(demo.base + '/admin/queues');
    await page.click('tbody tr:first-child a');
    await page.waitForURL(/\/admin\/queues\/\d+$/);
    await assertClean(page, 'a queue');

    await page.goto(demo.base + '/admin/agents/new');
    await submitWith(page, { username: 'no spaces allowed', name: 'New Agent', extension: '1001', password: 'long-enough-1', password2: 'long-enough-2' });
    await text(page, 'main > .error', /correct the fields/i);
    await assertClean(page, 'the agent form with errors', refusedPage(422));
    await page.goto(demo.base + '/admin/queues/new');
    await submitWith(page, { name: 'Support' }); // a name another queue has
    await text(page, 'main > .error', /correct the fields/i);
    await assertClean(page, 'the queue form with errors', refusedPage(422));

    await page.goto(demo.base + '/admin/reports?from=2026-01-10&to=2026-01-01');
    await text(page, 'main .error', /.+/);
    await assertClean(page, 'reports with a wrong period', refusedPage(400));
    await page.goto(demo.base + '/admin/no-such-page');
    await assertClean(page, 'a page that does not exist', refusedPage(404));
  } finally {
    await page.context().close();
  }
});

test('a supervisor\'s reports with calls', async () => {
  const page = await open('/admin/login');
  try {
    await adminLogin(page, '/admin/login', 'carol', 'carol-demo', 'demo.local');
    await page.waitForURL(/\/admin\/reports/);
    await visible(page, '#queues-table-1');
    await assertClean(page, 'reports as a supervisor');
  } finally {
    await page.context().close();
  }
});

test('every operator page, with a form with errors', async () => {
  const page = await open('/operator/login');
  try {
    await assertClean(page, 'operator login');
    await adminLogin(page, '/operator/login', 'operator', 'operator-demo');
    await page.waitForURL(/\/operator\/tenants$/);
    await assertClean(page, 'tenants');
    await page.click('tbody tr:first-child a');
    await page.waitForURL(/\/operator\/tenants\/\d+$/);
    await assertClean(page, 'a tenant');
    await page.goto(demo.base + '/operator/sessions');
    await assertClean(page, 'the operator\'s sessions');
    await page.goto(demo.base + '/operator/tenants/new');
    await assertClean(page, 'a new tenant');
    await submitWith(page, { domain: 'a..b', name: 'New Co', admin_username: 'boss' });
    await text(page, 'main > .error', /correct the fields/i);
    await assertClean(page, 'the tenant form with errors', refusedPage(422));
  } finally {
    await page.context().close();
  }
});

// The agent's desk (desk.test.mjs tests what it does): the directory open, a
// consultation from both sides and in the team view, the wrapup code and note,
// wrapup with End wrapup, and the reports' wrapup codes.
test('the agent\'s desk in every state', async () => {
  const alice = await open();
  const bob = await open();
  const carol = await open();
  try {
    await login(carol, 'carol', 'carol-demo', 'demo.local');
    await login(bob, 'bob', 'bob-demo', 'demo.local');
    await login(alice, 'alice', 'alice-demo', 'demo.local');
    await text(alice, '#agent-state', /^Not Ready/, 15_000); // the wrapup of an earlier test is over
    await ready(alice);
    await placeCall(alice, '+4930700004');
    await answer(alice, '+4930700004');
    await visible(alice, '#dispo-form');
    await alice.focus('#transfer-target');
    await visible(alice, '#transfer-target-list');
    await alice.keyboard.press('ArrowDown');
    await assertClean(alice, 'the directory open, an option active');
    await ready(bob);
    await alice.fill('#transfer-target', '1002');
    await alice.click('#btn-consult');
    await visible(alice, '#consult-box');
    await assertClean(alice, 'consulting, the colleague ringing');
    await visible(bob, '#notification');
    await assertClean(bob, 'a consultation offered');
    await bob.click('#notif-answer');
    await text(alice, '#leg-consult', /Talking with you/);
    await text(carol, '#team-agents tr[data-agent="alice"] .team-call', /consulting Bob Berger/);
    await assertClean(alice, 'consulting, talking with the colleague');
    await assertClean(bob, 'consulted by a colleague');
    await assertClean(carol, 'the team view of a consultation');
    await alice.click('#btn-consult-cancel');
    await alice.locator('#consult-box').waitFor({ state: 'hidden', timeout: WAIT });
    await alice.selectOption('#dispo-code', 'Sale');
    await alice.fill('#dispo-note', 'Called about the yearly plan.');
    await alice.click('#btn-dispo');
    await text(alice, '#dispo-status', 'Saved: Sale.');
    await assertClean(alice, 'a call with its wrapup code saved');
    await alice.click('#btn-hangup');
    await text(alice, '#agent-state', 'Wrapup');
    await visible(alice, '#btn-end-wrapup');
    await assertClean(alice, 'wrapup with the wrapup code and End wrapup');
    await alice.click('#btn-end-wrapup');
    await text(alice, '#agent-state', 'Ready');
    await text(alice, '#recent-calls', /Code: Sale/);
    await assertClean(alice, 'recent calls with a wrapup code');
  } finally {
    for (const p of [alice, bob, carol]) await p.context().close();
  }
  const page = await open('/admin/login');
  try {
    await adminLogin(page, '/admin/login', 'admin', 'admin-demo', 'demo.local');
    await page.waitForURL(/\/admin\/agents$/);
    await page.goto(demo.base + '/admin/reports');
    await visible(page, '#codes-table');
    await assertClean(page, 'reports with wrapup codes');
  } finally {
    await page.context().close();
  }
});
