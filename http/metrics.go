package http

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/event"
)

// Metrics are the process's Prometheus metrics that are counted as things
// happen: ARI request latency, ARI events, open WebSockets, and the Go and
// process collectors. Calls and agents are not counted here: the tenant loops
// are asked for them when /metrics is scraped (Config.Stats).
type Metrics struct {
	reg          *prometheus.Registry
	ariSeconds   *prometheus.HistogramVec
	phaseSeconds *prometheus.HistogramVec
	events       *prometheus.CounterVec
	eventsBy     sync.Map // event type → prometheus.Counter, so counting is one atomic add
	ctiClients   prometheus.Gauge
	sipClients   prometheus.Gauge
	lost         *prometheus.CounterVec
	webhooks     *prometheus.CounterVec
	recFailed    prometheus.Counter
}

// ariBuckets span a loopback round trip (~1 ms against a real Asterisk) to
// the client's 5 s timeout.
var ariBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// phaseBuckets span a phase of a call: a fraction of a millisecond on a
// quiet machine to the seconds of a request that timed out.
var phaseBuckets = []float64{.00025, .0005, .00075, .001, .0015, .002, .003, .005, .0075, .01, .025, .05, .1, .25, .5, 1, 5}

// NewMetrics registers the metrics in a registry of their own (not the
// global one, so tests and several servers do not collide).
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		ariSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ccaas_ari_request_seconds",
			Help:    "ARI REST requests to Asterisk by method, route (ids as placeholders) and status code (\"error\": no answer), body read included.",
			Buckets: ariBuckets,
		}, []string{"method", "route", "code"}),
		phaseSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ccaas_call_phase_seconds",
			Help:    "Phases of calls: stasis_to_offer (a caller's StasisStart reaching the app to the offer sent to a Ready agent, for callers who found one), answer_to_connected (the agent's Answer reaching the app to agent and caller in the call's bridge).",
			Buckets: phaseBuckets,
		}, []string{"phase"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccaas_ari_events_total",
			Help: "ARI events the app received, by type (\"other\": a type the app does not decode).",
		}, []string{"type"}),
	}
	ws := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ccaas_websocket_clients",
		Help: "Open browser WebSockets: cti (the agent page's events and commands) and sip (browser phones through /sip).",
	}, []string{"kind"})
	m.ctiClients = ws.WithLabelValues("cti")
	m.sipClients = ws.WithLabelValues("sip")
	m.lost = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ccaas_records_lost_total",
		Help: "Rows the database refused for good or did not take before ccaas stopped, by kind (state_log, call_record, disposition, webhook_event); each is logged.",
	}, []string{"kind"})
	for _, kind := range []string{app.RowStateLog, app.RowCallRecord, app.RowDisposition, app.RowOutbox} {
		m.lost.WithLabelValues(kind) // shown at 0 from the start
	}
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ccaas_webhook_attempts_total",
		Help: "Webhook delivery attempts by the delivery's state after them: delivered, pending (to be retried) or failed (given up after 24 hours).",
	}, []string{"state"})
	for _, state := range []string{ccaas.DeliveryDelivered, ccaas.DeliveryPending, ccaas.DeliveryFailed} {
		m.webhooks.WithLabelValues(state)
	}
	m.recFailed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ccaas_call_recordings_failed_total",
		Help: "Call recordings Asterisk could not start or stopped with a failure; the calls went on unrecorded, each is logged and marked on its call record.",
	})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.ariSeconds, m.phaseSeconds, m.events, ws, m.lost, m.webhooks, m.recFailed,
	)
	return m
}

// LostRecords counts rows the recorder could not write; its signature is
// app.Config.LostRecords.
func (m *Metrics) LostRecords(kind string, n int) { m.lost.WithLabelValues(kind).Add(float64(n)) }

// WebhookAttempt counts a webhook delivery attempt by the state it left the
// delivery in; its signature is outbox.Config.Finished.
func (m *Metrics) WebhookAttempt(state string) { m.webhooks.WithLabelValues(state).Inc() }

// RecordingFailed counts a call recording that failed; its signature is
// app.Config.RecordingFailed.
func (m *Metrics) RecordingFailed() { m.recFailed.Inc() }

// ObserveARI records one ARI request; its signature is ari.Config.Observe.
func (m *Metrics) ObserveARI(method, route string, status int, d time.Duration) {
	code := "error"
	if status > 0 {
		code = strconv.Itoa(status)
	}
	m.ariSeconds.WithLabelValues(method, route, code).Observe(d.Seconds())
}

// ObservePhase records how long a phase of a call took; its signature is
// app.Config.ObservePhase.
func (m *Metrics) ObservePhase(phase string, d time.Duration) {
	m.phaseSeconds.WithLabelValues(phase).Observe(d.Seconds())
}

// CountEvent counts one ARI event; its signature is app.Config.CountEvent.
// The app passes a fixed set of type names, so the cache stays small.
func (m *Metrics) CountEvent(eventType string) {
	if c, ok := m.eventsBy.Load(eventType); ok {
		c.(prometheus.Counter).Inc()
		return
	}
	c, _ := m.eventsBy.LoadOrStore(eventType, m.events.WithLabelValues(eventType))
	c.(prometheus.Counter).Inc()
}

// Stats gives the calls and agents of every tenant; *app.App provides it.
type Stats interface {
	Stats(ctx context.Context) ([]app.TenantStats, error)
}

// statsTimeout bounds how long a scrape waits for the tenant loops; well
// under Prometheus's default scrape timeout of 10 s.
const statsTimeout = 3 * time.Second

var (
	descWaiting = prometheus.NewDesc("ccaas_calls_waiting",
		"Callers in a queue: waiting, or being offered to an agent by the queue.", []string{"tenant", "queue"}, nil)
	descTalking = prometheus.NewDesc("ccaas_calls_talking",
		"Calls with an agent connected (held ones and outbound calls being dialled included).", []string{"tenant"}, nil)
	descQueueTalking = prometheus.NewDesc("ccaas_queue_calls_talking",
		"Calls that came through the queue and have an agent connected.", []string{"tenant", "queue"}, nil)
	descAgents = prometheus.NewDesc("ccaas_agents",
		"The tenant's agents by state (logged_out: no session).", []string{"tenant", "state"}, nil)
	descQueueAgents = prometheus.NewDesc("ccaas_queue_agents",
		"Members of the queue by state.", []string{"tenant", "queue", "state"}, nil)
	descLoggedIn = prometheus.NewDesc("ccaas_agents_logged_in",
		"Agents with a session.", []string{"tenant"}, nil)
	descRefused = prometheus.NewDesc("ccaas_calls_refused_total",
		"Callers refused with busy as they arrived because ccaas was at its limit of concurrent calls: reason node (--max-calls) or tenant (--max-calls-per-tenant).", []string{"tenant", "reason"}, nil)
	descOpen = prometheus.NewDesc("ccaas_queue_open",
		"1 while the queue's opening hours say it is open, else 0.", []string{"tenant", "queue"}, nil)
	descEstimate = prometheus.NewDesc("ccaas_queue_estimated_wait_seconds",
		"The wait a caller entering the queue now would be told; absent while nobody works in the queue.", []string{"tenant", "queue"}, nil)
	descCallbacks = prometheus.NewDesc("ccaas_queue_callbacks_waiting",
		"Callbacks of the queue not done yet (waiting for their turn or for a retry).", []string{"tenant", "queue"}, nil)
	descVoicemails = prometheus.NewDesc("ccaas_queue_voicemails_waiting",
		"Voicemails left for the queue that nobody has closed.", []string{"tenant", "queue"}, nil)
	descComplete = prometheus.NewDesc("ccaas_stats_complete",
		"1 if every tenant's event loop answered this scrape in time, else 0 (the figures of the others are still given).", nil, nil)
)

// statsCollector asks the tenant loops for their figures at scrape time, so
// nothing is counted on the call path and the loops stay the only owners of
// their state.
type statsCollector struct {
	src Stats
	log *slog.Logger
}

func (sc statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWaiting, descTalking, descQueueTalking, descAgents, descQueueAgents, descLoggedIn, descRefused,
		descOpen, descEstimate, descCallbacks, descVoicemails, descComplete} {
		ch <- d
	}
}

func (sc statsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), statsTimeout)
	defer cancel()
	stats, err := sc.src.Stats(ctx)
	complete := 1.0
	if err != nil {
		complete = 0
		sc.log.Warn("metrics: tenant figures incomplete", "err", err)
	}
	ch <- prometheus.MustNewConstMetric(descComplete, prometheus.GaugeValue, complete)
	metric := func(kind prometheus.ValueType, d *prometheus.Desc, v float64, labels ...string) {
		for i, l := range labels {
			// names come from admins: keep the exposition valid whatever they typed
			labels[i] = strings.ToValidUTF8(l, "\uFFFD")
		}
		ch <- prometheus.MustNewConstMetric(d, kind, v, labels...)
	}
	value := func(d *prometheus.Desc, v float64, labels ...string) { metric(prometheus.GaugeValue, d, v, labels...) }
	gauge := func(d *prometheus.Desc, v int, labels ...string) { value(d, float64(v), labels...) }
	for _, ts := range stats {
		for _, reason := range []string{event.RefusedNode, event.RefusedTenant} {
			metric(prometheus.CounterValue, descRefused, float64(ts.Refused[reason]), ts.Domain, reason)
		}
		gauge(descTalking, ts.Talking, ts.Domain)
		gauge(descLoggedIn, ts.LoggedIn, ts.Domain)
		for _, state := range app.AgentStates {
			gauge(descAgents, ts.Agents[state], ts.Domain, state)
		}
		for _, q := range ts.Queues {
			gauge(descWaiting, q.Waiting, ts.Domain, q.Name)
			gauge(descQueueTalking, q.Talking, ts.Domain, q.Name)
			open := 0
			if q.Open {
				open = 1
			}
			gauge(descOpen, open, ts.Domain, q.Name)
			if q.Estimated {
				value(descEstimate, q.EstimatedWait.Seconds(), ts.Domain, q.Name)
			}
			gauge(descCallbacks, q.Callbacks, ts.Domain, q.Name)
			gauge(descVoicemails, q.Voicemails, ts.Domain, q.Name)
			for _, state := range app.AgentStates {
				gauge(descQueueAgents, q.Members[state], ts.Domain, q.Name, state)
			}
		}
	}
}

// metricsHandler serves the registry of cfg.Metrics and, with cfg.Stats,
// the tenant figures, behind the access rule.
func (s *Server) metricsHandler() gin.HandlerFunc {
	gatherers := prometheus.Gatherers{s.cfg.Metrics.reg}
	if s.cfg.Stats != nil {
		// a registry per server: the collector asks this server's app
		stats := prometheus.NewRegistry()
		stats.MustRegister(statsCollector{src: s.cfg.Stats, log: s.log})
		gatherers = append(gatherers, stats)
	}
	h := promhttp.HandlerFor(gatherers, promhttp.HandlerOpts{
		ErrorLog:      slogPrintln{s.log},
		ErrorHandling: promhttp.ContinueOnError, // one bad figure does not hide the rest
	})
	var want [sha256.Size]byte
	if s.cfg.MetricsToken != "" {
		want = sha256.Sum256([]byte(s.cfg.MetricsToken))
	}
	return func(c *gin.Context) {
		if s.cfg.MetricsToken != "" {
			got, ok := bearerToken(c.GetHeader("Authorization"))
			// hashes first, so the comparison takes as long whatever the length
			sum := sha256.Sum256([]byte(got))
			if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				c.Header("WWW-Authenticate", `Bearer realm="metrics"`)
				fail(c, http.StatusUnauthorized, "metrics need the bearer token")
				return
			}
		} else if !directLoopback(c.Request) {
			fail(c, http.StatusForbidden, "metrics are served to this machine only (or set --metrics-token)")
			return
		}
		h.ServeHTTP(c.Writer, c.Request)
	}
}

// bearerToken reads "Authorization: Bearer <token>" (the scheme is
// case-insensitive, RFC 6750).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// directLoopback: the connection comes from this machine and was not relayed
// by a proxy (which would make every client look local).
func directLoopback(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// slogPrintln lets promhttp log through slog.
type slogPrintln struct{ log *slog.Logger }

func (l slogPrintln) Println(v ...any) {
	l.log.Error("metrics", "err", strings.TrimSpace(fmt.Sprintln(v...)))
}
