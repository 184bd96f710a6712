package asterisksim

import (
	"net/http"
	"strings"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// Playback states.
const (
	playQueued     = "queued"
	playPlaying    = "playing"
	playContinuing = "continuing"
	playDone       = "done"
	playFailed     = "failed"
)

type playback struct {
	id, media, next string   // the media playing and the one after it, as Asterisk shows them
	list            []string // every media of the playback, in order
	index           int      // of the media playing in list
	target, state   string
	channel, bridge string // the target
	endless         bool   // its last media cannot be played at all: Asterisk never finishes it
}

func (p *playback) snapshot() ari.Playback {
	return ari.Playback{ID: p.id, MediaURI: p.media, NextMediaURI: p.next, TargetURI: p.target, Language: "en", State: p.state}
}

// How a media plays.
type mediaPlay int

const (
	mediaPlays   mediaPlay = iota // for its length, then done
	mediaFails                    // at once (a sound file that does not exist)
	mediaSkipped                  // not at all: no final update, the next media starts
	mediaForever                  // until stopped or hung up (a tone)
)

// mediaLocked decides how a media URI plays and for how long. Every sound
// exists except names starting with "no-such" or "nosuch"; a recording
// plays for its length if it is stored; digits, numbers and characters
// always play; a tone plays until it is stopped. As Asterisk 22
// (res_stasis_playback.c), a sound that does not exist fails at once, and a
// recording that is not stored or an unknown scheme is skipped.
func (s *Sim) mediaLocked(media string) (mediaPlay, time.Duration) {
	scheme, name, _ := strings.Cut(media, ":")
	switch scheme {
	case "sound":
		if strings.HasPrefix(name, "no-such") || strings.HasPrefix(name, "nosuch") {
			return mediaFails, 0
		}
		return mediaPlays, playbackDuration
	case "recording":
		if st := s.stored[name]; st != nil {
			return mediaPlays, time.Duration(st.seconds * float64(time.Second))
		}
		return mediaSkipped, 0
	case "digits", "number", "characters":
		return mediaPlays, playbackDuration
	case "tone":
		return mediaForever, 0
	}
	return mediaSkipped, 0
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

// startPlaybackLocked answers 201 "queued", then plays the media of the
// list one after the other as Asterisk 22 does (play_on_channel): each
// starts with PlaybackStarted (media_uri the one playing, next_media_uri
// the one after it); each but the last ends with PlaybackContinuing; the
// last ends with PlaybackFinished, "failed" if it could not be played. A
// media that cannot be played at all (a recording not stored, an unknown
// scheme) gets no final event: the next one starts, and a playback whose
// last media is one never finishes.
func (s *Sim) startPlaybackLocked(q *request, p *playback) response {
	if p.id == "" {
		p.id = q.str("playbackId")
	}
	if p.id == "" {
		p.id = newUUID()
	}
	p.list = q.list("media")
	p.index = -1
	p.showLocked(0)
	p.state = playQueued
	s.playbacks[p.id] = p
	resp := response{status: http.StatusCreated, body: p.snapshot(), location: "/ari/playbacks/" + p.id}
	s.playNextLocked(p)
	return resp
}

// showLocked makes media i the one the playback shows.
func (p *playback) showLocked(i int) {
	p.media, p.next = p.list[i], ""
	if i+1 < len(p.list) {
		p.next = p.list[i+1]
	}
}

// playNextLocked starts the playback's next media.
func (s *Sim) playNextLocked(p *playback) {
	for {
		p.index++
		p.showLocked(p.index)
		p.state = playPlaying
		s.emitLocked(&ari.PlaybackStarted{EventBase: base(ari.EventPlaybackStarted), Playback: p.snapshot()}, s.playbackAppsLocked(p))
		how, d := s.mediaLocked(p.media)
		last := p.index == len(p.list)-1
		switch how {
		case mediaSkipped:
			if last {
				p.endless = true
				return
			}
			continue
		case mediaForever:
			return
		}
		index := p.index
		s.afterLocked(d, func() {
			if s.playbacks[p.id] != p || p.state != playPlaying || p.index != index {
				return
			}
			switch {
			case !last:
				p.state = playContinuing
				s.emitLocked(&ari.PlaybackContinuing{EventBase: base(ari.EventPlaybackContinuing), Playback: p.snapshot()}, s.playbackAppsLocked(p))
				s.playNextLocked(p)
			case how == mediaFails:
				s.finishPlaybackLocked(p, playFailed)
			default:
				s.finishPlaybackLocked(p, playDone)
			}
		})
		return
	}
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
