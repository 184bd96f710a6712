// Call recording: the demo's queue records every call. The agent sees the
// recording, pauses it while a card number is read out (the page says who
// paused it and for how long) and resumes it; an admin then finds the call
// on the reports page with its pause, and plays the recording in the page,
// seeking in it. Meanwhile her supervisor's team view shows the pause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminLogin, login, placeCall, useDemo, WAIT } from './harness.mjs';
import { assertClean } from './clean.mjs';

const demo = useDemo('ccaas-recording-');
const text = (page, sel, want, timeout) => demo.text(page, sel, want, timeout);

test('an agent pauses the recording for a card number; an admin plays it back', async () => {
  const alice = await demo.open();
  const carol = await demo.open();
  const admin = await demo.open('/admin/login');
  try {
    await login(carol, 'carol', 'carol-demo', 'demo.local');
    await login(alice, 'alice', 'alice-demo', 'demo.local');
    await alice.click('#btn-ready');
    await text(alice, '#agent-state', 'Ready');
    await placeCall(alice, '+4930700301');
    await alice.locator('#notification').waitFor({ state: 'visible', timeout: WAIT });
    await alice.click('#notif-answer');
    await text(alice, '#call-state', 'Connected');
    await text(alice, '#call-rec', 'Recording');
    assert.equal(await alice.isVisible('#btn-rec-pause'), true);
    await assertClean(alice, 'a recorded call');

    await alice.waitForTimeout(1500); // some of the call is recorded
    await alice.click('#btn-rec-pause');
    await text(alice, '#call-rec', 'Recording paused');
    await text(alice, '#call-rec-paused-text', /^Recording paused by Alice .*: card numbers are safe to read out\. Resume when done\.$/);
    await text(alice, '#rec-pause-timer', /^0:0[1-9]$/);
    assert.equal(await alice.evaluate(() => document.activeElement && document.activeElement.id), 'btn-rec-resume', 'the focus moves to Resume');
    await assertClean(alice, 'a paused recording');
    // her supervisor sees who paused it, and for how long
    await text(carol, '#team-panel tr[data-agent="alice"] .team-rec-paused', /^Recording paused by Alice .* for 0:0[0-9]$/);
    await assertClean(carol, 'the team view with a paused recording');
    await alice.click('#btn-rec-resume');
    await text(alice, '#call-rec', 'Recording');
    assert.equal(await alice.isVisible('#call-rec-paused'), false);
    await alice.waitForTimeout(1500);
    await alice.click('#btn-hangup');
    await text(alice, '#call-state', /^Ended/);
    assert.equal(await alice.isVisible('#call-rec'), false);

    await adminLogin(admin);
    await admin.getByRole('link', { name: 'Reports' }).click();
    await text(admin, '#recordings-table', /\+4930700301/);
    await text(admin, '#recordings-table', /paused it at \d\d:\d\d:\d\d for 0:0\d/);
    const audio = admin.getByRole('region', { name: 'Recorded calls' }).locator('audio').first();
    assert.match(await audio.getAttribute('aria-label'), /^Recording of the call from \+4930700301/);
    const played = await audio.evaluate(async (a) => {
      a.preload = 'auto';
      a.load();
      await new Promise((ok, bad) => { a.addEventListener('loadedmetadata', ok, { once: true }); a.addEventListener('error', () => bad(new Error(`media error ${a.error && a.error.code}`)), { once: true }); });
      a.currentTime = a.duration / 2;
      await new Promise((ok) => a.addEventListener('seeked', ok, { once: true }));
      return { duration: a.duration, at: a.currentTime };
    });
    assert.ok(played.duration >= 2 && played.duration < 30, `the recording is ${played.duration} s`);
    assert.ok(Math.abs(played.at - played.duration / 2) < 0.5, `seeked to ${played.at}`);
    await assertClean(admin, 'reports with a recorded call');
    // found by the caller's number; another number finds nothing
    await admin.fill('#rec_caller', '0700301');
    await admin.selectOption('#rec_agent', 'alice');
    await admin.getByRole('button', { name: 'Find' }).click();
    await text(admin, '#recordings-table', /\+4930700301/);
    await admin.fill('#rec_caller', '9999999');
    await admin.getByRole('button', { name: 'Find' }).click();
    await text(admin, '#recorded ~ p', /^No recorded calls in this period that match the search\.$/);
    await assertClean(admin, 'recorded calls searched, none found');
  } finally {
    await alice.context().close();
    await carol.context().close();
    await admin.context().close();
  }
});
