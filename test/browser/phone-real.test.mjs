// The browser phone against a real Asterisk 22: `ccaas serve` with a
// temporary database seeded through the admin commands, an agent logged in
// in Chromium (fake microphone, permission granted), and the page's JsSIP
// registering through the app's /sip proxy until the line is up.
//
// Runs only when CCAAS_TEST_ARI_URL is set, e.g.
//   CCAAS_TEST_ARI_URL=http://127.0.0.1:8088/ari CCAAS_TEST_ARI_USER=ccaas \
//   CCAAS_TEST_ARI_PASSWORD=ccaas CCAAS_TEST_SIP_WS_URL=ws://127.0.0.1:8088/ws \
//   node --test test/browser/phone-real.test.mjs
// Asterisk needs what asterisk-etc ships: a `transport-ws` transport, an
// `agents` context, sorcery.conf stacking memory under config for
// endpoint/auth/aor, and rtp.conf icesupport=yes.
// CCAAS_TEST_ARI_APP names the Stasis app (default: one of its own, so that
// another ccaas on the same Asterisk keeps "ccaas"). KEEP_TMP=1 keeps the
// temporary directory (screenshots, database, server log).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, freePort, launch, Server, text as textOf, login, watch, WAIT } from './harness.mjs';

const env = process.env;
const ARI = env.CCAAS_TEST_ARI_URL;
const skip = ARI ? false : 'CCAAS_TEST_ARI_URL is not set: no real Asterisk to test the browser phone against';
if (skip) console.log(`# skipping the real-Asterisk phone tests: ${skip}`);

const ARI_USER = env.CCAAS_TEST_ARI_USER || 'ccaas';
const ARI_PASSWORD = env.CCAAS_TEST_ARI_PASSWORD || '';
const SIP_WS = env.CCAAS_TEST_SIP_WS_URL || 'ws://127.0.0.1:8088/ws';
const APP = env.CCAAS_TEST_ARI_APP || `ccaas-phone-test-${process.pid}`;
const DOMAIN = 'phone.test';
const AGENT = { username: 'pia', password: 'pia-phone-test-1', name: 'Pia Phone', extension: '1701' };
const LINE_UP = 30_000; // registration, the line's INVITE, ICE and DTLS

let dir, bin, server, base, browser;

// admin runs one `ccaas` admin command against the test database.
function admin(args, stdin = '') {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, [...args, '--db', join(dir, 'ccaas.db')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`ccaas ${args.join(' ')}: exit ${code}\n${out}`))));
    p.stdin.end(stdin);
  });
}

// ari asks Asterisk directly (the test's own view, never the page's).
async function ari(path, method = 'GET') {
  const r = await fetch(ARI.replace(/\/$/, '') + path, {
    method,
    headers: { Authorization: 'Basic ' + Buffer.from(`${ARI_USER}:${ARI_PASSWORD}`).toString('base64') },
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

// loudness listens to #phone-audio's stream for ms and returns its peak (0..1).
const loudness = (page, ms) => page.evaluate(async (ms) => {
  const ctx = new AudioContext();
  await ctx.resume();
  const an = ctx.createAnalyser();
  an.fftSize = 2048;
  ctx.createMediaStreamSource(document.getElementById('phone-audio').srcObject).connect(an);
  const buf = new Float32Array(an.fftSize);
  let peak = 0;
  for (const end = performance.now() + ms; performance.now() < end;) {
    an.getFloatTimeDomainData(buf);
    for (const v of buf) peak = Math.max(peak, Math.abs(v));
    await new Promise((r) => setTimeout(r, 50));
  }
  await ctx.close();
  return peak;
}, ms);

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'ccaas-phone-real-'));
  bin = await binary(dir, ['static/vendor/jssip.min.js']);
  await admin(['tenant', 'add', '--domain', DOMAIN, '--name', 'Phone Test']);
  await admin(['agent', 'add', '--domain', DOMAIN, '--username', AGENT.username, '--name', AGENT.name,
    '--extension', AGENT.extension], AGENT.password + '\n');
  await admin(['tenant', 'set', '--domain', DOMAIN, '--did', '5550001']);
  await admin(['queue', 'add', '--domain', DOMAIN, '--name', 'Support', '--did', '5550001', '--member', AGENT.username]);

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = new Server(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--db', join(dir, 'ccaas.db'),
    '--ari-url', ARI, '--ari-user', ARI_USER, '--ari-app', APP, '--sip-ws-url', SIP_WS, '--log-level', 'debug'],
  { cwd: dir, env: { CCAAS_ARI_PASSWORD: ARI_PASSWORD } });
  await server.healthy(`${base}/healthz`, 30_000);
  browser = await launch();
}, { timeout: 300_000 });

after(async () => {
  if (skip) return;
  await browser?.close().catch(() => {});
  const died = server?.exit;
  await server?.stop();
  if (dir) await writeFile(join(dir, 'server.log'), server?.err || '').catch(() => {});
  if (dir && !env.KEEP_TMP) await rm(dir, { recursive: true, force: true });
  else if (dir) console.log(`kept ${dir}`);
  if (died) throw server.failure(`the server died during the tests (${died})`);
});

const text = (page, sel, want, timeout) => textOf(page, sel, want, { timeout, alive: () => server.assertAlive() });

// mediaOf reads the page's peer connections (collected by the init script):
// ICE/DTLS state and RTP counters of the newest one.
const mediaOf = (page) => page.evaluate(async () => {
  const pc = window.pcs.at(-1);
  if (!pc) return null;
  const out = { ice: pc.iceConnectionState, conn: pc.connectionState, sent: 0, received: 0 };
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'outbound-rtp' && s.kind === 'audio') out.sent += s.packetsSent || 0;
    if (s.type === 'inbound-rtp' && s.kind === 'audio') out.received += s.packetsReceived || 0;
  });
  const a = document.getElementById('phone-audio');
  out.audio = !!a.srcObject && a.srcObject.getAudioTracks().some((t) => t.readyState === 'live');
  out.playing = !a.paused;
  return out;
});

async function failureReport(page) {
  const phone = page.cti.find((m) => m.type === 'snapshot')?.phone;
  const lines = [`#phone-status: ${await page.locator('#phone-status').textContent().catch(() => '?')}`,
    `#line-state: ${await page.locator('#line-state').textContent().catch(() => '?')}`,
    `line messages: ${JSON.stringify(page.cti.filter((m) => m.type === 'line').map((m) => m.line.state))}`];
  if (phone) lines.push(`endpoint: ${JSON.stringify((await ari(`/endpoints/PJSIP/${phone.username}`)).body)}`);
  lines.push('page console:', ...page.console.slice(-30));
  return lines.join('\n');
}

test('the browser phone registers through /sip, answers the line (audio both ways), re-registers after a drop, and goes at logout', { skip, timeout: 180_000 }, async () => {
  const info = await (await fetch(`${base}/api/info`)).json();
  assert.equal(info.phone, true, `/api/info: ${JSON.stringify(info)}`);
  assert.equal(info.demo, false);

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => {
    // Keep the page's peer connections and SIP sockets, for the test to look at.
    window.pcs = [];
    window.sipSockets = [];
    const PC = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends PC {
      constructor(...a) { super(...a); window.pcs.push(this); }
    };
    const WS = window.WebSocket;
    window.WebSocket = class extends WS {
      constructor(url, ...rest) {
        super(url, ...rest);
        if (String(url).endsWith('/sip')) window.sipSockets.push(this);
      }
    };
  });
  const page = watch(await context.newPage());
  page.cti = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => {
    try { page.cti.push(JSON.parse(f.payload)); } catch { /* SIP, not JSON */ }
  }));
  try {
    await page.goto(base + '/');
    await login(page, AGENT.username, AGENT.password, DOMAIN);
    const phone = page.cti.find((m) => m.type === 'snapshot')?.phone;
    assert.ok(phone && phone.username && phone.lineToken, 'the snapshot carries the phone account');

    try {
      await text(page, '#phone-status', 'Browser phone: line up', LINE_UP);
      await text(page, '#line-state', 'Phone line: up', LINE_UP);
    } catch (e) {
      throw new Error(`${e.message}\n${await failureReport(page)}`);
    }
    const shown = page.cti.filter((m) => m.type === 'line').map((m) => m.line.state);
    console.log('line states the server sent:', JSON.stringify(shown));

    // Asterisk's own view: the account's contact came over WebSocket.
    const ep = await ari(`/endpoints/PJSIP/${phone.username}`);
    assert.equal(ep.status, 200);
    assert.equal(ep.body.state, 'online', JSON.stringify(ep.body));
    assert.equal(ep.body.channel_ids.length, 1, `the line is the endpoint's one channel: ${JSON.stringify(ep.body)}`);

    // Media: ICE and DTLS up, RTP going out, the remote track on <audio>.
    let media;
    const deadline = Date.now() + 15_000;
    do {
      await page.waitForTimeout(500);
      media = await mediaOf(page);
    } while (!(media && media.conn === 'connected' && media.sent > 0 && media.audio) && Date.now() < deadline);
    console.log('line media:', JSON.stringify(media));
    assert.equal(media.conn, 'connected', `peer connection: ${JSON.stringify(media)}`);
    assert.ok(media.sent > 0, 'RTP from the browser to Asterisk');
    assert.ok(media.audio, 'the line\'s remote audio track is on #phone-audio');
    await page.screenshot({ path: join(dir, 'real-line-up.png') });

    // Sound from Asterisk reaches the page: a tone played to the line (the
    // test's own ARI request) arrives as RTP and is heard on #phone-audio.
    const quiet = await loudness(page, 500);
    const before = media.received;
    const tone = await ari(`/channels/${encodeURIComponent(ep.body.channel_ids[0])}/play?media=tone:440`, 'POST');
    assert.equal(tone.status, 201, `play a tone to the line: ${JSON.stringify(tone.body)}`);
    let loud;
    try {
      loud = await loudness(page, 1500);
    } finally {
      await ari(`/playbacks/${tone.body.id}`, 'DELETE');
    }
    const heard = await mediaOf(page);
    console.log(`line audio: peak ${quiet.toFixed(3)} in the holding bridge, ${loud.toFixed(3)} with a tone; RTP packets received ${before} -> ${heard.received}`);
    assert.ok(heard.received > before + 25, `RTP from Asterisk: ${before} -> ${heard.received}`);
    assert.ok(loud > 0.05 && loud > quiet * 2, `the tone is heard: peak ${loud} (quiet ${quiet})`);

    // The SIP socket drops: the phone reconnects and registers again by itself,
    // and the server brings the line back.
    const sockets = await page.evaluate(() => window.sipSockets.length);
    await page.evaluate(() => window.sipSockets.at(-1).close());
    await text(page, '#phone-status', 'Browser phone: disconnected — reconnecting');
    await text(page, '#phone-status', 'Browser phone: line up', LINE_UP + 30_000).catch(async (e) => {
      throw new Error(`${e.message}\n${await failureReport(page)}`);
    });
    await text(page, '#line-state', 'Phone line: up', LINE_UP);
    assert.equal(await page.evaluate(() => window.sipSockets.length), sockets + 1, 'one new socket');
    const after = page.cti.filter((m) => m.type === 'line').map((m) => m.line.state);
    console.log('line states after the drop:', JSON.stringify(after.slice(shown.length)));

    // Logout: the phone unregisters and stops; the account is gone from Asterisk.
    // (Asked of the pushed configuration: GET /endpoints/PJSIP/… may go on
    // answering a stale "online" after the endpoint was deleted, when its
    // contact's removal crosses the deletion.)
    await page.click('#btn-logout');
    await page.locator('#login-form').waitFor({ state: 'visible', timeout: WAIT });
    await text(page, '#phone-status', 'Browser phone: off');
    for (const typ of ['endpoint', 'aor', 'auth']) {
      let gone;
      for (let i = 0; i < 50; i++) {
        gone = await ari(`/asterisk/config/dynamic/res_pjsip/${typ}/${phone.username}`);
        if (gone.status === 404) break;
        await page.waitForTimeout(100);
      }
      assert.equal(gone.status, 404, `the ${typ} after logout: ${JSON.stringify(gone.body)}`);
    }
    await page.waitForFunction(() => window.sipSockets.every((s) => s.readyState === WebSocket.CLOSED), null, { timeout: WAIT });
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test('a refused microphone against the real line call: the phone says so and the line stays down', { skip, timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  const page = watch(await context.newPage());
  page.cti = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => {
    try { page.cti.push(JSON.parse(f.payload)); } catch { /* SIP, not JSON */ }
  }));
  try {
    await page.goto(base + '/');
    await login(page, AGENT.username, AGENT.password, DOMAIN);
    await text(page, '#phone-status', 'Browser phone: microphone blocked', LINE_UP).catch(async (e) => {
      throw new Error(`${e.message}\n${await failureReport(page)}`);
    });
    await text(page, '#message', 'Microphone blocked: allow microphone access for this site, then reload.');
    // JsSIP turned the line's INVITE down (480); the server tries again, in vain.
    await page.waitForTimeout(3000);
    await text(page, '#phone-status', 'Browser phone: microphone blocked');
    assert.notEqual((await page.locator('#line-state').textContent()).trim(), 'Phone line: up');
    const states = page.cti.filter((m) => m.type === 'line').map((m) => m.line.state);
    console.log('line states with the microphone blocked:', JSON.stringify(states));
    assert.ok(!states.includes('up'), JSON.stringify(states));
    await page.screenshot({ path: join(dir, 'real-mic-blocked.png') });
    await page.click('#btn-logout');
    await page.locator('#login-form').waitFor({ state: 'visible', timeout: WAIT });
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});
