package ari

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// EventHandler receives the events socket's life and messages. All three
// methods are called from RunEvents' single reader goroutine, so events
// arrive in Asterisk's order; a handler that blocks stalls every event after
// it, so it should hand the event to its owner (e.g. a tenant loop) and
// treat a full queue as a bug to surface, not a reason to wait.
type EventHandler interface {
	// Connected is called after every successful (re)connect, before that
	// connection's first event. Events may have been missed while the socket
	// was down: reconcile from ListChannels and ListBridges.
	Connected()
	// Disconnected is called once for every Connected, when that connection
	// ends, with the reason (ctx's error when RunEvents is stopping).
	Disconnected(err error)
	// Event is called for every message that decodes, in order.
	Event(ev Event)
}

// wsTuning is the events socket's timing. New fills it with
// defaultWSTuning; tests in this package shorten it.
type wsTuning struct {
	pingPeriod  time.Duration // how often we ping Asterisk
	pongWait    time.Duration // read deadline, extended by every pong and message
	writeWait   time.Duration // deadline for a ping or close frame
	backoffMin  time.Duration // first reconnect delay
	backoffMax  time.Duration // reconnect delay cap
	stableAfter time.Duration // a connection that lived this long resets the backoff
	readLimit   int64         // largest message accepted
}

// defaultWSTuning notices a silent peer (VM network gone, no FIN) within
// about 25 s; an Asterisk restart closes the socket and is noticed at once.
func defaultWSTuning() wsTuning {
	return wsTuning{
		pingPeriod:  10 * time.Second,
		pongWait:    25 * time.Second,
		writeWait:   5 * time.Second,
		backoffMin:  100 * time.Millisecond,
		backoffMax:  5 * time.Second,
		stableAfter: 10 * time.Second,
		readLimit:   4 << 20,
	}
}

// Connected reports whether the events socket is open right now. REST calls
// work regardless; this is for health checks and for not offering calls
// while events cannot be seen.
func (c *Client) Connected() bool { return c.connected.Load() }

// RunEvents keeps the events WebSocket
// (ws(s)://…/ari/events?app=<app>&subscribeAll=false) open until ctx ends,
// and then returns ctx.Err(). Every message is decoded with DecodeEvent and
// given to h.Event; a message that does not decode is logged and skipped.
// When the connection fails or closes, h.Disconnected is called and the
// socket is dialled again with exponential backoff and jitter (from about
// 100 ms up to 5 s, reset after a connection that lived). Only one RunEvents
// may run per Client.
func (c *Client) RunEvents(ctx context.Context, h EventHandler) error {
	if h == nil {
		return errors.New("ari: RunEvents: nil EventHandler")
	}
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("ari: RunEvents is already running for this client")
	}
	defer c.running.Store(false)

	t := c.wsTuning
	attempt := 0
	lastDialErr := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		conn, err := c.dialEvents(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// Asterisk may be down for minutes: log a failure when it
			// changes, not every retry.
			level := slog.LevelDebug
			if msg := err.Error(); msg != lastDialErr {
				level, lastDialErr = slog.LevelWarn, msg
			}
			c.log.LogAttrs(ctx, level, "ari events dial failed", slog.String("app", c.app), slog.Any("error", err))
		} else {
			lastDialErr = ""
			began := time.Now()
			c.serveEvents(ctx, conn, h)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if time.Since(began) >= t.stableAfter {
				attempt = 0
			}
		}

		timer := time.NewTimer(backoffDelay(t, attempt))
		attempt++
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// backoffDelay doubles from backoffMin to backoffMax per attempt, with equal
// jitter (half fixed, half random) so that many clients restarting together
// spread out but none retries at once.
func backoffDelay(t wsTuning, attempt int) time.Duration {
	d := t.backoffMin
	for i := 0; i < attempt && d < t.backoffMax; i++ {
		d *= 2
	}
	d = min(d, t.backoffMax)
	half := d / 2
	return half + rand.N(d-half+1)
}

// dialEvents opens the events socket. Credentials go both in the
// Authorization header and as api_key, as the recorded driver does; the URL
// is never logged, since api_key carries the password.
func (c *Client) dialEvents(ctx context.Context) (*websocket.Conn, error) {
	q := url.Values{"app": {c.app}, "subscribeAll": {"false"}}
	hdr := http.Header{}
	if c.user != "" || c.pass != "" {
		q.Set("api_key", c.user+":"+c.pass)
		hdr.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.user+":"+c.pass)))
	}
	d := websocket.Dialer{HandshakeTimeout: c.timeout, Proxy: http.ProxyFromEnvironment}
	if tr, ok := c.http.Transport.(*http.Transport); ok {
		d.Proxy = tr.Proxy
		d.NetDialContext = tr.DialContext
		if tr.TLSClientConfig != nil {
			d.TLSClientConfig = tr.TLSClientConfig.Clone()
		}
	}

	conn, resp, err := d.DialContext(ctx, c.wsBase+"/events?"+q.Encode(), hdr)
	if err != nil {
		if resp != nil {
			// The handshake got an HTTP answer: 401 wrong credentials,
			// 400 no app, 404/503 while Asterisk boots.
			data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			return nil, fmt.Errorf("ari events: dial: %w",
				&Error{Method: http.MethodGet, Path: "/events", Status: resp.StatusCode, Message: errorMessage(data)})
		}
		return nil, fmt.Errorf("ari events: dial: %w", err)
	}
	conn.SetReadLimit(c.wsTuning.readLimit)
	return conn, nil
}

// serveEvents runs one connection: Connected, the read loop, Disconnected.
// The reader is this goroutine; a second goroutine pings and closes the
// socket when ctx ends, which is what unblocks the reader.
func (c *Client) serveEvents(ctx context.Context, conn *websocket.Conn, h EventHandler) {
	t := c.wsTuning
	c.connected.Store(true)
	c.log.LogAttrs(ctx, slog.LevelInfo, "ari events connected", slog.String("app", c.app))
	h.Connected()

	done := make(chan struct{})
	var (
		wg      sync.WaitGroup
		pingErr error // written by the pinger, read after wg.Wait
	)
	wg.Go(func() { pingErr = pingLoop(ctx, conn, t, done) })

	err := c.readLoop(conn, h)
	close(done)
	_ = conn.Close()
	wg.Wait()
	c.connected.Store(false)

	switch {
	case ctx.Err() != nil:
		err = ctx.Err()
		c.log.LogAttrs(ctx, slog.LevelInfo, "ari events closed", slog.String("app", c.app))
	default:
		if pingErr != nil && errors.Is(err, net.ErrClosed) {
			// The pinger closed the socket under the reader.
			err = fmt.Errorf("ari events: ping: %w", pingErr)
		} else {
			err = fmt.Errorf("ari events: read: %w", err)
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "ari events disconnected", slog.String("app", c.app), slog.Any("error", err))
	}
	h.Disconnected(err)
}

// readLoop decodes messages until the connection fails. Any message, like
// any pong, proves the peer alive and extends the read deadline.
func (c *Client) readLoop(conn *websocket.Conn, h EventHandler) error {
	pongWait := c.wsTuning.pongWait
	if err := conn.SetReadDeadline(time.Now().Add(pongWait)); err != nil {
		return err
	}
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		if err := conn.SetReadDeadline(time.Now().Add(pongWait)); err != nil {
			return err
		}
		ev, err := DecodeEvent(data)
		if err != nil {
			c.log.Warn("ari event skipped", slog.String("app", c.app), slog.Any("error", err),
				slog.String("message", truncate(string(data))))
			continue
		}
		h.Event(ev)
	}
}

// pingLoop pings every pingPeriod until done is closed. When ctx ends it
// sends a close frame and closes the socket; when a ping cannot be written it
// closes the socket and returns why. Closing is what ends the reader.
func pingLoop(ctx context.Context, conn *websocket.Conn, t wsTuning, done <-chan struct{}) error {
	ticker := time.NewTicker(t.pingPeriod)
	defer ticker.Stop()
	for {
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(t.writeWait))
			_ = conn.Close()
			return nil
		case <-ticker.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(t.writeWait)); err != nil {
				_ = conn.Close()
				return err
			}
		}
	}
}
