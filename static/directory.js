// The directory of the agent's tenant (docs/cti-protocol.md, directory): its
// agents with their presence and its queues, as a searchable list under the
// transfer, conference and dial fields, so that nobody needs to know an
// extension by heart. The page follows the directory (directory_open) while one
// of the fields has the focus, and the server sends the rows that change.
//
// Each field is an ARIA combobox (role combobox, a listbox of options, the
// active option named by aria-activedescendant): typing filters the list, the
// arrow keys move in it, Enter or a click picks, Escape closes it. Nothing is
// picked until the agent picks: Enter on the field with no active option
// submits what was typed (an extension, a number).

import { words } from './text.js';

const PRESENCE = {
  ready: 'Ready', not_ready: 'Not Ready', on_call: 'On a call', wrapup: 'Wrapup', logged_out: 'Logged out',
};
const MAX_SHOWN = 30;

const $ = (id) => document.getElementById(id);

// presenceText is what an agent's row says of them ("Not Ready (lunch)").
export function presenceText(a) {
  const p = PRESENCE[a.presence] || words(a.presence);
  return a.presence === 'not_ready' && a.reason ? `${p} (${words(a.reason)})` : p;
}

export class Directory {
  // send(cmd) sends a CTI command; self() is the agent's own extension (left out).
  constructor(send, self) {
    this.send = send;
    this.self = self;
    this.agents = new Map(); // extension -> row
    this.queues = new Map(); // id -> row
    this.following = false;
    this.fields = [];
    this.closeTimer = null;
  }

  // reset: a new socket follows nothing yet.
  reset() {
    this.following = false;
    this.agents.clear();
    this.queues.clear();
    for (const f of this.fields) this.hide(f);
  }

  // apply takes a directory message: everything (full) or the rows that changed.
  apply(d) {
    if (d.full) {
      this.agents.clear();
      this.queues.clear();
    }
    for (const a of d.agents || []) this.agents.set(a.extension, a);
    for (const q of d.queues || []) this.queues.set(q.id, q);
    // the field being typed in shows the news, unless its list was closed
    for (const f of this.fields) if (document.activeElement === f.input && !f.closed) this.show(f);
  }

  // attach makes an input a combobox of the directory. kinds names the rows it
  // offers ('agent', 'queue'); onPick(row) is what picking a row writes in the field.
  attach(input, { kinds, label, onPick }) {
    const list = document.createElement('ul');
    list.id = `${input.id}-list`;
    list.className = 'directory-list';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', label);
    list.hidden = true;
    input.parentElement.append(list); // under the field's row (the row is the list's positioned parent)
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', list.id);
    // closed: the agent closed the list (Escape, a pick) until they type again
    const f = { input, list, kinds, onPick, rows: [], active: -1, picked: null, closed: false };
    this.fields.push(f);
    input.addEventListener('focus', () => { f.closed = false; this.follow(); this.show(f); });
    input.addEventListener('input', () => { f.picked = null; f.active = -1; f.closed = false; this.show(f); });
    input.addEventListener('blur', () => {
      // a click on an option blurs the field first: close after it
      setTimeout(() => {
        if (document.activeElement !== input) this.hide(f);
        this.unfollowSoon();
      }, 150);
    });
    input.addEventListener('keydown', (ev) => this.key(f, ev));
    list.addEventListener('mousedown', (ev) => ev.preventDefault()); // keep the focus in the field
    list.addEventListener('click', (ev) => {
      const li = ev.target.closest('[role=option]');
      if (li) this.pick(f, Number(li.dataset.index));
    });
    return f;
  }

  // picked is what the agent picked in the field (null: nothing, or they typed since).
  picked(input) {
    const f = this.fields.find((x) => x.input === input);
    return f ? f.picked : null;
  }

  clear(input) {
    const f = this.fields.find((x) => x.input === input);
    if (f) { f.picked = null; f.active = -1; }
  }

  // find looks a typed text up: the one agent or queue whose name it is.
  find(text, kinds) {
    const t = String(text).trim().toLowerCase();
    if (!t) return null;
    const hits = this.rows(kinds, '').filter((r) => r.name.toLowerCase() === t);
    return hits.length === 1 ? hits[0] : null;
  }

  follow() {
    clearTimeout(this.closeTimer);
    if (this.following) return;
    this.following = true;
    this.send('directory_open');
  }

  // unfollowSoon stops following once no field has had the focus for a while.
  unfollowSoon() {
    clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => {
      if (!this.following || this.fields.some((f) => document.activeElement === f.input)) return;
      this.following = false;
      this.send('directory_close');
    }, 5000);
  }

  // rows are the directory's rows of these kinds that match the text: agents
  // by name or extension, queues by name; agents by presence (Ready first), then name.
  rows(kinds, text) {
    const t = String(text).trim().toLowerCase();
    const out = [];
    if (kinds.includes('agent')) {
      const order = { ready: 0, not_ready: 1, wrapup: 2, on_call: 3, logged_out: 4 };
      const agents = [...this.agents.values()]
        .filter((a) => a.extension !== this.self())
        .filter((a) => !t || a.name.toLowerCase().includes(t) || a.extension.startsWith(t))
        .sort((a, b) => (order[a.presence] ?? 9) - (order[b.presence] ?? 9) || a.name.localeCompare(b.name));
      for (const a of agents) out.push({ kind: 'agent', name: a.name, extension: a.extension, row: a });
    }
    if (kinds.includes('queue')) {
      const queues = [...this.queues.values()]
        .filter((q) => !t || q.name.toLowerCase().includes(t))
        .sort((a, b) => a.name.localeCompare(b.name));
      for (const q of queues) out.push({ kind: 'queue', name: q.name, id: q.id, row: q });
    }
    return out.slice(0, MAX_SHOWN);
  }

  show(f) {
    this.render(f);
    const open = f.rows.length > 0;
    f.list.hidden = !open;
    f.input.setAttribute('aria-expanded', String(open));
  }

  hide(f) {
    f.list.hidden = true;
    f.active = -1;
    f.input.setAttribute('aria-expanded', 'false');
    f.input.removeAttribute('aria-activedescendant');
  }

  render(f) {
    f.rows = this.rows(f.kinds, f.picked ? '' : f.input.value);
    if (f.active >= f.rows.length) f.active = f.rows.length - 1;
    f.list.replaceChildren(...f.rows.map((r, i) => {
      const li = document.createElement('li');
      li.id = `${f.list.id}-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(i === f.active));
      li.dataset.index = String(i);
      li.dataset.kind = r.kind;
      const name = document.createElement('span');
      name.className = 'dir-name';
      name.textContent = r.name;
      const meta = document.createElement('span');
      meta.className = 'dir-meta';
      if (r.kind === 'agent') {
        li.dataset.presence = r.row.presence;
        meta.textContent = `${r.extension} · ${presenceText(r.row)}`;
      } else {
        meta.textContent = `Queue · ${r.row.waiting} waiting · ${r.row.ready} Ready`;
      }
      li.append(name, meta);
      return li;
    }));
    if (f.active >= 0) f.input.setAttribute('aria-activedescendant', `${f.list.id}-${f.active}`);
    else f.input.removeAttribute('aria-activedescendant');
    if (!f.list.hidden && f.rows.length === 0) this.hide(f);
  }

  key(f, ev) {
    const open = !f.list.hidden;
    switch (ev.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        ev.preventDefault();
        if (!open) { f.closed = false; this.show(f); return; }
        const n = f.rows.length;
        if (!n) return;
        f.active = ev.key === 'ArrowDown' ? (f.active + 1) % n : (f.active <= 0 ? n - 1 : f.active - 1);
        this.render(f);
        const li = $(`${f.list.id}-${f.active}`);
        if (li) li.scrollIntoView({ block: 'nearest' });
        return;
      }
      case 'Enter':
        if (open && f.active >= 0) {
          ev.preventDefault();
          this.pick(f, f.active);
        }
        return;
      case 'Escape':
        if (open) { ev.preventDefault(); f.closed = true; this.hide(f); }
    }
  }

  pick(f, i) {
    const r = f.rows[i];
    if (!r) return;
    f.picked = r;
    f.input.value = f.onPick ? f.onPick(r) : r.name;
    f.closed = true;
    this.hide(f);
    f.input.focus();
  }
}
