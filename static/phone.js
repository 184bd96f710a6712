// The browser phone: JsSIP registers this login's one-time SIP account (the
// snapshot's `phone`) through the app's own /sip WebSocket, and answers the
// app's line call, the one whose X-CCAAS-Line header carries this login's
// lineToken, and no other (docs/cti-protocol.md; docs/design.md, "The
// persistent agent line"). The line stays up all session; customer calls are bridge
// moves on the server, so this phone never places or answers another call.
//
// JsSIP comes from npm: make bundles it into /vendor/jssip.min.js (an ES
// module). It is loaded only when the server runs a phone (/api/info phone),
// and a page without the bundle still works: the phone says it is unavailable.

export const JSSIP_URL = '/vendor/jssip.min.js';
export const LINE_HEADER = 'X-CCAAS-Line';
export const MIC_BLOCKED = 'Microphone blocked: allow microphone access for this site, then reload.';

// What #phone-status shows for each state; `detail` (if any) follows a colon.
export const PHONE_LABELS = {
  off: 'off',
  demo: 'off (demo)',
  registering: 'registering…',
  registered: 'registered',
  line: 'line up',
  reconnecting: 'disconnected — reconnecting',
  mic: 'microphone blocked',
  unavailable: 'phone unavailable',
};

// After this many refused REGISTERs in a row the phone says it is unavailable
// (and keeps trying, ever more slowly: the account may just not be pushed yet).
const REFUSALS_SHOWN = 3;
const RETRY_MAX_MS = 30_000;

let jssip = null; // one load per page

// loadJsSIP imports the bundle once; it rejects if it is missing.
export function loadJsSIP(url = JSSIP_URL) {
  jssip ??= import(url).then((m) => {
    const J = m.default || m;
    if (!J || typeof J.UA !== 'function') throw new Error(`${url} is not JsSIP`);
    return J;
  });
  return jssip;
}

function randomToken(n) {
  const a = new Uint8Array(n);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
}

// Phone runs at most one JsSIP UA: start() with the snapshot's account
// (again with the same account changes nothing; another account replaces the
// UA), stop() on logout. Every change is reported to onStatus({state, text, detail}).
export class Phone {
  constructor({ audio, onStatus = () => {}, load = loadJsSIP, location = window.location, log = console } = {}) {
    this.audio = audio;           // <audio id="phone-audio" autoplay>: the line's sound
    this.onStatus = onStatus;
    this.load = load;
    this.location = location;
    this.log = log;
    this.ua = null;
    this.account = null;          // {username, password, lineToken} the UA runs with
    this.session = null;          // the line call, once answered
    this.lastLine = null;         // the newest line call, even once it is over
    this.registered = false;
    this.micBlocked = false;
    this.refusals = 0;
    this.retryTimer = null;
    this.gen = 0;                 // a newer start or stop makes older callbacks stale
    this.status = { state: 'off', text: PHONE_LABELS.off, detail: '' };
  }

  // off: no phone here (the demo's simulator answers the line itself).
  off(state = 'off') {
    this.stop();
    this.set(state);
  }

  async start(account) {
    if (!account || !account.username || !account.password) {
      this.stop();
      this.set('unavailable', 'no SIP account for this login');
      return;
    }
    const a = this.account;
    if (a && this.ua && a.username === account.username && a.password === account.password) {
      a.lineToken = account.lineToken; // only what the next line call must carry
      return;
    }
    this.stop();
    const gen = ++this.gen;
    this.account = { ...account };
    this.set('registering');
    let JsSIP;
    try {
      JsSIP = await this.load();
    } catch (e) {
      if (gen !== this.gen) return;
      this.log.warn('JsSIP could not be loaded:', e);
      this.set('unavailable', 'JsSIP not bundled (run make)');
      return;
    }
    if (gen !== this.gen) return;
    this.run(JsSIP, gen);
  }

  run(JsSIP, gen) {
    const { username, password } = this.account;
    const loc = this.location;
    const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
    let ua;
    try {
      ua = new JsSIP.UA({
        sockets: [new JsSIP.WebSocketInterface(`${scheme}://${loc.host}/sip`)],
        uri: `sip:${username}@${loc.hostname}`,
        // Asterisk calls the contact; its user part must be the account's, since
        // the /sip proxy lets through only responses addressed to the account.
        contact_uri: `sip:${username}@${randomToken(12)}.invalid;transport=ws`,
        authorization_user: username,
        password,
        register: true,
        session_timers: false,
        user_agent: 'ccaas agent page',
        // connection_recovery_min/max_interval left at JsSIP's defaults (2 s, 30 s):
        // a dropped socket is reopened and, once open, the UA registers again.
      });
    } catch (e) {
      this.log.error('JsSIP UA:', e);
      this.set('unavailable', e.message || String(e));
      return;
    }
    this.ua = ua;
    const live = () => gen === this.gen;

    ua.on('connecting', () => {
      if (live() && !this.registered && this.status.state !== 'reconnecting') this.set('registering');
    });
    ua.on('connected', () => {
      if (live()) this.set('registering');
    });
    ua.on('disconnected', () => {
      if (!live()) return;
      this.registered = false;
      // The line's call cannot outlive its socket: the server hangs it up and
      // calls again once the phone has registered anew.
      this.dropSession();
      this.set('reconnecting');
    });
    ua.on('registered', () => {
      if (!live()) return;
      this.registered = true;
      this.refusals = 0;
      this.update();
    });
    ua.on('unregistered', () => {
      if (!live()) return;
      this.registered = false;
      if (this.status.state !== 'reconnecting') this.update();
    });
    ua.on('registrationFailed', (e) => {
      if (!live()) return;
      this.registered = false;
      const cause = (e && e.cause) || 'unknown';
      if (cause === JsSIP.C.causes.CONNECTION_ERROR || cause === JsSIP.C.causes.REQUEST_TIMEOUT) return; // the transport recovers and registers again
      this.refusals++;
      this.log.warn(`SIP registration refused (${cause}), attempt ${this.refusals}`);
      if (this.refusals >= REFUSALS_SHOWN) this.set('unavailable', `registration refused (${cause})`);
      else this.set('registering', `retrying: ${cause}`);
      clearTimeout(this.retryTimer);
      const wait = Math.min(RETRY_MAX_MS, 1000 * 2 ** (this.refusals - 1));
      this.retryTimer = setTimeout(() => { if (live() && ua.isConnected()) ua.register(); }, wait);
    });
    ua.on('newRTCSession', (e) => { if (live()) this.incoming(e.session, e.request, e.originator); });
    ua.start();
  }

  // incoming answers the app's line call and turns down anything else.
  incoming(session, request, originator) {
    if (originator !== 'remote') return; // this phone places no calls
    const token = request && request.getHeader(LINE_HEADER);
    const want = this.account && this.account.lineToken;
    if (!want || token !== want) {
      this.log.warn(`a call without this login's ${LINE_HEADER} header was declined`);
      try { session.terminate({ status_code: 603, reason_phrase: 'Decline' }); } catch { /* already over */ }
      return;
    }
    // A newer line call replaces one left over from a lost socket.
    if (this.session && this.session !== session) this.dropSession();
    this.session = session;
    this.lastLine = session; // JsSIP reports a refused microphone after the call failed
    session.on('peerconnection', (e) => this.listenTracks(e.peerconnection));
    session.on('confirmed', () => {
      if (this.session !== session) return;
      this.micBlocked = false;
      this.attachReceivers(session.connection);
      this.update();
    });
    session.on('getusermediafailed', (err) => {
      if (this.lastLine !== session || !this.ua) return;
      const name = err && err.name;
      if (name === 'NotAllowedError' || name === 'PermissionDeniedError' || name === 'SecurityError') {
        this.micBlocked = true;
        this.update();
      } else {
        this.set('unavailable', `no microphone (${name || err})`);
      }
    });
    const gone = () => {
      if (this.session !== session) return;
      this.session = null;
      this.clearAudio();
      if (this.status.state !== 'unavailable' && this.status.state !== 'reconnecting') this.update();
    };
    session.on('ended', gone);
    session.on('failed', gone);
    try {
      session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
    } catch (e) {
      this.log.error('answering the line failed:', e);
      gone();
    }
  }

  listenTracks(pc) {
    if (!pc) return;
    pc.addEventListener('track', (ev) => {
      if (ev.track.kind !== 'audio') return;
      const stream = (ev.streams && ev.streams[0]) || new MediaStream([ev.track]);
      this.play(stream);
    });
  }

  // attachReceivers: the remote audio, in case no track event came (it was
  // added before the listener).
  attachReceivers(pc) {
    if (!pc || !this.audio || this.audio.srcObject) return;
    const tracks = pc.getReceivers().map((r) => r.track).filter((t) => t && t.kind === 'audio');
    if (tracks.length) this.play(new MediaStream(tracks));
  }

  play(stream) {
    if (!this.audio) return;
    if (this.audio.srcObject !== stream) this.audio.srcObject = stream;
    this.resumeAudio();
  }

  // resumeAudio: browsers play sound only after a click on the page; the
  // page calls this on every click.
  resumeAudio() {
    const a = this.audio;
    if (!a || !a.srcObject || !a.paused) return;
    const p = a.play();
    if (p && p.catch) p.catch(() => { /* waits for the next click */ });
  }

  clearAudio() {
    if (this.audio && this.audio.srcObject) {
      this.audio.pause();
      this.audio.srcObject = null;
    }
  }

  dropSession() {
    const s = this.session;
    this.session = null;
    this.clearAudio();
    if (s && !s.isEnded()) {
      try { s.terminate(); } catch { /* already over */ }
    }
  }

  // update shows what the phone is: registered, or with its line up.
  update() {
    if (this.micBlocked) this.set('mic', '', MIC_BLOCKED); // until a line call gets the microphone
    else if (this.session && this.session.isEstablished()) this.set('line');
    else if (this.registered) this.set('registered');
    else if (this.ua) this.set('registering');
  }

  set(state, detail = '', error = '') {
    const text = PHONE_LABELS[state] + (detail && state === 'unavailable' ? `: ${detail}` : '');
    const same = this.status.state === state && this.status.text === text && this.status.detail === detail;
    this.status = { state, text, detail, error };
    if (!same) this.onStatus(this.status);
  }

  // stop unregisters and stops the UA (logout, bye, a replaced account).
  stop() {
    this.gen++;
    clearTimeout(this.retryTimer);
    const ua = this.ua;
    this.ua = null;
    this.account = null;
    this.registered = false;
    this.micBlocked = false;
    this.refusals = 0;
    this.lastLine = null;
    this.dropSession();
    if (ua) {
      try {
        ua.stop(); // unregisters, ends any call, then closes the socket
      } catch (e) {
        this.log.warn('stopping JsSIP:', e);
      }
    }
    if (this.status.state !== 'off' && this.status.state !== 'demo') this.set('off');
  }
}
