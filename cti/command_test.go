package cti

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestDecodeCommand(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  Command
		valid bool
	}{
		{name: "ready", in: `{"id":"1","cmd":"ready"}`, want: Command{ID: "1", Cmd: "ready"}, valid: true},
		{name: "not ready with reason", in: `{"cmd":"not_ready","reason":"lunch"}`, want: Command{Cmd: "not_ready", Reason: "lunch"}, valid: true},
		{name: "answer", in: `{"id":"x","cmd":"answer","call":"c1-00"}`, want: Command{ID: "x", Cmd: "answer", Call: "c1-00"}, valid: true},
		{name: "unknown fields are ignored", in: `{"cmd":"logout","extra":[1,2]}`, want: Command{Cmd: "logout"}, valid: true},
		{name: "answer without call", in: `{"id":"2","cmd":"answer"}`, want: Command{ID: "2"}},
		{name: "hangup without call", in: `{"cmd":"hangup"}`},
		{name: "unknown cmd keeps id for the reply", in: `{"id":"3","cmd":"explode","number":"123"}`, want: Command{ID: "3"}},
		{name: "pause recording", in: `{"id":"r","cmd":"pause_recording","call":"c1-x"}`, want: Command{ID: "r", Cmd: CmdPauseRecording, Call: "c1-x"}, valid: true},
		{name: "resume recording without a call", in: `{"id":"r","cmd":"resume_recording"}`, want: Command{ID: "r"}},
		{name: "dial", in: `{"cmd":"dial","number":"+4930123"}`, want: Command{Cmd: "dial", Number: "+4930123"}, valid: true},
		{name: "dial without number", in: `{"id":"d","cmd":"dial"}`, want: Command{ID: "d"}},
		{name: "transfer", in: `{"cmd":"transfer","call":"c1","target":"1002"}`, want: Command{Cmd: "transfer", Call: "c1", Target: "1002"}, valid: true},
		{name: "transfer without target", in: `{"cmd":"transfer","call":"c1"}`},
		{name: "conference without call", in: `{"cmd":"conference","target":"1002"}`},
		{name: "dtmf without digits", in: `{"cmd":"dtmf","call":"c1"}`},
		{name: "hold without call", in: `{"cmd":"hold"}`},
		{name: "long number", in: `{"cmd":"dial","number":"` + longString(33) + `"}`},
		{name: "missing cmd", in: `{"id":"4"}`, want: Command{ID: "4"}},
		{name: "broken JSON", in: `{"cmd":`},
		{name: "not an object", in: `["ready"]`},
		{name: "wrong type", in: `{"cmd":7}`},
		{name: "long id", in: `{"id":"` + longString(65) + `","cmd":"ready"}`},
		{name: "long call", in: `{"cmd":"answer","call":"` + longString(65) + `"}`},
		{name: "empty", in: ``},
		{name: "monitor", in: `{"id":"m","cmd":"monitor","agent":7}`, want: Command{ID: "m", Cmd: "monitor", Agent: 7}, valid: true},
		{name: "barge without agent", in: `{"id":"b","cmd":"barge"}`, want: Command{ID: "b"}},
		{name: "negative agent", in: `{"cmd":"agent_logout","agent":-1}`},
		{name: "agent as a string", in: `{"cmd":"agent_ready","agent":"7"}`},
		{name: "agent not ready", in: `{"cmd":"agent_not_ready","agent":3,"reason":"lunch"}`, want: Command{Cmd: "agent_not_ready", Agent: 3, Reason: "lunch"}, valid: true},
		{name: "stop watch", in: `{"cmd":"stop_watch"}`, want: Command{Cmd: "stop_watch"}, valid: true},
		{name: "call as a number keeps id", in: `{"id":"7","cmd":"answer","call":123}`, want: Command{ID: "7"}},
		{name: "agent as a string keeps id", in: `{"id":"8","cmd":"agent_ready","agent":"7"}`, want: Command{ID: "8"}},
		{name: "wrong type before the id keeps id", in: `{"cmd":["ready"],"id":"9"}`, want: Command{ID: "9"}},
		{name: "id as a number", in: `{"id":5,"cmd":"ready"}`},
		{name: "long id with a wrong type", in: `{"id":"` + longString(65) + `","cmd":1}`},
		{name: "broken JSON after an id", in: `{"id":"10","cmd":`},
		{name: "transfer to a queue", in: `{"cmd":"transfer","call":"c1","queue":2}`, want: Command{Cmd: "transfer", Call: "c1", Queue: 2}, valid: true},
		{name: "transfer to a target and a queue", in: `{"id":"t","cmd":"transfer","call":"c1","target":"1002","queue":2}`, want: Command{ID: "t"}},
		{name: "transfer to a negative queue", in: `{"id":"n","cmd":"transfer","call":"c1","queue":-2}`, want: Command{ID: "n"}},
		{name: "transfer to a queue by name", in: `{"id":"s","cmd":"transfer","call":"c1","queue":"Billing"}`, want: Command{ID: "s"}},
		{name: "transfer to a queue without call", in: `{"cmd":"transfer","queue":2}`},
		{name: "consult", in: `{"cmd":"consult","call":"c1","target":"1002"}`, want: Command{Cmd: "consult", Call: "c1", Target: "1002"}, valid: true},
		{name: "consult without target", in: `{"id":"c","cmd":"consult","call":"c1"}`, want: Command{ID: "c"}},
		{name: "consult to a queue", in: `{"cmd":"consult","call":"c1","queue":2}`},
		{name: "consult complete", in: `{"cmd":"consult_complete","call":"c1"}`, want: Command{Cmd: "consult_complete", Call: "c1"}, valid: true},
		{name: "consult cancel without call", in: `{"cmd":"consult_cancel"}`},
		{name: "consult conference", in: `{"cmd":"consult_conference","call":"c1"}`, want: Command{Cmd: "consult_conference", Call: "c1"}, valid: true},
		{name: "directory open", in: `{"cmd":"directory_open"}`, want: Command{Cmd: "directory_open"}, valid: true},
		{name: "directory close", in: `{"cmd":"directory_close"}`, want: Command{Cmd: "directory_close"}, valid: true},
		{name: "end wrapup", in: `{"cmd":"end_wrapup"}`, want: Command{Cmd: "end_wrapup"}, valid: true},
		{name: "disposition", in: `{"cmd":"disposition","call":"c1","code":"Sale","note":"Line one\nline two"}`, want: Command{Cmd: "disposition", Call: "c1", Code: "Sale", Note: "Line one\nline two"}, valid: true},
		{name: "disposition, a note only", in: `{"cmd":"disposition","call":"c1","note":"x"}`, want: Command{Cmd: "disposition", Call: "c1", Note: "x"}, valid: true},
		{name: "disposition of nothing", in: `{"id":"e","cmd":"disposition","call":"c1"}`, want: Command{ID: "e"}},
		{name: "disposition without call", in: `{"cmd":"disposition","code":"Sale"}`},
		{name: "a note far too long", in: `{"id":"l","cmd":"disposition","call":"c1","note":"` + longString(8001) + `"}`, want: Command{ID: "l"}},
		{name: "a code far too long", in: `{"cmd":"disposition","call":"c1","code":"` + longString(257) + `"}`},
		{name: "a note as a number", in: `{"id":"k","cmd":"disposition","call":"c1","note":5}`, want: Command{ID: "k"}},
		{name: "call back a voicemail", in: `{"id":"11","cmd":"callback","call":"c1-00"}`, want: Command{ID: "11", Cmd: "callback", Call: "c1-00"}, valid: true},
		{name: "callback without call", in: `{"id":"12","cmd":"callback","number":"+4930"}`, want: Command{ID: "12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeCommand([]byte(tt.in))
			if tt.valid {
				if err != nil || got != tt.want {
					t.Fatalf("DecodeCommand = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrBadCommand) {
				t.Fatalf("err = %v, want ErrBadCommand", err)
			}
			if got.ID != tt.want.ID || got.Cmd != "" {
				t.Fatalf("refused command = %+v, want only the id %q", got, tt.want.ID)
			}
		})
	}
}

func longString(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

// FuzzDecodeCommand: whatever a client sends, the decoder never panics and
// lets through only known commands with bounded fields.
func FuzzDecodeCommand(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","cmd":"ready"}`, `{"cmd":"answer","call":"c1-0123456789abcdef"}`, `{"cmd":"not_ready","reason":"break"}`,
		`{"cmd":"hangup","call":""}`, `{"id":null,"cmd":"logout"}`, `{"cmd":"\u0000"}`, `[]`, `null`, `{"cmd":"ready","cmd":"launch"}`,
		`{"id":"7","cmd":"answer","call":123}`, `{"id":"8","cmd":"agent_ready","agent":"7"}`, `{"id":5,"cmd":"ready"}`,
		`{"cmd":"transfer","call":"c1","queue":2}`, `{"cmd":"transfer","call":"c1","target":"1","queue":1}`, `{"cmd":"consult","call":"c1","target":"1002"}`,
		`{"cmd":"disposition","call":"c1","code":"Sale","note":"a\nb"}`, `{"cmd":"directory_open"}`, `{"cmd":"stop_watch"}`,
	} {
		f.Add([]byte(s))
	}
	known := map[string]bool{CmdReady: true, CmdNotReady: true, CmdAnswer: true, CmdHangup: true, CmdLogout: true,
		CmdCancelPending: true, CmdHold: true, CmdResume: true, CmdTransfer: true, CmdConference: true,
		CmdDial: true, CmdMute: true, CmdUnmute: true, CmdDTMF: true, CmdMonitor: true, CmdWhisper: true, CmdBarge: true,
		CmdStopWatch: true, CmdAgentReady: true, CmdAgentNotReady: true, CmdAgentLogout: true,
		CmdConsult: true, CmdConsultComplete: true, CmdConsultCancel: true, CmdConsultConference: true,
		CmdDirectoryOpen: true, CmdDirectoryClose: true, CmdDisposition: true, CmdEndWrapup: true, CmdCallback: true}
	// the commands about no call
	callless := map[string]bool{CmdDial: true, CmdReady: true, CmdNotReady: true, CmdLogout: true, CmdCancelPending: true,
		CmdStopWatch: true, CmdAgentReady: true, CmdAgentNotReady: true, CmdAgentLogout: true, CmdMonitor: true, CmdWhisper: true, CmdBarge: true,
		CmdDirectoryOpen: true, CmdDirectoryClose: true, CmdEndWrapup: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		cmd, err := DecodeCommand(data)
		if err != nil {
			if !errors.Is(err, ErrBadCommand) || cmd.Cmd != "" {
				t.Fatalf("refusal %v with command %+v", err, cmd)
			}
			// the refusal names the command whenever its id can be read,
			// and never carries an id the client did not send
			var probe struct {
				ID string `json:"id"`
			}
			want := ""
			if json.Unmarshal(data, &probe) == nil && len(probe.ID) <= 64 {
				want = probe.ID
			}
			if cmd.ID != want {
				t.Fatalf("refusal of %q carries id %q, want %q", data, cmd.ID, want)
			}
			return
		}
		if !known[cmd.Cmd] || len(cmd.ID) > 64 || len(cmd.Reason) > 64 || len(cmd.Call) > 64 || len(cmd.Note) > MaxNoteBytes || cmd.Queue < 0 {
			t.Fatalf("accepted %+v", cmd)
		}
		if !callless[cmd.Cmd] && cmd.Call == "" {
			t.Fatalf("accepted %s without a call", cmd.Cmd)
		}
		if cmd.Cmd == CmdTransfer && (cmd.Target == "") == (cmd.Queue == 0) {
			t.Fatalf("accepted a transfer to %q and queue %d", cmd.Target, cmd.Queue)
		}
		if cmd.Cmd == CmdDial && cmd.Number == "" {
			t.Fatal("accepted dial without a number")
		}
	})
}

func TestSentence(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{name: "go error text", in: "you are in wrapup: go Not Ready first", want: "You are in wrapup: go Not Ready first."},
		{name: "already a sentence", in: "Try again in 20 seconds.", want: "Try again in 20 seconds."},
		{name: "a question", in: "who is this?", want: "Who is this?"},
		{name: "non-ASCII first letter", in: "élan lost", want: "Élan lost."},
		{name: "starts with a quote", in: `"x" is not an extension`, want: `"x" is not an extension.`},
		{name: "spaces", in: "  not logged in \n", want: "Not logged in."},
		{name: "empty", in: "", want: ""},
	} {
		if got := Sentence(tc.in); got != tc.want {
			t.Errorf("%s: Sentence(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}
