// Agent toolbar: login, then one CTI WebSocket (docs/cti-protocol.md) that
// drives everything shown. The page keeps no state of its own beyond what the
// server last said; every message updates `model` and calls render().
// Loaded as a module: its own scope, strict mode, run after the document is parsed.

const $ = (id) => document.getElementById(id);

const STATE_LABELS = {
  logged_out: 'Logged out', not_ready: 'Not Ready', ready: 'Ready', offered: 'Offered',
  connecting: 'Connecting', talking: 'Talking', wrapup: 'Wrapup',
};
// Not Ready reasons the page knows by name; a tenant's own reasons are shown as sent.
const REASON_LABELS = {
  login: 'login', break: 'break', lunch: 'lunch', training: 'training', missed_call: 'missed call',
};
const CALL_LABELS = { offered: 'Offered', connecting: 'Connecting', connected: 'Connected', ended: 'Ended' };
const END_REASONS = {
  caller_hangup: 'caller hung up', agent_hangup: 'you hung up',
  withdrawn: 'offer withdrawn', failed: 'could not connect',
};
const BYE_REASONS = {
  logout: 'You have logged out.',
  replaced: 'You logged in somewhere else, so this session has ended.',
  shutdown: 'The server is stopping; please log in again in a moment.',
};

let model = null;   // {agent, state, line, call, reasons} from the snapshot and deltas
let ws = null;      // the current CTI socket
let seq = 0;        // last seq seen on `ws`
let nextId = 1;     // command ids, echoed back in replies
let demo = false;

// ---- helpers -------------------------------------------------------------

function words(s) { return String(s || '').replace(/_/g, ' '); }

function reasonText(r) {
  return Object.hasOwn(REASON_LABELS, r) ? REASON_LABELS[r] : String(r);
}

let messageTimer = null;

function showMessage(text, isError) {
  const m = $('message');
  m.textContent = text || '';
  m.classList.toggle('error', !!isError);
  m.hidden = !text;
  // Information fades by itself; an error stays until the next action.
  clearTimeout(messageTimer);
  if (text && !isError) messageTimer = setTimeout(() => { m.hidden = true; }, 6000);
}

function setText(el, text) {
  // Only touch the DOM on change, so observers see real transitions.
  if (el.textContent !== text) el.textContent = text;
}

function clock(s) {
  const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function elapsed(since) {
  const ms = since ? Date.now() - Date.parse(since) : 0;
  return clock(Math.max(0, Math.floor(ms / 1000))); // clocks may differ a little: never show negatives
}

// secondsLeft counts down to `until`, rounded up (it shows 1 until the very end).
// A browser clock behind the server's must not stretch it beyond until - since.
function secondsLeft(since, until) {
  const end = Date.parse(until);
  let ms = end - Date.now();
  const total = end - Date.parse(since);
  if (total >= 0) ms = Math.min(ms, total);
  return Math.max(0, Math.ceil(ms / 1000));
}

function countdown(s) { return s < 60 ? `${s} s left` : `${clock(s)} left`; }

// setEnabled: 'on', 'off' (disabled), or 'refused': it looks disabled and says so to
// assistive technology, but stays clickable so the server's refusal tells the agent why.
function setEnabled(btn, how) {
  btn.disabled = how === 'off';
  if (how === 'refused') btn.setAttribute('aria-disabled', 'true');
  else btn.removeAttribute('aria-disabled');
}

async function api(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  let data = null;
  try { data = await res.json(); } catch { /* 204 or not JSON */ }
  return { ok: res.ok, status: res.status, data };
}

function errorText(r) {
  return (r.data && r.data.error) || `The server answered HTTP ${r.status}.`;
}

// ---- views ---------------------------------------------------------------

function showLogin(message, isError) {
  stopRinging();
  model = null;
  $('toolbar-view').hidden = true;
  $('notification').hidden = true;
  $('login-view').hidden = false;
  showMessage(message, isError);
  const empty = ['username', 'password', 'domain'].find((f) => !$(f).value);
  $(empty || 'password').focus();
}

function showToolbar() {
  $('login-view').hidden = true;
  $('login-error').hidden = true;
  $('password').value = '';
  $('toolbar-view').hidden = false;
  $('demo-panel').hidden = !demo;
}

// ---- rendering -----------------------------------------------------------

function stateLabel() {
  const { state, call } = model;
  if (state.state === 'not_ready' && state.reason) return `Not Ready (${reasonText(state.reason)})`;
  // "talking" starts a moment before the call reports connected; say what the agent hears.
  if (state.state === 'talking') return call && call.state === 'connected' ? 'Connected' : 'Connecting';
  return STATE_LABELS[state.state] || words(state.state);
}

function render() {
  if (!model) return;
  const { agent, state, line, call } = model;
  setText($('agent-name'), agent.name || agent.username);
  setText($('agent-ext'), agent.extension || '');
  setText($('agent-tenant'), agent.tenant || agent.domain || '');

  const badge = $('agent-state');
  badge.dataset.state = state.state;
  setText(badge, stateLabel());

  // Buttons follow the "allowed when" column of the protocol. During an offer, a call
  // or wrapup, Not Ready asks for Pending Not Ready. In wrapup, Ready and Logout are
  // refused: they look disabled but a click brings the server's reason.
  const s = state.state;
  const idle = s === 'ready' || s === 'not_ready';
  const busy = s === 'offered' || s === 'connecting' || s === 'talking' || s === 'wrapup';
  setEnabled($('btn-ready'), s === 'not_ready' ? 'on' : s === 'wrapup' ? 'refused' : 'off');
  setEnabled($('btn-logout'), idle ? 'on' : s === 'wrapup' ? 'refused' : 'off');
  $('btn-notready').disabled = $('notready-reason').disabled = !(idle || busy);
  const later = busy ? 'Not Ready once this call and wrapup end' : '';
  if ($('btn-notready').title !== later) $('btn-notready').title = later;

  // Pending Not Ready is shown whenever the server says one is set.
  $('pending-row').hidden = !state.pending;
  setText($('agent-pending'), state.pending ? `Next: Not Ready (${reasonText(state.pending)})` : '');

  const ls = $('line-state');
  ls.dataset.line = line.state;
  setText(ls, `Phone line: ${line.state}`);

  renderCall(call);
  tick();
}

function renderCall(call) {
  $('call-empty').hidden = !!call;
  $('call-details').hidden = !call;
  const offered = !!call && call.state === 'offered';
  if (call) {
    const cs = $('call-state');
    cs.dataset.state = call.state;
    let label = CALL_LABELS[call.state] || words(call.state);
    if (call.state === 'ended' && call.endReason) label += ` (${END_REASONS[call.endReason] || words(call.endReason)})`;
    setText(cs, label);
    setText($('call-caller'), callerText(call));
    setText($('call-queue'), call.queue ? call.queue.name : 'Direct call');
    renderData(call.data || []);
    $('btn-answer').hidden = !offered;
    $('btn-hangup').hidden = !(call.state === 'connecting' || call.state === 'connected');
  }

  // The bottom-right notification lives exactly as long as the offer.
  $('notification').hidden = !offered;
  if (offered) {
    setText($('notif-caller'), (call.caller && call.caller.number) || 'Unknown number');
    setText($('notif-name'), (call.caller && call.caller.name) || '');
    setText($('notif-queue'), call.queue ? `Queue: ${call.queue.name}` : 'Direct call');
    startRinging(call);
  } else {
    stopRinging();
  }
}

function callerText(call) {
  const c = call.caller || {};
  const number = c.number || 'Unknown number';
  return c.name ? `${number} (${c.name})` : number;
}

function renderData(rows) {
  // Attached data is customer-supplied text: build nodes, never parse it as HTML.
  const key = JSON.stringify(rows);
  const dl = $('call-data');
  if (dl.dataset.key === key) return;
  dl.dataset.key = key;
  dl.replaceChildren();
  for (const row of rows) {
    const dt = document.createElement('dt');
    dt.textContent = row.key;
    const dd = document.createElement('dd');
    dd.textContent = row.value;
    dl.append(dt, dd);
  }
}

function tick() {
  if (!model) return;
  const st = model.state;
  // Wrapup ends by itself: count down to `until` instead of counting up.
  const counting = st.state === 'wrapup' && !!st.until;
  $('wrapup-countdown').hidden = !counting;
  $('state-time').hidden = counting;
  if (counting) setText($('wrapup-countdown'), countdown(secondsLeft(st.since, st.until)));
  else setText($('state-time'), elapsed(st.since));
  const c = model.call;
  let t = '';
  if (c && c.answeredAt && c.state !== 'ended') t = elapsed(c.answeredAt);
  else if (c && c.state === 'offered') t = elapsed(c.offeredAt);
  setText($('call-timer'), t);
}
setInterval(tick, 250); // a quarter second keeps the countdown close to the real end

// ---- ringing: beep and browser notification -------------------------------

let audio = null;       // AudioContext, created on a user gesture (autoplay rules)
let ringTimer = null;
let ringingCall = null;
let desktopNote = null;

function unlockAudio() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
  } catch { audio = null; } // no audio is fine: the box still shows
}

function beep() {
  try {
    if (!audio || audio.state !== 'running') return;
    const t = audio.currentTime;
    for (const start of [0, 0.5]) { // two short tones per ring
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 480;
      gain.gain.setValueAtTime(0.0001, t + start);
      gain.gain.exponentialRampToValueAtTime(0.2, t + start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + start + 0.35);
      osc.connect(gain).connect(audio.destination);
      osc.start(t + start);
      osc.stop(t + start + 0.4);
    }
  } catch { /* audio blocked or unavailable */ }
}

function startRinging(call) {
  if (ringingCall === call.id) return;
  stopRinging();
  ringingCall = call.id;
  beep();
  ringTimer = setInterval(beep, 2500);
  try {
    if ('Notification' in window && Notification.permission === 'granted') {
      desktopNote = new Notification('Incoming call', {
        body: `${callerText(call)}${call.queue ? ' · ' + call.queue.name : ''}`,
        tag: call.id,
      });
      desktopNote.onclick = () => window.focus();
    }
  } catch { desktopNote = null; }
}

function stopRinging() {
  clearInterval(ringTimer);
  ringTimer = null;
  ringingCall = null;
  if (desktopNote) { try { desktopNote.close(); } catch { /* already gone */ } desktopNote = null; }
}

function askNotificationPermission() {
  // Asked once after an explicit login; the page works the same if refused.
  try {
    if ('Notification' in window && Notification.permission === 'default') {
      const p = Notification.requestPermission();
      if (p && p.catch) p.catch(() => {});
    }
  } catch { /* not supported */ }
}

// ---- the CTI socket ---------------------------------------------------------

function connect() {
  const old = ws;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const sock = new WebSocket(`${proto}//${location.host}/api/cti`);
  ws = sock;
  seq = 0;
  // A newer socket of the same session replaces the old one (the server sends it
  // `bye replaced`); close ours only after the new one is open, so the session survives.
  if (old) sock.addEventListener('open', () => old.close(), { once: true });

  sock.onmessage = (ev) => {
    if (sock !== ws) return; // a replaced socket: ignore what it still says
    let msg;
    try { msg = JSON.parse(ev.data); } catch { return; }
    if (typeof msg.seq === 'number') {
      if (msg.seq !== seq + 1) {
        // A gap means we missed a delta: a fresh socket brings a fresh snapshot.
        console.warn(`CTI seq gap: expected ${seq + 1}, got ${msg.seq}; reconnecting`);
        connect();
        return;
      }
      seq = msg.seq;
    }
    handle(msg);
  };
  sock.onclose = () => {
    if (sock !== ws) return;
    ws = null;
    showLogin(model
      ? 'The connection to the server was lost, so you have been logged out. Please log in again.'
      : 'Could not connect to the server. Please log in again.', true);
  };
}

function handle(msg) {
  switch (msg.type) {
    case 'snapshot':
      model = { agent: msg.agent, state: msg.state, line: msg.line, call: msg.call, reasons: msg.reasons || [] };
      fillReasons(model.reasons);
      showToolbar();
      break;
    case 'state': model.state = msg.state; break;
    case 'line': model.line = msg.line; break;
    case 'offer':
    case 'call': model.call = msg.call; break;
    case 'reply':
      if (!msg.ok) showMessage((msg.error && msg.error.message) || 'The command was refused.', true);
      return;
    case 'bye': {
      const sock = ws;
      ws = null; // the close that follows is expected
      if (sock) sock.close();
      showLogin(BYE_REASONS[msg.reason] || `Your session has ended (${words(msg.reason)}).`, msg.reason !== 'logout');
      return;
    }
    default: return; // unknown types are for newer pages
  }
  render();
}

function fillReasons(reasons) {
  const sel = $('notready-reason');
  const keep = sel.value;
  sel.replaceChildren(...reasons.map((r) => {
    const o = document.createElement('option');
    o.value = r;
    o.textContent = reasonText(r).replace(/^./, (c) => c.toUpperCase());
    return o;
  }));
  if (reasons.includes(keep)) sel.value = keep;
}

function send(cmd, fields) {
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    showMessage('Not connected to the server.', true);
    return;
  }
  showMessage('');
  ws.send(JSON.stringify({ id: String(nextId++), cmd, ...fields }));
}

// ---- wiring -------------------------------------------------------------------

function answer() {
  if (model && model.call && model.call.state === 'offered') send('answer', { call: model.call.id });
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  unlockAudio(); // a click is the chance to allow sound for later rings
  const err = $('login-error');
  const body = { username: $('username').value.trim(), password: $('password').value, domain: $('domain').value.trim() };
  if (!body.username || !body.password || !body.domain) {
    err.textContent = 'Username, password and domain are all required.';
    err.hidden = false;
    return;
  }
  const btn = $('btn-login');
  btn.disabled = true;
  try {
    const r = await api('POST', '/api/login', body);
    if (!r.ok) {
      err.textContent = errorText(r);
      err.hidden = false;
      $('password').select();
      return;
    }
    err.hidden = true;
    showMessage('');
    askNotificationPermission();
    connect();
  } catch {
    err.textContent = 'Cannot reach the server.';
    err.hidden = false;
  } finally {
    btn.disabled = false;
  }
});

$('btn-ready').addEventListener('click', () => send('ready'));
$('btn-notready').addEventListener('click', () => send('not_ready', { reason: $('notready-reason').value || undefined }));
$('btn-cancel-pending').addEventListener('click', () => send('cancel_pending'));
$('btn-logout').addEventListener('click', () => send('logout'));
$('btn-answer').addEventListener('click', answer);
$('notif-answer').addEventListener('click', answer);
$('btn-hangup').addEventListener('click', () => {
  if (model && model.call) send('hangup', { call: model.call.id });
});
$('btn-demo-call').addEventListener('click', async () => {
  const r = await api('POST', '/api/demo/calls', {}).catch(() => ({ ok: false, status: 0, data: null }));
  showMessage(r.ok ? 'A simulated customer is calling the demo queue.' : errorText(r), !r.ok);
});
$('btn-demo-hangup').addEventListener('click', async () => {
  const r = await api('POST', '/api/demo/hangup').catch(() => ({ ok: false, status: 0, data: null }));
  if (!r.ok) showMessage(r.status === 409 ? 'There is no customer call to hang up.' : errorText(r), true);
});
// Any click may unlock audio that a page load without a gesture could not.
document.addEventListener('click', unlockAudio, { capture: true });

async function boot() {
  try {
    const info = await api('GET', '/api/info');
    demo = !!(info.ok && info.data && info.data.demo);
  } catch { demo = false; }
  try {
    const me = await api('GET', '/api/me');
    if (me.ok) { connect(); return; } // the snapshot shows the toolbar
  } catch { /* fall through to the login form */ }
  showLogin();
}

boot();
