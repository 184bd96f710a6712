// Package memnet is an in-memory network for tests: a net.Listener whose
// connections come from its Dial method instead of a socket.
//
// Every wait (a read with nothing to read, a write into a full buffer, an
// Accept, a Dial) is a select on channels, and deadlines are timers. So
// inside a testing/synctest bubble a goroutine blocked on a memnet
// connection is durably blocked and deadlines run on the bubble's fake
// clock, which a loopback TCP socket cannot offer: a goroutine in a network
// read keeps a bubble from ever settling. Outside a bubble it behaves like a
// loopback connection.
//
// Unlike net.Pipe, each direction is buffered (BufferSize bytes), so a
// writer does not wait for the reader unless the buffer is full, as with TCP.
package memnet

import (
	"context"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// BufferSize is how many unread bytes each direction of a connection holds
// before a write waits (a socket buffer).
const BufferSize = 64 << 10

// Addr is a memnet address: the listener's name, or the dialling side's.
type Addr string

// Network returns "memnet".
func (Addr) Network() string { return "memnet" }

func (a Addr) String() string { return string(a) }

// Listener accepts the connections its Dial and DialContext make.
type Listener struct {
	addr  Addr
	conns chan *Conn
	done  chan struct{}
	once  sync.Once
}

// Listen returns a listener named name (its Addr). Inside a synctest bubble
// it must be made, used and closed inside that bubble.
func Listen(name string) *Listener {
	return &Listener{addr: Addr(name), conns: make(chan *Conn), done: make(chan struct{})}
}

// Accept waits for a Dial, and returns the server's end of its connection.
// After Close it returns an error that wraps net.ErrClosed.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, &net.OpError{Op: "accept", Net: "memnet", Addr: l.addr, Err: net.ErrClosed}
	}
}

// Close stops Accept and refuses later dials. Connections already accepted
// stay open.
func (l *Listener) Close() error {
	first := false
	l.once.Do(func() { close(l.done); first = true })
	if !first {
		return &net.OpError{Op: "close", Net: "memnet", Addr: l.addr, Err: net.ErrClosed}
	}
	return nil
}

// Addr returns the listener's name.
func (l *Listener) Addr() net.Addr { return l.addr }

// Dial connects to the listener: it waits until Accept takes the other end,
// ctx ends, or the listener is closed (connection refused).
func (l *Listener) Dial(ctx context.Context) (net.Conn, error) {
	client, server := pipe(Addr(string(l.addr)+"-client"), l.addr)
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, &net.OpError{Op: "dial", Net: "memnet", Addr: l.addr, Err: syscall.ECONNREFUSED}
	case <-ctx.Done():
		return nil, &net.OpError{Op: "dial", Net: "memnet", Addr: l.addr, Err: ctx.Err()}
	}
}

// DialContext is Dial with the signature of http.Transport.DialContext and
// websocket.Dialer.NetDialContext; network and address are not looked at:
// every dial reaches this listener.
func (l *Listener) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	return l.Dial(ctx)
}

// Pipe returns the two ends of a buffered in-memory connection.
func Pipe() (net.Conn, net.Conn) {
	a, b := pipe(Addr("pipe-a"), Addr("pipe-b"))
	return a, b
}

func pipe(a, b Addr) (*Conn, *Conn) {
	ab, ba := newBuffer(), newBuffer()
	return newConn(ba, ab, a, b), newConn(ab, ba, b, a)
}

// buffer is one direction of a connection.
type buffer struct {
	mu         sync.Mutex
	data       []byte
	readerGone bool          // the reading end closed: writes fail
	writerGone bool          // the writing end closed: reads drain, then EOF
	changed    chan struct{} // closed, and replaced, whenever the fields above change
}

func newBuffer() *buffer { return &buffer{changed: make(chan struct{})} }

// notifyLocked wakes whoever waits for a change; b.mu must be held.
func (b *buffer) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// Conn is one end of a memnet connection. It implements net.Conn, and
// CloseWrite as *net.TCPConn does.
type Conn struct {
	rx, tx        *buffer // what this end reads, and writes
	local, remote Addr
	readDL        *deadline
	writeDL       *deadline
	closed        chan struct{}
	once          sync.Once
}

func newConn(rx, tx *buffer, local, remote Addr) *Conn {
	return &Conn{rx: rx, tx: tx, local: local, remote: remote,
		readDL: newDeadline(), writeDL: newDeadline(), closed: make(chan struct{})}
}

func (c *Conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "memnet", Source: c.local, Addr: c.remote, Err: err}
}

// Read reads what the other end wrote, waiting until there is something,
// the other end closed (io.EOF), the read deadline passed or c was closed.
func (c *Conn) Read(p []byte) (int, error) {
	for {
		if err := c.stopped("read", c.readDL); err != nil {
			return 0, err
		}
		b := c.rx
		b.mu.Lock()
		if len(b.data) > 0 || len(p) == 0 {
			n := copy(p, b.data)
			b.data = b.data[n:]
			if len(b.data) == 0 {
				b.data = nil
			}
			b.notifyLocked()
			b.mu.Unlock()
			return n, nil
		}
		if b.writerGone {
			b.mu.Unlock()
			return 0, io.EOF
		}
		changed := b.changed
		b.mu.Unlock()
		c.await(changed, c.readDL)
	}
}

// Write copies p into the buffer towards the other end, waiting while it is
// full; it fails once the other end closed (broken pipe), the write deadline
// passed or c was closed, having written n bytes.
func (c *Conn) Write(p []byte) (int, error) {
	n := 0
	for {
		if err := c.stopped("write", c.writeDL); err != nil {
			return n, err
		}
		b := c.tx
		b.mu.Lock()
		if b.readerGone {
			b.mu.Unlock()
			return n, c.opError("write", syscall.EPIPE)
		}
		if b.writerGone { // CloseWrite
			b.mu.Unlock()
			return n, c.opError("write", net.ErrClosed)
		}
		if room := BufferSize - len(b.data); room > 0 && n < len(p) {
			k := min(room, len(p)-n)
			b.data = append(b.data, p[n:n+k]...)
			n += k
			b.notifyLocked()
		}
		if n == len(p) {
			b.mu.Unlock()
			return n, nil
		}
		changed := b.changed
		b.mu.Unlock()
		c.await(changed, c.writeDL)
	}
}

// stopped is the error a read or write (op) fails with once c is closed or
// its deadline dl passed, nil before.
func (c *Conn) stopped(op string, dl *deadline) error {
	select {
	case <-c.closed:
		return c.opError(op, net.ErrClosed)
	case <-dl.passed():
		return c.opError(op, os.ErrDeadlineExceeded)
	default:
		return nil
	}
}

// await waits until the buffer changed, dl passed or c was closed.
func (c *Conn) await(changed <-chan struct{}, dl *deadline) {
	select {
	case <-changed:
	case <-dl.passed():
	case <-c.closed:
	}
}

// Close closes this end: its reads and writes fail with net.ErrClosed, the
// other end reads what is buffered and then io.EOF, and its writes fail.
func (c *Conn) Close() error {
	first := false
	c.once.Do(func() {
		first = true
		close(c.closed)
		c.rx.mu.Lock()
		c.rx.readerGone = true
		c.rx.data = nil
		c.rx.notifyLocked()
		c.rx.mu.Unlock()
		c.closeWrite()
		c.readDL.stop()
		c.writeDL.stop()
	})
	if !first {
		return c.opError("close", net.ErrClosed)
	}
	return nil
}

// CloseWrite shuts down the writing side, as TCP's FIN: the other end reads
// what is buffered and then io.EOF.
func (c *Conn) CloseWrite() error {
	select {
	case <-c.closed:
		return c.opError("close", net.ErrClosed)
	default:
	}
	c.closeWrite()
	return nil
}

func (c *Conn) closeWrite() {
	c.tx.mu.Lock()
	if !c.tx.writerGone {
		c.tx.writerGone = true
		c.tx.notifyLocked()
	}
	c.tx.mu.Unlock()
}

func (c *Conn) LocalAddr() net.Addr  { return c.local }
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.isClosed() {
		return c.opError("set", net.ErrClosed)
	}
	c.readDL.set(t)
	return nil
}

func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c.isClosed() {
		return c.opError("set", net.ErrClosed)
	}
	c.writeDL.set(t)
	return nil
}

func (c *Conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// deadline is a channel closed when a time passes; a timer closes it, so in
// a synctest bubble it follows the fake clock.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	ch    chan struct{} // closed once the deadline passed
}

func newDeadline() *deadline { return &deadline{ch: make(chan struct{})} }

// set arms the deadline at t; the zero t disarms it, a past t fires it now.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopLocked()
	fired := isClosed(d.ch)
	if t.IsZero() {
		if fired {
			d.ch = make(chan struct{})
		}
		return
	}
	if wait := time.Until(t); wait > 0 {
		if fired {
			d.ch = make(chan struct{})
		}
		ch := d.ch
		d.timer = time.AfterFunc(wait, func() { close(ch) })
		return
	}
	if !fired {
		close(d.ch)
	}
}

func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopLocked()
}

// stopLocked stops the timer; if it already fired, it waits until the
// timer's function closed the channel, so set sees a settled state.
func (d *deadline) stopLocked() {
	if d.timer != nil && !d.timer.Stop() {
		<-d.ch
	}
	d.timer = nil
}

// passed returns the channel closed when the deadline passes.
func (d *deadline) passed() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ch
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
