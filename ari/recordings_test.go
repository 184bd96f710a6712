package ari

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
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

	// Asterisk says a file's length: one over the limit is refused unread
	// (sending 64 MiB here made the test the slowest of the package)
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		w.Header().Set("Content-Length", strconv.Itoa(MaxRecordingBytes+1))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(make([]byte, 4096)) // the start; the client stops here
	}))
	t.Cleanup(huge.Close)
	hc, err := New(Config{URL: huge.URL + "/ari", Application: "ccaas"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.StoredRecordingFile(t.Context(), "huge"); !errors.Is(err, ErrBadResponse) {
		t.Errorf("a file over the limit: %v, want ErrBadResponse", err)
	}
	// one whose length is not said is read up to the limit, no further
	c, _ = restServer(t, 200, "audio/wav", make([]byte, 1<<20))
	if f, err := c.StoredRecordingFile(t.Context(), "chunked"); err != nil || len(f.Data) != 1<<20 {
		t.Errorf("a file of 1 MiB: %v", err)
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
