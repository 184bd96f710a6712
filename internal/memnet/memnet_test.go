package memnet_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/net/nettest"

	"github.com/ccaas/ccaas/internal/memnet"
)

// TestConnConformance runs x/net's net.Conn conformance suite (real time,
// no bubble): deadlines, concurrent use, close while blocked.
func TestConnConformance(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		c1, c2 = memnet.Pipe()
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}

// TestBlockedReadIsDurable: a read with nothing to read lets the bubble
// settle (synctest.Wait returns), and a deadline fires on the fake clock.
func TestBlockedReadIsDurable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := memnet.Pipe()
		defer a.Close()
		defer b.Close()
		start := time.Now()
		a.SetReadDeadline(start.Add(time.Hour))
		got := make(chan error, 1)
		go func() {
			_, err := a.Read(make([]byte, 1))
			got <- err
		}()
		synctest.Wait() // the reader is durably blocked
		select {
		case err := <-got:
			t.Fatalf("read returned early: %v", err)
		default:
		}
		err := <-got // time jumps to the deadline
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read: %v, want a deadline error", err)
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("read error %v is not a net.Error timeout", err)
		}
		if waited := time.Since(start); waited != time.Hour {
			t.Fatalf("deadline fired after %v of fake time, want 1h", waited)
		}
	})
}

// TestWriteIsBuffered: a writer does not wait for the reader until the
// buffer is full; then it waits (durably) and resumes when read.
func TestWriteIsBuffered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := memnet.Pipe()
		defer a.Close()
		defer b.Close()
		if n, err := a.Write(make([]byte, memnet.BufferSize)); n != memnet.BufferSize || err != nil {
			t.Fatalf("write into an empty buffer: %d, %v", n, err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.Write([]byte("more"))
		}()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("a write into a full buffer did not wait")
		default:
		}
		if _, err := io.ReadFull(b, make([]byte, memnet.BufferSize)); err != nil {
			t.Fatal(err)
		}
		<-done
		buf := make([]byte, 4)
		if _, err := io.ReadFull(b, buf); err != nil || string(buf) != "more" {
			t.Fatalf("read %q, %v", buf, err)
		}
	})
}

func TestCloseSemantics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := memnet.Pipe()
		a.Write([]byte("bye"))
		a.Close()
		if got, err := io.ReadAll(b); string(got) != "bye" || err != nil {
			t.Fatalf("peer read %q, %v: want the buffered data, then EOF", got, err)
		}
		if _, err := b.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
			t.Fatalf("write to a closed peer: %v", err)
		}
		if _, err := a.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read after close: %v", err)
		}
		b.Close()

		l := memnet.Listen("srv")
		l.Close()
		if _, err := l.Dial(context.Background()); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("dial a closed listener: %v", err)
		}
		if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("accept after close: %v", err)
		}
	})
}

// TestHTTPAndWebSocketInBubble serves HTTP and a WebSocket on a listener
// inside a bubble, with a keep-alive client, and shuts everything down so
// that no goroutine is left: the pattern the app's test worlds use.
func TestHTTPAndWebSocketInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := memnet.Listen("sim.test:80")
		var up websocket.Upgrader
		mux := http.NewServeMux()
		mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello")) })
		mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			for {
				mt, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				c.WriteMessage(mt, bytes.ToUpper(msg))
			}
		})
		srv := &http.Server{Handler: mux}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(l) }()
		tr := &http.Transport{DialContext: l.DialContext}
		client := &http.Client{Transport: tr}
		var ws *websocket.Conn
		// Cleanup runs inside the bubble, also after t.Fatal: without it a
		// failure leaves goroutines blocked and synctest reports a deadlock
		// instead of the failure.
		t.Cleanup(func() {
			if ws != nil {
				ws.Close()
			}
			tr.CloseIdleConnections()
			srv.Close() // the hijacked socket's handler ends on the client's close
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("serve: %v", err)
			}
		})

		for range 3 { // one keep-alive connection, reused
			resp, err := client.Get("http://sim.test/hello")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "hello" {
				t.Fatalf("body %q", body)
			}
		}
		d := websocket.Dialer{NetDialContext: l.DialContext, HandshakeTimeout: 5 * time.Second}
		var err error
		ws, _, err = d.Dial("ws://sim.test/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		ws.WriteMessage(websocket.TextMessage, []byte("ping"))
		if _, msg, err := ws.ReadMessage(); err != nil || string(msg) != "PING" {
			t.Fatalf("echo %q, %v", msg, err)
		}
		start := time.Now()
		ws.SetReadDeadline(start.Add(25 * time.Second))
		var ne net.Error // gorilla hides the *net.OpError behind its own net.Error
		if _, _, err := ws.ReadMessage(); !errors.As(err, &ne) || !ne.Timeout() || time.Since(start) != 25*time.Second {
			t.Fatalf("idle read: %v after %v", err, time.Since(start))
		}
	})
}

// TestServer: Server is httptest.Server without a socket. Its client reaches
// it whatever the URL's host, and Close leaves no goroutine behind in a
// bubble (synctest.Test fails on a goroutine still blocked at the end).
func TestServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := memnet.NewServer("asterisk.invalid:8088", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(r.Host + r.URL.Path))
		}))
		defer srv.Close()
		for _, url := range []string{srv.URL + "/a", "http://elsewhere.invalid/b"} {
			resp, err := srv.Client().Get(url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want := url[len("http://"):]; string(body) != want {
				t.Fatalf("GET %s answered %q, want %q", url, body, want)
			}
		}
		srv.Close()
		if _, err := srv.Client().Get(srv.URL + "/a"); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("GET after Close: %v, want connection refused", err)
		}
	})
}
