package http

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/webhook"
)

// The tenant admin's webhooks: the endpoints the tenant's events are posted
// to (signed, from the outbox: package outbox sends them), each with its
// last deliveries and a test event.

// recentDeliveries is how many of a webhook's deliveries its page shows.
const recentDeliveries = 50

// ParseWebhookForm reads a webhook's form: its address (checked against the
// operator's allowed ranges when it is an IP), its secret (kept when empty
// on an update), the events it wants, and whether it is on.
func ParseWebhookForm(v url.Values, creating bool, allow []netip.Prefix) (ccaas.Webhook, FormErrors) {
	e := FormErrors{}
	if tooBig(v, e) {
		return ccaas.Webhook{}, e
	}
	var w ccaas.Webhook
	w.URL = text(v, e, "url")
	e.check("url", webhook.CheckTarget(w.URL, allow))
	w.Secret = text(v, e, "secret")
	if w.Secret != "" || creating {
		e.check("secret", webhook.CheckSecret(w.Secret))
	}
	for _, ev := range v["event"] {
		switch {
		case !slices.Contains(webhook.Types, ev):
			e.add("events", "one of the events is unknown (reload the page)")
		case slices.Contains(w.Events, ev):
			e.add("events", "an event was sent twice")
		default:
			w.Events = append(w.Events, ev)
		}
	}
	if len(w.Events) == 0 {
		e.add("events", "choose at least one event")
	}
	w.Active = checkbox(v, e, "active")
	if len(e) > 0 {
		return ccaas.Webhook{}, e
	}
	return w, nil
}

// webhookRow is a webhook in the list.
type webhookRow struct {
	ccaas.Webhook
	Labels []string
	Last   *ccaas.Delivery
}

func (a *admin) webhooks(c *gin.Context) {
	ctx := c.Request.Context()
	tenant := adminOf(c).Tenant
	hooks, err := a.store.Webhooks(ctx, tenant)
	if err != nil {
		a.failed(c, err)
		return
	}
	rows := make([]webhookRow, len(hooks))
	for i, h := range hooks {
		rows[i] = webhookRow{Webhook: h}
		for _, ev := range h.Events {
			rows[i].Labels = append(rows[i].Labels, webhook.Labels[ev])
		}
		last, err := a.store.RecentDeliveries(ctx, tenant, h.ID, 1)
		if err != nil {
			a.failed(c, err)
			return
		}
		if len(last) > 0 {
			rows[i].Last = &last[0]
		}
	}
	p := a.newPage(c, "Webhooks", "webhooks")
	p.Data = rows
	a.render(c, http.StatusOK, "webhooks", p)
}

// eventChoice is an event's checkbox.
type eventChoice struct {
	Type, Label string
	Checked     bool
}

// webhookPage is what the webhook template shows.
type webhookPage struct {
	ID         ccaas.WebhookID
	Events     []eventChoice
	Deliveries []ccaas.Delivery
	Active     bool
	Secret     string // a new webhook's secret, shown in its form to copy
}

func (a *admin) showWebhook(c *gin.Context, status int, id ccaas.WebhookID, form url.Values, secret string, errs FormErrors) {
	title := "New webhook"
	if id != 0 {
		title = "Webhook"
	}
	p := a.newPage(c, title, "webhooks")
	data := webhookPage{ID: id, Active: form.Get("active") == "on", Secret: secret}
	for _, typ := range webhook.Types {
		data.Events = append(data.Events, eventChoice{Type: typ, Label: webhook.Labels[typ], Checked: slices.Contains(form["event"], typ)})
	}
	if id != 0 {
		ds, err := a.store.RecentDeliveries(c.Request.Context(), adminOf(c).Tenant, id, recentDeliveries)
		if err != nil {
			a.failed(c, err)
			return
		}
		data.Deliveries = ds
	}
	form = withoutPasswords(form)
	delete(form, "secret") // never sent back
	p.Form, p.Errors, p.Data = form, errs, data
	a.render(c, status, "webhook", p)
}

func (a *admin) webhookNew(c *gin.Context) {
	form := url.Values{"event": slices.Clone(webhook.Types), "active": {"on"}}
	a.showWebhook(c, http.StatusOK, 0, form, webhook.NewSecret(), FormErrors{})
}

func (a *admin) webhookCreate(c *gin.Context) {
	v := c.Request.PostForm
	w, errs := ParseWebhookForm(v, true, a.webhookAllow)
	if errs != nil {
		a.showWebhook(c, http.StatusUnprocessableEntity, 0, v, v.Get("secret"), errs)
		return
	}
	w.Tenant, w.Created = adminOf(c).Tenant, a.now()
	w, err := a.store.CreateWebhook(c.Request.Context(), w)
	if !a.stored(c, err, nil) {
		return
	}
	a.audit(c, "webhook_created", "webhook", w.ID, "url", w.URL)
	a.done(c, w.Tenant, "/admin/webhooks/"+strconv.FormatInt(int64(w.ID), 10), "Webhook added. Send a test event to see it work.")
}

// webhookOf loads the webhook the URL names; another tenant's or a
// malformed id is answered as not found.
func (a *admin) webhookOf(c *gin.Context) (ccaas.Webhook, bool) {
	return byURL(a, c, func(ctx context.Context, id int64) (ccaas.Webhook, error) {
		return a.store.Webhook(ctx, adminOf(c).Tenant, ccaas.WebhookID(id))
	})
}

func (a *admin) webhookEdit(c *gin.Context) {
	w, ok := a.webhookOf(c)
	if !ok {
		return
	}
	form := url.Values{"url": {w.URL}, "event": w.Events}
	if w.Active {
		form.Set("active", "on")
	}
	a.showWebhook(c, http.StatusOK, w.ID, form, "", FormErrors{})
}

func (a *admin) webhookUpdate(c *gin.Context) {
	old, ok := a.webhookOf(c)
	if !ok {
		return
	}
	v := c.Request.PostForm
	w, errs := ParseWebhookForm(v, false, a.webhookAllow)
	if errs != nil {
		a.showWebhook(c, http.StatusUnprocessableEntity, old.ID, v, "", errs)
		return
	}
	w.ID, w.Tenant = old.ID, old.Tenant
	if !a.stored(c, a.store.UpdateWebhook(c.Request.Context(), w), nil) {
		return
	}
	a.audit(c, "webhook_updated", "webhook", w.ID, "url", w.URL, "secret_changed", w.Secret != "")
	a.done(c, w.Tenant, "/admin/webhooks/"+strconv.FormatInt(int64(w.ID), 10), "Webhook saved.")
}

func (a *admin) webhookDelete(c *gin.Context) {
	w, ok := a.webhookOf(c)
	if !ok {
		return
	}
	if !a.stored(c, a.store.DeleteWebhook(c.Request.Context(), w.Tenant, w.ID), nil) {
		return
	}
	a.audit(c, "webhook_deleted", "webhook", w.ID, "url", w.URL)
	a.done(c, w.Tenant, "/admin/webhooks", "Webhook deleted, with its deliveries not yet sent.")
}

// webhookTest puts a test event into the outbox for this webhook alone.
func (a *admin) webhookTest(c *gin.Context) {
	w, ok := a.webhookOf(c)
	if !ok {
		return
	}
	s := adminOf(c)
	back := "/admin/webhooks/" + strconv.FormatInt(int64(w.ID), 10)
	if !w.Active {
		a.sessions.setFlash(s.ID, "This webhook is off: turn it on and save before sending a test event.", true)
		c.Redirect(http.StatusSeeOther, back)
		return
	}
	h := webhook.TestHappening(a.now(), strconv.FormatInt(time.Now().UnixNano(), 36))
	o, err := webhook.Outbox(ccaas.Tenant{ID: s.Tenant, Domain: s.Domain}, h, []ccaas.WebhookID{w.ID})
	if err == nil {
		err = a.store.AppendRecords(c.Request.Context(), ccaas.Records{Outbox: []ccaas.OutboxEvent{o}})
	}
	if err != nil {
		a.failed(c, errors.Join(errors.New("test event"), err))
		return
	}
	if a.outboxWritten != nil {
		a.outboxWritten()
	}
	a.audit(c, "webhook_test", "webhook", w.ID, "event", o.ID)
	a.sessions.setFlash(s.ID, "Test event "+o.ID+" is on its way; reload this page to see its delivery below.", false)
	c.Redirect(http.StatusSeeOther, back)
}
