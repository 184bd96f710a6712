package event

import (
	"time"

	"github.com/ccaas/ccaas"
)

// The call's recording: started (Asterisk records the call's bridge),
// paused and resumed by an agent (while a card number is read out), or
// failed to start (the call goes on unrecorded).
type (
	RecordingStarted struct {
		At        time.Time
		Call      ccaas.CallID
		Recording ccaas.RecordingID
		By        string // the agent who started it on demand; "" when the queue records every call
	}
	RecordingPaused struct {
		At        time.Time
		Call      ccaas.CallID
		Recording ccaas.RecordingID
		Agent     ccaas.AgentID
		Username  string
	}
	RecordingResumed struct {
		At        time.Time
		Call      ccaas.CallID
		Recording ccaas.RecordingID
		Agent     ccaas.AgentID
		Username  string
		Paused    time.Duration // how long the gap was
	}
	RecordingFailed struct {
		At    time.Time
		Call  ccaas.CallID
		Cause string
	}
)

func (RecordingStarted) event() {}
func (RecordingPaused) event()  {}
func (RecordingResumed) event() {}
func (RecordingFailed) event()  {}
