package ari

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Client-side sentinels: failures that are ours, not an ARI status.
var (
	// ErrInvalidRequest: a call was refused before any I/O (an id that cannot
	// be a path segment, no media, no channels).
	ErrInvalidRequest = errors.New("ari: invalid request")
	// ErrBadResponse: a 2xx answer whose body is missing or not the JSON we expect.
	ErrBadResponse = errors.New("ari: unparseable response")
)

// Defaults New applies, and limits on what we read from Asterisk.
const (
	DefaultRequestTimeout = 5 * time.Second
	defaultIdleConns      = 64
	maxResponseBytes      = 32 << 20 // GET /channels with ~2k channels is ~1.5 MB
	maxErrorMessage       = 256      // bytes of a non-JSON error body kept in Error.Message
)

// Config configures a Client. Only URL and Application are required.
type Config struct {
	URL            string        // base URL including /ari, e.g. "http://127.0.0.1:8088/ari"
	Username       string        // ari.conf user
	Password       string        // ari.conf password
	Application    string        // Stasis app name, e.g. "ccaas"
	RequestTimeout time.Duration // per REST call when ctx has no earlier deadline; default 5s
	HTTPClient     *http.Client  // default: one keep-alive client (MaxIdleConnsPerHost 64)
	Logger         *slog.Logger  // default slog.Default()
	// Observe, if set, is told of every REST request that was sent: its
	// method, its route (Route: ids replaced by placeholders, so metrics
	// keep few label values), the answer's status (0 when none came:
	// refused, timed out) and how long it took, body read included. It runs
	// on the caller's goroutine and must be quick.
	Observe func(method, route string, status int, d time.Duration)
}

// Client speaks ARI to one Asterisk for one Stasis application. It is safe
// for concurrent use; REST calls share one keep-alive HTTP client, and
// RunEvents owns the single events connection.
type Client struct {
	base     string // scheme://host/path of the ARI root, no trailing slash
	wsBase   string // same root with ws:// or wss://
	app      string
	user     string
	pass     string
	timeout  time.Duration
	http     *http.Client
	log      *slog.Logger
	observe  func(method, route string, status int, d time.Duration)
	wsTuning wsTuning

	connected atomic.Bool // events socket open
	running   atomic.Bool // RunEvents active
}

// New validates cfg and builds a Client. It does no I/O, so a client can be
// built before Asterisk is up.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("ari: config: URL is required")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("ari: config: URL: %w", err)
	}
	var wsScheme string
	switch u.Scheme {
	case "http":
		wsScheme = "ws"
	case "https":
		wsScheme = "wss"
	default:
		return nil, fmt.Errorf("ari: config: URL scheme %q: want http or https", u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("ari: config: URL %q has no host", cfg.URL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("ari: config: URL must not carry credentials, query or fragment")
	}
	if cfg.Application == "" {
		return nil, errors.New("ari: config: Application is required")
	}
	if strings.ContainsAny(cfg.Application, " \t\r\n/?#&=,") {
		return nil, fmt.Errorf("ari: config: Application %q: no spaces or URL delimiters", cfg.Application)
	}
	if cfg.RequestTimeout < 0 {
		return nil, fmt.Errorf("ari: config: RequestTimeout %v is negative", cfg.RequestTimeout)
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = newHTTPClient()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	root := strings.TrimRight(u.EscapedPath(), "/")
	return &Client{
		base:     u.Scheme + "://" + u.Host + root,
		wsBase:   wsScheme + "://" + u.Host + root,
		app:      cfg.Application,
		user:     cfg.Username,
		pass:     cfg.Password,
		timeout:  cfg.RequestTimeout,
		http:     cfg.HTTPClient,
		log:      cfg.Logger,
		observe:  cfg.Observe,
		wsTuning: defaultWSTuning(),
	}, nil
}

// newHTTPClient keeps enough idle connections for bursts of call setup:
// net/http's default of 2 per host would reconnect for most requests.
func newHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = defaultIdleConns
	tr.MaxIdleConnsPerHost = defaultIdleConns
	return &http.Client{Transport: tr}
}

// Application is the Stasis application this client serves; it is where
// originated and snooped channels land unless a call says otherwise.
func (c *Client) Application() string { return c.app }

// resourcePath formats an ARI path, escaping each id as one path segment.
// Ids come from callers and events, so an id that would change the path's
// shape ("", ".", "..") is refused rather than sent.
func resourcePath(pattern string, ids ...string) (string, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		if id == "" || id == "." || id == ".." {
			return "", fmt.Errorf("%w: id %q is not a valid path segment", ErrInvalidRequest, id)
		}
		args[i] = url.PathEscape(id)
	}
	return fmt.Sprintf(pattern, args...), nil
}

// call is one REST request: path is relative to the ARI root and already
// escaped; body, when not nil, is sent as JSON; out, when not nil, receives
// the decoded 2xx body.
type call struct {
	method string
	path   string
	query  url.Values
	body   any
	out    any
}

// do runs one REST call under the client's per-request timeout and turns a
// non-2xx answer into *Error.
func (c *Client) do(ctx context.Context, r call) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	target := c.base + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("ari %s %s: encode body: %w", r.method, r.path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return fmt.Errorf("ari %s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.user != "" || c.pass != "" {
		req.SetBasicAuth(c.user, c.pass)
	}

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.observed(r, 0, start)
		return fmt.Errorf("ari %s %s: %w", r.method, r.path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	c.observed(r, resp.StatusCode, start)
	if err != nil {
		return fmt.Errorf("ari %s %s: read %d response: %w", r.method, r.path, resp.StatusCode, err)
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "ari request",
		slog.String("method", r.method), slog.String("path", r.path),
		slog.Int("status", resp.StatusCode), slog.Duration("elapsed", time.Since(start)))
	if len(data) > maxResponseBytes {
		return fmt.Errorf("%w: ari %s %s: %d response larger than %d bytes", ErrBadResponse, r.method, r.path, resp.StatusCode, maxResponseBytes)
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &Error{Method: r.method, Path: r.path, Status: resp.StatusCode, Message: errorMessage(data)}
	}
	if r.out == nil {
		return nil
	}
	if resp.StatusCode == http.StatusNoContent || len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("%w: ari %s %s: %d without the expected body", ErrBadResponse, r.method, r.path, resp.StatusCode)
	}
	if err := json.Unmarshal(data, r.out); err != nil {
		return fmt.Errorf("%w: ari %s %s: %d body does not parse: %v", ErrBadResponse, r.method, r.path, resp.StatusCode, err)
	}
	return nil
}

// observed reports a sent request to the Observe hook, if any.
func (c *Client) observed(r call, status int, start time.Time) {
	if c.observe != nil {
		c.observe(r.method, Route(r.path), status, time.Since(start))
	}
}

// unwrapURLError drops net/http's *url.Error wrapper, whose text repeats the
// full URL (query values included); the cause (context error, refused dial)
// stays reachable with errors.Is.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// errorMessage extracts ARI's reason from an error body: "message" for most
// errors, "error" for originate's "Allocation failed", else the raw text (an
// HTML page while Asterisk boots), trimmed and capped.
func errorMessage(data []byte) string {
	var eb ErrorBody
	if json.Unmarshal(data, &eb) == nil {
		if eb.Message != "" {
			return eb.Message
		}
		if eb.Error != "" {
			return eb.Error
		}
	}
	return truncate(strings.Join(strings.Fields(string(data)), " "))
}

// truncate caps text quoted from Asterisk in errors and logs, cutting on a
// rune boundary.
func truncate(s string) string {
	if len(s) <= maxErrorMessage {
		return s
	}
	n := maxErrorMessage
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// get, post, put and del are do with the method filled in.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, call{method: http.MethodGet, path: path, query: query, out: out})
}

// getOne GETs the resource at pattern (ids escaped into it) and decodes it.
func getOne[T any](ctx context.Context, c *Client, pattern string, ids ...string) (*T, error) {
	p, err := resourcePath(pattern, ids...)
	if err != nil {
		return nil, err
	}
	var v T
	if err := c.get(ctx, p, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// postOne POSTs and decodes the resource the answer carries.
func postOne[T any](ctx context.Context, c *Client, path string, query url.Values, body any) (*T, error) {
	var v T
	if err := c.post(ctx, path, query, body, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// startOn starts a playback or a recording on the channel or bridge at
// pattern: the id and the request are checked before anything is sent.
func startOn[T any](ctx context.Context, c *Client, pattern, id string, req interface{ values() (url.Values, error) }) (*T, error) {
	p, err := resourcePath(pattern, id)
	if err != nil {
		return nil, err
	}
	q, err := req.values()
	if err != nil {
		return nil, err
	}
	return postOne[T](ctx, c, p, q, nil)
}

// getList GETs a collection.
func getList[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	var vs []T
	if err := c.get(ctx, path, nil, &vs); err != nil {
		return nil, err
	}
	return vs, nil
}

func (c *Client) post(ctx context.Context, path string, query url.Values, body, out any) error {
	return c.do(ctx, call{method: http.MethodPost, path: path, query: query, body: body, out: out})
}

func (c *Client) put(ctx context.Context, path string, body, out any) error {
	return c.do(ctx, call{method: http.MethodPut, path: path, body: body, out: out})
}

func (c *Client) del(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, call{method: http.MethodDelete, path: path, query: query, out: out})
}

// op is a body-less call on the resource at pattern (ids escaped into it)
// whose answer has no body either (204).
func (c *Client) op(ctx context.Context, method, pattern string, q url.Values, ids ...string) error {
	p, err := resourcePath(pattern, ids...)
	if err != nil {
		return err
	}
	return c.do(ctx, call{method: method, path: p, query: q})
}

// query builds url.Values from key/value pairs, leaving out empty values so
// Asterisk applies its own defaults.
func query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// joinIDs joins ids for ARI's comma-separated list parameters (channel,
// media). Asterisk splits on commas, so an id containing one cannot be sent.
func joinIDs(what string, ids []string) (string, error) {
	if len(ids) == 0 {
		return "", fmt.Errorf("%w: no %s given", ErrInvalidRequest, what)
	}
	for _, id := range ids {
		if id == "" || strings.Contains(id, ",") {
			return "", fmt.Errorf("%w: %s %q cannot be sent in a comma-separated list", ErrInvalidRequest, what, id)
		}
	}
	return strings.Join(ids, ","), nil
}
