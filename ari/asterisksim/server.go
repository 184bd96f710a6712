package asterisksim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ccaas/ccaas/ari"
)

const maxRequestBody = 1 << 20

// request is one parsed ARI call: path parameters, query parameters and the
// fields of a JSON object body, which Asterisk accepts for any parameter.
type request struct {
	method string
	path   map[string]string
	query  url.Values
	body   map[string]json.RawMessage // nil unless the body is a JSON object
	raw    json.RawMessage            // the JSON body, whatever its shape (nil without one)
}

// str returns a string parameter. A body field wins over the query, as in
// Asterisk; a body field that is not a JSON string counts as empty (so
// {"endpoint":123} is "Endpoint must be specified").
func (q *request) str(name string) string {
	if raw, ok := q.body[name]; ok {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return ""
		}
		return v
	}
	return q.query.Get(name)
}

// int returns an integer parameter, or def when it is absent or unparseable.
func (q *request) int(name string, def int) int {
	if raw, ok := q.body[name]; ok {
		var v float64
		if json.Unmarshal(raw, &v) == nil {
			return int(v)
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if n, err := strconv.Atoi(s); err == nil {
				return n
			}
		}
		return def
	}
	if v := q.query.Get(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

// list returns a comma-separated (or repeated) parameter as its items.
func (q *request) list(name string) []string {
	var raw []string
	if b, ok := q.body[name]; ok {
		if json.Unmarshal(b, &raw) != nil { // a JSON array of strings, or one string
			raw = []string{q.str(name)}
		}
	} else {
		raw = q.query[name]
	}
	var out []string
	for _, v := range raw {
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// response is what a handler answers: body as JSON, or raw bytes of
// contentType (a recording's file); neither means no body.
type response struct {
	status      int
	body        any
	location    string
	raw         []byte
	contentType string
}

func okJSON(body any) response { return response{status: http.StatusOK, body: body} }
func noContent() response      { return response{status: http.StatusNoContent} }
func fail(status int, msg string) response {
	return response{status: status, body: ari.ErrorBody{Message: msg}}
}

// allocationFailed is originate's 500, the one error with key "error".
func allocationFailed() response {
	return response{status: http.StatusInternalServerError, body: ari.ErrorBody{Error: "Allocation failed"}}
}

func notImplemented(*Sim, *request) response {
	return fail(http.StatusNotImplemented, "Not implemented by asterisksim")
}

type handler func(*Sim, *request) response

type route struct {
	pattern []string // path segments; "{name}" captures one segment
	methods map[string]handler
}

func on(pattern string, methods map[string]handler) route {
	return route{pattern: strings.Split(strings.Trim(pattern, "/"), "/"), methods: methods}
}

// routes lists every path of the Asterisk 22 ARI. Literal paths come before
// the parameterised paths they could be mistaken for.
var routes = []route{
	on("/asterisk/ping", map[string]handler{"GET": (*Sim).getPing}),
	on("/asterisk/info", map[string]handler{"GET": (*Sim).getInfo}),
	on("/asterisk/modules", map[string]handler{"GET": (*Sim).getModules}),
	on("/asterisk/modules/{moduleName}", map[string]handler{"GET": (*Sim).getModule, "POST": notImplemented, "PUT": notImplemented, "DELETE": notImplemented}),
	on("/asterisk/logging", map[string]handler{"GET": notImplemented}),
	on("/asterisk/logging/{logChannelName}", map[string]handler{"POST": notImplemented, "DELETE": notImplemented}),
	on("/asterisk/logging/{logChannelName}/rotate", map[string]handler{"PUT": notImplemented}),
	on("/asterisk/variable", map[string]handler{"GET": (*Sim).getGlobalVar, "POST": (*Sim).setGlobalVar}),
	on("/asterisk/config/dynamic/{configClass}/{objectType}/{id}", map[string]handler{"GET": (*Sim).getConfig, "PUT": (*Sim).putConfig, "DELETE": (*Sim).deleteConfig}),

	on("/channels", map[string]handler{"GET": (*Sim).listChannels, "POST": (*Sim).originate}),
	on("/channels/create", map[string]handler{"POST": notImplemented}),
	on("/channels/externalMedia", map[string]handler{"POST": notImplemented}),
	on("/channels/{channelId}", map[string]handler{"GET": (*Sim).getChannel, "POST": (*Sim).originate, "DELETE": (*Sim).hangupChannel}),
	on("/channels/{channelId}/continue", map[string]handler{"POST": notImplemented}),
	on("/channels/{channelId}/move", map[string]handler{"POST": notImplemented}),
	on("/channels/{channelId}/redirect", map[string]handler{"POST": notImplemented}),
	on("/channels/{channelId}/answer", map[string]handler{"POST": (*Sim).answerChannel}),
	on("/channels/{channelId}/ring", map[string]handler{"POST": (*Sim).ringChannel, "DELETE": (*Sim).ringChannel}),
	on("/channels/{channelId}/progress", map[string]handler{"POST": notImplemented}),
	on("/channels/{channelId}/dtmf", map[string]handler{"POST": (*Sim).sendDTMF}),
	on("/channels/{channelId}/mute", map[string]handler{"POST": (*Sim).muteChannel, "DELETE": (*Sim).muteChannel}),
	on("/channels/{channelId}/hold", map[string]handler{"POST": (*Sim).holdChannel, "DELETE": (*Sim).holdChannel}),
	on("/channels/{channelId}/moh", map[string]handler{"POST": (*Sim).channelMOH, "DELETE": (*Sim).channelMOH}),
	on("/channels/{channelId}/silence", map[string]handler{"POST": notImplemented, "DELETE": notImplemented}),
	on("/channels/{channelId}/play", map[string]handler{"POST": (*Sim).playChannel}),
	on("/channels/{channelId}/play/{playbackId}", map[string]handler{"POST": (*Sim).playChannel}),
	on("/channels/{channelId}/record", map[string]handler{"POST": (*Sim).recordChannel}),
	on("/channels/{channelId}/variable", map[string]handler{"GET": (*Sim).getVariable, "POST": (*Sim).setVariable}),
	on("/channels/{channelId}/variables", map[string]handler{"GET": notImplemented, "POST": notImplemented}),
	on("/channels/{channelId}/snoop", map[string]handler{"POST": (*Sim).snoopChannel}),
	on("/channels/{channelId}/snoop/{snoopId}", map[string]handler{"POST": (*Sim).snoopChannel}),
	on("/channels/{channelId}/dial", map[string]handler{"POST": notImplemented}),
	on("/channels/{channelId}/rtp_statistics", map[string]handler{"GET": notImplemented}),
	on("/channels/{channelId}/transfer_progress", map[string]handler{"POST": notImplemented}),

	on("/bridges", map[string]handler{"GET": (*Sim).listBridges, "POST": (*Sim).createBridge}),
	on("/bridges/{bridgeId}", map[string]handler{"GET": (*Sim).getBridge, "POST": (*Sim).createBridge, "DELETE": (*Sim).deleteBridge}),
	on("/bridges/{bridgeId}/variable", map[string]handler{"GET": notImplemented, "POST": notImplemented}),
	on("/bridges/{bridgeId}/variables", map[string]handler{"GET": notImplemented, "POST": notImplemented}),
	on("/bridges/{bridgeId}/addChannel", map[string]handler{"POST": (*Sim).addChannel}),
	on("/bridges/{bridgeId}/removeChannel", map[string]handler{"POST": (*Sim).removeChannel}),
	on("/bridges/{bridgeId}/videoSource/{channelId}", map[string]handler{"POST": notImplemented}),
	on("/bridges/{bridgeId}/videoSource", map[string]handler{"DELETE": notImplemented}),
	on("/bridges/{bridgeId}/moh", map[string]handler{"POST": (*Sim).bridgeMOH, "DELETE": (*Sim).bridgeMOH}),
	on("/bridges/{bridgeId}/play", map[string]handler{"POST": (*Sim).playBridge}),
	on("/bridges/{bridgeId}/play/{playbackId}", map[string]handler{"POST": (*Sim).playBridge}),
	on("/bridges/{bridgeId}/record", map[string]handler{"POST": (*Sim).recordBridge}),

	on("/endpoints", map[string]handler{"GET": (*Sim).listEndpoints}),
	on("/endpoints/sendMessage", map[string]handler{"PUT": notImplemented}),
	on("/endpoints/refer", map[string]handler{"POST": notImplemented}),
	on("/endpoints/{tech}", map[string]handler{"GET": (*Sim).listEndpoints}),
	on("/endpoints/{tech}/{resource}", map[string]handler{"GET": (*Sim).getEndpoint}),
	on("/endpoints/{tech}/{resource}/sendMessage", map[string]handler{"PUT": notImplemented}),
	on("/endpoints/{tech}/{resource}/refer", map[string]handler{"POST": notImplemented}),

	on("/applications", map[string]handler{"GET": (*Sim).listApplications}),
	on("/applications/{applicationName}", map[string]handler{"GET": (*Sim).getApplication}),
	on("/applications/{applicationName}/subscription", map[string]handler{"POST": (*Sim).subscribe, "DELETE": (*Sim).unsubscribe}),
	on("/applications/{applicationName}/eventFilter", map[string]handler{"PUT": (*Sim).filterEvents}),

	on("/playbacks/{playbackId}", map[string]handler{"GET": (*Sim).getPlayback, "DELETE": (*Sim).stopPlayback}),
	on("/playbacks/{playbackId}/control", map[string]handler{"POST": notImplemented}),

	on("/recordings/stored", map[string]handler{"GET": (*Sim).listStored}),
	on("/recordings/stored/{recordingName}", map[string]handler{"GET": (*Sim).getStored, "DELETE": (*Sim).deleteStored}),
	on("/recordings/stored/{recordingName}/file", map[string]handler{"GET": (*Sim).storedFile}),
	on("/recordings/stored/{recordingName}/copy", map[string]handler{"POST": (*Sim).copyStored}),
	on("/recordings/live/{recordingName}", map[string]handler{"GET": (*Sim).getLiveRecording, "DELETE": (*Sim).cancelRecording}),
	on("/recordings/live/{recordingName}/stop", map[string]handler{"POST": (*Sim).stopRecording}),
	on("/recordings/live/{recordingName}/pause", map[string]handler{"POST": (*Sim).pauseRecording, "DELETE": (*Sim).pauseRecording}),
	on("/recordings/live/{recordingName}/mute", map[string]handler{"POST": (*Sim).muteRecording, "DELETE": (*Sim).muteRecording}),
	on("/sounds", map[string]handler{"GET": notImplemented}),
	on("/sounds/{soundId}", map[string]handler{"GET": notImplemented}),
	on("/deviceStates", map[string]handler{"GET": notImplemented}),
	on("/deviceStates/{deviceName}", map[string]handler{"GET": notImplemented, "PUT": notImplemented, "DELETE": notImplemented}),
	on("/mailboxes", map[string]handler{"GET": notImplemented}),
	on("/mailboxes/{mailboxName}", map[string]handler{"GET": notImplemented, "PUT": notImplemented, "DELETE": notImplemented}),
}

// match finds the handler for method and path segments: 404 when no path
// matches, 405 when paths match but none takes the method.
func match(method string, segs []string) (handler, map[string]string, int) {
	pathMatched := false
	for _, rt := range routes {
		params, ok := rt.match(segs)
		if !ok {
			continue
		}
		pathMatched = true
		if h, ok := rt.methods[method]; ok {
			return h, params, 0
		}
	}
	if pathMatched {
		return nil, nil, http.StatusMethodNotAllowed
	}
	return nil, nil, http.StatusNotFound
}

func (rt route) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(rt.pattern) {
		return nil, false
	}
	var params map[string]string
	for i, p := range rt.pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = make(map[string]string)
			}
			params[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// ServeHTTP serves the ARI under /ari/: REST and GET /ari/events.
func (s *Sim) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	rest, found := strings.CutPrefix(hr.URL.EscapedPath(), "/ari")
	if !found || (rest != "" && rest[0] != '/') {
		http.NotFound(w, hr)
		return
	}

	s.mu.Lock()
	closed, booting, down := s.closed, !s.bootUntil.IsZero(), false
	if booting {
		t := time.Now()
		if !t.Before(s.bootUntil) {
			s.bootStart, s.bootUntil, booting = time.Time{}, time.Time{}, false
		} else {
			down = t.Before(s.bootStart.Add(s.bootUntil.Sub(s.bootStart) / 2))
		}
	}
	s.mu.Unlock()
	switch {
	case down:
		refuse(w)
		return
	case closed || booting:
		writeResponse(w, fail(http.StatusServiceUnavailable, "Asterisk not booted"))
		return
	}

	if !s.authorized(hr) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Asterisk REST Interface"`)
		writeResponse(w, fail(http.StatusUnauthorized, "Authentication required"))
		return
	}

	var segs []string
	for seg := range strings.SplitSeq(strings.Trim(rest, "/"), "/") {
		if v, err := url.PathUnescape(seg); err == nil {
			seg = v
		}
		segs = append(segs, seg)
	}
	if len(segs) == 1 && segs[0] == "events" {
		if hr.Method != http.MethodGet {
			writeResponse(w, fail(http.StatusMethodNotAllowed, "Invalid method"))
			return
		}
		s.serveEvents(w, hr)
		return
	}

	h, params, status := match(hr.Method, segs)
	switch status {
	case http.StatusNotFound:
		writeResponse(w, fail(status, "Resource not found"))
		return
	case http.StatusMethodNotAllowed:
		writeResponse(w, fail(status, "Invalid method"))
		return
	}
	if in := s.takeFault(hr.Method, segs); in != nil {
		defer in.release()
		if s.applyFault(w, hr, &in.fault) {
			return
		}
	}
	q, errResp := parseRequest(hr, params)
	if errResp != nil {
		writeResponse(w, *errResp)
		return
	}
	writeResponse(w, h(s, q))
}

// refuse drops the connection without an answer, as a port nobody listens
// on would (the client sees a transport error).
func refuse(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	writeResponse(w, fail(http.StatusServiceUnavailable, "Asterisk not booted"))
}

func (s *Sim) authorized(hr *http.Request) bool {
	user, pass, ok := hr.BasicAuth()
	if !ok {
		key := hr.URL.Query().Get("api_key")
		if key == "" {
			return false
		}
		user, pass, _ = strings.Cut(key, ":")
	}
	return subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.Username)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.Password)) == 1
}

// parseRequest collects query, form and JSON-body parameters. A body that
// claims to be JSON (or says nothing) and does not parse is Asterisk's 400
// "Error parsing request body".
func parseRequest(hr *http.Request, params map[string]string) (*request, *response) {
	q := &request{method: hr.Method, path: params, query: hr.URL.Query()}
	data, err := io.ReadAll(io.LimitReader(hr.Body, maxRequestBody))
	if err != nil {
		resp := fail(http.StatusBadRequest, "Error parsing request body")
		return nil, &resp
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return q, nil
	}
	ct := hr.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		form, err := url.ParseQuery(string(data))
		if err == nil {
			for k, vs := range form {
				if !q.query.Has(k) {
					q.query[k] = vs
				}
			}
		}
	case ct == "" || strings.Contains(ct, "json"):
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			resp := fail(http.StatusBadRequest, "Error parsing request body")
			return nil, &resp
		}
		q.raw = data
		if _, isObject := v.(map[string]any); isObject {
			_ = json.Unmarshal(data, &q.body)
		}
	}
	return q, nil
}

func writeResponse(w http.ResponseWriter, resp response) {
	if resp.location != "" {
		w.Header().Set("Location", resp.location)
	}
	if resp.raw != nil {
		w.Header().Set("Content-Type", resp.contentType)
		w.WriteHeader(resp.status)
		_, _ = w.Write(resp.raw)
		return
	}
	if resp.body == nil {
		w.WriteHeader(resp.status)
		return
	}
	data, err := marshal(resp.body)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	_, _ = w.Write(data)
}

// marshal encodes like Asterisk: compact, and with <, > and & left as they
// are (encoding/json would escape them as \u003c…).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
