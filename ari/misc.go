package ari

import (
	"context"
	"net/http"
)

// Ping answers once Asterisk is fully booted; before that it is ErrUnavailable
// (503 "Asterisk not booted") or, very early, ErrNotFound (ARI not yet
// registered). Use it as the readiness probe after a restart.
func (c *Client) Ping(ctx context.Context) (*AsteriskPing, error) {
	return getOne[AsteriskPing](ctx, c, "/asterisk/ping")
}

// Info returns what Asterisk says about itself (version, entity id).
func (c *Client) Info(ctx context.Context) (*AsteriskInfo, error) {
	return getOne[AsteriskInfo](ctx, c, "/asterisk/info")
}

// Modules lists loaded modules, to check at start that what we rely on
// (res_pjsip, res_musiconhold ...) is there.
func (c *Client) Modules(ctx context.Context) ([]Module, error) {
	return getList[Module](ctx, c, "/asterisk/modules")
}

// configBody is the body of PUT /asterisk/config/dynamic/...
type configBody struct {
	Fields []ConfigTuple `json:"fields"`
}

// GetConfig reads a sorcery object, e.g. class "res_pjsip", type "endpoint".
// An unknown class, type or id is ErrNotFound.
func (c *Client) GetConfig(ctx context.Context, class, typ, id string) ([]ConfigTuple, error) {
	fields, err := getOne[[]ConfigTuple](ctx, c, configPath, class, typ, id)
	if err != nil {
		return nil, err
	}
	return *fields, nil
}

const configPath = "/asterisk/config/dynamic/%s/%s/%s"

// PutConfig creates or updates a sorcery object (push configuration, used for
// agents' one-time SIP credentials) and returns all its fields. Without a
// writable sorcery mapping it is ErrForbidden; an unknown attribute is
// ErrBadRequest. Pushed objects live in memory and vanish on restart.
func (c *Client) PutConfig(ctx context.Context, class, typ, id string, fields []ConfigTuple) ([]ConfigTuple, error) {
	p, err := resourcePath(configPath, class, typ, id)
	if err != nil {
		return nil, err
	}
	if fields == nil {
		fields = []ConfigTuple{} // Asterisk wants an array, not null
	}
	var out []ConfigTuple
	if err := c.put(ctx, p, configBody{Fields: fields}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteConfig deletes a pushed sorcery object; ErrNotFound if it is gone.
func (c *Client) DeleteConfig(ctx context.Context, class, typ, id string) error {
	return c.op(ctx, http.MethodDelete, configPath, nil, class, typ, id)
}

// GetPlayback returns a playback's state; ErrNotFound once it finished.
func (c *Client) GetPlayback(ctx context.Context, id string) (*Playback, error) {
	return getOne[Playback](ctx, c, "/playbacks/%s", id)
}

// StopPlayback stops a playback early.
func (c *Client) StopPlayback(ctx context.Context, id string) error {
	return c.op(ctx, http.MethodDelete, "/playbacks/%s", nil, id)
}

// ListEndpoints returns every endpoint with its state and channels.
func (c *Client) ListEndpoints(ctx context.Context) ([]Endpoint, error) {
	return getList[Endpoint](ctx, c, "/endpoints")
}

// GetEndpoint returns one endpoint, e.g. ("PJSIP", "1001"); its State tells
// whether an agent's phone is registered ("online").
func (c *Client) GetEndpoint(ctx context.Context, tech, resource string) (*Endpoint, error) {
	return getOne[Endpoint](ctx, c, "/endpoints/%s/%s", tech, resource)
}

// Subscribe adds an event source to our application, e.g.
// "endpoint:PJSIP/1001" to learn when an agent's phone goes away (and, as a
// side effect, to receive that endpoint's channel events twice).
func (c *Client) Subscribe(ctx context.Context, eventSource string) (*Application, error) {
	return c.subscription(ctx, true, eventSource)
}

// Unsubscribe removes an event source; one that was not subscribed is
// ErrUnprocessable.
func (c *Client) Unsubscribe(ctx context.Context, eventSource string) (*Application, error) {
	return c.subscription(ctx, false, eventSource)
}

func (c *Client) subscription(ctx context.Context, add bool, eventSource string) (*Application, error) {
	p, err := resourcePath("/applications/%s/subscription", c.app)
	if err != nil {
		return nil, err
	}
	q := query("eventSource", eventSource)
	var app Application
	if add {
		err = c.post(ctx, p, q, nil, &app)
	} else {
		err = c.del(ctx, p, q, &app)
	}
	if err != nil {
		return nil, err
	}
	return &app, nil
}

// EventFilter chooses the event types Asterisk sends the application. A
// disallowed type is never sent; when Allowed is not empty, only its types
// are. A nil list is left as Asterisk has it, an empty one is cleared; with
// both nil, Asterisk clears both.
type EventFilter struct {
	Allowed, Disallowed []string
}

// FilterEvents sets the application's event filter (PUT
// /applications/{app}/eventFilter, Asterisk 16.3 and later). Asterisk then
// does not even serialise the events held back. ErrNotFound while the
// application has no events socket.
func (c *Client) FilterEvents(ctx context.Context, f EventFilter) (*Application, error) {
	p, err := resourcePath("/applications/%s/eventFilter", c.app)
	if err != nil {
		return nil, err
	}
	list := func(types []string) []EventTypeFilter {
		out := make([]EventTypeFilter, len(types))
		for i, t := range types {
			out[i] = EventTypeFilter{Type: t}
		}
		return out
	}
	body := map[string][]EventTypeFilter{}
	if f.Allowed != nil {
		body["allowed"] = list(f.Allowed)
	}
	if f.Disallowed != nil {
		body["disallowed"] = list(f.Disallowed)
	}
	var app Application
	if err := c.put(ctx, p, body, &app); err != nil {
		return nil, err
	}
	return &app, nil
}
