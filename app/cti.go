package app

import "github.com/ccaas/ccaas/cti"

// Sink receives an agent's CTI messages: the agent's open socket.
type Sink interface {
	// Send queues m for the client. It must not block: a client that cannot
	// keep up is dropped by the sink itself.
	Send(m cti.Message)
	// Close ends the connection after the queued messages are written.
	Close()
}
