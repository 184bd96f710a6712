package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/ccaas/ccaas/webhook"
)

// A receiver checks each delivery before it trusts it: the signature over
// the timestamp and the raw body with the webhook's secret, and a timestamp
// close to now (a replayed delivery is old). This receiver does it with the
// standard library only, as docs/webhooks.md shows; webhook.Verify does the
// same in one call.
func Example_receiver() {
	secret := []byte("whsec_0123456789abcdef0123456789abcdef")
	seen := map[string]bool{} // event ids already handled: a retry or a duplicate is dropped
	receiver := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable", http.StatusBadRequest)
			return
		}
		var ts string
		var sigs []string
		for _, part := range strings.Split(r.Header.Get("Ccaas-Signature"), ",") {
			k, v, _ := strings.Cut(part, "=")
			switch k {
			case "t":
				ts = v
			case "v1":
				sigs = append(sigs, v)
			}
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
			http.Error(w, "stale or missing timestamp", http.StatusBadRequest)
			return
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(ts + "."))
		mac.Write(body)
		want := mac.Sum(nil)
		ok := false
		for _, s := range sigs {
			got, err := hex.DecodeString(s)
			ok = ok || err == nil && hmac.Equal(got, want)
		}
		if !ok {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		id := r.Header.Get("Ccaas-Event-Id")
		if !seen[id] {
			seen[id] = true
			fmt.Println("handled", r.Header.Get("Ccaas-Event-Type"), "attempt", r.Header.Get("Ccaas-Attempt"))
		}
		w.WriteHeader(http.StatusNoContent)
	})

	// what the sender posts
	body := []byte(`{"id":"evt_1","type":"test","created":"2026-12-07T10:00:00Z","tenant":"acme.example","data":{"message":"hello"}}`)
	post := func(sig string) int {
		req := httptest.NewRequest(http.MethodPost, "/hooks", strings.NewReader(string(body)))
		req.Header.Set("Ccaas-Signature", sig)
		req.Header.Set("Ccaas-Event-Id", "evt_1")
		req.Header.Set("Ccaas-Event-Type", "test")
		req.Header.Set("Ccaas-Attempt", "1")
		rec := httptest.NewRecorder()
		receiver.ServeHTTP(rec, req)
		return rec.Code
	}
	fmt.Println(post(webhook.Sign(secret, time.Now(), body)))
	fmt.Println(post(webhook.Sign(secret, time.Now(), body))) // the same event again: dropped
	fmt.Println(post(webhook.Sign([]byte("another-secret-0123"), time.Now(), body)))
	fmt.Println(post(webhook.Sign(secret, time.Now().Add(-time.Hour), body)))
	// Output:
	// handled test attempt 1
	// 204
	// 204
	// 401
	// 400
}
