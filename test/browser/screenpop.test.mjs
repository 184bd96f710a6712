// The screen pop: an admin sets the tenant's template on the settings page (a
// template naming an unknown key is refused there), and the agent page opens it
// for each call, with the call's values URL-encoded, in one tab per agent that
// every call reuses: when the agent answers, or as soon as the call is offered.
// A stand-in CRM on this machine (http to 127.0.0.1 is allowed) records the
// addresses opened.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { adminLogin, login, placeCall, refusedPage, useDemo, WAIT } from './harness.mjs';
import { assertClean } from './clean.mjs';

const demo = useDemo('ccaas-screenpop-');
const text = (page, sel, want, timeout) => demo.text(page, sel, want, timeout);
const visible = (page, sel) => page.locator(sel).waitFor({ state: 'visible', timeout: WAIT });

let crm, crmBase;
const opened = []; // every record page the CRM was asked for (not its icon)
before(async () => {
  crm = createServer((req, res) => {
    if (req.url.startsWith('/crm/')) opened.push(req.url);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>CRM</title><h1>Customer</h1></html>');
  });
  await new Promise((r) => crm.listen(0, '127.0.0.1', r));
  crmBase = `http://127.0.0.1:${crm.address().port}`;
});
after(() => new Promise((r) => crm.close(r)));

// setScreenPop saves the tenant's screen pop on the admin settings page.
async function setScreenPop(admin, template, on) {
  await admin.goto(demo.base + '/admin/settings');
  await admin.fill('#screen_pop_url', template);
  await admin.selectOption('#screen_pop_on', on);
  await admin.click('main form.card button[type=submit]');
  await text(admin, 'main .flash', /Settings saved/);
}

// callData reads the call's attached data as the agent page shows it.
async function callData(page) {
  return page.evaluate(() => {
    const out = {};
    const dl = document.getElementById('call-data');
    for (const dt of dl.querySelectorAll('dt')) out[dt.title] = dt.nextElementSibling.textContent;
    return out;
  });
}

test('the screen pop opens with encoded values, in one tab per agent', async () => {
  const admin = await demo.open('/admin/login');
  const alice = await demo.open();
  try {
    await adminLogin(admin);

    // a template naming a key the tenant does not have is refused, kept in the form
    await admin.goto(demo.base + '/admin/settings');
    await admin.fill('#screen_pop_url', 'https://crm.example/search?acct={Acount number}');
    await admin.click('main form.card button[type=submit]');
    await text(admin, '#screen_pop_url-error', /^Unknown name \{Acount number\}: use \{caller\}.*\{Account number\}/);
    assert.equal(await admin.inputValue('#screen_pop_url'), 'https://crm.example/search?acct={Acount number}');
    assert.equal(await admin.getAttribute('#screen_pop_url', 'aria-invalid'), 'true');
    await assertClean(admin, 'settings with a refused screen pop', refusedPage(422));

    const template = `${crmBase}/crm/{Account number}?phone={caller}&name={Customer name}&q={queue}&why={Reason for calling (IVR menu)}`;
    await setScreenPop(admin, template, 'answer');
    await assertClean(admin, 'settings with a screen pop');

    await login(alice, 'alice', 'alice-demo', 'demo.local');
    await alice.click('#btn-ready');
    await text(alice, '#agent-state', 'Ready');
    const ctx = alice.context();

    // on answer: nothing opens while the call rings
    await placeCall(alice, '+4930700101');
    await visible(alice, '#notification');
    await alice.waitForTimeout(300);
    assert.equal(ctx.pages().length, 1, 'nothing opened on the offer');
    const popup = ctx.waitForEvent('page', { timeout: WAIT });
    await alice.click('#notif-answer');
    const crmTab = await popup;
    await crmTab.waitForLoadState();
    await text(alice, '#call-state', 'Connected');
    const data = await callData(alice);
    const url = new URL(crmTab.url());
    assert.equal(url.origin, crmBase);
    assert.equal(decodeURIComponent(url.pathname), `/crm/${data['Account number']}`);
    assert.equal(url.searchParams.get('phone'), '+4930700101');
    assert.equal(url.searchParams.get('name'), data['Customer name']);
    assert.equal(url.searchParams.get('q'), 'Support');
    assert.equal(url.searchParams.get('why'), data['Reason for calling (IVR menu)']);
    assert.match(crmTab.url(), /phone=%2B4930700101&/, 'the + is encoded, not a space');
    assert.match(await crmTab.evaluate(() => window.name), /^ccaas-screen-pop-\d+$/);

    // the call shows a link that opens it again, in the same tab
    await visible(alice, '#call-screenpop');
    assert.equal(await alice.getAttribute('#call-screenpop', 'href'), crmTab.url());
    assert.equal(await alice.getAttribute('#call-screenpop', 'target'), await crmTab.evaluate(() => window.name));
    await assertClean(alice, 'connected with a screen pop');
    await alice.click('#btn-hangup');
    await text(alice, '#call-state', /^Ended/);
    await alice.locator('#screenpop-row').waitFor({ state: 'hidden', timeout: WAIT });
    await text(alice, '#agent-state', /Wrapup|Ready/);
    await text(alice, '#agent-state', 'Ready', 15_000);

    // on offer, and the same tab is reused: no new page opens
    await setScreenPop(admin, template, 'offer');
    let newPages = 0;
    ctx.on('page', () => newPages++);
    const before = opened.length;
    await placeCall(alice, '+4930700102');
    await visible(alice, '#notification');
    await crmTab.waitForURL(/phone=%2B4930700102/, { timeout: WAIT });
    assert.equal(newPages, 0, 'the agent\'s screen pop tab was reused');
    assert.equal(ctx.pages().length, 2);
    assert.equal(opened.length, before + 1, 'opened once for the offer');
    await alice.click('#notif-answer');
    await text(alice, '#call-state', 'Connected');
    await alice.waitForTimeout(300);
    assert.equal(opened.length, before + 1, 'not opened again on answer');
    await alice.click('#btn-hangup');
    await text(alice, '#call-state', /^Ended/);
    await crmTab.close();
  } finally {
    await admin.context().close();
    await alice.context().close();
  }
});

// After the test above: the screen pop opens on offer.
test('a blocked screen pop says so, and the link opens it', async () => {
  const bob = await demo.open();
  try {
    // the browser refuses every pop-up, as one without permission does
    await bob.addInitScript(() => { window.open = () => null; });
    await bob.reload();
    await login(bob, 'bob', 'bob-demo', 'demo.local');
    await bob.click('#btn-ready');
    await text(bob, '#agent-state', 'Ready');
    await placeCall(bob, '+4930700103');
    await text(bob, '#message', /The browser blocked the screen pop: allow pop-ups for this page, or use "Open screen pop"\./);
    await visible(bob, '#call-screenpop');
    await assertClean(bob, 'an offer whose screen pop was blocked');
    const popup = bob.context().waitForEvent('page', { timeout: WAIT });
    await bob.click('#call-screenpop');
    const tab = await popup;
    await tab.waitForURL(/phone=%2B4930700103/, { timeout: WAIT });
    await bob.click('#notif-answer');
    await text(bob, '#call-state', 'Connected');
    await bob.click('#btn-hangup');
  } finally {
    await bob.context().close();
  }
});
