package queuelog

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

var t0 = time.Unix(1_700_000_000, 0)

func TestAppendLine(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{
			name: "enter queue with hostile caller name",
			ev: Event{Time: t0, CallID: "c1-00aa", Queue: "Support@acme.example", Event: "ENTERQUEUE",
				Data: []string{"", "+4930123", "1", "Jane|Doe\n1700000000|x|y|z|ABANDON|1|1|1\r\n"}},
			want: "1700000000|c1-00aa|Support@acme.example|NONE|ENTERQUEUE||+4930123|1|Jane_Doe 1700000000_x_y_z_ABANDON_1_1_1  \n",
		},
		{
			name: "no data still has one data field, as app_queue writes",
			ev:   Event{Time: t0, CallID: None, Queue: "Sales@b.example", Agent: "sam@b.example", Event: "REMOVEMEMBER"},
			want: "1700000000|NONE|Sales@b.example|sam@b.example|REMOVEMEMBER|\n",
		},
		{
			name: "empty ids become NONE",
			ev:   Event{Time: t0, Event: "QUEUESTART"},
			want: "1700000000|NONE|NONE|NONE|QUEUESTART|\n",
		},
		{
			name: "pipes and newlines in every field",
			ev:   Event{Time: t0, CallID: "a|b", Queue: "q\nx", Agent: "ag\u2028nt", Event: "PA|USE", Data: []string{"lunch\tbreak", "x\u0085y"}},
			want: "1700000000|a_b|q x|ag nt|PA_USE|lunch break|x y\n",
		},
		{
			name: "invalid UTF-8 and unicode kept apart",
			ev:   Event{Time: t0, CallID: "c", Queue: "Ventas@ñ.example", Agent: "josé@ñ.example", Event: "PAUSE", Data: []string{"caf\xe9 \xff"}},
			want: "1700000000|c|Ventas@ñ.example|josé@ñ.example|PAUSE|caf? ?\n",
		},
		{
			name: "long field cut without splitting a character",
			ev:   Event{Time: t0, CallID: "c", Queue: "q", Agent: "a", Event: "ENTERQUEUE", Data: []string{"x" + strings.Repeat("é", 200)}},
			want: "1700000000|c|q|a|ENTERQUEUE|x" + strings.Repeat("é", 127) + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendLine(nil, tt.ev, time.Now))
			if got != tt.want {
				t.Fatalf("line\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestAppendLineStampsEventsWithoutTime(t *testing.T) {
	got := string(AppendLine([]byte("kept:"), Event{Event: "QUEUESTART"}, func() time.Time { return t0.Add(5 * time.Second) }))
	if got != "kept:1700000005|NONE|NONE|NONE|QUEUESTART|\n" {
		t.Fatalf("line %q", got)
	}
}

// FuzzAppendLine: whatever the fields hold, an event is exactly one line
// with its five fixed fields and its data fields.
func FuzzAppendLine(f *testing.F) {
	f.Add("c1", "Support@acme", "alice@acme", "ENTERQUEUE", "Jane|Doe\n", "\xff\r")
	f.Add("", "", "", "", "", "")
	f.Add("a\u2028b", "|||", "\n\n", "X", strings.Repeat("|", 300), "é")
	f.Fuzz(func(t *testing.T, callid, queue, agent, event, d1, d2 string) {
		line := AppendLine(nil, Event{Time: t0, CallID: callid, Queue: queue, Agent: agent, Event: event, Data: []string{d1, d2}}, time.Now)
		if bytes.IndexByte(line, '\n') != len(line)-1 || bytes.IndexByte(line, '\r') >= 0 {
			t.Fatalf("not one line: %q", line)
		}
		if !utf8.Valid(line) {
			t.Fatalf("invalid UTF-8: %q", line)
		}
		fields := strings.Split(strings.TrimSuffix(string(line), "\n"), "|")
		if len(fields) != 7 {
			t.Fatalf("%d fields, want 7: %q", len(fields), line)
		}
		for i, f := range fields {
			if len(f) > maxField+len("NONE") {
				t.Fatalf("field %d has %d bytes", i, len(f))
			}
		}
		for i := 1; i <= 4; i++ {
			if fields[i] == "" {
				t.Fatalf("field %d empty: %q", i, line)
			}
		}
	})
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestWriterAppendsAndReopens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue_log")
	if err := os.WriteFile(path, []byte("1600000000|NONE|NONE|NONE|QUEUESTART|\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	w, err := Open(path, Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	w.Log(Event{Time: t0, CallID: "c1", Queue: "q@t", Event: "ENTERQUEUE", Data: []string{"", "100", "1", ""}})
	w.Log(Event{Time: t0.Add(time.Second), CallID: "c1", Queue: "q@t", Event: "ABANDON", Data: []string{"1", "1", "1"}})
	// logrotate renames the file, then sends SIGHUP
	rotated := path + ".1"
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	if err := w.Reopen(); err != nil {
		t.Fatal(err)
	}
	w.Log(Event{Time: t0.Add(2 * time.Second), CallID: None, Queue: "q@t", Agent: "a@t", Event: "REMOVEMEMBER"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	old := readLines(t, rotated)
	want := []string{
		"1600000000|NONE|NONE|NONE|QUEUESTART|", // appended to, never truncated
		"1700000000|c1|q@t|NONE|ENTERQUEUE||100|1|",
		"1700000001|c1|q@t|NONE|ABANDON|1|1|1",
	}
	if strings.Join(old, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rotated file:\n%s\nwant:\n%s", strings.Join(old, "\n"), strings.Join(want, "\n"))
	}
	if got := readLines(t, path); len(got) != 1 || got[0] != "1700000002|NONE|q@t|a@t|REMOVEMEMBER|" {
		t.Fatalf("new file: %q", got)
	}
	if w.Dropped() != 0 {
		t.Fatalf("dropped %d", w.Dropped())
	}
	if err := w.Reopen(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Reopen after Close: %v", err)
	}
	w.Log(Event{Event: "LATE"})
	if w.Dropped() != 1 {
		t.Fatalf("an event after Close: dropped %d, want 1", w.Dropped())
	}
}

func TestReopenFailureKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "queue_log")
	var calls int
	openf := func(p string) (io.WriteCloser, error) {
		calls++
		if calls > 1 {
			return nil, errors.New("permission denied")
		}
		return openFile(p)
	}
	w, err := open(path, Options{Logger: quiet()}, openf)
	if err != nil {
		t.Fatal(err)
	}
	w.Log(Event{Time: t0, Event: "ONE"})
	if err := w.Reopen(); err == nil {
		t.Fatal("Reopen succeeded with an open that fails")
	}
	w.Log(Event{Time: t0, Event: "TWO"})
	w.Close()
	if got := readLines(t, path); strings.Join(got, ",") != "1700000000|NONE|NONE|NONE|ONE|,1700000000|NONE|NONE|NONE|TWO|" {
		t.Fatalf("file: %q", got)
	}
}

func TestOpenFails(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "missing-dir", "queue_log"), Options{}); err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
}

// stuckDisk is a file whose writes wait until released.
type stuckDisk struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func newStuckDisk() *stuckDisk {
	return &stuckDisk{entered: make(chan struct{}, 1), release: make(chan struct{})}
}

func (d *stuckDisk) Write(p []byte) (int, error) {
	select {
	case d.entered <- struct{}{}:
	default:
	}
	<-d.release
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.Write(p)
}

func (d *stuckDisk) Close() error { return nil }

func (d *stuckDisk) lines() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Split(strings.TrimSuffix(d.buf.String(), "\n"), "\n")
}

func TestFullBufferDropsWithoutBlocking(t *testing.T) {
	disk := newStuckDisk()
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, nil))
	const buffer, extra = 8, 5
	w, err := open("stuck", Options{Logger: logger, Buffer: buffer}, func(string) (io.WriteCloser, error) { return disk, nil })
	if err != nil {
		t.Fatal(err)
	}
	w.Log(Event{Time: t0, Event: "FIRST"})
	<-disk.entered // the writer is stuck in the disk with the first line; the buffer is empty
	for i := range buffer + extra {
		w.Log(Event{Time: t0, Event: "E", Data: []string{string(rune('a' + i))}})
	}
	if got := w.Dropped(); got != extra {
		t.Fatalf("dropped %d, want %d", got, extra)
	}
	close(disk.release)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := disk.lines()
	if len(got) != 1+buffer || got[0] != "1700000000|NONE|NONE|NONE|FIRST|" || got[buffer] != "1700000000|NONE|NONE|NONE|E|h" {
		t.Fatalf("written: %q", got)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logs.String(), "queue_log events dropped") || !strings.Contains(logs.String(), "total=5") {
		t.Fatalf("drops not logged: %s", logs.String())
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// brokenDisk fails its writes until healed.
type brokenDisk struct {
	mu     sync.Mutex
	broken bool
	buf    bytes.Buffer
}

func (d *brokenDisk) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.broken {
		return 0, errors.New("no space left on device")
	}
	return d.buf.Write(p)
}

func (d *brokenDisk) Close() error { return nil }

func TestWriteErrorsAreCountedAndRecovered(t *testing.T) {
	disk := &brokenDisk{broken: true}
	w, err := open("broken", Options{Logger: quiet()}, func(string) (io.WriteCloser, error) { return disk, nil })
	if err != nil {
		t.Fatal(err)
	}
	w.Log(Event{Time: t0, Event: "LOST"})
	w.Reopen() // returns once the line before it was tried
	if w.Dropped() != 1 {
		t.Fatalf("dropped %d, want 1", w.Dropped())
	}
	disk.mu.Lock()
	disk.broken = false
	disk.mu.Unlock()
	w.Log(Event{Time: t0, Event: "KEPT"})
	w.Close()
	if got := disk.buf.String(); got != "1700000000|NONE|NONE|NONE|KEPT|\n" {
		t.Fatalf("written %q", got)
	}
}

var benchEvent = Event{Time: t0, CallID: "c1-0123456789abcdef", Queue: "Support@acme.example", Agent: "alice@acme.example", Event: "CONNECT", Data: []string{"12", "ln1-0123456789abcdef", "3"}}

// BenchmarkLog is what a tenant loop pays per queue_log event, as fast as
// it can call: the writer falls behind, so this mixes hand-overs and drops
// (dropped/op says how many).
func BenchmarkLog(b *testing.B) {
	w, err := Open(filepath.Join(b.TempDir(), "queue_log"), Options{Logger: quiet(), Buffer: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	b.ReportAllocs()
	for b.Loop() {
		w.Log(benchEvent)
	}
	b.ReportMetric(float64(w.Dropped())/float64(b.N), "dropped/op")
}

// BenchmarkWriterThroughput is the writer's cost per line written to the
// file: the caller waits whenever the buffer is half full, so nothing drops.
func BenchmarkWriterThroughput(b *testing.B) {
	const buffer = 1 << 12
	w, err := Open(filepath.Join(b.TempDir(), "queue_log"), Options{Logger: quiet(), Buffer: buffer})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		if i%(buffer/2) == 0 {
			for len(w.events) > buffer/2 {
				time.Sleep(10 * time.Microsecond)
			}
		}
		w.Log(benchEvent)
	}
	w.Close()
	if w.Dropped() != 0 {
		b.Fatalf("dropped %d", w.Dropped())
	}
}

// BenchmarkAppendLine is the writer goroutine's cost of formatting one line.
func BenchmarkAppendLine(b *testing.B) {
	ev := Event{Time: t0, CallID: "c1-0123456789abcdef", Queue: "Support@acme.example", Agent: "NONE", Event: "ENTERQUEUE", Data: []string{"", "+4930123456", "1", "Jane Doe"}}
	var line []byte
	b.ReportAllocs()
	for b.Loop() {
		line = AppendLine(line[:0], ev, time.Now)
	}
}
