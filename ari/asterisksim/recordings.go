package asterisksim

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// Recordings as Asterisk 22's res_stasis_recording makes them (the
// customer-recording trace and Asterisk's own code show the rules):
//
//   - POST /channels/{id}/record and /bridges/{id}/record answer 201 with
//     state "queued"; the recording then starts (RecordingStarted), one at
//     a time per channel: a second recording of a channel waits for the
//     first to end. A channel that sits in a bridge cannot be recorded:
//     RecordingFailed "Cannot record channel while in bridge".
//   - It ends (RecordingFinished, state "done", with its whole seconds as
//     duration) on stop, on the far end's terminating key (after that
//     key's ChannelDtmfReceived), at the maximum length, when the channel
//     hangs up (between ChannelHangupRequest and StasisEnd). A bridge
//     destroyed while recorded keeps the file but sends neither
//     RecordingFinished nor BridgeDestroyed. A cancelled recording also ends "done", but its file is
//     deleted. Stop or cancel of a recording still queued only marks it: it
//     starts anyway when its turn comes (as Asterisk does).
//   - Pause leaves the paused time out of the file; mute writes silence.
//   - A stored recording is a real WAV file (8 kHz, 16 bit, mono): a tone
//     stands for what the far end said, silence for what was muted. Stored
//     recordings are files, so they survive Restart.
//
// The simulator writes the "wav" format only; other formats Asterisk knows
// are refused as unknown (422).

// recording is a live recording of a channel or a bridge.
type recording struct {
	name, format string
	target       string // "channel:<id>" or "bridge:<id>"
	channel      string // the channel recorded ("" for a bridge)
	bridge       string // the bridge recorded ("" for a channel)
	state        string
	order        int // when it was asked for: a channel's recordings run in this order
	maxDuration  time.Duration
	terminate    string // "" (none), "any", "#" or "*"
	ifExists     string // fail, overwrite or append
	started      time.Time
	disregarded  bool // stopped or cancelled while queued
	canceled     bool // its file is thrown away
	muted        bool
	segStart     time.Time // the current segment of audio began (zero while paused)
	segments     []segment // what was written so far
	gen          uint64    // bumps when it ends: its maximum-length timer is stale
}

// segment is a stretch of written audio: the far end's voice, or silence.
type segment struct {
	d      time.Duration
	silent bool
}

// stored is a stored recording: a file in Asterisk's recordings directory.
type stored struct {
	name, format string
	data         []byte
	seconds      float64
}

func (r *recording) snapshot() ari.LiveRecording {
	return ari.LiveRecording{Name: r.name, Format: r.format, State: r.state, TargetURI: r.target}
}

// Formats the simulator can write.
var recordingFormats = map[string]bool{"wav": true}

// recordingRequest reads POST …/record's parameters with Asterisk's
// checks, in its order; the target is checked in between by the caller.
func recordingRequest(q *request) (*recording, *response) {
	maxDur, maxSil := q.int("maxDurationSeconds", 0), q.int("maxSilenceSeconds", 0)
	if maxDur < 0 {
		r := fail(http.StatusBadRequest, "max_duration_seconds cannot be negative")
		return nil, &r
	}
	if maxSil < 0 {
		r := fail(http.StatusBadRequest, "max_silence_seconds cannot be negative")
		return nil, &r
	}
	rec := &recording{name: q.str("name"), format: q.str("format"), maxDuration: time.Duration(maxDur) * time.Second, state: ari.RecordingStateQueued}
	switch t := strings.ToLower(q.str("terminateOn")); t {
	case "", "none":
	case "any", "#", "*":
		rec.terminate = t
	default:
		r := fail(http.StatusBadRequest, "terminateOn invalid")
		return nil, &r
	}
	switch e := strings.ToLower(q.str("ifExists")); e {
	case "", "fail":
		rec.ifExists = "fail"
	case "overwrite", "append":
		rec.ifExists = e
	default:
		r := fail(http.StatusBadRequest, "ifExists invalid")
		return nil, &r
	}
	if !recordingFormats[rec.format] {
		r := fail(http.StatusUnprocessableEntity, "specified format is unknown on this system")
		return nil, &r
	}
	return rec, nil
}

// admitLocked applies Asterisk's checks of the name: it must be a path
// inside the recordings directory, not taken by a stored recording (unless
// overwritten or appended to) nor by a live one.
func (s *Sim) admitLocked(rec *recording) *response {
	if rec.name == "" || strings.HasPrefix(rec.name, "/") || slices.Contains(strings.Split(rec.name, "/"), "..") {
		r := fail(http.StatusInternalServerError, "Error parsing request")
		return &r
	}
	_, isStored := s.stored[rec.name]
	_, isLive := s.recordings[rec.name]
	if isStored && rec.ifExists == "fail" || isLive {
		r := fail(http.StatusConflict, fmt.Sprintf("Recording '%s' already exists and can not be overwritten", rec.name))
		return &r
	}
	return nil
}

func (s *Sim) recordChannel(q *request) response {
	rec, bad := recordingRequest(q)
	if bad != nil {
		return *bad
	}
	return s.onControl(q, func(ch *channel) response {
		if bad := s.admitLocked(rec); bad != nil {
			return *bad
		}
		rec.channel, rec.target, rec.order = ch.id, "channel:"+ch.id, s.nextOrder()
		s.recordings[rec.name] = rec
		resp := response{status: http.StatusCreated, body: rec.snapshot(), location: "/ari/recordings/live/" + rec.name}
		if s.activeRecordingLocked(ch.id) == rec {
			s.startRecordingLocked(rec)
		}
		return resp
	})
}

func (s *Sim) recordBridge(q *request) response {
	rec, bad := recordingRequest(q)
	if bad != nil {
		return *bad
	}
	return s.onBridge(q, func(b *bridge) response {
		if bad := s.admitLocked(rec); bad != nil {
			return *bad
		}
		rec.bridge, rec.target, rec.order = b.id, "bridge:"+b.id, s.nextOrder()
		s.recordings[rec.name] = rec
		// Asterisk records a bridge through a recorder channel it adds to
		// it: a lone channel there now has a peer.
		if b.typ == "mixing" && len(b.channels) == 1 {
			if ch := s.channels[b.channels[0]]; ch != nil && !ch.peerSet {
				s.recorderSeq++
				s.setVarLocked(ch, "BRIDGEPEER", fmt.Sprintf("Recorder/ARI-%08x;2", s.recorderSeq))
				ch.peerSet = true
				if ch.connected != (ari.CallerID{}) {
					defer func() {
						ch.connected = ari.CallerID{}
						s.emitChannelLocked(&ari.ChannelConnectedLine{EventBase: base(ari.EventChannelConnectedLine), Channel: s.snapLocked(ch)}, ch)
					}()
				}
			}
		}
		s.startRecordingLocked(rec)
		return response{status: http.StatusCreated, body: rec.snapshot(), location: "/ari/recordings/live/" + rec.name}
	})
}

// activeRecordingLocked is the channel's recording that runs, or else the
// first of those waiting (recordings of a channel run one after the other,
// in the order they were asked for).
func (s *Sim) activeRecordingLocked(channelID string) *recording {
	var first *recording
	for _, r := range s.recordings {
		if r.channel != channelID {
			continue
		}
		if !r.started.IsZero() {
			return r
		}
		if first == nil || r.order < first.order {
			first = r
		}
	}
	return first
}

func (s *Sim) recordingAppsLocked(r *recording) []string {
	if r.channel != "" {
		if ch := s.channels[r.channel]; ch != nil {
			return s.channelAppsLocked(ch)
		}
		return nil
	}
	return s.bridgeAppsLocked(r.bridge)
}

// startRecordingLocked begins writing (RecordingStarted), or fails a
// channel recording whose channel sits in a bridge. The channel is answered
// first, as Asterisk's recording does.
func (s *Sim) startRecordingLocked(r *recording) {
	if ch := s.channels[r.channel]; ch != nil {
		if ch.bridge != "" {
			s.failRecordingLocked(r, "Cannot record channel while in bridge")
			return
		}
		if ch.state != ari.StateUp {
			s.setStateLocked(ch, ari.StateUp)
		}
	}
	t := time.Now()
	r.state, r.started, r.segStart = ari.RecordingStateRecording, t, t
	s.emitLocked(&ari.RecordingStarted{EventBase: base(ari.EventRecordingStarted), Recording: r.snapshot()}, s.recordingAppsLocked(r))
	if r.maxDuration > 0 {
		gen := r.gen
		s.afterLocked(r.maxDuration, func() {
			if s.recordings[r.name] == r && r.gen == gen {
				s.finishRecordingLocked(r)
			}
		})
	}
}

// cut closes the current segment of audio at now.
func (r *recording) cut(at time.Time) {
	if r.segStart.IsZero() {
		return
	}
	if d := at.Sub(r.segStart); d > 0 {
		r.segments = append(r.segments, segment{d: d, silent: r.muted})
	}
	r.segStart = at
}

func (r *recording) written() time.Duration {
	var total time.Duration
	for _, seg := range r.segments {
		total += seg.d
	}
	return total
}

// finishRecordingLocked ends a recording: its file is stored (unless it was
// cancelled) and RecordingFinished "done" carries its whole seconds; the
// channel's next recording starts.
func (s *Sim) finishRecordingLocked(r *recording) {
	r.cut(time.Now())
	r.segStart = time.Time{}
	r.gen++
	delete(s.recordings, r.name)
	seconds := int(r.written() / time.Second)
	if !r.canceled {
		s.storeLocked(r)
	}
	r.state = ari.RecordingStateDone
	snap := r.snapshot()
	snap.Duration = &seconds
	s.emitLocked(&ari.RecordingFinished{EventBase: base(ari.EventRecordingFinished), Recording: snap}, s.recordingAppsLocked(r))
	s.nextRecordingLocked(r.channel)
}

// failRecordingLocked ends a recording without a file: RecordingFailed.
func (s *Sim) failRecordingLocked(r *recording, cause string) {
	r.gen++
	delete(s.recordings, r.name)
	r.state = ari.RecordingStateFailed
	snap := r.snapshot()
	snap.Cause = cause
	s.emitLocked(&ari.RecordingFailed{EventBase: base(ari.EventRecordingFailed), Recording: snap}, s.recordingAppsLocked(r))
	s.nextRecordingLocked(r.channel)
}

func (s *Sim) nextRecordingLocked(channelID string) {
	if channelID == "" {
		return
	}
	if next := s.activeRecordingLocked(channelID); next != nil && next.started.IsZero() {
		s.startRecordingLocked(next)
	}
}

// storeLocked writes a finished recording's file.
func (s *Sim) storeLocked(r *recording) {
	old := s.stored[r.name]
	segs := r.segments
	if old != nil && r.ifExists == "append" {
		segs = append([]segment{{d: time.Duration(old.seconds * float64(time.Second))}}, segs...)
		segs[0].silent = false
	}
	st := &stored{name: r.name, format: r.format, seconds: 0}
	for _, seg := range segs {
		st.seconds += seg.d.Seconds()
	}
	st.data = wavFile(segs)
	s.stored[r.name] = st
}

// endRecordingsLocked ends the recordings of a channel that hangs up: the
// running one is stored, the queued ones never start.
func (s *Sim) endRecordingsLocked(ch *channel) {
	for _, r := range s.recordings {
		if r.channel == ch.id && r.started.IsZero() {
			delete(s.recordings, r.name)
		}
	}
	if r := s.activeRecordingLocked(ch.id); r != nil {
		s.finishRecordingLocked(r)
	}
}

// endBridgeRecordingsLocked ends the recordings of a destroyed bridge and
// reports whether there were any. The files are kept, but Asterisk 22
// sends no RecordingFinished for them, and no BridgeDestroyed either (its
// recorder channel stays behind; the customer-recording trace): stop a
// bridge's recording before destroying the bridge.
func (s *Sim) endBridgeRecordingsLocked(b *bridge) bool {
	recorded := false
	for _, r := range byOrder(s.recordings, func(r *recording) int { return r.order }) {
		if r.bridge == b.id {
			r.cut(time.Now())
			r.gen++
			delete(s.recordings, r.name)
			s.storeLocked(r)
			recorded = true
		}
	}
	return recorded
}

// recordingKeyLocked: the far end pressed digit; a recording of the channel that
// terminates on it ends.
func (s *Sim) recordingKeyLocked(ch *channel, digit string) {
	r := s.activeRecordingLocked(ch.id)
	if r == nil || r.started.IsZero() || r.terminate == "" {
		return
	}
	if r.terminate == "any" || r.terminate == digit {
		s.finishRecordingLocked(r)
	}
}

// Live recording control: /recordings/live/{name}[/stop|pause|mute].

func (s *Sim) onRecording(q *request, do func(*recording) response) response {
	return withFound(s, s.recordings, q.path["recordingName"], "Recording not found", do)
}

func (s *Sim) getLiveRecording(q *request) response {
	return s.onRecording(q, func(r *recording) response { return okJSON(r.snapshot()) })
}

var notInSession = fail(http.StatusConflict, "Recording not in session")

// cancelRecording is DELETE /recordings/live/{name}.
func (s *Sim) cancelRecording(q *request) response {
	return s.onRecording(q, func(r *recording) response {
		if r.started.IsZero() {
			r.state, r.disregarded = ari.RecordingStateCanceled, true
			return noContent()
		}
		r.canceled = true
		s.finishRecordingLocked(r)
		return noContent()
	})
}

func (s *Sim) stopRecording(q *request) response {
	return s.onRecording(q, func(r *recording) response {
		if r.started.IsZero() {
			r.state, r.disregarded = ari.RecordingStateCanceled, true
			return noContent()
		}
		s.finishRecordingLocked(r)
		return noContent()
	})
}

func (s *Sim) pauseRecording(q *request) response {
	return s.onRecording(q, func(r *recording) response {
		if r.started.IsZero() {
			return notInSession
		}
		at := time.Now()
		switch {
		case q.method == http.MethodPost && r.state == ari.RecordingStateRecording:
			r.cut(at)
			r.segStart, r.state = time.Time{}, ari.RecordingStatePaused
		case q.method == http.MethodDelete && r.state == ari.RecordingStatePaused:
			r.segStart, r.state = at, ari.RecordingStateRecording
		}
		return noContent()
	})
}

func (s *Sim) muteRecording(q *request) response {
	return s.onRecording(q, func(r *recording) response {
		if r.started.IsZero() {
			return notInSession
		}
		if on := q.method == http.MethodPost; on != r.muted {
			r.cut(time.Now())
			r.muted = on
		}
		return noContent()
	})
}

// Stored recordings: /recordings/stored[/{name}[/file|/copy]].

func (s *Sim) onStored(q *request, do func(*stored) response) response {
	return withFound(s, s.stored, q.path["recordingName"], "Recording not found", do)
}

func (st *stored) snapshot() ari.StoredRecording {
	return ari.StoredRecording{Name: st.name, Format: st.format}
}

func (s *Sim) listStored(*request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ari.StoredRecording, 0, len(s.stored))
	for _, name := range sortedKeys(s.stored) {
		out = append(out, s.stored[name].snapshot())
	}
	return okJSON(out)
}

func (s *Sim) getStored(q *request) response {
	return s.onStored(q, func(st *stored) response { return okJSON(st.snapshot()) })
}

func (s *Sim) deleteStored(q *request) response {
	return s.onStored(q, func(st *stored) response {
		delete(s.stored, st.name)
		return noContent()
	})
}

func (s *Sim) copyStored(q *request) response {
	return s.onStored(q, func(st *stored) response {
		to := q.str("destinationRecordingName")
		if to == "" || strings.HasPrefix(to, "/") || slices.Contains(strings.Split(to, "/"), "..") {
			return fail(http.StatusBadRequest, "Invalid destination recording name")
		}
		if _, taken := s.stored[to]; taken {
			return fail(http.StatusConflict, "A recording with the same name already exists on the system")
		}
		cp := *st
		cp.name = to
		s.stored[to] = &cp
		return okJSON(cp.snapshot())
	})
}

// storedFile is GET /recordings/stored/{name}/file: the file itself.
func (s *Sim) storedFile(q *request) response {
	return s.onStored(q, func(st *stored) response {
		return response{status: http.StatusOK, raw: st.data, contentType: "audio/" + st.format}
	})
}

// Control and inspection of recordings.

// FailRecording makes a live recording fail as a full disk would:
// RecordingFailed with cause, and nothing stored.
func (s *Sim) FailRecording(name, cause string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recordings[name]
	if r == nil {
		return fmt.Errorf("fail recording %s: %w", name, ErrNoRecording)
	}
	s.failRecordingLocked(r, cause)
	return nil
}

// LiveRecording returns a live recording's snapshot.
func (s *Sim) LiveRecording(name string) (ari.LiveRecording, bool) {
	return snapshotOf(s, s.recordings, name, (*recording).snapshot)
}

// StoredFile returns a stored recording's file and its length in seconds.
func (s *Sim) StoredFile(name string) (data []byte, seconds float64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stored[name]
	if st == nil {
		return nil, 0, false
	}
	return bytes.Clone(st.data), st.seconds, true
}

// StoredNames lists the stored recordings' names, sorted.
func (s *Sim) StoredNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.stored)
}

// The audio of a stored recording.

const (
	wavRate = 8000 // samples per second
	toneHz  = 440
)

// wavFile writes segments as a WAV file: 8 kHz, 16-bit, mono PCM, as
// Asterisk's format_wav writes it. A voice segment is a tone broken every
// half second, like speech; a silent one is zeros.
func wavFile(segs []segment) []byte {
	var samples []int16
	for _, seg := range segs {
		n := int(seg.d.Seconds() * wavRate)
		for i := range n {
			var v int16
			if !seg.silent && (i/(wavRate/2))%3 != 2 {
				v = int16(6000 * math.Sin(2*math.Pi*toneHz*float64(len(samples))/wavRate))
			}
			samples = append(samples, v)
		}
	}
	var b bytes.Buffer
	dataLen := uint32(2 * len(samples))
	b.WriteString("RIFF")
	for _, v := range []any{36 + dataLen, []byte("WAVEfmt "), uint32(16), uint16(1), uint16(1), uint32(wavRate), uint32(2 * wavRate), uint16(2), uint16(16),
		[]byte("data"), dataLen, samples} {
		_ = binary.Write(&b, binary.LittleEndian, v) // a bytes.Buffer does not fail
	}
	return b.Bytes()
}

// LiveRecordings lists the live recordings, in the order they were asked
// for.
func (s *Sim) LiveRecordings() []ari.LiveRecording {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ari.LiveRecording
	for _, r := range byOrder(s.recordings, func(r *recording) int { return r.order }) {
		out = append(out, r.snapshot())
	}
	return out
}
