// The words the agent page, the team panel and the directory share, so that
// the three say a state or a duration the same way.

// STATE_LABELS are the names of an agent's states, on their own page and
// in their supervisor's team panel.
export const STATE_LABELS = {
  logged_out: 'Logged out', not_ready: 'Not Ready', ready: 'Ready', offered: 'Offered',
  connecting: 'Connecting', talking: 'Talking', wrapup: 'Wrapup',
};

// words shows a protocol value nobody named yet ("call_ended" -> "call ended").
export function words(s) { return String(s || '').replace(/_/g, ' '); }

// clock is a duration in whole seconds as m:ss, or h:mm:ss from an hour on.
export function clock(s) {
  s = Math.max(0, Math.floor(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const mm = String(m).padStart(h ? 2 : 1, '0'), ss = String(sec).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
