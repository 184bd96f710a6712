// Agent toolbar: login, then one CTI WebSocket (docs/cti-protocol.md) that
// drives everything shown. The page keeps no state of its own beyond what the
// server last said; every message updates `model` and calls render().
// Loaded as a module: its own scope, strict mode, run after the document is parsed.
// The browser phone that carries the agent's line lives in phone.js.

import { Phone } from './phone.js';
import { TeamPanel } from './team.js';
import { Directory } from './directory.js';
import { STATE_LABELS, words, clock } from './text.js';

const $ = (id) => document.getElementById(id);

// Not Ready reasons the page knows by name; a tenant's own reasons are shown as sent.
const REASON_LABELS = {
  login: 'login', break: 'break', lunch: 'lunch', training: 'training', missed_call: 'missed call',
};
const CALL_LABELS = { offered: 'Offered', connecting: 'Connecting', connected: 'Connected', ended: 'Ended' };
const END_REASONS = {
  caller_hangup: 'caller hung up', agent_hangup: 'you hung up', left: 'you left',
  transferred: 'transferred', withdrawn: 'offer withdrawn', failed: 'could not connect',
  busy: 'busy', no_answer: 'no answer', max_wait: 'maximum wait reached',
  consult_ended: 'consultation ended',
};
const DIRECTIONS = { inbound: 'Inbound', outbound: 'Outbound', internal: 'Internal', callback: 'Callback (the customer asked to be called back)', voicemail: 'Voicemail' };
// How this agent came to the call, when it is not the plain way.
const ROLE_NOTES = { transfer: 'transferred to you', conference: 'conference invitation', callee: 'a colleague calls', consult: 'a colleague consults you' };
// An invited agent's part is named like the agent's own state: Offered.
const PARTY_STATES = { offered: 'Offered', connecting: 'Connecting', connected: 'Connected' };
const NOTICES = {
  joined: 'joined the call', left: 'left the call', no_answer: 'did not answer', busy: 'is busy: try again later, or close the voicemail',
  barged: '(supervisor) joined the call',
  hold_failed: 'could not be put on hold: still on the line with you', resume_failed: 'could not be taken off hold: try Resume again',
  customer_left: 'hung up while on hold; you are still talking with your colleague',
  recording_not_paused: 'could not pause the recording: it is still recording',
  recording_not_resumed: 'could not resume the recording: it is still paused',
};
// The call's recording, as its badge says it (docs/cti-protocol.md, recording.state).
const REC_LABELS = {
  starting: 'Recording starts…', recording: 'Recording', pausing: 'Pausing recording…', paused: 'Recording paused',
  resuming: 'Resuming recording…', failed: 'Not recorded: the recording failed',
};
const OFFER_TITLES = { transfer: 'Transferred call', conference: 'Conference invitation', callee: 'Call from a colleague', consult: 'Consultation' };
// A queue's tasks besides calls are offered under their own title.
const TASK_TITLES = { callback: 'Callback to', voicemail: 'Voicemail from' };
// A recent call the agent never took shows how it ended instead of a duration.
const UNTAKEN = { withdrawn: 'missed', no_answer: 'no answer', busy: 'busy', failed: 'failed' };
const KEY_MAX = 15; // attached data keys longer than this are cut, with the whole key on hover
// What `dial` takes (docs/cti-protocol.md): an optional + and 2 to 20 digits.
const DIAL_RE = /^\+?[0-9]{2,20}$/;
const BYE_REASONS = {
  logout: 'You have logged out.',
  replaced: 'You logged in somewhere else, so this session has ended.',
  shutdown: 'The server is stopping; please log in again in a moment.',
  account: 'An admin changed your password or role, so this session has ended. Log in again.',
  expired: 'Your session reached its time limit, so it has ended. Log in again.',
  removed: 'An administrator removed your account, so you have been logged out.',
  closed: 'This session had already ended. Please log in again.',
};
// What became of the call the agent had when the page went away (see leaving()).
const LEFT_CALL = {
  queue: ' Your caller went back to the head of the queue.',
  others: ' The call went on without you.',
  ended: ' Your call ended.',
};
// How the offered call's time is named: how long the caller has waited, or been on the line.
const OFFER_WAIT = { answer: 'Caller waiting', transfer: 'Caller on the line', conference: 'Call time', callee: 'Calling for', consult: 'Call time' };
// What a note may hold (docs/cti-protocol.md, disposition).
const NOTE_MAX = 2000;
// Storage keys: the last login's username and domain (never the password), and why
// the next load of the page finds the agent logged out.
const LOGIN_KEY = 'ccaas.login';
const LEFT_KEY = 'ccaas.left';
const LEFT_FOR = 12 * 3600 * 1000; // older news is not told

const team = new TeamPanel((cmd, fields) => send(cmd, fields), () => (model ? model.reasons : []));
const directory = new Directory((cmd) => send(cmd, undefined, true), () => (model ? model.agent.extension : ''));
let model = null;   // {agent, state, line, call, reasons, settings} from the snapshot and deltas
let ws = null;      // the current CTI socket
let seq = 0;        // last seq seen on `ws`
let nextId = 1;     // command ids, echoed back in replies
let demo = false;
let phoneWanted = false; // /api/info phone: this page runs the browser phone
const pendingDigits = new Map(); // dtmf command id -> digits, shown once the server accepts them
let sentDigits = { call: null, digits: '' };
let dispoFor = null;    // the call whose disposition the form was last filled for
let dispoStatus = '';   // what the form says of its last save
let dispoSent = null;   // the id of the disposition command under way

// ---- helpers -------------------------------------------------------------

function reasonText(r) {
  return Object.hasOwn(REASON_LABELS, r) ? REASON_LABELS[r] : String(r);
}

let messageTimer = null;
let stickyMessage = ''; // a phone problem the agent must act on: shown whenever nothing else is
let refusal = false;    // the message is why a command was refused: it goes when the state or the call changes

function showMessage(text, isError, isRefusal = false) {
  if (!text && stickyMessage) { text = stickyMessage; isError = true; }
  const m = $('message');
  m.textContent = text || '';
  m.classList.toggle('error', !!isError);
  m.hidden = !text;
  refusal = !!text && isRefusal;
  // Information fades by itself; an error stays until the next action, or until
  // it no longer applies.
  clearTimeout(messageTimer);
  if (text && !isError) messageTimer = setTimeout(() => { m.hidden = true; }, 6000);
}

let noticeTimer = null;
let noticeLasts = null; // for a lasting situation: true while it lasts

// showNotice: something happened to someone else on the call. A moment is shown
// for a few seconds; a lasting situation (lasts given) as long as lasts() says.
function showNotice(text, lasts) {
  const n = $('notice');
  n.textContent = text || '';
  n.hidden = !text;
  clearTimeout(noticeTimer);
  noticeLasts = text && lasts ? lasts : null;
  if (text && !lasts) noticeTimer = setTimeout(() => { n.hidden = true; }, 6000);
}

// stored reads a JSON value of the page's storage (null if there is none or storage is off).
function stored(key, remove) {
  try {
    const v = JSON.parse(localStorage.getItem(key) || 'null');
    if (remove) localStorage.removeItem(key);
    return v;
  } catch { return null; }
}

function store(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* storage off: nothing remembered */ }
}

function setText(el, text) {
  // Only touch the DOM on change, so observers see real transitions.
  if (el.textContent !== text) el.textContent = text;
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

// shortKey cuts an attached-data key to KEY_MAX characters (not code units) with an ellipsis.
function shortKey(key) {
  const chars = Array.from(String(key));
  return chars.length > KEY_MAX ? chars.slice(0, KEY_MAX).join('').trimEnd() + '…' : chars.join('');
}

// liveCall is the agent's call unless it has ended (an ended call stays shown until the next).
function liveCall() {
  const c = model && model.call;
  return c && c.state !== 'ended' ? c : null;
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

// showLogin shows the login form, saying why the agent is there (message), with
// the username and domain of the last login filled in.
function showLogin(message, isError) {
  stopRinging();
  phone.stop();
  model = null;
  pendingDigits.clear();
  clearTimeout(recentTimer);
  recentGen++;
  renderRecent([]);
  showNotice('');
  showMessage('');
  $('toolbar-view').hidden = true;
  $('notification').hidden = true;
  $('login-view').hidden = false;
  const why = $('login-reason');
  why.textContent = message || '';
  why.classList.toggle('error', !!isError);
  why.hidden = !message;
  const last = stored(LOGIN_KEY) || {};
  for (const f of ['username', 'domain']) {
    if (!$(f).value && typeof last[f] === 'string') $(f).value = last[f];
  }
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

// ---- leaving the page ----------------------------------------------------------

// Closing or reloading the page ends the session (docs/cti-protocol.md). During a
// call or an offer the browser asks first; when the page goes anyway, it notes
// why, so that the next load can say it on the login form.
window.addEventListener('beforeunload', (ev) => {
  if (!liveCall()) return;
  ev.preventDefault();
  ev.returnValue = ''; // older browsers ask only with it set
});

window.addEventListener('pagehide', () => {
  if (!model || !ws) return;
  store(LEFT_KEY, { at: Date.now(), call: leaving(liveCall()) });
});

// leaving says what becomes of the agent's call when their session ends: a queue
// call they are alone on goes back to the head of its queue; others go on without them.
function leaving(c) {
  if (!c) return '';
  const others = (c.parties || []).some((p) => p.extension !== model.agent.extension && p.state === 'connected');
  if (others) return 'others';
  return c.queue && c.direction === 'inbound' ? 'queue' : 'ended';
}

// leftText is what the login form says after the page went away during a session.
function leftText(left) {
  const nav = performance.getEntriesByType('navigation')[0];
  const how = nav && nav.type === 'reload' ? 'the page was reloaded' : 'the page was closed';
  return `You were logged out because ${how}.${LEFT_CALL[left.call] || ''} Log in again to take calls.`;
}

// ---- focus ------------------------------------------------------------------------

// A control that disappears or is disabled by what it asked for hands the focus on
// to the control that replaces it, so a keyboard or screen-reader user keeps their
// place (the server's answer, not the click, changes the page).
const NEXT_FOCUS = {
  'btn-ready': 'btn-notready', 'btn-cancel-pending': 'btn-notready',
  'btn-answer': 'btn-hangup', 'notif-answer': 'btn-hangup',
  'btn-hold': 'btn-resume', 'btn-resume': 'btn-hold',
  'btn-mute': 'btn-unmute', 'btn-unmute': 'btn-mute',
  'btn-consult': 'btn-consult-cancel', 'btn-consult-cancel': 'btn-hold', 'btn-consult-conference': 'btn-hangup',
  'btn-end-wrapup': 'btn-notready',
  'btn-rec-start': 'btn-rec-pause', 'btn-rec-pause': 'btn-rec-resume', 'btn-rec-resume': 'btn-rec-pause',
};
let focused = null;    // the control that last had the focus
let wantFocus = null;  // the control to focus once it shows (an action done by shortcut)
document.addEventListener('focusin', (ev) => { focused = ev.target; });

function usable(el) {
  return !!el && el.isConnected && !el.disabled && el.checkVisibility();
}

// stateFocus is where the focus goes when nothing replaces the control that had it.
function stateFocus() {
  switch (model && model.state.state) {
    case 'offered': return ['notif-answer', 'btn-answer'];
    case 'connecting': case 'talking': return ['btn-hangup'];
    case 'not_ready': return ['btn-ready'];
    default: return ['btn-notready'];
  }
}

function keepFocus() {
  if (wantFocus && !liveCall()) wantFocus = null; // the offer went before it was answered
  if (wantFocus && usable($(wantFocus))) {
    $(wantFocus).focus();
    wantFocus = null;
    return;
  }
  const el = focused;
  if (!el || usable(el)) return;
  const now = document.activeElement;
  if (now && now !== document.body && now !== el) return; // the agent has moved on
  const next = [NEXT_FOCUS[el.id], ...stateFocus()].map((id) => id && $(id)).find(usable);
  if (next) next.focus();
}

// ---- the browser phone -----------------------------------------------------

const PHONE_TITLES = {
  demo: 'In the demo the simulator answers the line: no browser phone is needed.',
  registering: 'The browser phone is registering with the phone server.',
  registered: 'The browser phone is registered; the line call is on its way.',
  line: 'The browser phone has the line: you hear your calls here.',
  reconnecting: 'The connection to the phone server dropped; the phone reconnects by itself.',
};

// renderPhone shows the phone's status beside the line's; a blocked microphone
// is also a message that stays until the phone has its line.
function renderPhone(st) {
  const el = $('phone-status');
  el.dataset.phone = st.state;
  setText(el, `Browser phone: ${st.text}`);
  const title = st.error || PHONE_TITLES[st.state] || st.detail || '';
  if (el.title !== title) el.title = title;
  if (st.error) {
    stickyMessage = st.error;
    showMessage(st.error, true);
  } else if (stickyMessage) {
    const showing = $('message').textContent === stickyMessage;
    stickyMessage = '';
    if (showing) showMessage('');
  }
}

const phone = new Phone({ audio: $('phone-audio'), onStatus: renderPhone });

// startPhone follows the snapshot: the phone registers this login's account,
// or stays off where the server runs none (the demo).
function startPhone(account) {
  if (!phoneWanted) {
    phone.off(demo ? 'demo' : 'off');
    return;
  }
  phone.start(account).catch((e) => console.error('browser phone:', e));
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
  setText($('state-by'), state.by ? `set by ${state.by}` : '');

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

  // Ending wrapup early, where the tenant lets agents: refused while a wrapup code is owed.
  const endEarly = s === 'wrapup' && !!model.settings.endWrapupEarly;
  $('btn-end-wrapup').hidden = !endEarly;
  setEnabled($('btn-end-wrapup'), state.awaiting ? 'refused' : 'on');
  const endTitle = state.awaiting ? 'Give the wrapup code first.' : 'End wrapup now';
  if ($('btn-end-wrapup').title !== endTitle) $('btn-end-wrapup').title = endTitle;

  // Pending Not Ready is shown whenever the server says one is set.
  $('pending-row').hidden = !state.pending;
  setText($('agent-pending'), state.pending ? `Next: Not Ready (${reasonText(state.pending)})` : '');

  const ls = $('line-state');
  ls.dataset.line = line.state;
  setText(ls, `Phone line: ${line.state}`);

  renderCall(call);
  renderDial();
  if (noticeLasts && !noticeLasts()) showNotice('');
  tick();
  keepFocus();
}

// renderDial: dialling is for a Not Ready agent without a call. While Ready (or in
// wrapup) the button stays clickable so the server can say why not; the hint says it too.
function renderDial() {
  const s = model.state.state;
  const free = !liveCall() && !(s === 'offered' || s === 'connecting' || s === 'talking');
  let how = 'on', why = '';
  if (!free) { how = 'off'; why = 'You can dial when this call has ended.'; }
  else if (s === 'wrapup') { how = 'refused'; why = 'You can dial after wrapup, once you are Not Ready: choose Not Ready now and it applies when wrapup ends.'; }
  else if (s !== 'not_ready') { how = 'refused'; why = 'Go Not Ready first to dial: no queue call is offered meanwhile.'; }
  setEnabled($('btn-dial'), how);
  if ($('btn-dial').title !== why) $('btn-dial').title = why;
  $('dial-hint').hidden = !why;
  setText($('dial-hint'), why);
}

function renderCall(call) {
  $('call-empty').hidden = !!call;
  $('call-details').hidden = !call;
  const offered = !!call && call.state === 'offered';
  const connected = !!call && call.state === 'connected';
  if (call) {
    const cs = $('call-state');
    cs.dataset.state = call.state;
    let label = CALL_LABELS[call.state] || words(call.state);
    if (call.state === 'ended' && call.endReason) label += ` (${endText(call)})`;
    setText(cs, label);
    const dir = call.direction || 'inbound';
    setText($('call-caller-label'), dir === 'outbound' ? 'Dialled' : dir === 'internal' ? 'Colleague' : dir === 'callback' ? 'Customer' : 'Caller');
    setText($('call-caller'), callerText(call));
    let dirText = DIRECTIONS[dir] || words(dir);
    const note = roleNote(call);
    if (note) dirText += ` (${note})`;
    setText($('call-direction'), dirText);
    const showQueue = !!call.queue || dir === 'inbound';
    $('call-queue-label').hidden = $('call-queue').hidden = !showQueue;
    setText($('call-queue'), call.queue ? call.queue.name : 'Direct call');
    const by = call.transferredBy;
    $('call-by-label').hidden = $('call-by').hidden = !by;
    setText($('call-by'), by ? `${by.name} (${by.extension})` : '');
    renderParties(call);
    renderData($('call-data'), call.data || []);
    renderScreenPop(call);
    renderRecording(call, connected);
    // A supervisor speaking to the agent alone lasts: shown for as long as it does.
    const coach = call.state === 'connected' && call.coach;
    $('call-coach').hidden = !coach;
    setText($('call-coach'), coach ? `${call.coach} (supervisor) is speaking to you; the caller cannot hear them.` : '');

    // A voicemail: the message to play, and Call back, until the agent reached the caller.
    const vm = call.voicemail;
    const listening = connected && !!vm && !vm.calledBack;
    $('voicemail-block').hidden = !(vm && (connected || call.state === 'connecting'));
    if (vm) renderVoicemail(vm, listening);
    setText($('btn-hangup'), listening ? 'Close voicemail' : 'Hang up');

    const held = connected && !!call.held;
    $('call-held').hidden = !held;
    $('call-muted').hidden = !(connected && call.muted);
    $('btn-answer').hidden = !offered;
    $('btn-hangup').hidden = !(call.state === 'connecting' || call.state === 'connected');
    // A consultation has its own controls; hold, resume, transfer and conference wait.
    const consult = call.state !== 'ended' ? call.consult : null;
    renderConsult(call, consult);
    // Hold and tones need a customer: calls between agents have none.
    const customer = dir !== 'internal';
    $('btn-hold').hidden = !(connected && customer && !call.held && !listening) || !!consult;
    $('btn-resume').hidden = !held || !!consult;
    $('btn-mute').hidden = !(connected && !call.muted && !listening);
    $('btn-unmute').hidden = !(connected && !!call.muted && !listening);
    $('call-actions').hidden = !connected || listening || !!consult;
    const hangTitle = consult && consult.role === 'consulting'
      ? `Hang up: ${consult.name} ${consult.state === 'connected' ? 'keeps' : 'gets'} the caller` : '';
    if ($('btn-hangup').title !== hangTitle) $('btn-hangup').title = hangTitle;
    // A blind transfer hands over a call the agent is alone on; the server says so
    // otherwise, so the button stays clickable but looks unavailable.
    const others = (call.parties || []).filter((p) => p.extension !== model.agent.extension).length;
    setEnabled($('btn-transfer'), !customer ? 'off' : others > 0 ? 'refused' : 'on');
    setEnabled($('btn-consult'), !customer ? 'off' : others > 0 ? 'refused' : 'on');
    const noTransfer = !customer ? 'Only a call with a customer can be transferred.'
      : others > 0 ? 'Transfer is for a call you are alone on: leave the conference instead.' : '';
    if ($('btn-transfer').title !== noTransfer) $('btn-transfer').title = noTransfer;
    const keysOff = !customer || held;
    for (const b of $('keypad').querySelectorAll('button')) b.disabled = keysOff;
    $('keypad').title = !customer ? 'No customer on this call to send tones to.' : held ? 'The customer is on hold.' : '';
    if (sentDigits.call !== call.id) sentDigits = { call: call.id, digits: '' };
    setText($('dtmf-sent'), sentDigits.digits ? `Sent: ${sentDigits.digits}` : '');
  } else {
    renderConsult(null, null);
  }
  renderDisposition(call);

  // The bottom-right notification lives exactly as long as the offer, when the tenant wants it.
  const notify = offered && model.settings.notifyIncoming !== false;
  $('notification').hidden = !notify;
  if (notify) {
    setText($('notif-title'), TASK_TITLES[call.direction] || OFFER_TITLES[call.role] || 'Incoming call');
    setText($('notif-caller'), (call.caller && call.caller.number) || 'Unknown number');
    setText($('notif-name'), (call.caller && call.caller.name) || '');
    let from = call.queue ? `Queue: ${call.queue.name}` : 'Direct call';
    if (call.consult) from = `${call.consult.name} (${call.consult.extension}) consults you · ${from}`;
    else if (call.transferredBy) from += ` · transferred by ${call.transferredBy.name}`;
    setText($('notif-queue'), from);
    renderData($('notif-data'), call.data || []);
    startRinging(call);
  } else {
    stopRinging();
  }
}

// renderConsult shows a consultation's two legs, the active one first, and what the
// consulting agent can do; the colleague consulted sees who consults them.
function renderConsult(call, k) {
  $('consult-box').hidden = !k;
  if (!k) return;
  const consulting = k.role === 'consulting';
  setText($('consult-title'), consulting ? 'Consultation' : 'Consulted by a colleague');
  setText($('leg-consult-name'), `${k.name} (${k.extension})`);
  setText($('leg-consult-state'), consulting ? (k.state === 'connected' ? 'Talking with you' : 'Ringing') : 'Consulting you');
  setText($('leg-customer-name'), callerText(call));
  setText($('leg-customer-state'), 'On hold');
  $('leg-consult').dataset.state = k.state;
  $('consult-controls').hidden = !consulting;
  const answered = k.state === 'connected' ? 'on' : 'refused';
  setEnabled($('btn-consult-complete'), answered);
  setEnabled($('btn-consult-conference'), answered);
  const wait = k.state === 'connected' ? '' : `${k.name} has not answered yet`;
  for (const id of ['btn-consult-complete', 'btn-consult-conference']) if ($(id).title !== wait) $(id).title = wait;
}

// renderDisposition shows the wrapup code and note form while the agent may give them:
// during the call, and in the wrapup after it. The fields are filled from what was
// saved when the call changes, never while the agent types.
function renderDisposition(call) {
  const d = call && call.disposition;
  const live = !!call && (call.state === 'connected' || call.state === 'connecting');
  const show = !!d && (live || (call.state === 'ended' && model.state.state === 'wrapup'));
  $('dispo-form').hidden = !show;
  if (!show) return;
  const codes = d.codes || [];
  if (dispoFor !== d.call) {
    dispoFor = d.call;
    dispoStatus = d.code || d.note ? 'Saved.' : '';
    const sel = $('dispo-code');
    const none = document.createElement('option');
    none.value = '';
    none.textContent = codes.length ? 'No code' : 'No codes for this call';
    sel.replaceChildren(none, ...codes.map((c) => {
      const o = document.createElement('option');
      o.value = c;
      o.textContent = c;
      return o;
    }));
    sel.value = codes.includes(d.code) ? d.code : '';
    $('dispo-note').value = d.note || '';
    noteCount();
  }
  $('dispo-code').disabled = codes.length === 0;
  setText($('dispo-title'), codes.length ? 'Wrapup code and note' : 'Note');
  const awaiting = model.state.state === 'wrapup' && model.state.awaiting;
  let required = '';
  if (d.required && !d.code) required = awaiting ? 'Required: your wrapup ends once you give a wrapup code.' : `Queue ${d.queue} requires a wrapup code.`;
  setText($('dispo-required'), required);
  setText($('dispo-status'), dispoStatus);
}

function noteCount() {
  const n = [...$('dispo-note').value].length;
  setText($('dispo-count'), `${n} / ${NOTE_MAX}`);
}

// roleNote says how the agent came to the call. A consultation lasts only while it
// goes on: then the call was transferred to them (completed), or is simply theirs.
function roleNote(call) {
  if (call.role !== 'consult') return ROLE_NOTES[call.role] || '';
  if (call.consult) return ROLE_NOTES.consult;
  return call.transferredBy ? ROLE_NOTES.transfer : '';
}

// renderVoicemail shows the message of the voicemail the agent handles: a player of
// its recording (served by the app to this session only), how long it is and when it
// was left, and Call back while the caller is not on the line.
function renderVoicemail(vm, listening) {
  const audio = $('voicemail-audio');
  const src = vm.url || '';
  if (audio.dataset.src !== src) {
    audio.dataset.src = src;
    if (src) audio.src = src; else audio.removeAttribute('src');
  }
  audio.hidden = !src;
  const left = vm.leftAt ? new Date(vm.leftAt).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }) : '';
  setText($('voicemail-meta'), src
    ? `Message of ${vm.seconds} s, left ${left}.`
    : `The recording of this message was deleted (your tenant keeps recordings for a limited time). Left ${left}.`);
  $('btn-callback').hidden = !listening;
}

function endText(call) {
  // Between agents the call ends when either hangs up: "you" may not be true.
  if (call.endReason === 'agent_hangup' && call.direction === 'internal') return 'hung up';
  return END_REASONS[call.endReason] || words(call.endReason);
}

function callerText(call) {
  const c = call.caller || {};
  const number = c.number || 'Unknown number';
  return c.name ? `${number} (${c.name})` : number;
}

function renderData(dl, rows) {
  // Attached data is customer-supplied text: build nodes, never parse it as HTML.
  const key = JSON.stringify(rows);
  if (dl.dataset.key === key) return;
  dl.dataset.key = key;
  dl.replaceChildren();
  for (const row of rows) {
    const dt = document.createElement('dt');
    const full = String(row.key);
    dt.textContent = shortKey(full);
    dt.title = full; // the whole key on hover
    const dd = document.createElement('dd');
    dd.textContent = String(row.value ?? '');
    dl.append(dt, dd);
  }
}

// renderParties lists who is on the call: the customer (when there is one), then every
// agent in order of arrival, each with their part in it.
function renderParties(call) {
  const rows = [];
  const parties = [...(call.parties || [])];
  if (call.state === 'ended') parties.length = 0; // who is left is no longer this agent's business
  else if (call.direction !== 'internal') {
    const c = call.caller || {};
    let st = 'Connected';
    if (call.held) st = 'On hold';
    else if (call.state === 'offered') st = 'Waiting';
    else if (call.state === 'connecting') st = ['outbound', 'callback', 'voicemail'].includes(call.direction) ? 'Ringing' : 'Connecting';
    else if (call.voicemail && !call.voicemail.calledBack) st = 'Left a message';
    rows.push({ cls: 'party customer', name: c.name || 'Customer', ext: c.number || '', state: st, data: st.toLowerCase().replace(' ', '_') });
  }
  for (const p of parties) {
    const me = model && p.extension === model.agent.extension;
    rows.push({
      cls: 'party agent', name: p.name + (me ? ' (you)' : ''), ext: p.extension,
      state: PARTY_STATES[p.state] || words(p.state), data: p.state,
    });
  }
  const ul = $('call-parties');
  $('parties-block').hidden = rows.length === 0;
  const key = JSON.stringify(rows);
  if (ul.dataset.key === key) return;
  ul.dataset.key = key;
  ul.replaceChildren(...rows.map((r) => {
    const li = document.createElement('li');
    li.className = r.cls;
    li.dataset.state = r.data;
    const name = document.createElement('span');
    name.className = 'party-name';
    name.textContent = r.name;
    const ext = document.createElement('span');
    ext.className = 'party-ext';
    ext.textContent = r.ext;
    const st = document.createElement('span');
    st.className = 'party-state';
    st.textContent = r.state;
    li.append(name, ext, st);
    return li;
  }));
}

// ---- screen pop -----------------------------------------------------------------

// The tenant's screen pop (its CRM) opens once per call, in a tab named after the
// agent so that every call reuses it, when the call is offered or answered (the
// tenant's choice). The server fills the address in with the call's values, encoded.
let poppedCall = null;

function screenPopTab() { return `ccaas-screen-pop-${model.agent.id}`; }

function screenPop(call) {
  const pop = call && call.screenPop;
  if (!model || !pop || poppedCall === call.id) return;
  if (call.state !== (pop.on === 'offer' ? 'offered' : 'connected')) return;
  poppedCall = call.id;
  let tab = null;
  try { tab = window.open(pop.url, screenPopTab()); } catch { tab = null; }
  if (!tab) showMessage('The browser blocked the screen pop: allow pop-ups for this page, or use "Open screen pop".', true);
}

// renderRecording shows the call's recording: a badge, who paused it and for how
// long (the card number is being read out), and the controls. Paused shows only
// once the server says Asterisk paused it; until then the badge says "Pausing".
function renderRecording(call, connected) {
  const r = call && call.state !== 'ended' ? call.recording : null;
  const st = r ? r.state : '';
  const badge = $('call-rec');
  badge.hidden = !r || st === 'off';
  setText(badge, REC_LABELS[st] || '');
  badge.classList.toggle('paused', st === 'paused' || st === 'resuming');
  badge.classList.toggle('failed', st === 'failed');
  const paused = st === 'paused' || st === 'resuming';
  $('call-rec-paused').hidden = !paused;
  setText($('call-rec-paused-text'), paused ? `Recording paused by ${r.pausedBy || 'an agent'}: card numbers are safe to read out. Resume when done.` : '');
  $('btn-rec-start').hidden = !(connected && (st === 'off' || st === 'failed'));
  // While Asterisk pauses (resumes) the button stays where it is, so the focus
  // does not jump away before Resume (Pause) replaces it; a second click is refused.
  $('btn-rec-pause').hidden = !(connected && (st === 'recording' || st === 'pausing'));
  $('btn-rec-resume').hidden = !(connected && paused);
}

function renderScreenPop(call) {
  const link = $('call-screenpop');
  const url = call && call.state !== 'ended' && call.screenPop && call.screenPop.url;
  $('screenpop-row').hidden = !url;
  if (!url) return;
  if (link.getAttribute('href') !== url) link.setAttribute('href', url);
  link.target = screenPopTab();
  link.title = `Opens ${new URL(url).host} in its own tab`;
}

// ---- recent calls ------------------------------------------------------------

let recentTimer = null;
let recentGen = 0;   // a newer fetch or a logout makes older answers stale
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dateFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

async function loadRecent() {
  const gen = ++recentGen;
  let r;
  try { r = await api('GET', '/api/calls/recent'); } catch { return null; }
  if (gen !== recentGen || !model) return null;
  if (!r.ok || !r.data || !Array.isArray(r.data.calls)) return null;
  renderRecent(r.data.calls);
  return r.data.calls;
}

// refreshRecent after a call ended: the server lists it once it is recorded, a moment
// later (and a call this agent left or transferred only when it has ended for all).
function refreshRecent(call) {
  clearTimeout(recentTimer);
  const want = call && Date.parse(call.offeredAt);
  let tries = 0;
  const attempt = async () => {
    const calls = await loadRecent();
    if (!calls || !want) return;
    const listed = calls.some((c) => Math.abs(Date.parse(c.at) - want) < 1000);
    if (!listed && ++tries < 6) recentTimer = setTimeout(attempt, 300 * tries);
  };
  attempt();
}

function renderRecent(calls) {
  const ol = $('recent-calls');
  $('recent-empty').hidden = calls.length > 0;
  const key = JSON.stringify(calls);
  if (ol.dataset.key === key) return;
  ol.dataset.key = key;
  const today = new Date().toDateString();
  ol.replaceChildren(...calls.map((c) => {
    const li = document.createElement('li');
    li.className = 'recent-row';
    li.dataset.direction = c.direction;
    const at = new Date(c.at);
    const time = document.createElement('time');
    time.className = 'recent-time';
    time.dateTime = c.at;
    if (!Number.isNaN(at.getTime())) {
      time.textContent = (at.toDateString() === today ? timeFmt : dateFmt).format(at);
      time.title = at.toLocaleString();
    }
    const num = document.createElement('button');
    num.type = 'button';
    num.className = 'recent-callback';
    num.textContent = c.number || 'unknown';
    num.dataset.number = c.number || '';
    num.title = `Call back ${c.number}${c.name ? ` (${c.name})` : ''}`;
    num.disabled = !DIAL_RE.test(c.number || '');
    const dir = document.createElement('span');
    dir.className = 'recent-dir';
    dir.textContent = DIRECTIONS[c.direction] || words(c.direction);
    const dur = document.createElement('span');
    dur.className = 'recent-dur';
    // How long the agent was on it; a call they never took says how it ended instead.
    dur.textContent = !c.seconds && Object.hasOwn(UNTAKEN, c.outcome) ? UNTAKEN[c.outcome] : clock(c.seconds || 0);
    li.title = words(c.outcome);
    li.append(time, num, dir, dur);
    if (c.code || c.note) {
      // the wrapup code and note the agent gave: the note's start shown (a line), all of it on hover
      const code = document.createElement('span');
      code.className = 'recent-code';
      code.textContent = [c.code ? `Code: ${c.code}` : '', c.note ? `Note: ${c.note.replace(/\s+/g, ' ')}` : ''].filter(Boolean).join(' · ');
      if (c.note) code.title = c.note;
      li.append(code);
    }
    return li;
  }));
}

function tick() {
  if (!model) return;
  const st = model.state;
  // Wrapup ends by itself: count down to `until` instead of counting up.
  const counting = st.state === 'wrapup' && !!st.until;
  const left = counting ? secondsLeft(st.since, st.until) : 0;
  // A wrapup that waits for its wrapup code says so, once its time is over or if it has none.
  const awaits = st.state === 'wrapup' && !!st.awaiting && (!counting || left === 0);
  $('wrapup-box').hidden = !counting || awaits;
  $('wrapup-awaits').hidden = !awaits;
  $('state-time-box').hidden = counting || awaits;
  if (counting) setText($('wrapup-countdown'), countdown(left));
  else setText($('state-time'), elapsed(st.since));
  const c = model.call;
  let t = '';
  let label = 'Call time:';
  const offered = !!c && c.state === 'offered';
  if (c && c.answeredAt && c.state !== 'ended') t = elapsed(c.answeredAt);
  else if (offered) {
    // The caller's wait (since the call arrived), not the offer's age.
    t = elapsed(c.arrivedAt || c.offeredAt);
    label = OFFER_WAIT[c.role] || OFFER_WAIT.answer;
  }
  setText($('call-timer'), t);
  setText($('call-timer-label'), label);
  $('call-timer-label').classList.toggle('visually-hidden', !offered);
  // The ring time counts down: an offer left to ring out makes the agent Not Ready.
  const ringing = offered && st.state === 'offered' && !!st.until;
  const ring = ringing ? `${secondsLeft(st.since, st.until)} s left to answer` : '';
  $('ring-box').hidden = !ringing;
  setText($('ring-left'), ring);
  setText($('notif-wait'), offered && t ? `${label} ${t}` : '');
  setText($('notif-ring'), ring);
  const held = !!c && c.held && !!c.heldSince && c.state === 'connected';
  $('hold-box').hidden = !held;
  setText($('hold-timer'), held ? elapsed(c.heldSince) : '');
  const k = c && c.state !== 'ended' ? c.consult : null;
  setText($('leg-consult-timer'), k && k.since ? elapsed(k.since) : '');
  setText($('leg-customer-timer'), k && held ? elapsed(c.heldSince) : '');
  const recPaused = !!c && c.state === 'connected' && !!c.recording && !!c.recording.pausedSince;
  setText($('rec-pause-timer'), recPaused ? elapsed(c.recording.pausedSince) : '');
  team.tick();
}
setInterval(tick, 250); // a quarter second keeps the countdown close to the real end

// ---- ringing: beep and browser notification -------------------------------

let audio = null;       // AudioContext, created on a user gesture (autoplay rules)
let ringTimer = null;
let ringingCall = null;
let desktopNote = null;

function unlockAudio() {
  phone.resumeAudio();
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
      model = {
        agent: msg.agent, state: msg.state, line: msg.line, call: msg.call || null, reasons: msg.reasons || [],
        settings: msg.settings || { notifyIncoming: true },
      };
      poppedCall = msg.call ? msg.call.id : null; // a reload does not open it again
      fillReasons(model.reasons);
      directory.reset();
      team.show(msg.team || null, msg.watch || null);
      showToolbar();
      startPhone(msg.phone);
      loadRecent();
      break;
    case 'state':
      model.state = msg.state;
      if (refusal) showMessage(''); // what was refused was about the state before
      break;
    case 'team': team.apply(msg.team || {}); return;
    case 'directory': directory.apply(msg.directory || {}); return;
    case 'disposition': {
      const d = msg.disposition || {};
      const c = model.call;
      if (c && c.disposition && c.disposition.call === d.call) c.disposition = d;
      if (d.call === dispoFor) dispoStatus = d.code ? `Saved: ${d.code}.` : 'Saved.';
      // the recent calls show it once it is written (a moment later)
      clearTimeout(recentTimer);
      recentTimer = setTimeout(() => { loadRecent(); recentTimer = setTimeout(loadRecent, 1200); }, 300);
      break;
    }
    case 'watch': team.setWatch(msg.watch); return;
    case 'line': model.line = msg.line; break;
    case 'offer':
    case 'call': {
      const before = model.call;
      model.call = msg.call;
      if (refusal) showMessage(''); // e.g. a refused transfer, once the call has changed
      // A notice is about one call: a new call makes it old news.
      if (msg.call && !(before && before.id === msg.call.id)) showNotice('');
      const ended = msg.call && msg.call.state === 'ended';
      if (ended && !(before && before.id === msg.call.id && before.state === 'ended')) refreshRecent(msg.call);
      screenPop(msg.call);
      break;
    }
    case 'notice': {
      const n = msg.notice || {};
      if (n.kind === 'coaching') return; // lasting: the call's coach shows it while it lasts
      const who = n.name || (n.extension ? `Extension ${n.extension}` : 'Someone');
      // A resume that failed leaves the customer on hold: told while they still are.
      const lasts = n.kind === 'resume_failed'
        ? () => { const c = liveCall(); return !!c && c.id === n.call && !!c.held; }
        : null;
      showNotice(`${who} ${NOTICES[n.kind] || words(n.kind)}`, lasts);
      return;
    }
    case 'reply': {
      const digits = pendingDigits.get(msg.id);
      pendingDigits.delete(msg.id);
      if (msg.id && msg.id === dispoSent) {
        dispoSent = null;
        if (!msg.ok) { dispoStatus = 'Not saved.'; setText($('dispo-status'), dispoStatus); }
      }
      if (!msg.ok) {
        showMessage((msg.error && msg.error.message) || 'The command was refused.', true, true);
      } else if (digits && model && model.call && sentDigits.call === digits.call) {
        sentDigits.digits = (sentDigits.digits + digits.digits).slice(-24);
        setText($('dtmf-sent'), `Sent: ${sentDigits.digits}`);
      }
      return;
    }
    case 'bye': {
      const sock = ws;
      ws = null; // the close that follows is expected
      if (sock) sock.close();
      const text = msg.reason === 'supervisor' ? `${msg.by || 'Your supervisor'} logged you out.` : BYE_REASONS[msg.reason];
      showLogin(text || 'Your session has ended. Please log in again.', msg.reason !== 'logout');
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

// send returns the command's id (null if it could not be sent). A quiet command
// (following the directory) leaves the status line as it is.
function send(cmd, fields, quiet) {
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    if (!quiet) showMessage('Not connected to the server.', true);
    return null;
  }
  if (!quiet) showMessage('');
  const id = String(nextId++);
  ws.send(JSON.stringify({ id, cmd, ...fields }));
  return id;
}

// callCmd sends a command about the agent's current call.
function callCmd(cmd, fields) {
  const c = liveCall();
  if (!c) return null;
  return send(cmd, { call: c.id, ...fields });
}

function dial(raw) {
  const number = String(raw || '').replace(/[\s().\/-]/g, '');
  if (!DIAL_RE.test(number)) {
    showMessage('Enter a number to dial: digits with an optional leading +, 2 to 20 of them.', true);
    $('dial-number').focus();
    return;
  }
  send('dial', { number });
}

// targetOf is whom a field names: what was picked in its list, the one agent (or
// queue) of the name typed, or an extension typed; null if none.
function targetOf(input, kinds) {
  const el = $(input);
  const r = directory.picked(el) || directory.find(el.value, kinds);
  if (r) return r.kind === 'queue' ? { queue: r.id } : { target: r.extension };
  const typed = el.value.trim();
  return /^[0-9]{2,10}$/.test(typed) ? { target: typed } : null;
}

function targetCmd(cmd, input, kinds) {
  const fields = targetOf(input, kinds);
  if (!fields) {
    showMessage(kinds.includes('queue')
      ? 'Pick a colleague or a queue from the list, or type an extension.'
      : 'Pick a colleague from the list, or type their extension.', true);
    $(input).focus();
    return;
  }
  if (cmd === 'consult' && fields.queue) {
    showMessage('You consult a colleague, not a queue: pick an agent, or transfer the call to the queue.', true);
    return;
  }
  if (callCmd(cmd, fields)) {
    $(input).value = '';
    directory.clear($(input));
  }
}

// ---- wiring -------------------------------------------------------------------

function answer() {
  if (model && model.call && model.call.state === 'offered') send('answer', { call: model.call.id });
}

// Alt+A answers an offer from anywhere on the page (shown on the Answer buttons, and
// aria-keyshortcuts names it); the focus then goes to Hang up, as after a click.
document.addEventListener('keydown', (ev) => {
  if (!ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.code !== 'KeyA') return;
  if (!(model && model.call && model.call.state === 'offered')) return;
  ev.preventDefault();
  wantFocus = 'btn-hangup';
  answer();
});

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
    store(LOGIN_KEY, { username: body.username, domain: body.domain });
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
$('btn-hangup').addEventListener('click', () => callCmd('hangup'));
$('btn-callback').addEventListener('click', () => callCmd('callback'));
$('btn-hold').addEventListener('click', () => callCmd('hold'));
$('btn-resume').addEventListener('click', () => callCmd('resume'));
$('btn-mute').addEventListener('click', () => callCmd('mute'));
$('btn-unmute').addEventListener('click', () => callCmd('unmute'));
$('btn-rec-start').addEventListener('click', () => callCmd('start_recording'));
$('btn-rec-pause').addEventListener('click', () => callCmd('pause_recording'));
$('btn-rec-resume').addEventListener('click', () => callCmd('resume_recording'));
$('transfer-form').addEventListener('submit', (ev) => { ev.preventDefault(); targetCmd('transfer', 'transfer-target', ['agent', 'queue']); });
$('btn-consult').addEventListener('click', () => targetCmd('consult', 'transfer-target', ['agent', 'queue']));
$('conference-form').addEventListener('submit', (ev) => { ev.preventDefault(); targetCmd('conference', 'conference-target', ['agent']); });
$('btn-consult-complete').addEventListener('click', () => callCmd('consult_complete'));
$('btn-consult-conference').addEventListener('click', () => callCmd('consult_conference'));
$('btn-consult-cancel').addEventListener('click', () => callCmd('consult_cancel'));
$('btn-end-wrapup').addEventListener('click', () => send('end_wrapup'));
$('dispo-note').addEventListener('input', noteCount);
$('dispo-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const d = model && model.call && model.call.disposition;
  if (!d) return;
  const code = $('dispo-code').value;
  const note = $('dispo-note').value;
  if (!code && !note.trim()) {
    showMessage('Pick a wrapup code or type a note to save.', true);
    $('dispo-code').focus();
    return;
  }
  const id = send('disposition', { call: d.call, code: code || undefined, note: note || undefined });
  if (!id) return;
  dispoSent = id;
  dispoStatus = 'Saving…';
  setText($('dispo-status'), dispoStatus);
});
// The directory under the transfer, conference and dial fields.
directory.attach($('transfer-target'), {
  kinds: ['agent', 'queue'], label: 'Colleagues and queues',
  onPick: (r) => (r.kind === 'queue' ? `${r.name} (queue)` : `${r.name} (${r.extension})`),
});
directory.attach($('conference-target'), { kinds: ['agent'], label: 'Colleagues', onPick: (r) => `${r.name} (${r.extension})` });
directory.attach($('dial-number'), { kinds: ['agent'], label: 'Colleagues', onPick: (r) => r.extension });
$('keypad').addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-key]');
  if (!b || b.disabled) return;
  const c = liveCall();
  const id = callCmd('dtmf', { digits: b.dataset.key });
  if (id && c) pendingDigits.set(id, { call: c.id, digits: b.dataset.key });
});
$('dial-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const r = directory.picked($('dial-number')) || directory.find($('dial-number').value, ['agent']);
  dial(r ? r.extension : $('dial-number').value);
});
$('recent-calls').addEventListener('click', (ev) => {
  const b = ev.target.closest('.recent-callback');
  if (!b || !model) return;
  $('dial-number').value = b.dataset.number;
  if (liveCall()) showMessage('Finish this call, then go Not Ready to call back.', true);
  else if (model.state.state !== 'not_ready') showMessage('Go Not Ready to call back.', true);
  else dial(b.dataset.number);
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
  let loggedIn = false;
  try {
    const info = await api('GET', '/api/info');
    demo = !!(info.ok && info.data && info.data.demo);
    phoneWanted = !!(info.ok && info.data && info.data.phone);
    loggedIn = !!(info.ok && info.data && info.data.loggedIn);
  } catch { demo = false; }
  if (!phoneWanted) phone.off(demo ? 'demo' : 'off');
  renderPhone(phone.status);
  const left = stored(LEFT_KEY, true);
  // With a live session the socket brings the snapshot, which shows the toolbar
  // (asking /api/me without one would log a 401 in the console).
  if (loggedIn) { connect(); return; }
  showLogin(left && Date.now() - left.at < LEFT_FOR ? leftText(left) : '');
}

boot();
