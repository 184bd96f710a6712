package memnet

import (
	"net/http"
	"sync"
)

// Server is an HTTP server on a memnet listener: httptest.Server without a
// socket, so that it can run inside a synctest bubble. Requests reach it
// only through Client (or a transport or websocket.Dialer dialling
// Listener.DialContext); the host in URL is never resolved.
type Server struct {
	URL      string // "http://" + the listener's name
	Listener *Listener
	Config   *http.Server

	transport *http.Transport
	client    *http.Client
	served    chan struct{}
	closeOnce sync.Once
}

// NewServer starts serving h on a new listener named name (a host name,
// e.g. "asterisk.test:8088"). Inside a synctest bubble it must be closed
// before the bubble ends.
func NewServer(name string, h http.Handler) *Server {
	l := Listen(name)
	tr := &http.Transport{
		DialContext: l.DialContext,
		// keep-alive as a production client would; Proxy stays nil, so no
		// environment variable can send requests elsewhere
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
	}
	s := &Server{
		URL:       "http://" + name,
		Listener:  l,
		Config:    &http.Server{Handler: h},
		transport: tr,
		client:    &http.Client{Transport: tr},
		served:    make(chan struct{}),
	}
	go func() {
		defer close(s.served)
		_ = s.Config.Serve(l)
	}()
	return s
}

// Client returns the server's keep-alive client. Its Transport is an
// *http.Transport whose DialContext reaches the server, whatever the URL's
// host.
func (s *Server) Client() *http.Client { return s.client }

// Close stops the server: the listener and every connection not hijacked
// are closed, Serve has returned, and the client's idle connections are
// closed. Hijacked connections (WebSockets) are the handler's to close.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		_ = s.Config.Close()
		<-s.served
		s.transport.CloseIdleConnections()
	})
}
