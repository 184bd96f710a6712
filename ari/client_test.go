package ari

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // substring; "" means valid
		base    string
		wsBase  string
	}{
		{name: "minimal", cfg: Config{URL: "http://127.0.0.1:8088/ari", Application: "ccaas"},
			base: "http://127.0.0.1:8088/ari", wsBase: "ws://127.0.0.1:8088/ari"},
		{name: "trailing slash", cfg: Config{URL: "http://127.0.0.1:8088/ari/", Application: "ccaas"},
			base: "http://127.0.0.1:8088/ari", wsBase: "ws://127.0.0.1:8088/ari"},
		{name: "https", cfg: Config{URL: "https://pbx.example:8089/ari", Application: "ccaas"},
			base: "https://pbx.example:8089/ari", wsBase: "wss://pbx.example:8089/ari"},
		{name: "no URL", cfg: Config{Application: "ccaas"}, wantErr: "URL is required"},
		{name: "bad scheme", cfg: Config{URL: "ftp://h/ari", Application: "ccaas"}, wantErr: "scheme"},
		{name: "ws scheme", cfg: Config{URL: "ws://h/ari", Application: "ccaas"}, wantErr: "scheme"},
		{name: "no host", cfg: Config{URL: "http:///ari", Application: "ccaas"}, wantErr: "no host"},
		{name: "unparseable", cfg: Config{URL: "http://h:port/ari", Application: "ccaas"}, wantErr: "URL"},
		{name: "credentials in URL", cfg: Config{URL: "http://u:p@h/ari", Application: "ccaas"}, wantErr: "credentials"},
		{name: "query in URL", cfg: Config{URL: "http://h/ari?x=1", Application: "ccaas"}, wantErr: "query"},
		{name: "no application", cfg: Config{URL: "http://h/ari"}, wantErr: "Application is required"},
		{name: "application with delimiter", cfg: Config{URL: "http://h/ari", Application: "a&b=c"}, wantErr: "Application"},
		{name: "negative timeout", cfg: Config{URL: "http://h/ari", Application: "ccaas", RequestTimeout: -time.Second}, wantErr: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.base != tt.base || c.wsBase != tt.wsBase {
				t.Errorf("base = %q, %q, want %q, %q", c.base, c.wsBase, tt.base, tt.wsBase)
			}
			if c.Application() != tt.cfg.Application {
				t.Errorf("Application() = %q", c.Application())
			}
			if c.timeout != DefaultRequestTimeout || c.log == nil {
				t.Errorf("defaults not applied: timeout %v, logger %v", c.timeout, c.log)
			}
			tr, ok := c.http.Transport.(*http.Transport)
			if !ok || tr.MaxIdleConnsPerHost != 64 {
				t.Errorf("default transport = %#v, want MaxIdleConnsPerHost 64", c.http.Transport)
			}
			if c.Connected() {
				t.Error("Connected() before RunEvents")
			}
		})
	}
}

// TestRESTUntraced covers calls the traces never made, against the paths
// and parameters of the Swagger spec.
func TestRESTUntraced(t *testing.T) {
	tests := []struct {
		name      string
		call      func(context.Context, *Client) (any, error)
		status    int
		body      string
		wantReq   string // "METHOD /path?sorted-query"
		wantBody  string // JSON, "" for none
		check     func(t *testing.T, got any)
		wantErrIs error
	}{
		{
			name: "info", status: 200, body: `{"system":{"version":"22.11.0-rc1","entity_id":"02:fc:00:00:00:01"},` +
				`"status":{"startup_time":"2026-12-07T14:31:28.024+0000","last_reload_time":"2026-12-07T14:31:28.024+0000"}}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.Info(ctx) },
			wantReq: "GET /asterisk/info",
			check: func(t *testing.T, got any) {
				if info := got.(*AsteriskInfo); info.System == nil || info.System.Version != "22.11.0-rc1" {
					t.Errorf("info = %+v", info)
				}
				if info := got.(*AsteriskInfo); info.Status == nil || !info.Status.StartupTime.Equal(time.Date(2026, 12, 7, 14, 31, 28, 24e6, time.UTC)) {
					t.Errorf("status = %+v", info.Status)
				}
			},
		},
		{
			name: "modules", status: 200, body: `[{"name":"res_pjsip.so","description":"Basic SIP resource","use_count":42,"status":"Running","support_level":"core"}]`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.Modules(ctx) },
			wantReq: "GET /asterisk/modules",
			check: func(t *testing.T, got any) {
				if ms := got.([]Module); len(ms) != 1 || ms[0].Name != "res_pjsip.so" || ms[0].UseCount != 42 {
					t.Errorf("modules = %+v", ms)
				}
			},
		},
		{
			name: "list endpoints", status: 200, body: `[{"technology":"PJSIP","resource":"1001","state":"online","channel_ids":[]}]`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.ListEndpoints(ctx) },
			wantReq: "GET /endpoints",
			check: func(t *testing.T, got any) {
				if es := got.([]Endpoint); len(es) != 1 || es[0].Name() != "PJSIP/1001" {
					t.Errorf("endpoints = %+v", es)
				}
			},
		},
		{
			name: "get playback", status: 200, body: `{"id":"pb-3","media_uri":"sound:beep","target_uri":"bridge:call-3","language":"en","state":"playing"}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetPlayback(ctx, "pb-3") },
			wantReq: "GET /playbacks/pb-3",
		},
		{
			name: "stop playback", status: 204,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.StopPlayback(ctx, "pb-3") },
			wantReq: "DELETE /playbacks/pb-3",
		},
		{
			name: "stop ring", status: 204,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.StopRing(ctx, "c1") },
			wantReq: "DELETE /channels/c1/ring",
		},
		{
			name: "ring", status: 204,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.Ring(ctx, "c1") },
			wantReq: "POST /channels/c1/ring",
		},
		{
			name: "mute in", status: 204,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.Mute(ctx, "c1", "in") },
			wantReq: "POST /channels/c1/mute?direction=in",
		},
		{
			name: "unmute both", status: 204,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.Unmute(ctx, "c1", "both") },
			wantReq: "DELETE /channels/c1/mute?direction=both",
		},
		{
			name: "unmute default direction", status: 204,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.Unmute(ctx, "c1", "") },
			wantReq: "DELETE /channels/c1/mute",
		},
		{
			name: "send dtmf", status: 204,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.SendDTMF(ctx, "c1", "12#") },
			wantReq: "POST /channels/c1/dtmf?dtmf=12%23",
		},
		{
			name: "hangup with reason", status: 204,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.Hangup(ctx, "c1", "busy") },
			wantReq: "DELETE /channels/c1?reason=busy",
		},
		{
			name: "play several media with language", status: 201, body: `{"id":"p","media_uri":"sound:a","target_uri":"channel:c1","state":"queued"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Play(ctx, "c1", PlayRequest{Media: []string{"sound:a", "sound:b"}, Lang: "de"})
			},
			wantReq: "POST /channels/c1/play?lang=de&media=sound%3Aa%2Csound%3Ab",
		},
		{
			name: "originate to the dialplan leaves app out", status: 200, body: `{"id":"x"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Originate(ctx, OriginateRequest{Endpoint: "PJSIP/1001", Extension: "100", Context: "agents", Priority: 1,
					Label: "start", OtherChannelID: "x-2", Originator: "cust-1", Formats: "ulaw", Timeout: -1})
			},
			wantReq:  "POST /channels",
			wantBody: `{"endpoint":"PJSIP/1001","extension":"100","context":"agents","priority":1,"label":"start","timeout":-1,"otherChannelId":"x-2","originator":"cust-1","formats":"ulaw"}`,
		},
		{
			name: "originate defaults to our app", status: 200, body: `{"id":"line-0001"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Originate(ctx, OriginateRequest{Endpoint: "PJSIP/1001", ChannelID: "line-0001"})
			},
			wantReq:  "POST /channels",
			wantBody: `{"endpoint":"PJSIP/1001","app":"ccaas","channelId":"line-0001"}`,
		},
		{
			name: "put config with no fields sends an array", status: 200, body: `[]`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PutConfig(ctx, "res_pjsip", "aor", "a1", nil)
			},
			wantReq:  "PUT /asterisk/config/dynamic/res_pjsip/aor/a1",
			wantBody: `{"fields":[]}`,
		},
		{
			name: "hostile ids are escaped", status: 200, body: `{"id":"a/b?c#d"}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetChannel(ctx, "a/b?c#d %") },
			wantReq: "GET /channels/a%2Fb%3Fc%23d%20%25",
		},
		{
			name: "endpoint resource is one segment", status: 200, body: `{"technology":"PJSIP","resource":"x/y"}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetEndpoint(ctx, "PJSIP", "x/../y") },
			wantReq: "GET /endpoints/PJSIP/x%2F..%2Fy",
		},
		{
			name: "config segments are escaped", status: 204,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteConfig(ctx, "res_pjsip", "endpoint", "agent 1/x")
			},
			wantReq: "DELETE /asterisk/config/dynamic/res_pjsip/endpoint/agent%201%2Fx",
		},
		{
			name: "204 call ignores a body", status: 200, body: `{"unexpected":true}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.Answer(ctx, "c1") },
			wantReq: "POST /channels/c1/answer",
		},
		{
			name: "2xx body that does not parse", status: 200, body: `<html>oops</html>`,
			call:      func(ctx context.Context, c *Client) (any, error) { return c.GetChannel(ctx, "c1") },
			wantReq:   "GET /channels/c1",
			wantErrIs: ErrBadResponse,
		},
		{
			name: "2xx of the wrong shape", status: 200, body: `{"id":"c1"}`,
			call:      func(ctx context.Context, c *Client) (any, error) { return c.ListChannels(ctx) },
			wantReq:   "GET /channels",
			wantErrIs: ErrBadResponse,
		},
		{
			name: "204 where a body is expected", status: 204,
			call:      func(ctx context.Context, c *Client) (any, error) { return c.GetBridge(ctx, "b1") },
			wantReq:   "GET /bridges/b1",
			wantErrIs: ErrBadResponse,
		},
		{
			name: "unknown status", status: 418, body: `{"message":"teapot"}`,
			call:      func(ctx context.Context, c *Client) (any, error) { return nil, c.Answer(ctx, "c1") },
			wantReq:   "POST /channels/c1/answer",
			wantErrIs: ErrUnexpectedStatus,
		},
		{
			name: "unauthorized", status: 401, body: `{"message":"Authentication required"}`,
			call:      func(ctx context.Context, c *Client) (any, error) { return c.ListChannels(ctx) },
			wantReq:   "GET /channels",
			wantErrIs: ErrUnauthorized,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, got := restServer(t, tt.status, "application/json", []byte(tt.body))
			res, err := tt.call(t.Context(), c)
			r := nextRequest(t, got)
			line := r.Method + " " + r.Path
			if q := encodeSorted(r.Query); q != "" {
				line += "?" + q
			}
			if line != tt.wantReq {
				t.Errorf("request = %q, want %q", line, tt.wantReq)
			}
			switch {
			case tt.wantBody == "" && len(r.Body) != 0:
				t.Errorf("body = %s, want none", r.Body)
			case tt.wantBody != "" && !jsonEqual(t, r.Body, []byte(tt.wantBody)):
				t.Errorf("body = %s, want %s", r.Body, tt.wantBody)
			}
			if tt.wantErrIs != nil {
				if !errors.Is(err, tt.wantErrIs) {
					t.Fatalf("err = %v, want %v", err, tt.wantErrIs)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

// encodeSorted encodes a query with its keys sorted, for comparison.
func encodeSorted(q map[string][]string) string { return url.Values(q).Encode() }

// TestRESTRefusedBeforeIO checks the calls that cannot form a sane request
// fail with ErrInvalidRequest and never reach the server.
func TestRESTRefusedBeforeIO(t *testing.T) {
	tests := []struct {
		name string
		call func(context.Context, *Client) error
	}{
		{name: "empty channel id", call: func(ctx context.Context, c *Client) error { return c.Answer(ctx, "") }},
		{name: "dot channel id", call: func(ctx context.Context, c *Client) error { return c.Hangup(ctx, ".", "") }},
		{name: "dotdot channel id", call: func(ctx context.Context, c *Client) error { _, err := c.GetChannel(ctx, ".."); return err }},
		{name: "empty bridge id", call: func(ctx context.Context, c *Client) error { return c.DestroyBridge(ctx, "") }},
		{name: "no channels to add", call: func(ctx context.Context, c *Client) error { return c.AddChannel(ctx, "b1") }},
		{name: "empty channel to add", call: func(ctx context.Context, c *Client) error { return c.AddChannel(ctx, "b1", "c1", "") }},
		{name: "comma in channel id", call: func(ctx context.Context, c *Client) error { return c.RemoveChannel(ctx, "b1", "c1,c2") }},
		{name: "no media", call: func(ctx context.Context, c *Client) error { _, err := c.Play(ctx, "c1", PlayRequest{}); return err }},
		{name: "no bridge media", call: func(ctx context.Context, c *Client) error {
			_, err := c.BridgePlay(ctx, "b1", PlayRequest{Media: []string{""}})
			return err
		}},
		{name: "empty config id", call: func(ctx context.Context, c *Client) error {
			_, err := c.GetConfig(ctx, "res_pjsip", "endpoint", "")
			return err
		}},
		{name: "empty endpoint resource", call: func(ctx context.Context, c *Client) error { _, err := c.GetEndpoint(ctx, "PJSIP", ""); return err }},
		{name: "empty snoop target", call: func(ctx context.Context, c *Client) error { _, err := c.Snoop(ctx, "", SnoopRequest{}); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, got := restServer(t, 204, "", nil)
			if err := tt.call(t.Context(), c); !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("err = %v, want ErrInvalidRequest", err)
			}
			select {
			case r := <-got:
				t.Fatalf("request sent: %s %s", r.Method, r.Path)
			default:
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct {
		name string
		body string
		want string
	}{
		{name: "message", body: `{"message":"Channel not found"}`, want: "Channel not found"},
		{name: "error key", body: `{"error":"Allocation failed"}`, want: "Allocation failed"},
		{name: "message wins", body: `{"message":"a","error":"b"}`, want: "a"},
		{name: "html page", body: "<html>\r\n<title>400 Bad Request</title>\r\n</html>\r\n", want: "<html> <title>400 Bad Request</title> </html>"},
		{name: "empty", body: "", want: ""},
		{name: "json without reason", body: `{"foo":1}`, want: `{"foo":1}`},
		{name: "long text capped on a rune boundary", body: long, want: long[:maxErrorMessage] + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := errorMessage([]byte(tt.body))
			if got != tt.want {
				t.Errorf("errorMessage = %q, want %q", got, tt.want)
			}
			if !utf8.ValidString(got) || len(got) > maxErrorMessage+len("…") {
				t.Errorf("errorMessage = %q: not valid UTF-8 or too long", got)
			}
		})
	}
}

// TestRESTTimeouts checks that every call ends by its context or by
// RequestTimeout, whichever comes first, and says which.
func TestRESTTimeouts(t *testing.T) {
	tests := []struct {
		name           string
		requestTimeout time.Duration
		ctx            func(t *testing.T) context.Context
		want           error
	}{
		{
			name: "request timeout", requestTimeout: 50 * time.Millisecond,
			ctx:  func(t *testing.T) context.Context { return t.Context() },
			want: context.DeadlineExceeded,
		},
		{
			name: "earlier ctx deadline wins", requestTimeout: time.Hour,
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
				t.Cleanup(cancel)
				return ctx
			},
			want: context.DeadlineExceeded,
		},
		{
			name: "cancelled ctx", requestTimeout: time.Hour,
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				return ctx
			},
			want: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select { // answer only when the client gave up
				case <-r.Context().Done():
				case <-release:
				}
			}))
			t.Cleanup(srv.Close)
			t.Cleanup(func() { close(release) })
			c, err := New(Config{URL: srv.URL + "/ari", Application: "ccaas", RequestTimeout: tt.requestTimeout, Logger: testLogger(t, nil)})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = c.Ping(tt.ctx(t))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("call took %v", d)
			}
			if strings.Contains(err.Error(), srv.URL) {
				t.Errorf("error %q repeats the URL", err)
			}
		})
	}
}

func TestOriginateBodyFieldNames(t *testing.T) {
	// Every OriginateRequest field must reach the body under the name
	// Asterisk's originate body parser reads.
	want := []string{"endpoint", "extension", "context", "priority", "label", "app", "appArgs", "callerId",
		"timeout", "channelId", "otherChannelId", "originator", "formats", "variables"}
	var got []string
	rt := reflect.TypeFor[originateBody]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		got = append(got, name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("originate body fields = %v, want %v", got, want)
	}
	if n := reflect.TypeFor[OriginateRequest]().NumField(); n != len(want) {
		t.Errorf("OriginateRequest has %d fields, body has %d", n, len(want))
	}
}
