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
	"strconv"
	"strings"
	"time"
)

// config is every setting of the binary: defaults, then the environment,
// then flags, then validate. The README lists each key.
type config struct {
	Addr         string        // CCAAS_ADDR, --addr
	DB           string        // CCAAS_DB, --db
	ARIURL       string        // CCAAS_ARI_URL, --ari-url
	ARIUser      string        // CCAAS_ARI_USER, --ari-user
	ARIPassword  string        // CCAAS_ARI_PASSWORD, --ari-password
	ARIApp       string        // CCAAS_ARI_APP, --ari-app
	LogLevel     string        // CCAAS_LOG_LEVEL, --log-level
	LogFormat    string        // CCAAS_LOG_FORMAT, --log-format
	CallersEvery time.Duration // CCAAS_DEMO_CALLERS_EVERY, --callers-every (demo only)
	SIPWSURL     string        // CCAAS_SIP_WS_URL, --sip-ws-url (serve)
	TLSCert      string        // CCAAS_TLS_CERT, --tls-cert
	TLSKey       string        // CCAAS_TLS_KEY, --tls-key
	QueueLog     string        // CCAAS_QUEUE_LOG, --queue-log: app_queue's queue_log file ("" = none; demo: next to the db)
	MetricsToken string        // CCAAS_METRICS_TOKEN, --metrics-token
	// MaxCalls and MaxTenantCalls: callers beyond so many concurrent calls
	// of this ccaas, or of one tenant, get busy (0: no limit).
	MaxCalls       int // CCAAS_MAX_CALLS, --max-calls
	MaxTenantCalls int // CCAAS_MAX_CALLS_PER_TENANT, --max-calls-per-tenant
}

func defaultConfig() config {
	return config{
		Addr:         "127.0.0.1:8080",
		DB:           "ccaas.db",
		ARIURL:       "http://127.0.0.1:8088/ari",
		ARIUser:      "ccaas",
		ARIApp:       "ccaas",
		SIPWSURL:     "ws://127.0.0.1:8088/ws",
		LogLevel:     "info",
		LogFormat:    "text",
		CallersEvery: 20 * time.Second,
	}
}

func (c *config) fromEnv(getenv func(string) string) {
	set := func(dst *string, key string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	set(&c.Addr, "CCAAS_ADDR")
	set(&c.DB, "CCAAS_DB")
	set(&c.ARIURL, "CCAAS_ARI_URL")
	set(&c.ARIUser, "CCAAS_ARI_USER")
	set(&c.ARIPassword, "CCAAS_ARI_PASSWORD")
	set(&c.ARIApp, "CCAAS_ARI_APP")
	set(&c.LogLevel, "CCAAS_LOG_LEVEL")
	set(&c.LogFormat, "CCAAS_LOG_FORMAT")
	set(&c.TLSCert, "CCAAS_TLS_CERT")
	set(&c.SIPWSURL, "CCAAS_SIP_WS_URL")
	set(&c.TLSKey, "CCAAS_TLS_KEY")
	set(&c.QueueLog, "CCAAS_QUEUE_LOG")
	set(&c.MetricsToken, "CCAAS_METRICS_TOKEN")
	setInt := func(dst *int, key string) {
		if v := getenv(key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				n = -1 // validate says what is wrong
			}
			*dst = n
		}
	}
	setInt(&c.MaxCalls, "CCAAS_MAX_CALLS")
	setInt(&c.MaxTenantCalls, "CCAAS_MAX_CALLS_PER_TENANT")
	if v := getenv("CCAAS_DEMO_CALLERS_EVERY"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			c.CallersEvery = d
		}
	}
}

func (c *config) flags(fs *flag.FlagSet, command string) {
	fs.StringVar(&c.DB, "db", c.DB, "sqlite database file (created and migrated if needed)")
	if command == "migrate" {
		return
	}
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address of the web server")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "PEM certificate (chain) file: serve HTTPS (WebRTC needs a secure origin)")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "PEM private key file for --tls-cert")
	fs.StringVar(&c.QueueLog, "queue-log", c.QueueLog, "write an Asterisk app_queue queue_log to this file (reopened on SIGHUP)")
	fs.StringVar(&c.MetricsToken, "metrics-token", c.MetricsToken, "bearer token /metrics requires (better given as CCAAS_METRICS_TOKEN); without it only this machine may scrape")
	fs.IntVar(&c.MaxCalls, "max-calls", c.MaxCalls, "callers beyond this many concurrent calls get busy (0: no limit; docs/deploy.md)")
	fs.IntVar(&c.MaxTenantCalls, "max-calls-per-tenant", c.MaxTenantCalls, "callers beyond this many concurrent calls of their tenant get busy (0: no limit)")
	if command == "demo" {
		fs.DurationVar(&c.CallersEvery, "callers-every", c.CallersEvery, "mean time between simulated callers (0 turns them off)")
		return
	}
	fs.StringVar(&c.ARIURL, "ari-url", c.ARIURL, "Asterisk ARI base URL")
	fs.StringVar(&c.ARIUser, "ari-user", c.ARIUser, "ARI user (ari.conf)")
	fs.StringVar(&c.ARIPassword, "ari-password", c.ARIPassword, "ARI password (better given as CCAAS_ARI_PASSWORD)")
	fs.StringVar(&c.ARIApp, "ari-app", c.ARIApp, "Stasis application name used in the dialplan")
	fs.StringVar(&c.SIPWSURL, "sip-ws-url", c.SIPWSURL, "Asterisk's SIP WebSocket; browser phones reach it only through the app's /sip")
}

func (c *config) validate(command string) error {
	var errs []error
	if c.DB == "" {
		errs = append(errs, errors.New("--db must name a file"))
	}
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
		if err := validMetricsToken(c.MetricsToken); err != nil {
			errs = append(errs, err)
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
