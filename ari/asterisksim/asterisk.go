package asterisksim

import (
	"net/http"
	"runtime"
	"slices"

	"github.com/ccaas/ccaas/ari"
)

// asteriskVersion is what /asterisk/info reports.
const asteriskVersion = "22.11.0-asterisksim"

func (s *Sim) getPing(*request) response {
	return okJSON(ari.AsteriskPing{AsteriskID: asteriskID, Ping: "pong", Timestamp: now().Format(ari.TimeLayout)})
}

// asteriskInfo is Asterisk's AsteriskInfo model in full; ari.AsteriskInfo
// keeps only what the client reads.
type asteriskInfo struct {
	Build  *buildInfo      `json:"build,omitempty"`
	System *ari.SystemInfo `json:"system,omitempty"`
	Config *configInfo     `json:"config,omitempty"`
	Status *statusInfo     `json:"status,omitempty"`
}

type buildInfo struct {
	OS      string `json:"os"`
	Kernel  string `json:"kernel"`
	Options string `json:"options"`
	Machine string `json:"machine"`
	Date    string `json:"date"`
	User    string `json:"user"`
}

type configInfo struct {
	Name            string `json:"name"`
	DefaultLanguage string `json:"default_language"`
	SetID           struct {
		User  string `json:"user"`
		Group string `json:"group"`
	} `json:"setid"`
}

type statusInfo struct {
	StartupTime    ari.Time `json:"startup_time"`
	LastReloadTime ari.Time `json:"last_reload_time"`
}

func (s *Sim) getInfo(q *request) response {
	s.mu.Lock()
	started := s.startedAt
	s.mu.Unlock()
	only := q.list("only")
	want := func(section string) bool { return len(only) == 0 || slices.Contains(only, section) }
	var info asteriskInfo
	if want("build") {
		info.Build = &buildInfo{OS: "Linux", Kernel: "simulated", Machine: runtime.GOARCH, Date: "2026-11-24 00:00:00 UTC", User: "asterisksim"}
	}
	if want("system") {
		info.System = &ari.SystemInfo{Version: asteriskVersion, EntityID: asteriskID}
	}
	if want("config") {
		info.Config = &configInfo{Name: "asterisksim", DefaultLanguage: "en"}
		info.Config.SetID.User, info.Config.SetID.Group = "asterisk", "asterisk"
	}
	if want("status") {
		info.Status = &statusInfo{StartupTime: ariTime(started.UTC()), LastReloadTime: ariTime(started.UTC())}
	}
	return okJSON(info)
}

// modules are the loaded modules a contact-center Asterisk needs.
var modules = []ari.Module{
	{Name: "app_stasis.so", Description: "Stasis dialplan application"},
	{Name: "chan_pjsip.so", Description: "PJSIP Channel Driver"},
	{Name: "res_ari.so", Description: "Asterisk RESTful Interface"},
	{Name: "res_ari_applications.so", Description: "RESTful API module - Stasis application resources"},
	{Name: "res_ari_asterisk.so", Description: "RESTful API module - Asterisk resources"},
	{Name: "res_ari_bridges.so", Description: "RESTful API module - Bridge resources"},
	{Name: "res_ari_channels.so", Description: "RESTful API module - Channel resources"},
	{Name: "res_ari_endpoints.so", Description: "RESTful API module - Endpoint resources"},
	{Name: "res_ari_events.so", Description: "RESTful API module - WebSocket resource"},
	{Name: "res_ari_playbacks.so", Description: "RESTful API module - Playback control resources"},
	{Name: "res_http_websocket.so", Description: "HTTP WebSocket Support"},
	{Name: "res_musiconhold.so", Description: "Music On Hold Resource"},
	{Name: "res_pjsip.so", Description: "Basic SIP resource"},
	{Name: "res_pjsip_session.so", Description: "PJSIP Session resource"},
	{Name: "res_pjsip_transport_websocket.so", Description: "PJSIP WebSocket Transport Support"},
	{Name: "res_sorcery_memory.so", Description: "Sorcery In-Memory Object Wizard"},
	{Name: "res_stasis.so", Description: "Stasis application support"},
	{Name: "res_stasis_playback.so", Description: "Stasis application playback support"},
	{Name: "res_stasis_snoop.so", Description: "Stasis application snoop support"},
	{Name: "res_srtp.so", Description: "Secure RTP (SRTP)"},
}

func moduleJSON(m ari.Module) ari.Module {
	m.Status, m.SupportLevel = "Running", "core"
	return m
}

func (s *Sim) getModules(*request) response {
	out := make([]ari.Module, 0, len(modules))
	for _, m := range modules {
		out = append(out, moduleJSON(m))
	}
	return okJSON(out)
}

func (s *Sim) getModule(q *request) response {
	name := q.path["moduleName"]
	for _, m := range modules {
		if m.Name == name || m.Name == name+".so" {
			return okJSON(moduleJSON(m))
		}
	}
	return fail(http.StatusNotFound, "Module could not be found in running modules")
}

func (s *Sim) getGlobalVar(q *request) response {
	return s.onVariable(q, func(name string) response { return okJSON(ari.Variable{Value: s.globals[name]}) })
}

func (s *Sim) setGlobalVar(q *request) response {
	return s.onVariable(q, func(name string) response {
		s.globals[name] = q.str("value")
		return noContent()
	})
}
