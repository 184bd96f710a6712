package asterisksim

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ccaas/ccaas/ari"
)

var snoopDirections = map[string]bool{"none": true, "both": true, "out": true, "in": true}

// snoopChannel is POST /channels/{id}/snoop[/{snoopId}]: a "Snoop/<id>-N"
// channel, Up at once, in the given application. It ends (StasisEnd only)
// when its target does.
func (s *Sim) snoopChannel(q *request) response {
	spy, whisper := q.str("spy"), q.str("whisper")
	if spy == "" {
		spy = "none"
	}
	if whisper == "" {
		whisper = "none"
	}
	switch {
	case !snoopDirections[spy]:
		return fail(http.StatusBadRequest, "Invalid direction specified for spy")
	case !snoopDirections[whisper]:
		return fail(http.StatusBadRequest, "Invalid direction specified for whisper")
	case spy == "none" && whisper == "none":
		return fail(http.StatusBadRequest, "Direction must be specified for at least spy or whisper")
	}
	appName := q.str("app")
	if appName == "" {
		return fail(http.StatusBadRequest, "Application name is required")
	}
	id := q.path["snoopId"]
	if id == "" {
		id = q.str("snoopId")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	target, bad := s.channelLocked(q.path["channelId"])
	if bad != nil {
		return *bad
	}
	if id != "" && s.idTakenLocked(id) {
		return fail(http.StatusConflict, "Channel with given unique ID already exists")
	}
	sn := s.newChannelLocked(id, "Snoop", target.id)
	sn.name = fmt.Sprintf("Snoop/%s-%08x", target.id, s.snoopSeq)
	s.snoopSeq++
	sn.kind = kindSnoop
	sn.state = ari.StateUp
	sn.app, sn.appArgs = appName, splitArgs(q.str("appArgs"))
	sn.dialplan = ari.DialplanCEP{
		Context: "default", Exten: "s", Priority: 1,
		AppName: "Stasis", AppData: strings.Join(append([]string{appName}, sn.appArgs...), ","),
	}
	sn.snoopOf, sn.snoopSpy, sn.snoopWhisper = target.id, spy, whisper
	target.snoops = append(target.snoops, sn.id)
	resp := okJSON(s.snapLocked(sn))
	s.enterStasisLocked(sn)
	return resp
}
