package ccaas

import (
	"context"
	"slices"
	"time"
)

// WebhookID names a webhook endpoint.
type WebhookID int64

// Webhook is an endpoint a tenant's admin registered: what happens in the
// tenant is posted to it (package webhook has the events and the signature).
type Webhook struct {
	ID      WebhookID
	Tenant  TenantID
	URL     string
	Secret  string   // signs every delivery
	Events  []string // the event types it wants
	Active  bool     // off: no new events are kept for it, and none is sent
	Created time.Time
}

// Wants reports whether the endpoint takes events of type typ now.
func (w Webhook) Wants(typ string) bool {
	return w.Active && slices.Contains(w.Events, typ)
}

// OutboxEvent is one event to deliver to some of a tenant's webhooks: a row
// of the outbox per webhook, written in the same transaction as the facts
// it reports.
type OutboxEvent struct {
	ID       string // the event's id, the same for every webhook and attempt
	Tenant   TenantID
	Type     string
	Key      string    // deliveries of one key go in order (a call's events, an agent's)
	At       time.Time // when it happened
	Body     []byte    // the JSON posted
	Webhooks []WebhookID
}

// Delivery is one event on its way to one webhook.
type Delivery struct {
	ID       int64 // its place in the outbox: a key's deliveries go in this order
	Webhook  WebhookID
	Tenant   TenantID
	EventID  string
	Type     string
	Key      string
	Body     []byte
	Created  time.Time
	State    string    // one of the Delivery constants
	Attempts int       // made so far
	NextAt   time.Time // when it is tried next (pending; zero while an earlier one of its key waits)
	LastAt   time.Time // the last attempt
	Status   int       // the HTTP status the last attempt got (0: none)
	Error    string    // why the last attempt failed ("" if it did not)
	// the endpoint, for the sender
	URL    string
	Secret string
}

// States of a delivery.
const (
	DeliveryPending   = "pending"   // to be tried (again)
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryFailed    = "failed"    // given up after webhook.GiveUpAfter
)

// Attempt is the outcome of trying a delivery, as the store keeps it.
type Attempt struct {
	Delivery  int64
	Webhook   WebhookID
	Key       string
	At        time.Time
	Status    int
	Error     string
	State     string    // what the delivery is now
	NextAt    time.Time // pending: when to try again
	Attempted bool      // false: given up without a request (its time had passed)
}

// Records are what the app's recorder writes in one transaction: what
// happened (the agent-state log, the call records, the agents'
// dispositions) and the webhook events that report it, so that none is kept
// without the others.
type Records struct {
	StateLog []StateChange
	Calls    []CallRecord
	// Dispositions, in the order given: an agent's later disposition of a
	// call replaces the earlier one.
	Dispositions []Disposition
	Outbox       []OutboxEvent
}

// Empty reports whether r holds nothing.
func (r Records) Empty() bool {
	return len(r.StateLog) == 0 && len(r.Calls) == 0 && len(r.Dispositions) == 0 && len(r.Outbox) == 0
}

// Add appends o's rows to r.
func (r *Records) Add(o Records) {
	r.StateLog = append(r.StateLog, o.StateLog...)
	r.Calls = append(r.Calls, o.Calls...)
	r.Dispositions = append(r.Dispositions, o.Dispositions...)
	r.Outbox = append(r.Outbox, o.Outbox...)
}

// WebhookStore keeps a tenant's webhooks and their deliveries (the admin
// pages); another tenant's id is ErrNotFound.
type WebhookStore interface {
	Webhooks(ctx context.Context, tenant TenantID) ([]Webhook, error)
	Webhook(ctx context.Context, tenant TenantID, id WebhookID) (Webhook, error)
	CreateWebhook(ctx context.Context, w Webhook) (Webhook, error)
	UpdateWebhook(ctx context.Context, w Webhook) error
	DeleteWebhook(ctx context.Context, tenant TenantID, id WebhookID) error
	// RecentDeliveries are a webhook's last deliveries, newest first.
	RecentDeliveries(ctx context.Context, tenant TenantID, id WebhookID, limit int) ([]Delivery, error)
	AppendRecords(ctx context.Context, r Records) error
}
