package asterisksim

import "slices"

// Hears returns the channels whose voice reaches the ear of channelID, sorted:
// the other members of its mixing bridge, what snoop channels in that bridge
// spy on, and what is whispered to it through its own snoops. Asterisk makes
// no events about audio; this model lets tests check who hears whom
// (supervisors' monitor, whisper and barge).
//
// A channel muted "in" or "both" adds no voice to its bridge. A snoop spying
// "in" carries its target's voice, "out" what its target hears, "both" both;
// a snoop whispering "out" or "both" carries what it hears to its target's ear.
func (s *Sim) Hears(channelID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	voices := make(map[string]bool)
	s.earLocked(channelID, voices, map[string]bool{})
	delete(voices, channelID) // nobody counts as hearing themselves
	out := make([]string, 0, len(voices))
	for id := range voices {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// earLocked adds to voices what reaches id's ear; seen stops the recursion
// through snoops that spy on each other's ears.
func (s *Sim) earLocked(id string, voices, seen map[string]bool) {
	if seen["ear "+id] {
		return
	}
	seen["ear "+id] = true
	ch := s.channels[id]
	if ch == nil || ch.gone {
		return
	}
	if b := s.bridges[ch.bridge]; b != nil && b.typ == "mixing" {
		for _, m := range b.channels {
			if m != id {
				s.voiceLocked(m, voices, seen)
			}
		}
	}
	for _, sn := range ch.snoops {
		if snc := s.channels[sn]; snc != nil && !snc.gone && (snc.snoopWhisper == "out" || snc.snoopWhisper == "both") {
			s.earLocked(sn, voices, seen)
		}
	}
}

// voiceLocked adds what channel id puts into its bridge.
func (s *Sim) voiceLocked(id string, voices, seen map[string]bool) {
	ch := s.channels[id]
	if ch == nil || ch.gone {
		return
	}
	if ch.kind != kindSnoop {
		if ch.muted != "in" && ch.muted != "both" {
			voices[id] = true
		}
		return
	}
	target := s.channels[ch.snoopOf]
	if target == nil || target.gone {
		return
	}
	if ch.snoopSpy == "in" || ch.snoopSpy == "both" {
		s.voiceLocked(target.id, voices, seen)
	}
	if ch.snoopSpy == "out" || ch.snoopSpy == "both" {
		s.earLocked(target.id, voices, seen)
	}
}
