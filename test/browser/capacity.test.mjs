// A contact center at its limit of calls at once (`ccaas demo --max-calls 1`):
// the caller beyond it gets busy, and Carol's team view counts the refusal
// in the queue's row of the day, in red with the reason on hover, in a
// 1280-pixel window without overflowing it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoFixture, login, text as textOf, watch, WAIT } from './harness.mjs';

const demo = new DemoFixture('ccaas-capacity-', [], ['--max-calls', '1']);
let server, base, browser;

before(async () => {
  await demo.setUp();
  ({ server, base, browser } = demo);
}, { timeout: 300_000 });

after(() => demo.tearDown());

const text = (page, sel, want) => textOf(page, sel, want, { alive: () => server.assertAlive() });
const support = '#team-queues tr[data-queue="Support"]';

test('a caller beyond the limit of calls gets busy and the team view counts it', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const carol = watch(await context.newPage());
  try {
    await carol.goto(base + '/');
    await login(carol, 'carol', 'carol-demo', 'demo.local');
    await carol.locator('#team-panel').waitFor({ state: 'visible', timeout: WAIT });
    const loggedIn = carol.console.length; // what the login page logs is not this test's
    await text(carol, `${support} td:nth-child(12)`, '0');
    assert.equal(await carol.locator(`${support} td:nth-child(12)`).getAttribute('class'), 'num refused');

    const call = (from) => carol.evaluate(async (from) => (await fetch('/api/demo/calls', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ did: '5550001', from }),
    })).status, from);
    // nobody is Ready: the first caller waits, the second finds no room
    assert.equal(await call('+4930100'), 201);
    await text(carol, `${support} td:nth-child(2)`, '1'); // waiting
    assert.equal(await call('+4930101'), 201);
    await text(carol, `${support} td:nth-child(12)`, '1');
    const refused = carol.locator(`${support} td:nth-child(12)`);
    assert.equal(await refused.getAttribute('class'), 'num alert refused');
    assert.match(await refused.getAttribute('title'), /1 callers got busy today: the contact center was at its limit of calls at once/);
    assert.equal(await carol.locator('.team-queues-table th:nth-child(12)').textContent(), 'Refused');
    await text(carol, `${support} td:nth-child(2)`, '1'); // the first still waits
    await text(carol, `${support} td:nth-child(9)`, '0'); // a refused caller is no offered call

    const overflow = await carol.evaluate(() => {
      const t = document.querySelector('.team-queues-table');
      return { table: t.getBoundingClientRect().right, page: document.documentElement.scrollWidth, window: innerWidth };
    });
    assert.ok(overflow.table <= overflow.window && overflow.page <= overflow.window,
      `the queues table overflows a 1280-pixel window: ${JSON.stringify(overflow)}`);
    assert.deepEqual(carol.errors, []);
    assert.deepEqual(carol.console.slice(loggedIn).filter((m) => m.startsWith('error')), []);
  } finally {
    await context.close();
  }
});
