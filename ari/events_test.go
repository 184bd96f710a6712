package ari

import (
	"testing"
)

// eventScenarios are the fixtures that carry recorded events.
func eventScenarios() []string {
	return []string{"inbound-queue-call", "agent-line-drop", "customer-dtmf", "asterisk-restart", "customer-recording"}
}

// TestDecodeRecordedEvents: every event a real Asterisk 22 sent in these
// scenarios decodes into its typed struct.
func TestDecodeRecordedEvents(t *testing.T) {
	for _, scenario := range eventScenarios() {
		t.Run(scenario, func(t *testing.T) {
			for i, l := range recordedEvents(t, scenario) {
				ev, err := DecodeEvent(l.Event)
				if err != nil {
					t.Fatalf("event %d (%s): %v", i, l.Type, err)
				}
				if ev.Base().Type != l.Type || ev.Base().Application != "ccaas" || ev.Base().Timestamp.IsZero() {
					t.Errorf("event %d base = %+v, want type %s", i, *ev.Base(), l.Type)
				}
				if _, ok := ev.(*UnknownEvent); ok {
					t.Errorf("event %d (%s) decoded as UnknownEvent", i, l.Type)
				}
			}
		})
	}
}

// FuzzDecodeEvent: no input makes the decoder panic, and a decoded event
// always has its type.
func FuzzDecodeEvent(f *testing.F) {
	for _, scenario := range eventScenarios() {
		for _, l := range recordedEvents(f, scenario) {
			f.Add([]byte(l.Event))
		}
	}
	f.Add([]byte(`{"type":"ChannelEnteredBridge","bridge":{"channels":null},"channel":null}`))
	f.Add([]byte(`{"type":"StasisStart","timestamp":"not a time"}`))
	f.Add([]byte(`{"type":""}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := DecodeEvent(data)
		if err != nil {
			return
		}
		if ev == nil || ev.Base() == nil || ev.Base().Type == "" {
			t.Fatalf("DecodeEvent(%q) = %#v without a type", data, ev)
		}
	})
}
