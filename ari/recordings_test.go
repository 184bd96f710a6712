package ari

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
)

// TestStoredRecordingFile: the file of the customer-recording trace's
// answer (200, audio/wav, a WAV file whose first bytes are recorded) comes
// back byte for byte with its type; a file larger than the limit is
// refused rather than read whole.
func TestStoredRecordingFile(t *testing.T) {
	req, resp := exchange(t, "customer-recording", 7)
	var data struct {
		Bytes   int    `json:"bytes"`
		HeadHex string `json:"head_hex"`
	}
	if err := json.Unmarshal(resp.Data, &data); err != nil {
		t.Fatal(err)
	}
	head, err := hex.DecodeString(data.HeadHex)
	if err != nil {
		t.Fatal(err)
	}
	file := append(head, make([]byte, data.Bytes-len(head))...)
	c, got := restServer(t, resp.Status, resp.ContentType, file)
	f, err := c.StoredRecordingFile(t.Context(), "vm-1")
	if err != nil {
		t.Fatal(err)
	}
	assertSameRequest(t, req, nextRequest(t, got))
	if f.ContentType != "audio/wav" || !bytes.Equal(f.Data, file) {
		t.Errorf("file %q of %d bytes, want audio/wav of %d", f.ContentType, len(f.Data), len(file))
	}

	c, _ = restServer(t, 200, "audio/wav", make([]byte, MaxRecordingBytes+1))
	if _, err := c.StoredRecordingFile(t.Context(), "huge"); !errors.Is(err, ErrBadResponse) {
		t.Errorf("a file over the limit: %v, want ErrBadResponse", err)
	}
	if _, err := c.StoredRecordingFile(t.Context(), ".."); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("a name that is not a path segment: %v, want ErrInvalidRequest", err)
	}
	if _, err := c.RecordChannel(t.Context(), "ch", RecordRequest{Name: "x"}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("a recording without a format: %v, want ErrInvalidRequest", err)
	}
}

// TestRecordingEvents: the Recording* events of the trace decode with what
// the app reads: the name and target, Finished's duration (0 included), and
// Failed's cause.
func TestRecordingEvents(t *testing.T) {
	var started, finished, failed int
	for _, l := range recordedEvents(t, "customer-recording") {
		ev, err := DecodeEvent(l.Event)
		if err != nil {
			t.Fatal(err)
		}
		switch v := ev.(type) {
		case *RecordingStarted:
			started++
			if v.Recording.State != RecordingStateRecording || v.Recording.Duration != nil {
				t.Errorf("started %+v", v.Recording)
			}
		case *RecordingFinished:
			finished++
			if v.Recording.State != RecordingStateDone || v.Recording.Duration == nil {
				t.Errorf("finished %+v", v.Recording)
			}
			if v.Recording.Name == "vm-1" && (v.Recording.Seconds() != 1 || v.Recording.TargetURI != "channel:1796661056.39") {
				t.Errorf("vm-1 finished %+v", v.Recording)
			}
		case *RecordingFailed:
			failed++
			if v.Recording.Cause != "Cannot record channel while in bridge" || v.Recording.State != RecordingStateFailed {
				t.Errorf("failed %+v", v.Recording)
			}
		}
	}
	if started != 8 || finished != 7 || failed != 1 {
		t.Errorf("%d started, %d finished, %d failed; want 8, 7, 1", started, finished, failed)
	}
}
