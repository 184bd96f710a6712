package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/internal/memnet"
)

func TestPreflight(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	// simulated is a client of a fresh simulator that logs in with password.
	simulated := func(t *testing.T, password string) *ari.Client {
		sim := asterisksim.New(asterisksim.Config{Logger: quiet})
		srv := httptest.NewServer(sim)
		t.Cleanup(func() { _ = sim.Close() })
		t.Cleanup(srv.Close)
		client, _ := ari.New(ari.Config{URL: srv.URL + "/ari", Username: "ccaas", Password: password, Application: "ccaas"})
		return client
	}
	t.Run("simulator has everything", func(t *testing.T) {
		if err := preflight(context.Background(), simulated(t, "ccaas"), quiet, time.Second); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		err := preflight(context.Background(), simulated(t, "nope"), quiet, time.Second)
		if !errors.Is(err, ErrAsteriskNotReady) || !strings.Contains(err.Error(), "credentials") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing module and no push configuration", func(t *testing.T) {
		// an Asterisk without res_srtp and with the default sorcery mapping (403 on push)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch {
			case r.URL.Path == "/ari/asterisk/ping":
				w.Write([]byte(`{"ping":"pong","asterisk_id":"x","timestamp":""}`))
			case r.URL.Path == "/ari/asterisk/modules":
				var mods []string
				for _, m := range app.RequiredModules {
					if m != "res_srtp.so" {
						mods = append(mods, `{"name":"`+m+`","description":"","use_count":0,"status":"Running","support_level":"core"}`)
					}
				}
				w.Write([]byte("[" + strings.Join(mods, ",") + "]"))
			case strings.HasPrefix(r.URL.Path, "/ari/asterisk/config/dynamic/"):
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`{"message":"Cannot create sorcery objects of type 'auth'"}`))
			default:
				w.WriteHeader(http.StatusNotFound)
			}
		}))
		defer srv.Close()
		client, _ := ari.New(ari.Config{URL: srv.URL + "/ari", Username: "ccaas", Password: "ccaas", Application: "ccaas"})
		err := preflight(context.Background(), client, quiet, time.Second)
		if !errors.Is(err, ErrAsteriskNotReady) || !strings.Contains(err.Error(), "res_srtp.so") || !strings.Contains(err.Error(), "sorcery.conf") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("not answering yet only warns", func(t *testing.T) {
		// in a bubble, the production wait and retries run on the fake clock
		synctest.Test(t, func(t *testing.T) {
			down := memnet.Listen("asterisk.invalid:8088")
			down.Close() // every dial is refused
			tr := &http.Transport{DialContext: down.DialContext}
			defer tr.CloseIdleConnections()
			client, _ := ari.New(ari.Config{URL: "http://asterisk.invalid:8088/ari", HTTPClient: &http.Client{Transport: tr},
				Username: "ccaas", Password: "ccaas", Application: "ccaas"})
			const wait = 10 * time.Second // as runServe waits
			start := time.Now()
			if err := preflight(context.Background(), client, quiet, wait); err != nil {
				t.Fatalf("err = %v", err)
			}
			if waited := time.Since(start); waited < wait || waited > wait+time.Second {
				t.Fatalf("gave up after %v, want the whole %v and at most one more retry", waited, wait)
			}
		})
	})
}
