package asterisksim

import (
	"net/http"
	"strings"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// Playback states.
const (
	playQueued  = "queued"
	playPlaying = "playing"
	playDone    = "done"
	playFailed  = "failed"
)

type playback struct {
	id, media, next string // next: the second media of a list, as Asterisk shows it
	target, state   string
	channel, bridge string // the target
	endless         bool   // unknown media scheme or missing recording: Asterisk never finishes it
}

func (p *playback) snapshot() ari.Playback {
	return ari.Playback{ID: p.id, MediaURI: p.media, NextMediaURI: p.next, TargetURI: p.target, Language: "en", State: p.state}
}

// mediaLocked decides whether a media URI can be played and for how long.
// Every sound exists except names starting with "no-such" or "nosuch"; a
// recording plays for its length if it is stored; tones, digits, numbers
// and characters always play. A sound that does not exist fails at once; a
// recording that does not exist starts and never ends, as does an unknown
// scheme (both as Asterisk 22).
func (s *Sim) mediaLocked(media string) (exists, endless bool, d time.Duration) {
	scheme, name, _ := strings.Cut(media, ":")
	switch scheme {
	case "sound":
		return !strings.HasPrefix(name, "no-such") && !strings.HasPrefix(name, "nosuch"), false, playbackDuration
	case "recording":
		if st := s.stored[name]; st != nil {
			return true, false, time.Duration(st.seconds * float64(time.Second))
		}
		return false, true, 0
	case "tone", "digits", "number", "characters":
		return true, false, playbackDuration
	}
	return false, true, 0
}

func (s *Sim) playbackAppsLocked(p *playback) []string {
	if p.channel != "" {
		if ch := s.channels[p.channel]; ch != nil {
			return s.channelAppsLocked(ch)
		}
		return nil
	}
	return s.bridgeAppsLocked(p.bridge)
}

// startPlaybackLocked answers 201 "queued", then PlaybackStarted at once and
// PlaybackFinished ("done", or "failed" for missing media) shortly after. A
// playback with an unknown scheme starts and never finishes. A list of media
// plays as one playback (without PlaybackContinuing events).
func (s *Sim) startPlaybackLocked(q *request, p *playback) response {
	if p.id == "" {
		p.id = q.str("playbackId")
	}
	if p.id == "" {
		p.id = newUUID()
	}
	media := q.list("media")
	p.media = media[0]
	if len(media) > 1 {
		p.next = media[1]
	}
	p.state = playQueued
	s.playbacks[p.id] = p
	resp := response{status: http.StatusCreated, body: p.snapshot(), location: "/ari/playbacks/" + p.id}

	exists, endless, delay := true, false, time.Duration(0)
	for _, m := range media {
		e, forever, d := s.mediaLocked(m)
		exists, endless, delay = exists && e, endless || forever, delay+d
	}
	p.state = playPlaying
	p.endless = endless
	s.emitLocked(&ari.PlaybackStarted{EventBase: base(ari.EventPlaybackStarted), Playback: p.snapshot()}, s.playbackAppsLocked(p))
	if endless {
		return resp
	}
	final := playDone
	if !exists {
		delay, final = 0, playFailed
	}
	s.afterLocked(delay, func() {
		if s.playbacks[p.id] == p && p.state == playPlaying {
			s.finishPlaybackLocked(p, final)
		}
	})
	return resp
}

func (s *Sim) finishPlaybackLocked(p *playback, state string) {
	p.state = state
	delete(s.playbacks, p.id)
	s.emitLocked(&ari.PlaybackFinished{EventBase: base(ari.EventPlaybackFinished), Playback: p.snapshot()}, s.playbackAppsLocked(p))
}

// endPlaybacksLocked stops the playbacks of a channel that hangs up.
func (s *Sim) endPlaybacksLocked(ch *channel) {
	for _, p := range s.playbacks {
		if p.channel != ch.id {
			continue
		}
		if p.endless {
			delete(s.playbacks, p.id)
			continue
		}
		s.finishPlaybackLocked(p, playDone)
	}
}

var missingMedia = fail(http.StatusBadRequest, "Missing parameter media")

func (s *Sim) playChannel(q *request) response {
	if len(q.list("media")) == 0 {
		return missingMedia
	}
	return s.onControl(q, func(ch *channel) response {
		return s.startPlaybackLocked(q, &playback{id: q.path["playbackId"], channel: ch.id, target: "channel:" + ch.id})
	})
}

func (s *Sim) playBridge(q *request) response {
	if len(q.list("media")) == 0 {
		return missingMedia
	}
	return s.onBridge(q, func(b *bridge) response {
		return s.startPlaybackLocked(q, &playback{id: q.path["playbackId"], bridge: b.id, target: "bridge:" + b.id})
	})
}

// onPlayback runs do with the request's playback.
func (s *Sim) onPlayback(q *request, do func(*playback) response) response {
	return withFound(s, s.playbacks, q.path["playbackId"], "Playback not found", do)
}

func (s *Sim) getPlayback(q *request) response {
	return s.onPlayback(q, func(p *playback) response { return okJSON(p.snapshot()) })
}

// stopPlayback is DELETE /playbacks/{id}: PlaybackFinished "done".
func (s *Sim) stopPlayback(q *request) response {
	return s.onPlayback(q, func(p *playback) response {
		s.finishPlaybackLocked(p, playDone)
		return noContent()
	})
}
