// Supervisor's team panel: the agents of the supervisor's teams and the
// queues they serve, kept live from the CTI socket's "team" messages (only
// changed rows arrive), and the supervisor's listening in ("watch"). All text
// goes in through textContent: names, numbers and reasons are never markup.

import { STATE_LABELS, words, clock } from './text.js';

const MODES = { monitor: 'Listening', whisper: 'Whispering to', barge: 'In the call with' };
const WATCH_ENDS = {
  stopped: 'You stopped listening.', call_ended: 'The call ended.', line_lost: 'Your phone line dropped.',
  failed: 'Listening in failed; try again.',
};

const $ = (id) => document.getElementById(id);

// hoursText is a queue's opening hours now: "open until 18:00", "closed
// until Mon 08:00" (a later day names it), or "open" / "closed" when that
// does not change within a year.
function hoursText(h) {
  const state = h && h.open ? 'open' : 'closed';
  if (!h || !h.until) return state;
  const until = new Date(h.until), now = new Date();
  const time = until.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (until.toDateString() === now.toDateString()) return `${state} until ${time}`;
  const day = until.getTime() - now.getTime() < 6 * 86400000
    ? until.toLocaleDateString([], { weekday: 'short' })
    : until.toLocaleDateString([], { day: 'numeric', month: 'short' });
  return `${state} until ${day} ${time}`;
}

// waitText is an estimated wait as a caller hears it: about N minutes,
// rounded up, never 0; "–" without an estimate (nobody works in the queue).
function waitText(seconds) {
  if (seconds == null) return '–';
  return `about ${Math.max(1, Math.ceil(seconds / 60))} min`;
}

function since(t) { return t ? clock((Date.now() - Date.parse(t)) / 1000) : ''; }

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

// button is a row's action; its name ends with the agent's name ("Monitor Alice
// Anders"), so that a screen reader tells the rows' buttons, and the supervisor's own
// Ready and Not Ready, apart.
function button(label, cmd, agent, name, cls) {
  const b = document.createElement('button');
  b.type = 'button';
  const who = document.createElement('span');
  who.className = 'visually-hidden';
  who.textContent = ` ${name}`;
  b.append(label, who);
  b.dataset.cmd = cmd;
  b.dataset.agent = String(agent);
  b.className = 'small' + (cls ? ` ${cls}` : '');
  return b;
}

export class TeamPanel {
  // send(cmd, fields) sends a CTI command; reasons() gives the Not Ready reasons.
  constructor(send, reasons) {
    this.send = send;
    this.reasons = reasons;
    this.agents = new Map(); // id -> TeamAgentView
    this.queues = new Map(); // id -> TeamQueueView
    this.watch = null;
    $('team-agents').addEventListener('click', (ev) => this.click(ev));
    $('btn-stop-watch').addEventListener('click', () => this.send('stop_watch'));
  }

  // show starts over from a snapshot (null: this user leads no team).
  show(team, watch) {
    $('team-panel').hidden = !team;
    this.agents.clear();
    this.queues.clear();
    if (!team) return;
    this.apply({ agents: team.agents, queues: team.queues, voicemails: team.voicemails || [] });
    this.setWatch(watch || null);
  }

  // apply takes a delta: changed agents' rows are replaced in place, so a
  // reason chosen in another row's menu stays chosen.
  apply(team) {
    if (team.full) { this.show(team.agents.length || team.queues.length ? team : null, this.watch); return; }
    let full = false;
    for (const a of team.agents || []) {
      full = full || !this.agents.has(a.id);
      this.agents.set(a.id, a);
    }
    for (const q of team.queues || []) this.queues.set(q.id, q);
    if (team.voicemails) this.renderVoicemails(team.voicemails); // null: unchanged
    if (full) { this.render(); return; }
    for (const a of team.agents || []) {
      const old = $('team-agents').querySelector(`tr[data-id="${a.id}"]`);
      if (old) old.replaceWith(this.agentRow(a));
    }
    this.renderQueues();
    this.tick();
  }

  setWatch(w) {
    this.watch = w && w.state !== 'ended' ? w : null;
    const bar = $('watch-bar');
    bar.hidden = !this.watch;
    if (this.watch) {
      const state = this.watch.state === 'active' ? '' : ' (connecting…)';
      $('watch-text').textContent = `${MODES[this.watch.mode] || words(this.watch.mode)} ${this.watch.name}${state}`;
      bar.dataset.mode = this.watch.mode;
    }
    if (w && w.state === 'ended') $('watch-ended').textContent = WATCH_ENDS[w.reason] || `Listening ended (${words(w.reason)}).`;
    else if (w) $('watch-ended').textContent = '';
    this.render();
  }

  click(ev) {
    const b = ev.target.closest('button[data-cmd]');
    if (!b) return;
    const agent = Number(b.dataset.agent);
    const fields = { agent };
    if (b.dataset.cmd === 'agent_not_ready') {
      const sel = b.parentElement.querySelector('select');
      if (sel && sel.value) fields.reason = sel.value;
    }
    this.send(b.dataset.cmd, fields);
  }

  render() {
    this.renderQueues();
    const arows = [...this.agents.values()].sort((a, b) => a.name.localeCompare(b.name));
    $('team-agents').replaceChildren(...arows.map((a) => this.agentRow(a)));
    $('team-agents-empty').hidden = arows.length > 0;
    this.tick();
  }

  renderQueues() {
    const qrows = [...this.queues.values()].sort((a, b) => a.name.localeCompare(b.name));
    $('team-queues').replaceChildren(...qrows.map((q) => {
      const tr = document.createElement('tr');
      tr.dataset.queue = q.name;
      const d = q.today || {};
      const name = cell('', 'team-queue-name');
      const title = document.createElement('span');
      title.className = 'queue-name';
      title.textContent = q.name;
      const hours = document.createElement('span');
      hours.className = q.hours && q.hours.open ? 'queue-hours' : 'queue-hours closed';
      hours.textContent = hoursText(q.hours);
      name.append(title, document.createElement('br'), hours);
      const tasks = cell(`${q.callbacks || 0} / ${q.voicemails || 0}`, 'num');
      tasks.title = `${q.callbacks || 0} callbacks and ${q.voicemails || 0} voicemails waiting`;
      tr.append(
        name, cell(String(q.waiting), q.waiting ? 'num alert' : 'num'), cell('', 'num oldest'), cell(waitText(q.estimatedWaitSeconds), 'num estimate'), tasks,
        cell(String(q.ready), 'num'), cell(String(q.busy), 'num'), cell(String(q.notReady), 'num'),
        cell(String(d.offered || 0), 'num'), cell(String(d.answered || 0), 'num'), cell(String(d.abandoned || 0), 'num'),
        cell(String(d.refused || 0), d.refused ? 'num alert refused' : 'num refused'),
        cell(d.serviceLevel == null ? '–' : `${Math.round(d.serviceLevel)}%`, 'num'),
        cell(d.ahtSeconds == null ? '–' : clock(d.ahtSeconds), 'num'),
      );
      tr.children[2].dataset.since = q.oldest || '';
      if (d.refused) tr.children[11].title = `${d.refused} callers got busy today: the contact center was at its limit of calls at once`;
      tr.children[12].title = `answered within ${d.targetSeconds || 0} s`;
      return tr;
    }));
    $('team-queues-empty').hidden = qrows.length > 0;
  }

  // renderVoicemails lists the voicemails of the supervisor's queues that nobody has
  // closed, oldest first, each playable (the app serves the recording to this session).
  renderVoicemails(list) {
    $('team-voicemails').replaceChildren(...list.map((v) => {
      const tr = document.createElement('tr');
      tr.dataset.voicemail = v.id;
      const caller = v.caller || {};
      const left = new Date(v.leftAt).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
      const play = document.createElement('td');
      if (v.url) {
        const audio = document.createElement('audio');
        audio.controls = true;
        audio.preload = 'none';
        audio.src = v.url;
        audio.setAttribute('aria-label', `Message from ${caller.number || 'an unknown number'}`);
        play.append(audio);
      } else {
        play.textContent = 'deleted (retention)';
      }
      tr.append(cell(v.queue), cell(caller.name ? `${caller.number} (${caller.name})` : caller.number || 'Unknown number'),
        cell(left), cell(clock(v.seconds), 'num'), cell(v.agent || 'waiting'), play);
      return tr;
    }));
    $('team-voicemails-empty').hidden = list.length > 0;
  }

  agentRow(a) {
    const tr = document.createElement('tr');
    tr.dataset.id = String(a.id);
    tr.dataset.agent = a.username;
    tr.dataset.state = a.state.state;
    const state = cell(STATE_LABELS[a.state.state] || words(a.state.state), 'team-state');
    let reason = a.state.state === 'not_ready' ? words(a.state.reason) : '';
    if (a.state.pending) reason = `Next: Not Ready (${words(a.state.pending)})`;
    if (a.state.by) reason = reason ? `${reason}, by ${a.state.by}` : `by ${a.state.by}`;
    const time = cell('', 'num timer');
    time.dataset.since = a.state.state === 'logged_out' ? '' : a.state.since;
    const c = a.call;
    const caller = c ? (c.caller.number || c.caller.name || '') : '';
    const k = c && c.consult;
    const consulting = k ? (k.role === 'consulting' ? `consulting ${k.name}` : `consulted by ${k.name}`) : '';
    const callText = c ? [caller, c.queue, c.held ? 'held' : '', consulting].filter(Boolean).join(' · ') : '';
    const callTime = cell('', 'num timer');
    callTime.dataset.since = c && c.since ? c.since : '';
    const actionsCell = document.createElement('td');
    actionsCell.className = 'team-actions-cell';
    const actions = document.createElement('div'); // a grid inside: a grid td would leave the table
    actions.className = 'team-actions';
    actionsCell.append(actions);
    const talking = c && c.state === 'connected';
    if (talking) {
      const listen = document.createElement('span');
      const w = this.watch && this.watch.agent === a.id ? this.watch.mode : '';
      for (const [cmd, label] of [['monitor', 'Monitor'], ['whisper', 'Whisper'], ['barge', 'Barge in']]) {
        const b = button(label, cmd, a.id, a.name, w === cmd ? 'primary' : '');
        b.disabled = w === cmd;
        listen.append(b);
      }
      actions.append(listen);
    }
    if (a.state.state !== 'logged_out') {
      const state = document.createElement('span');
      const ready = button('Ready', 'agent_ready', a.id, a.name);
      ready.disabled = a.state.state === 'ready';
      const sel = document.createElement('select');
      sel.setAttribute('aria-label', `Not Ready reason for ${a.name}`);
      sel.className = 'small';
      for (const r of this.reasons()) {
        const o = document.createElement('option');
        o.value = r;
        o.textContent = words(r);
        sel.append(o);
      }
      const nr = button('Not Ready', 'agent_not_ready', a.id, a.name);
      const out = button('Log out', 'agent_logout', a.id, a.name, 'quiet');
      out.disabled = !!c;
      state.append(ready, sel, nr, out);
      actions.append(state);
    }
    const callCell = cell(callText, 'team-call');
    if (c && c.recordingPausedSince) {
      // a card number is being read out: who paused the recording, and for how long
      const paused = document.createElement('span');
      paused.className = 'team-rec-paused';
      const t = document.createElement('span');
      t.dataset.since = c.recordingPausedSince;
      paused.append(`Recording paused by ${c.recordingPausedBy || 'an agent'} for `, t);
      callCell.append(document.createElement('br'), paused);
    }
    tr.append(cell(a.name), cell(a.extension, 'num'), state, cell(reason, 'meta'), time,
      callCell, callTime, actionsCell);
    if (c && c.held) tr.classList.add('held');
    return tr;
  }

  tick() {
    for (const el of document.querySelectorAll('#team-panel [data-since]')) {
      el.textContent = since(el.dataset.since);
    }
  }
}
