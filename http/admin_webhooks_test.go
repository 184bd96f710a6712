package http

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/ccaas/ccaas"
)

func webhookForm(u string) url.Values {
	return url.Values{"url": {u}, "secret": {"whsec-0123456789abcdef"}, "event": {"call.queued", "call.ended"}, "active": {"on"}}
}

// TestAdminWebhooks: an admin adds a webhook (the form offers a fresh
// secret), sees it listed, sends a test event and sees its delivery, changes
// it without retyping the secret, and deletes it; each change reaches the
// running tenant.
func TestAdminWebhooks(t *testing.T) {
	f := newAdminFixture(t)
	a := f.adminOfA()
	ctx := context.Background()

	form := a.get("/admin/webhooks/new")
	if form.status != 200 || !strings.Contains(form.body, `id="secret" name="secret" value="whsec_`) || !strings.Contains(form.body, `value="call.ended" checked`) {
		t.Fatalf("new webhook form: %d %s", form.status, form.body)
	}
	r := a.post("/admin/webhooks", webhookForm("https://hooks.example.com/ccaas?x=1"))
	if r.status != 303 || !strings.HasPrefix(r.location, "/admin/webhooks/") {
		t.Fatalf("create = %d %q %s", r.status, r.location, r.body)
	}
	hooks, _ := f.db.Webhooks(ctx, f.tA.ID)
	if len(hooks) != 1 || hooks[0].URL != "https://hooks.example.com/ccaas?x=1" || hooks[0].Secret != "whsec-0123456789abcdef" ||
		strings.Join(hooks[0].Events, " ") != "call.queued call.ended" || !hooks[0].Active {
		t.Fatalf("stored %+v", hooks)
	}
	h := hooks[0]
	if got := f.reload.take(); len(got) != 1 || got[0] != f.tA.ID {
		t.Fatalf("reloads %v", got)
	}
	page := a.get(r.location)
	if page.status != 200 || !strings.Contains(page.body, "Webhook added") || strings.Contains(page.body, "whsec-0123456789abcdef") || !strings.Contains(page.body, "None yet") {
		t.Fatalf("webhook page after create (the secret is never shown again): %s", page.body)
	}
	if list := a.get("/admin/webhooks"); !strings.Contains(list.body, "https://hooks.example.com/ccaas?x=1") || !strings.Contains(list.body, "Call ended, with its record") {
		t.Fatalf("list: %s", list.body)
	}

	// a test event goes into the outbox for this webhook, and shows
	test := a.post("/admin/webhooks/"+id(h.ID)+"/test", nil)
	if test.status != 303 || test.location != "/admin/webhooks/"+id(h.ID) {
		t.Fatalf("test = %d %q", test.status, test.location)
	}
	ds, _ := f.db.RecentDeliveries(ctx, f.tA.ID, h.ID, 10)
	if len(ds) != 1 || ds[0].Type != "test" || ds[0].State != ccaas.DeliveryPending || !strings.Contains(string(ds[0].Body), `"tenant":"acme.example"`) {
		t.Fatalf("deliveries after a test: %+v", ds)
	}
	page = a.get("/admin/webhooks/" + id(h.ID))
	if !strings.Contains(page.body, "is on its way") || !strings.Contains(page.body, ds[0].EventID) || !strings.Contains(page.body, "<td>pending</td>") {
		t.Fatalf("page after a test: %s", page.body)
	}

	// saved with an empty secret: the secret stays; turned off
	upd := webhookForm("https://hooks.example.com/v2")
	upd.Set("secret", "")
	upd.Del("active")
	if r := a.post("/admin/webhooks/"+id(h.ID), upd); r.status != 303 {
		t.Fatalf("update = %d %s", r.status, r.body)
	}
	got, _ := f.db.Webhook(ctx, f.tA.ID, h.ID)
	if got.URL != "https://hooks.example.com/v2" || got.Secret != "whsec-0123456789abcdef" || got.Active {
		t.Fatalf("after update %+v", got)
	}
	// off: no test event
	a.post("/admin/webhooks/"+id(h.ID)+"/test", nil)
	if ds, _ := f.db.RecentDeliveries(ctx, f.tA.ID, h.ID, 10); len(ds) != 1 {
		t.Fatalf("a test event to a webhook that is off: %+v", ds)
	}
	if page := a.get("/admin/webhooks/" + id(h.ID)); !strings.Contains(page.body, "This webhook is off") {
		t.Fatalf("no word of the refused test: %s", page.body)
	}
	if r := a.post("/admin/webhooks/"+id(h.ID)+"/delete", nil); r.status != 303 || r.location != "/admin/webhooks" {
		t.Fatalf("delete = %d %q", r.status, r.location)
	}
	if hooks, _ := f.db.Webhooks(ctx, f.tA.ID); len(hooks) != 0 {
		t.Fatalf("after delete %+v", hooks)
	}
}

// TestAdminWebhooksHostile: another tenant's webhook is not found for every
// action and stays as it was; addresses into the machine's networks,
// other schemes, user info, bad secrets and unknown events are refused
// with the field's error; HTML in an address is shown as text.
func TestAdminWebhooksHostile(t *testing.T) {
	f := newAdminFixture(t)
	a := f.adminOfA()
	ctx := context.Background()
	hB, err := f.db.CreateWebhook(ctx, ccaas.Webhook{Tenant: f.tB.ID, URL: "https://b.example/h", Secret: "secret-of-b-0123456", Events: []string{"call.ended"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ method, path string }{
		{"GET", "/admin/webhooks/" + id(hB.ID)},
		{"POST", "/admin/webhooks/" + id(hB.ID)},
		{"POST", "/admin/webhooks/" + id(hB.ID) + "/test"},
		{"POST", "/admin/webhooks/" + id(hB.ID) + "/delete"},
		{"GET", "/admin/webhooks/0" + id(hB.ID)},
		{"GET", "/admin/webhooks/99999999999999999999"},
	} {
		var r reply
		if tc.method == "GET" {
			r = a.get(tc.path)
		} else {
			r = a.post(tc.path, webhookForm("https://evil.example/"))
		}
		if r.status != 404 || strings.Contains(r.body, "b.example") {
			t.Errorf("%s %s = %d", tc.method, tc.path, r.status)
		}
	}
	if got, _ := f.db.Webhook(ctx, f.tB.ID, hB.ID); got.URL != "https://b.example/h" || !got.Active {
		t.Fatalf("B's webhook changed: %+v", got)
	}
	if ds, _ := f.db.RecentDeliveries(ctx, f.tB.ID, hB.ID, 10); len(ds) != 0 {
		t.Fatalf("a test event reached B's webhook: %+v", ds)
	}
	for _, tc := range []struct {
		name  string
		field string
		set   map[string][]string
		want  string
	}{
		{"http to another host", "url", map[string][]string{"url": {"http://hooks.example.com/"}}, "Https only"},
		{"a private address", "url", map[string][]string{"url": {"https://10.1.2.3/h"}}, "10.1.2.3 is a private address"},
		{"this machine", "url", map[string][]string{"url": {"https://127.0.0.1:8080/admin"}}, "127.0.0.1 is a loopback address"},
		{"localhost", "url", map[string][]string{"url": {"http://localhost:8080/"}}, "127.0.0.1 is a loopback address"},
		{"the cloud's metadata", "url", map[string][]string{"url": {"http://169.254.169.254/latest/"}}, "Https only"},
		{"the cloud's metadata over https", "url", map[string][]string{"url": {"https://169.254.169.254/latest/"}}, "169.254.169.254 is a link-local address"},
		{"a mapped address", "url", map[string][]string{"url": {"https://[::ffff:192.168.1.1]/"}}, "192.168.1.1 is a private address"},
		{"user info", "url", map[string][]string{"url": {"https://u:p@hooks.example.com/"}}, "No user name or password"},
		{"javascript", "url", map[string][]string{"url": {"javascript:alert(1)"}}, "An https:// address with a host"},
		{"no address", "url", map[string][]string{"url": {""}}, "An https:// address"},
		{"a short secret", "secret", map[string][]string{"secret": {"short"}}, "16 to 200 characters"},
		{"a secret with a space", "secret", map[string][]string{"secret": {"a secret with spaces in it"}}, "Printable ASCII"},
		{"no events", "events", map[string][]string{"event": nil}, "Choose at least one event"},
		{"an unknown event", "events", map[string][]string{"event": {"call.ended", "<script>"}}, "One of the events is unknown"},
		{"an event twice", "events", map[string][]string{"event": {"call.ended", "call.ended"}}, "An event was sent twice"},
		{"active twice", "active", map[string][]string{"active": {"on", "on"}}, "Sent more than once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := webhookForm("https://hooks.example.com/")
			for k, vals := range tc.set {
				v[k] = vals
			}
			r := a.post("/admin/webhooks", v)
			if r.status != 422 || !strings.Contains(r.body, `id="`+tc.field+`-error">`+escaped(tc.want)) {
				t.Fatalf("status %d, want 422 with %q on %s: %s", r.status, tc.want, tc.field, r.body)
			}
			assertErrorsLinked(t, r.body)
			if strings.Contains(r.body, "<script>") {
				t.Fatal("HTML unescaped")
			}
		})
	}
	if hooks, _ := f.db.Webhooks(ctx, f.tA.ID); len(hooks) != 0 {
		t.Fatalf("a refused form was saved: %+v", hooks)
	}
	// HTML in an address is text on the pages
	if r := a.post("/admin/webhooks", webhookForm(`https://hooks.example.com/"><script>alert(1)</script>`)); r.status != 303 {
		t.Fatalf("an address with HTML characters = %d %s", r.status, r.body)
	}
	list := a.get("/admin/webhooks")
	if strings.Contains(list.body, "<script>alert") || !strings.Contains(list.body, "&lt;script&gt;") {
		t.Fatalf("list with HTML: %s", list.body)
	}
}
