// Webhooks: an admin registers an endpoint on the admin pages (an address
// inside a private network is refused there), sends a test event and sees its
// delivery, and a call's events reach the endpoint in order, each signed with
// the secret the form offered. The endpoint is a receiver on this machine,
// which the server may reach because the operator allowed 127.0.0.1
// (CCAAS_WEBHOOK_ALLOW); it checks every signature as a receiver's code would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { adminLogin, login, placeCall, refusedPage, useDemo, WAIT } from './harness.mjs';
import { assertClean } from './clean.mjs';

const demo = useDemo('ccaas-webhooks-', [], { CCAAS_WEBHOOK_ALLOW: '127.0.0.1' });
const text = (page, sel, want, timeout) => demo.text(page, sel, want, timeout);

let receiver, hookURL, secret;
const got = []; // { id, type, body, signed }
before(async () => {
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const parts = Object.fromEntries((req.headers['ccaas-signature'] || '').split(',').map((p) => p.split('=', 2)));
      const want = createHmac('sha256', secret || '').update(`${parts.t}.`).update(raw).digest();
      const sig = Buffer.from(parts.v1 || '', 'hex');
      const fresh = Math.abs(Date.now() / 1000 - Number(parts.t)) < 300;
      got.push({ id: req.headers['ccaas-event-id'], type: req.headers['ccaas-event-type'], body: JSON.parse(raw.toString()),
        signed: fresh && sig.length === want.length && timingSafeEqual(sig, want) });
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  hookURL = `http://127.0.0.1:${receiver.address().port}/ccaas?tenant=demo`;
});
after(() => new Promise((r) => receiver.close(r)));

async function until(what, cond) {
  const deadline = Date.now() + WAIT;
  while (!cond()) {
    demo.server.assertAlive();
    assert.ok(Date.now() < deadline, `timed out: ${what}; received ${JSON.stringify(got.map((g) => g.type))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('an admin registers a webhook and it gets signed events in order', async () => {
  const admin = await demo.open('/admin/login');
  const alice = await demo.open();
  try {
    await adminLogin(admin);
    await admin.getByRole('link', { name: 'Webhooks' }).click();
    await text(admin, 'main', /No webhooks yet/);
    await assertClean(admin, 'webhooks, none yet');
    await admin.getByRole('link', { name: 'New webhook' }).click();
    secret = await admin.inputValue('#secret');
    assert.match(secret, /^whsec_[0-9a-f]{32}$/, 'the form offers a fresh secret');
    assert.equal(await admin.isChecked('input[value="call.ended"]'), true);
    await assertClean(admin, 'a new webhook');

    // into the VM's network: refused, with the reason next to the field
    await admin.fill('#url', 'https://10.0.0.5/hooks');
    await admin.click('main form.card button[type=submit]');
    await text(admin, '#url-error', /^10\.0\.0\.5 is a private address: webhooks may not go there unless your operator allows its range/);
    assert.equal(await admin.getAttribute('#url', 'aria-invalid'), 'true');
    assert.equal(await admin.inputValue('#secret'), secret, 'the secret is kept in a refused form');
    await assertClean(admin, 'a refused webhook', refusedPage(422));

    await admin.fill('#url', hookURL);
    await admin.click('main form.card button[type=submit]');
    await admin.waitForURL(/\/admin\/webhooks\/\d+$/);
    await text(admin, 'main .flash', /Webhook added/);
    assert.equal(await admin.inputValue('#secret'), '', 'the secret is not shown again');
    await assertClean(admin, 'a webhook without deliveries');

    // a test event arrives, signed, and the page shows it delivered
    await admin.getByRole('button', { name: 'Send test event' }).click();
    await text(admin, 'main .flash', /Test event evt_[0-9a-f]+ is on its way/);
    await until('the test event', () => got.some((g) => g.type === 'test'));
    const testEvent = got.find((g) => g.type === 'test');
    assert.ok(testEvent.signed, 'the test event verifies with the secret');
    assert.equal(testEvent.body.tenant, 'demo.local');
    const deadline = Date.now() + WAIT;
    for (;;) {
      await admin.reload();
      const row = await admin.locator('table tbody tr').first().textContent();
      if (/delivered/.test(row) && row.includes(testEvent.id) && /HTTP 204/.test(row)) break;
      assert.ok(Date.now() < deadline, `the delivery log shows ${row}`);
      await admin.waitForTimeout(200);
    }
    await assertClean(admin, 'a webhook with a delivery');

    // a call: its events in order, all signed
    await login(alice, 'alice', 'alice-demo', 'demo.local');
    await alice.click('#btn-ready');
    await text(alice, '#agent-state', 'Ready');
    await placeCall(alice, '+4930700201');
    await alice.locator('#notification').waitFor({ state: 'visible', timeout: WAIT });
    await alice.click('#notif-answer');
    await text(alice, '#call-state', 'Connected');
    await alice.click('#btn-hangup');
    await text(alice, '#call-state', /^Ended/);
    await until('call.ended', () => got.some((g) => g.type === 'call.ended'));
    const callID = got.find((g) => g.type === 'call.ended').body.data.call;
    const ofCall = got.filter((g) => g.type.startsWith('call.') && g.body.data.call === callID).map((g) => g.type);
    assert.deepEqual(ofCall, ['call.queued', 'call.offered', 'call.answered', 'call.ended']);
    const ended = got.find((g) => g.type === 'call.ended').body.data;
    assert.equal(ended.caller.number, '+4930700201');
    assert.equal(ended.agents[0].username, 'alice');
    const states = got.filter((g) => g.type === 'agent.state_changed' && g.body.data.agent.username === 'alice').map((g) => g.body.data.to);
    assert.deepEqual(states.slice(0, 5), ['not_ready', 'ready', 'offered', 'connecting', 'talking']);
    assert.ok(got.every((g) => g.signed), 'every delivery verifies');
    assert.equal(new Set(got.map((g) => g.id)).size, got.length, 'no event twice');

    await admin.goto(demo.base + '/admin/webhooks');
    await text(admin, 'main table', /127\.0\.0\.1.*Call ended, with its record.*delivered/s);
    await assertClean(admin, 'webhooks with one');
  } finally {
    await admin.context().close();
    await alice.context().close();
  }
});
