// Package queuelog writes a queue_log file as Asterisk's app_queue does: one
// line per event, epoch|callid|queuename|agent|event|data1|data2|..., so that
// existing queue reporting tools can read a ccaas contact center's data.
//
// Lines are appended by the writer's own goroutine. Log hands an event over
// through a bounded buffer and returns at once: the tenant loops never wait
// for the disk. When the buffer is full the event is dropped and counted (and
// the count logged once the writer catches up); Log never blocks.
package queuelog

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// None is what app_queue writes in the callid, queuename and agent fields of
// an event that has none.
const None = "NONE"

// Event is one line of the queue_log.
type Event struct {
	Time   time.Time // written as Unix seconds; zero means when it is written
	CallID string    // the call; "" is written as NONE
	Queue  string    // the queue; "" is written as NONE
	Agent  string    // the queue member; "" is written as NONE
	Event  string    // ENTERQUEUE, CONNECT, COMPLETECALLER …
	Data   []string  // the event's parameters, in app_queue's order
}

// DefaultBuffer is how many events wait for a busy disk before new ones are
// dropped.
const DefaultBuffer = 4096

// maxField bounds one field, so that outside text (a caller's name) cannot
// make a line huge.
const maxField = 256

// ErrClosed is returned by Reopen after Close.
var ErrClosed = errors.New("queue_log writer closed")

// Options are Open's settings; the zero value is fine.
type Options struct {
	Logger *slog.Logger // default slog.Default()
	Buffer int          // default DefaultBuffer
}

// Writer appends events to a queue_log file.
type Writer struct {
	path string
	log  *slog.Logger
	open func(path string) (io.WriteCloser, error)

	mu     sync.RWMutex // Log holds it shared while it hands over; Close exclusively
	closed bool
	events chan Event

	reopen    chan chan error
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeWait time.Duration // how long Close waits for a busy disk

	dropped atomic.Uint64
}

// Open opens (creating or appending to) the file at path and starts the
// writer's goroutine. Close stops it.
func Open(path string, opts Options) (*Writer, error) {
	return open(path, opts, openFile)
}

func openFile(path string) (io.WriteCloser, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
}

func open(path string, opts Options, openf func(string) (io.WriteCloser, error)) (*Writer, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultBuffer
	}
	f, err := openf(path)
	if err != nil {
		return nil, err
	}
	w := &Writer{
		path:      path,
		log:       opts.Logger.With("queue_log", path),
		open:      openf,
		events:    make(chan Event, opts.Buffer),
		reopen:    make(chan chan error),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
		closeWait: 5 * time.Second,
	}
	go w.run(f)
	return w, nil
}

// Log hands an event to the writer without waiting. If the buffer is full
// (the disk is slower than the calls) or the writer is closed, the event is
// dropped and counted.
func (w *Writer) Log(e Event) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		w.dropped.Add(1)
		return
	}
	select {
	case w.events <- e:
	default:
		w.dropped.Add(1)
	}
}

// Dropped returns how many events were not written: the buffer was full, the
// writer was closed, or the file could not be written.
func (w *Writer) Dropped() uint64 { return w.dropped.Load() }

// Reopen writes out what was logged before it, then closes the file and
// opens the path again: after logrotate has renamed the file, new lines go
// to a new one. If the path cannot be opened, the old file stays in use.
func (w *Writer) Reopen() error {
	res := make(chan error, 1)
	select {
	case w.reopen <- res:
	case <-w.done:
		return ErrClosed
	}
	select {
	case err := <-res:
		return err
	case <-w.done:
		return ErrClosed
	}
}

// Close writes out what was logged and closes the file. It waits a few
// seconds at most for a disk that does not answer.
func (w *Writer) Close() error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true // no Log hands over anything after this
		w.mu.Unlock()
		close(w.stop)
	})
	select {
	case <-w.done:
		return nil
	case <-time.After(w.closeWait):
		return errors.New("queue_log: the disk did not take the last lines")
	}
}

// run is the writer's goroutine: it writes what arrives in batches, flushing
// whenever the buffer is empty, so a line reaches the file as soon as the
// disk takes it.
func (w *Writer) run(f io.WriteCloser) {
	defer close(w.done)
	out := bufio.NewWriterSize(f, 64<<10)
	var (
		line     []byte
		batch    int    // lines since the last flush
		reported uint64 // drops already logged
		failing  bool   // the last flush failed (logged once until it works again)
	)
	write := func(e Event) {
		line = AppendLine(line[:0], e, time.Now)
		out.Write(line) // a failure shows in Flush
		batch++
	}
	drain := func() {
		for {
			select {
			case e := <-w.events:
				write(e)
			default:
				return
			}
		}
	}
	flush := func() {
		err := out.Flush()
		switch {
		case err != nil:
			w.dropped.Add(uint64(batch))
			if !failing {
				w.log.Error("queue_log lines lost: the file cannot be written", "lines", batch, "err", err)
			}
			failing = true
			out.Reset(f) // bufio keeps a write error forever; start afresh
		case failing:
			failing = false
			w.log.Info("queue_log is written again")
		}
		batch = 0
		if d := w.dropped.Load(); d != reported {
			w.log.Warn("queue_log events dropped", "since_last_report", d-reported, "total", d)
			reported = d
		}
	}
	for {
		select {
		case e := <-w.events:
			write(e)
			drain()
			flush()
		case res := <-w.reopen:
			drain()
			flush()
			nf, err := w.open(w.path)
			if err == nil {
				if cerr := f.Close(); cerr != nil {
					w.log.Warn("queue_log: closing the old file", "err", cerr)
				}
				f = nf
				out.Reset(f)
			}
			res <- err
		case <-w.stop:
			drain()
			flush()
			if err := f.Close(); err != nil {
				w.log.Error("queue_log: closing the file", "err", err)
			}
			return
		}
	}
}

// AppendLine appends e as one queue_log line, with its newline, to dst.
// Every field is made safe: '|' becomes '_' (as app_queue does for caller
// names), line breaks and other control characters become spaces, invalid
// UTF-8 becomes '?', and a field is cut at 256 bytes. An event always has at
// least one data field, as app_queue's lines do. now stamps an event without
// a time.
func AppendLine(dst []byte, e Event, now func() time.Time) []byte {
	at := e.Time
	if at.IsZero() {
		at = now()
	}
	dst = strconv.AppendInt(dst, at.Unix(), 10)
	for _, f := range [...]string{e.CallID, e.Queue, e.Agent, e.Event} {
		dst = append(dst, '|')
		if f == "" {
			dst = append(dst, None...)
			continue
		}
		dst = appendField(dst, f)
	}
	if len(e.Data) == 0 {
		dst = append(dst, '|')
	}
	for _, d := range e.Data {
		dst = append(dst, '|')
		dst = appendField(dst, d)
	}
	return append(dst, '\n')
}

func appendField(dst []byte, s string) []byte {
	for i := 0; i < len(s) && i < maxField; {
		if c := s[i]; c < utf8.RuneSelf { // ASCII, most of what is written
			switch {
			case c == '|':
				c = '_'
			case c < 0x20 || c == 0x7f:
				c = ' '
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if i+size > maxField {
			break // never cut a character in two
		}
		switch {
		case r == '|':
			dst = append(dst, '_')
		case r == utf8.RuneError && size == 1:
			dst = append(dst, '?')
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			dst = append(dst, ' ')
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}
