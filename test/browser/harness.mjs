// Shared by the browser tests: build and run the ccaas binary on a free port,
// launch Debian's Chromium, and wait for what the page shows.
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const WAIT = 10_000; // ms for anything the page should show
export const run = promisify(execFile);

// binary is CCAAS_BIN (already built, e.g. by make) or a fresh build into dir.
// want says which embedded files it needs, e.g. ['static/vendor/jssip.min.js'].
export async function binary(dir, want = []) {
  for (const f of want) {
    assert.ok(existsSync(join(repoRoot, f)), `${f} is missing: run "make vendor" (it is bundled from npm, never committed)`);
  }
  if (process.env.CCAAS_BIN) return process.env.CCAAS_BIN;
  const bin = join(dir, 'ccaas');
  await run('go', ['build', '-o', bin, './cmd/ccaas'], { cwd: repoRoot, maxBuffer: 16 << 20 })
    .catch((e) => { throw new Error(`go build failed:\n${e.stderr || e.message}`); });
  return bin;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Server is one running ccaas (serve or demo) with its stderr kept for failures.
export class Server {
  constructor(bin, args, { cwd, env } = {}) {
    this.err = '';
    this.exit = null;
    this.proc = spawn(bin, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (d) => {
      this.err += d;
      if (this.err.length > 1 << 20) this.err = this.err.slice(-(1 << 19));
    });
    this.proc.on('exit', (code, signal) => { this.exit = `exit code ${code}, signal ${signal}`; });
  }

  failure(what) {
    return new Error(`${what}\n--- server stderr ---\n${this.err.slice(-8000)}`);
  }

  assertAlive() {
    if (this.exit) throw this.failure(`the server died (${this.exit})`);
  }

  async healthy(url, ms) {
    const deadline = Date.now() + ms;
    let last = 'no answer';
    while (Date.now() < deadline) {
      this.assertAlive();
      try {
        const r = await fetch(url);
        if (r.status === 200) return;
        last = `HTTP ${r.status} ${await r.text()}`;
      } catch (e) {
        last = e.message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw this.failure(`GET ${url} did not answer 200 within ${ms} ms (last: ${last})`);
  }

  async stop() {
    if (this.exit) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
}

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream'],
  });
}

// watch collects a page's JavaScript errors (page.errors) and console lines (page.console).
export function watch(page) {
  page.errors = [];
  page.console = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => page.console.push(`${m.type()}: ${m.text()}`));
  return page;
}

// text waits until the element's trimmed text matches (a string is exact, a
// RegExp tests, a function decides); alive() is checked while waiting.
export async function text(page, sel, want, { timeout = WAIT, alive = () => {} } = {}) {
  const ok = (t) => (typeof want === 'string' ? t === want : typeof want === 'function' ? want(t) : want.test(t));
  const deadline = Date.now() + timeout;
  let got;
  for (;;) {
    got = ((await page.locator(sel).textContent({ timeout }).catch(() => null)) ?? '').trim();
    if (ok(got)) return got;
    alive();
    if (Date.now() > deadline) break;
    await page.waitForTimeout(50);
  }
  assert.fail(`${sel}: want ${want}, got ${JSON.stringify(got)}`);
}

export async function login(page, username, password, domain) {
  await page.locator('#login-form').waitFor({ state: 'visible', timeout: WAIT });
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.fill('#domain', domain);
  await page.click('#login-form button[type=submit]');
  try {
    await page.locator('#toolbar-view').waitFor({ state: 'visible', timeout: WAIT });
  } catch (e) {
    const shown = await page.evaluate(() => ['login-error', 'message'].map((id) => {
      const el = document.getElementById(id);
      return `#${id}${el.hidden ? ' (hidden)' : ''}: ${el.textContent}`;
    }).join('; '));
    throw new Error(`${username} did not reach the toolbar: ${shown}; page errors: ${page.errors}\n${e.message}`);
  }
}

// adminLogin signs the demo's admin in on page, showing the admin login
// form, and waits for the admin pages (they open on the agents list).
export async function adminLogin(page) {
  await page.fill('#username', 'admin');
  await page.fill('#password', 'admin-demo');
  await page.fill('#domain', 'demo.local');
  await page.click('main form button[type=submit]');
  await page.waitForURL(/\/admin\/agents$/);
}

// refusedPage is assertClean's option for a page the server answered with
// an error status (a refused form: 422): the browser logs it, as expected.
export const refusedPage = (status) => ({ allowConsole: [new RegExp(`Failed to load resource: the server responded with a status of ${status}`)] });

// placeCall has a simulated customer call the demo queue (its DID 5550001)
// from a known number, through the page's demo controls.
export async function placeCall(page, from) {
  const status = await page.evaluate(async (from) => (await fetch('/api/demo/calls', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ did: '5550001', from }),
  })).status, from);
  assert.equal(status, 201, 'POST /api/demo/calls');
}

// DemoFixture runs `ccaas demo` for one test file in a temporary directory,
// with a browser: call setUp in before() and tearDown in after().
// KEEP_TMP=1 keeps the directory (screenshots, database).
export class DemoFixture {
  // args are more flags of `ccaas demo`, env more of its environment (its
  // CCAAS_ settings)
  constructor(prefix, want = [], args = [], env = {}) {
    this.prefix = prefix;
    this.want = want;
    this.args = args;
    this.env = env;
  }

  async setUp() {
    this.dir = await mkdtemp(join(tmpdir(), this.prefix));
    const bin = await binary(this.dir, this.want);
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    this.server = new Server(bin, ['demo', '--addr', `127.0.0.1:${port}`, '--db', join(this.dir, 'ccaas.db'), '--callers-every', '0', ...this.args], { cwd: this.dir, env: this.env });
    await this.server.healthy(`${this.base}/healthz`, 30_000);
    this.browser = await launch();
  }

  // text is harness.mjs's text, failing early (with the server's stderr) if the server died.
  text(page, sel, want, timeout = WAIT) {
    return text(page, sel, want, { timeout, alive: () => this.server.assertAlive() });
  }

  // open loads path in a fresh browser context (its own cookies), watched (for
  // assertClean): context is one to share, or browser.newContext's options.
  async open(path = '/', context = { viewport: { width: 1280, height: 800 } }) {
    if (!context.newPage) context = await this.browser.newContext(context);
    const page = watch(await context.newPage());
    await page.goto(this.base + path);
    return page;
  }

  async tearDown() {
    await this.browser?.close().catch(() => {});
    const died = this.server?.exit;
    await this.server?.stop();
    if (this.dir && !process.env.KEEP_TMP) await rm(this.dir, { recursive: true, force: true });
    else if (this.dir) console.log(`kept ${this.dir}`);
    if (died) throw this.server.failure(`the server died during the tests (${died})`);
  }
}

// useDemo gives a test file its DemoFixture: set up before the file's tests,
// torn down after them.
export function useDemo(prefix, want, env) {
  const demo = new DemoFixture(prefix, want, [], env);
  before(() => demo.setUp(), { timeout: 300_000 });
  after(() => demo.tearDown());
  return demo;
}
