// The supervisor's team panel in a real (Debian) Chromium against `ccaas
// demo`: Carol (supervisor of team Support) watches Alice and Bob live,
// listens in on Alice's call, barges in, and changes Bob's state. Run with
// `npm run test:browser` (make test does).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DemoFixture, login, text as textOf, watch, WAIT } from './harness.mjs';
import { assertClean } from './clean.mjs';

const demo = new DemoFixture('ccaas-supervisor-');
let dir, server, base, browser;

before(async () => {
  await demo.setUp();
  ({ dir, server, base, browser } = demo);
}, { timeout: 300_000 });

after(() => demo.tearDown());

const text = (page, sel, want) => textOf(page, sel, want, { alive: () => server.assertAlive() });
const row = (name) => `#team-agents tr[data-agent="${name}"]`;

async function open(username, password) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = watch(await context.newPage());
  page.requests = [];
  page.on('request', (r) => page.requests.push(new URL(r.url()).pathname));
  await page.goto(base + '/');
  await login(page, username, password, 'demo.local');
  return page;
}

test('the team view follows agents live; monitor, barge and state changes work from it', async () => {
  const carol = await open('carol', 'carol-demo');
  let alice, bob;
  try {
    await carol.locator('#team-panel').waitFor({ state: 'visible', timeout: WAIT });
    await text(carol, `${row('alice')} .team-state`, 'Logged out');
    await text(carol, `${row('bob')} .team-state`, 'Logged out');
    await text(carol, '#team-queues tr[data-queue="Support"] .queue-name', 'Support');
    const loaded = carol.requests.length;

    // Alice logs in and goes Ready: Carol's page follows without asking the server
    alice = await open('alice', 'alice-demo');
    await text(carol, `${row('alice')} .team-state`, 'Not Ready');
    await alice.click('#btn-ready');
    await text(carol, `${row('alice')} .team-state`, 'Ready');
    await text(carol, '#team-queues tr[data-queue="Support"] td:nth-child(6)', '1'); // Ready

    // a customer calls; Alice answers
    const status = await alice.evaluate(async () => (await fetch('/api/demo/calls', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ did: '5550001', from: '+4930777' }),
    })).status);
    assert.equal(status, 201);
    await text(carol, `${row('alice')} .team-state`, 'Offered');
    await alice.locator('#notification').waitFor({ state: 'visible', timeout: WAIT });
    await alice.click('#notif-answer');
    await text(alice, '#call-state', 'Connected');
    await text(carol, `${row('alice')} .team-state`, 'Talking');
    await text(carol, `${row('alice')} .team-call`, /\+4930777 · Support/);
    await text(carol, `${row('alice')} td:nth-child(7)`, /^0:0\d$/); // call duration ticking

    // Carol listens in, then barges in: Alice's screen shows her on the call
    await carol.click(`${row('alice')} button[data-cmd="monitor"]`);
    await text(carol, '#watch-text', 'Listening Alice Anders');
    assert.ok(await carol.locator(`${row('alice')} button[data-cmd="monitor"]`).isDisabled());
    await carol.click(`${row('alice')} button[data-cmd="barge"]`);
    await text(carol, '#watch-text', 'In the call with Alice Anders');
    await text(alice, '#call-parties', /Carol Chen/);
    await text(alice, '#notice', /Carol Chen \(supervisor\) joined the call/);
    await carol.click(`${row('alice')} button[data-cmd="whisper"]`);
    await text(carol, '#watch-text', 'Whispering to Alice Anders');
    await text(alice, '#notice', /Carol Chen left the call|Carol Chen \(supervisor\) is speaking to you/);
    await carol.click('#btn-stop-watch');
    await carol.locator('#watch-bar').waitFor({ state: 'hidden', timeout: WAIT });
    await text(carol, '#watch-ended', 'You stopped listening.');

    // Alice hangs up: wrapup, and the queue's figures of the day
    await alice.click('#btn-hangup');
    await text(carol, `${row('alice')} .team-state`, 'Wrapup');
    await text(carol, '#team-queues tr[data-queue="Support"] td:nth-child(10)', '1'); // answered
    await text(carol, '#team-queues tr[data-queue="Support"] td:nth-child(12)', '0'); // refused
    await text(carol, '#team-queues tr[data-queue="Support"] td:nth-child(13)', '100%');

    // Bob logs in; Carol makes him Ready, then logs him out
    bob = await open('bob', 'bob-demo');
    await text(carol, `${row('bob')} .team-state`, 'Not Ready');
    await carol.click(`${row('bob')} button[data-cmd="agent_ready"]`);
    await text(bob, '#agent-state', 'Ready');
    await text(bob, '#state-by', 'set by Carol Chen');
    await text(carol, `${row('bob')} .team-state`, 'Ready');
    await carol.click(`${row('bob')} button[data-cmd="agent_logout"]`);
    await bob.locator('#login-form').waitFor({ state: 'visible', timeout: WAIT });
    await text(bob, '#login-reason', 'Carol Chen logged you out.');
    await text(carol, `${row('bob')} .team-state`, 'Logged out');

    // everything above came over the one WebSocket: no request after the page loaded
    assert.deepEqual(carol.requests.slice(loaded), []);
    for (const p of [alice, bob]) assert.deepEqual(p.errors, []);
    await assertClean(carol, 'the team view at the end');
    await carol.screenshot({ path: join(dir, 'team.png') });
  } finally {
    for (const p of [carol, alice, bob]) await p?.context().close();
  }
});

test('a queue without members: the admin pages warn, and the supervisor sees its waiting caller', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const admin = watch(await context.newPage());
  let carol;
  try {
    // the operator gives the tenant a number for the new queue
    await admin.goto(base + '/operator/login');
    await admin.fill('#username', 'operator');
    await admin.fill('#password', 'operator-demo');
    await admin.click('button[type=submit]');
    await admin.click('tr:has-text("demo.local") a:has-text("Edit")');
    await admin.fill('#dids', (await admin.inputValue('#dids')).trim() + '\n5550999');
    await admin.click('form.card button[type=submit]');
    await text(admin, 'p.flash', 'Tenant demo.local saved.');

    await admin.goto(base + '/admin/login');
    await admin.fill('#username', 'admin');
    await admin.fill('#password', 'admin-demo');
    await admin.fill('#domain', 'demo.local');
    await admin.click('button[type=submit]');
    await admin.goto(base + '/admin/queues/new');
    await text(admin, 'p.warn', /^Nobody can answer the calls of this queue: it has no members\./);
    await admin.fill('#name', 'Orphans');
    await admin.check('#numbers input[value="5550999"]');
    await admin.fill('#max_wait', '30');
    await admin.click('form.card button[type=submit]');
    await admin.waitForURL(/\/admin\/queues$/);
    await text(admin, 'p.warn', 'Nobody can answer the calls of queue Orphans: it has no members. Its callers wait 30 s '
      + '(its maximum wait), then hear goodbye and are hung up. Choose members, or set a maximum wait and what happens after it.');
    await admin.screenshot({ path: join(dir, 'queue-nobody-answers.png') });

    // Carol leads team Support, whose agents are not members of Orphans: she sees its caller wait
    carol = await open('carol', 'carol-demo');
    await carol.locator('#team-panel').waitFor({ state: 'visible', timeout: WAIT });
    await text(carol, '#team-queues tr[data-queue="Support"] .queue-name', 'Support');
    assert.equal(await carol.locator('#team-queues tr[data-queue="Orphans"]').count(), 0);
    const status = await carol.evaluate(async () => (await fetch('/api/demo/calls', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ did: '5550999', from: '+4930888' }),
    })).status);
    assert.equal(status, 201);
    await text(carol, '#team-queues tr[data-queue="Orphans"] td:nth-child(2)', '1'); // waiting
    await text(carol, '#team-queues tr[data-queue="Orphans"] td:nth-child(6)', '0'); // nobody Ready
    for (const p of [admin, carol]) assert.deepEqual(p.errors, []);
  } finally {
    await context.close();
    await carol?.context().close();
  }
});
