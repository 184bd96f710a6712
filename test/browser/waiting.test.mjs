// What an admin and a supervisor see of a queue's waiting rules (issue:
// nobody waits in the dark): the admin closes the Support queue for the day
// on the queue form (a schedule that does not parse is refused with the
// field named), the supervisor's team view says "closed until …" and
// "open" again once the admin removes the exception, and shows the wait a
// caller entering now would be told.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDemo, login } from './harness.mjs';
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

async function editSupport(page) {
  await page.goto(demo.base + '/admin/queues');
  await page.getByRole('row', { name: /Support/ }).getByRole('link', { name: 'Edit' }).click();
  await page.waitForURL(/\/admin\/queues\/\d+$/);
}

test('an admin closes a queue for the day; the team view says until when, and the estimated wait', async () => {
  const admin = await demo.open('/admin/login');
  const carol = await demo.open();
  let alice;
  try {
    await admin.fill('#username', 'admin');
    await admin.fill('#password', 'admin-demo');
    await admin.fill('#domain', 'demo.local');
    await admin.click('main form button[type=submit]');
    await admin.waitForURL(/\/admin\/agents$/);

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
