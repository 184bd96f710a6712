package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ccaas/ccaas/app"
	cchttp "github.com/ccaas/ccaas/http"
	"github.com/ccaas/ccaas/webhook"
)

// config is every setting of the binary: defaults, then the environment,
// then flags, then validate. options says where each comes from; the README
// lists them all.
type config struct {
	Addr         string
	DB           string // "" until resolveDB: ccaas.db, or the demo's own folder
	ARIURL       string
	ARIUser      string
	ARIPassword  string
	ARIApp       string
	LogLevel     string
	LogFormat    string
	CallersEvery time.Duration // demo only
	SIPWSURL     string        // serve
	TLSCert      string
	TLSKey       string
	QueueLog     string // app_queue's queue_log file ("" = none; demo: next to the db)
	MetricsToken string
	PublicURL    string        // the origin browsers use, behind a TLS-ending proxy
	SessionIdle  time.Duration // an agent session without its socket ends after this
	SessionMax   time.Duration // every session (agent, admin) ends after this
	// MaxCalls and MaxTenantCalls: callers beyond so many concurrent calls
	// of this ccaas, or of one tenant, get busy (0: no limit).
	MaxCalls       int
	MaxTenantCalls int
	WebhookAllow   string // private ranges webhooks may reach (webhook.ParseAllow)
}

func defaultConfig() config {
	return config{
		Addr:         "127.0.0.1:8080",
		ARIURL:       "http://127.0.0.1:8088/ari",
		ARIUser:      "ccaas",
		ARIApp:       "ccaas",
		SIPWSURL:     "ws://127.0.0.1:8088/ws",
		LogLevel:     "info",
		LogFormat:    "text",
		CallersEvery: 20 * time.Second,
		SessionIdle:  app.DefaultSessionIdle,
		SessionMax:   app.DefaultSessionMaxAge,
	}
}

// option is one setting of config: its key in the environment and its flag,
// which the commands of its scope take.
type option struct {
	env, flag string
	text      *string        // a text setting, or
	count     *int           // a whole number, or
	dur       *time.Duration // a duration
	scope     scope
	usage     string
}

// scope is which commands take an option's flag.
type scope int

const (
	serveAndDemo scope = iota // the commands that run the product
	allCommands               // migrate too
	demoOnly
	serveOnly
)

func (s scope) has(command string) bool {
	switch s {
	case allCommands:
		return true
	case demoOnly:
		return command == "demo"
	case serveOnly:
		return command != "migrate" && command != "demo"
	}
	return command != "migrate"
}

func (c *config) options() []option {
	return []option{
		{env: "CCAAS_DB", flag: "db", text: &c.DB, scope: allCommands,
			usage: "sqlite database file, created and migrated if needed (default " + defaultDB + "; demo: " + defaultDB + " in a folder of its own, see its banner)"},
		{env: "CCAAS_ADDR", flag: "addr", text: &c.Addr, usage: "listen address of the web server"},
		{env: "CCAAS_LOG_LEVEL", flag: "log-level", text: &c.LogLevel, usage: "debug, info, warn or error"},
		{env: "CCAAS_LOG_FORMAT", flag: "log-format", text: &c.LogFormat, usage: "text or json"},
		{env: "CCAAS_TLS_CERT", flag: "tls-cert", text: &c.TLSCert, usage: "PEM certificate (chain) file: serve HTTPS (WebRTC needs a secure origin)"},
		{env: "CCAAS_TLS_KEY", flag: "tls-key", text: &c.TLSKey, usage: "PEM private key file for --tls-cert"},
		{env: "CCAAS_QUEUE_LOG", flag: "queue-log", text: &c.QueueLog, usage: "write an Asterisk app_queue queue_log to this file (reopened on SIGHUP)"},
		{env: "CCAAS_METRICS_TOKEN", flag: "metrics-token", text: &c.MetricsToken,
			usage: "bearer token /metrics requires (better given as CCAAS_METRICS_TOKEN); without it only this machine may scrape"},
		{env: "CCAAS_SESSION_IDLE", flag: "session-idle", dur: &c.SessionIdle,
			usage: "an agent's session whose page does not open its socket within this ends (10s to 1h)"},
		{env: "CCAAS_SESSION_MAX_AGE", flag: "session-max-age", dur: &c.SessionMax,
			usage: "every session, agents' and admins', ends this long after its login (5m to 168h)"},
		{env: "CCAAS_PUBLIC_URL", flag: "public-url", text: &c.PublicURL,
			usage: "https://host[:port] browsers reach the server at, when a reverse proxy in front of it ends TLS (the origin pages must come from)"},
		{env: "CCAAS_MAX_CALLS", flag: "max-calls", count: &c.MaxCalls,
			usage: "callers beyond this many concurrent calls get busy (0: no limit; docs/deploy.md)"},
		{env: "CCAAS_MAX_CALLS_PER_TENANT", flag: "max-calls-per-tenant", count: &c.MaxTenantCalls,
			usage: "callers beyond this many concurrent calls of their tenant get busy (0: no limit)"},
		{env: "CCAAS_WEBHOOK_ALLOW", flag: "webhook-allow", text: &c.WebhookAllow,
			usage: "address ranges inside private networks or this machine that webhooks may reach, e.g. 10.1.0.0/16,127.0.0.1 (default none)"},
		{env: "CCAAS_DEMO_CALLERS_EVERY", flag: "callers-every", dur: &c.CallersEvery, scope: demoOnly,
			usage: "mean time between simulated callers (0 turns them off)"},
		{env: "CCAAS_ARI_URL", flag: "ari-url", text: &c.ARIURL, scope: serveOnly, usage: "Asterisk ARI base URL"},
		{env: "CCAAS_ARI_USER", flag: "ari-user", text: &c.ARIUser, scope: serveOnly, usage: "ARI user (ari.conf)"},
		{env: "CCAAS_ARI_PASSWORD", flag: "ari-password", text: &c.ARIPassword, scope: serveOnly, usage: "ARI password (better given as CCAAS_ARI_PASSWORD)"},
		{env: "CCAAS_ARI_APP", flag: "ari-app", text: &c.ARIApp, scope: serveOnly, usage: "Stasis application name used in the dialplan"},
		{env: "CCAAS_SIP_WS_URL", flag: "sip-ws-url", text: &c.SIPWSURL, scope: serveOnly,
			usage: "Asterisk's SIP WebSocket; browser phones reach it only through the app's /sip"},
	}
}

// fromEnv reads every option set in the environment; a number or duration
// that does not parse becomes -1, which validate refuses.
func (c *config) fromEnv(getenv func(string) string) {
	for _, o := range c.options() {
		v := getenv(o.env)
		switch {
		case v == "":
		case o.text != nil:
			*o.text = v
		case o.count != nil:
			n, err := strconv.Atoi(v)
			if err != nil {
				n = -1
			}
			*o.count = n
		default:
			d, err := time.ParseDuration(v)
			if err != nil {
				d = -1
			}
			*o.dur = d
		}
	}
}

// flags defines the flags of command, with the settings so far as defaults.
func (c *config) flags(fs *flag.FlagSet, command string) {
	for _, o := range c.options() {
		switch {
		case !o.scope.has(command):
		case o.text != nil:
			fs.StringVar(o.text, o.flag, *o.text, o.usage)
		case o.count != nil:
			fs.IntVar(o.count, o.flag, *o.count, o.usage)
		default:
			fs.DurationVar(o.dur, o.flag, *o.dur, o.usage)
		}
	}
}

// defaultDB is the database of every command but demo when neither
// --db nor CCAAS_DB names one.
const defaultDB = "ccaas.db"

// resolveDB picks the database when neither --db nor CCAAS_DB named one:
// ccaas.db in the working directory, but for the demo a folder of its own
// in the user's cache (~/.cache/ccaas-demo), which it keeps from run to run
// and which stays out of a source checkout; with no such folder, a new
// temporary one.
func (c *config) resolveDB(command string, cacheDir func() (string, error)) error {
	if c.DB != "" {
		return nil
	}
	if command != "demo" {
		c.DB = defaultDB
		return nil
	}
	dir := ""
	if base, err := cacheDir(); err == nil {
		dir = filepath.Join(base, "ccaas-demo")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			dir = ""
		}
	}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "ccaas-demo-")
		if err != nil {
			return fmt.Errorf("a folder for the demo's database: %w (name one with --db)", err)
		}
		dir = tmp
	}
	c.DB = filepath.Join(dir, defaultDB)
	return nil
}

func (c *config) validate(command string) error {
	var errs []error
	if command != "migrate" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("--addr %q: want host:port", c.Addr))
		}
		if _, err := parseLevel(c.LogLevel); err != nil {
			errs = append(errs, err)
		}
		if c.LogFormat != "text" && c.LogFormat != "json" {
			errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
		}
		if _, err := webhook.ParseAllow(c.WebhookAllow); err != nil {
			errs = append(errs, fmt.Errorf("--webhook-allow: %w", err))
		}
		if err := validMetricsToken(c.MetricsToken); err != nil {
			errs = append(errs, err)
		}
		if c.SessionIdle < 10*time.Second || c.SessionIdle > time.Hour {
			errs = append(errs, fmt.Errorf("--session-idle %s: want 10s to 1h", c.SessionIdle))
		}
		if c.SessionMax < 5*time.Minute || c.SessionMax > 168*time.Hour {
			errs = append(errs, fmt.Errorf("--session-max-age %s: want 5m to 168h", c.SessionMax))
		}
		if err := cchttp.ValidatePublicURL(c.PublicURL); err != nil {
			errs = append(errs, fmt.Errorf("--public-url: %w", err))
		}
		if c.MaxCalls < 0 || c.MaxTenantCalls < 0 {
			errs = append(errs, errors.New("--max-calls and --max-calls-per-tenant: a whole number, 0 for no limit"))
		}
		if (c.TLSCert == "") != (c.TLSKey == "") {
			errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
		} else if c.TLSCert != "" {
			if _, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey); err != nil {
				errs = append(errs, fmt.Errorf("--tls-cert/--tls-key: %w", err))
			}
		}
	}
	if command == "serve" {
		if u, err := url.Parse(c.ARIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--ari-url %q: want http(s)://host:port/ari", c.ARIURL))
		}
		if c.ARIUser == "" || c.ARIPassword == "" {
			errs = append(errs, errors.New("ARI credentials missing: set --ari-user and CCAAS_ARI_PASSWORD (or --ari-password)"))
		}
		if u, err := url.Parse(c.SIPWSURL); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--sip-ws-url %q: want ws(s)://host:port/ws", c.SIPWSURL))
		}
		if c.ARIApp == "" {
			errs = append(errs, errors.New("--ari-app must not be empty"))
		}
	}
	if command == "demo" && c.CallersEvery < 0 {
		errs = append(errs, errors.New("--callers-every must not be negative"))
	}
	return errors.Join(errs...)
}

// validMetricsToken: a token a scraper can send in a header, and long enough
// not to be guessed ("" turns it off).
func validMetricsToken(tok string) error {
	if tok == "" {
		return nil
	}
	if len(tok) < 16 || len(tok) > 256 {
		return errors.New("--metrics-token: 16 to 256 characters")
	}
	for _, r := range tok {
		if r <= ' ' || r > '~' {
			return errors.New("--metrics-token: printable ASCII without spaces only")
		}
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return l, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

func (c *config) logger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
