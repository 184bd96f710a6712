// A stand-in for the JsSIP bundle, served at /vendor/jssip.min.js by
// phone.test.mjs: the same small surface phone.js uses (UA, WebSocketInterface,
// C.causes, RTCSession events), driven by the test through window.fakeSIP.
// The media is real: answer() asks getUserMedia for what phone.js asked, and
// the "server" is a second RTCPeerConnection in the page, so the track that
// reaches phone.js is a real remote track. What SIP itself does (JsSIP against
// Asterisk) is phone-real.test.mjs's business.

class Emitter {
  constructor() { this.handlers = {}; }
  on(ev, fn) { (this.handlers[ev] ||= []).push(fn); return this; }
  emit(ev, data) { for (const fn of this.handlers[ev] || []) fn(data); }
}

const log = [];
const note = (what) => log.push(what);

class WebSocketInterface {
  constructor(url) { this.url = url; }
}

class UA extends Emitter {
  constructor(config) {
    super();
    this.config = config;
    this.connected = false;
    this.registers = 0;
    this.stopped = false;
    fake.uas.push(this);
    note('new UA');
  }
  start() { this.started = true; note('start'); }
  stop() {
    this.stopped = true;
    note('stop');
    for (const s of fake.sessions) if (!s.isEnded()) s.terminate();
  }
  register() { this.registers++; note('register'); }
  unregister() { note('unregister'); }
  isConnected() { return this.connected; }
  // --- driven by the test ---
  connect() { this.connected = true; this.emit('connecting', {}); this.emit('connected', {}); }
  registered() { this.emit('registered', {}); }
  refuse(cause) { this.emit('registrationFailed', { cause }); }
  drop() {
    this.connected = false;
    this.emit('disconnected', { error: true });
    this.emit('unregistered', {});
  }
}

class Session extends Emitter {
  constructor() {
    super();
    this.ended = false;
    this.established = false;
    this.connection = null;
    this.answered = null;
    this.terminated = null;
  }
  isEnded() { return this.ended; }
  isEstablished() { return this.established; }
  answer(options) {
    this.answered = JSON.parse(JSON.stringify(options));
    note('answer');
    navigator.mediaDevices.getUserMedia(options.mediaConstraints).then(async (mine) => {
      const pc = new RTCPeerConnection(options.pcConfig);
      this.connection = pc;
      this.emit('peerconnection', { peerconnection: pc });
      for (const t of mine.getTracks()) pc.addTrack(t, mine);
      // The "server": offers its own audio, as Asterisk's line INVITE does.
      const server = new RTCPeerConnection();
      const theirs = await navigator.mediaDevices.getUserMedia({ audio: true });
      for (const t of theirs.getTracks()) server.addTrack(t, theirs);
      server.onicecandidate = (e) => e.candidate && pc.addIceCandidate(e.candidate).catch(() => {});
      pc.onicecandidate = (e) => e.candidate && server.addIceCandidate(e.candidate).catch(() => {});
      const offer = await server.createOffer();
      await server.setLocalDescription(offer);
      await pc.setRemoteDescription(offer);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await server.setRemoteDescription(answer);
      this.server = server;
      this.emit('accepted', {});
      this.established = true; // the ACK came
      this.emit('confirmed', {});
    }).catch((err) => {
      // JsSIP answers 480, fails the session, then tells why (RTCSession.answer)
      this.ended = true;
      this.emit('failed', { originator: 'local', cause: 'User Denied Media Access' });
      this.emit('getusermediafailed', err);
    });
  }
  terminate(options = {}) {
    if (this.ended) return;
    this.terminated = options;
    note(`terminate ${options.status_code || ''}`.trim());
    const was = this.established;
    this.ended = true;
    this.established = false;
    if (this.connection) this.connection.close();
    if (this.server) this.server.close();
    this.emit(was ? 'ended' : 'failed', { originator: 'local', cause: was ? 'Terminated' : 'Rejected' });
  }
  // --- driven by the test ---
  hangup() {
    const was = this.established;
    this.ended = true;
    this.established = false;
    this.emit(was ? 'ended' : 'failed', { originator: 'remote', cause: was ? 'Terminated' : 'Canceled' });
  }
}

const fake = {
  uas: [],
  sessions: [],
  log,
  get ua() { return this.uas.at(-1); },
  // incoming offers a call to the newest UA; headers: {'X-CCAAS-Line': token}.
  incoming(headers = {}) {
    const s = new Session();
    this.sessions.push(s);
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const request = { getHeader: (name) => lower[name.toLowerCase()] };
    this.ua.emit('newRTCSession', { originator: 'remote', session: s, request });
    return this.sessions.length - 1;
  },
};
window.fakeSIP = fake;

export default {
  UA,
  WebSocketInterface,
  C: { causes: { CONNECTION_ERROR: 'Connection Error', REQUEST_TIMEOUT: 'Request Timeout' } },
  version: 'fake',
};
