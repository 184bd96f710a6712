package http

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/validate"
)

// The admin forms are parsed here by pure functions: url.Values (and the
// tenant's current configuration, to resolve names and ids) in, app values
// and FormErrors out. They never touch the database; the handlers in admin.go
// write what they return. Every rule comes from package validate, which the
// admin commands share.

// FormErrors maps a form field to what is wrong with its value; the key ""
// holds errors about the form as a whole.
type FormErrors map[string]string

func (e FormErrors) add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

func (e FormErrors) check(field string, err error) {
	if err != nil {
		e.add(field, err.Error())
	}
}

// Limits of what a form may hold at all, before any rule of a value.
const (
	maxFieldLength = 4 << 10 // one value
	maxFormValues  = 1000    // all values of a form
	maxNumberText  = 9       // digits of a number field
)

// single returns the one value of a field ("" when absent). A field sent more
// than once, or a huge value, is an error: no form of ours does that.
func single(v url.Values, e FormErrors, field string) string {
	vals := v[field]
	switch {
	case len(vals) == 0:
		return ""
	case len(vals) > 1:
		e.add(field, "sent more than once")
		return ""
	case len(vals[0]) > maxFieldLength:
		e.add(field, "far too long")
		return ""
	}
	return vals[0]
}

// text is a single value with surrounding spaces removed.
func text(v url.Values, e FormErrors, field string) string {
	return strings.TrimSpace(single(v, e, field))
}

var numberRE = regexp.MustCompile(`^-?[0-9]{1,` + strconv.Itoa(maxNumberText) + `}$`)

// number parses a whole number; an empty field is def.
func number(v url.Values, e FormErrors, field string, def int) int {
	s := text(v, e, field)
	if s == "" {
		return def
	}
	if !numberRE.MatchString(s) {
		e.add(field, "a whole number")
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		e.add(field, "a whole number")
		return def
	}
	return n
}

// checkbox is true for "on", false when absent; anything else is an error.
func checkbox(v url.Values, e FormErrors, field string) bool {
	switch single(v, e, field) {
	case "":
		return false
	case "on":
		return true
	}
	e.add(field, "on or off")
	return false
}

var idRE = regexp.MustCompile(`^[1-9][0-9]{0,17}$`)

// parseID parses an id from a URL or a form strictly: decimal, no sign, no
// leading zero, no spaces.
func parseID(s string) (int64, bool) {
	if !idRE.MatchString(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// tooBig refuses a form with an absurd number of values before parsing it.
func tooBig(v url.Values, e FormErrors) bool {
	n := 0
	for _, vals := range v {
		n += len(vals)
	}
	if n > maxFormValues {
		e.add("", "the form holds far too many values")
		return true
	}
	return false
}

// skills parses checked choices (field choice holds ids) with a skill each
// (field prefix+id, empty means 1). valid tells whether an id may be chosen.
func skills(v url.Values, e FormErrors, choice, prefix string, valid func(int64) bool) map[int64]int {
	out := make(map[int64]int)
	for _, s := range v[choice] {
		id, ok := parseID(s)
		if !ok || !valid(id) {
			e.add(choice, "one of the choices is not of this tenant (reload the page)")
			continue
		}
		if _, dup := out[id]; dup {
			e.add(choice, "a choice was sent twice")
			continue
		}
		field := prefix + strconv.FormatInt(id, 10)
		skill := number(v, e, field, 1)
		if err := validate.Skill(skill); err != nil {
			e.add(field, "skill: "+err.Error())
			continue
		}
		out[id] = skill
	}
	return out
}

// TenantForm is what an operator enters for a tenant.
type TenantForm struct {
	Tenant   ccaas.Tenant // Domain only when creating
	Trunk    string       // "" for no outbound calls
	CallerID string
	DIDs     []string // the numbers assigned to the tenant, all of them
	// Admin is the tenant's first admin (creating only; nil if not asked for),
	// with AdminPassword to hash.
	Admin         *ccaas.Agent
	AdminPassword string
}

// ParseTenantForm reads the operator's tenant form; creating also reads the
// domain and the optional first admin.
func ParseTenantForm(v url.Values, creating bool) (TenantForm, FormErrors) {
	e := FormErrors{}
	var f TenantForm
	if tooBig(v, e) {
		return f, e
	}
	if creating {
		f.Tenant.Domain = strings.ToLower(text(v, e, "domain"))
		e.check("domain", validate.Domain(f.Tenant.Domain))
	}
	f.Tenant.Name = text(v, e, "name")
	e.check("name", validate.Name(f.Tenant.Name))
	if f.Trunk = text(v, e, "trunk"); f.Trunk != "" {
		e.check("trunk", validate.Trunk(f.Trunk))
	}
	f.CallerID = text(v, e, "caller_id")
	e.check("caller_id", validate.CallerID(f.CallerID))
	f.DIDs = lines(v, e, "dids", validate.DID, validate.MaxDIDsPerTenant, "numbers")
	slices.Sort(f.DIDs)
	if creating {
		a := ccaas.Agent{Role: ccaas.RoleAdmin}
		a.Username = text(v, e, "admin_username")
		a.Name = text(v, e, "admin_name")
		a.Extension = text(v, e, "admin_extension")
		password := single(v, e, "admin_password")
		if a.Username != "" || a.Name != "" || a.Extension != "" || password != "" {
			e.check("admin_username", validate.Username(a.Username))
			e.check("admin_name", validate.Name(a.Name))
			e.check("admin_extension", validate.Extension(a.Extension))
			if err := validate.AdminPassword(password); err != nil {
				e.check("admin_password", err)
			} else if single(v, e, "admin_password2") != password {
				e.add("admin_password2", "the two passwords differ")
			}
			f.Admin, f.AdminPassword = &a, password
		}
	}
	if len(e) > 0 {
		return TenantForm{}, e
	}
	return f, nil
}

// AgentForm is what a tenant admin enters for an agent.
type AgentForm struct {
	Agent    ccaas.Agent           // without id, tenant and hash; Username only when creating
	Password string                // creating only
	Queues   map[ccaas.QueueID]int // queue → skill
}

// ParseAgentForm reads an agent form against the tenant's configuration.
// self is the agent being edited (0 when creating): its own username and
// extension do not count as taken.
func ParseAgentForm(v url.Values, cfg ccaas.TenantConfig, self ccaas.AgentID) (AgentForm, FormErrors) {
	e := FormErrors{}
	var f AgentForm
	if tooBig(v, e) {
		return f, e
	}
	a := &f.Agent
	if self == 0 {
		a.Username = text(v, e, "username")
		if err := validate.Username(a.Username); err != nil {
			e.check("username", err)
		} else if slices.ContainsFunc(cfg.Agents, func(o ccaas.Agent) bool { return strings.EqualFold(o.Username, a.Username) }) {
			e.add("username", "another agent has this username")
		}
	}
	a.Name = text(v, e, "name")
	e.check("name", validate.Name(a.Name))
	a.Extension = text(v, e, "extension")
	if err := validate.Extension(a.Extension); err != nil {
		e.check("extension", err)
	} else if o := agentByExtension(cfg, a.Extension); o != nil && o.ID != self {
		e.add("extension", fmt.Sprintf("extension %s belongs to %s", a.Extension, o.Username))
	}
	a.Role = text(v, e, "role")
	e.check("role", validate.Role(a.Role))
	if self == 0 { // an admin's password is longer
		f.Password = single(v, e, "password")
		if err := validate.PasswordFor(a.Role, f.Password); err != nil {
			e.check("password", err)
		} else if single(v, e, "password2") != f.Password {
			e.add("password2", "the two passwords differ")
		}
	}
	a.Team = text(v, e, "team")
	e.check("team", validate.Team(a.Team))
	a.WrapupSeconds = number(v, e, "wrapup", 0)
	e.check("wrapup", validate.Wrapup(a.WrapupSeconds))
	chosen := skills(v, e, "queue", "skill_q", func(id int64) bool { return queueByID(cfg, ccaas.QueueID(id)) != nil })
	f.Queues = make(map[ccaas.QueueID]int, len(chosen))
	for id, skill := range chosen {
		f.Queues[ccaas.QueueID(id)] = skill
	}
	if len(e) > 0 {
		return AgentForm{}, e
	}
	return f, nil
}

// ParsePasswordForm reads a new password typed twice, for a user of role
// (an admin's is longer).
func ParsePasswordForm(v url.Values, role string) (string, FormErrors) {
	e := FormErrors{}
	if tooBig(v, e) {
		return "", e
	}
	p := single(v, e, "password")
	if err := validate.PasswordFor(role, p); err != nil {
		e.check("password", err)
	} else if single(v, e, "password2") != p {
		e.add("password2", "the two passwords differ")
	}
	if len(e) > 0 {
		return "", e
	}
	return p, nil
}

// ParseQueueForm reads a queue form against the tenant's configuration. self
// is the queue being edited (0 when creating). The overflow target is a
// queue's name (stored as its id) or an agent's extension.
func ParseQueueForm(v url.Values, cfg ccaas.TenantConfig, self ccaas.QueueID) (ccaas.Queue, FormErrors) {
	e := FormErrors{}
	var q ccaas.Queue
	if tooBig(v, e) {
		return q, e
	}
	q.Name = text(v, e, "name")
	if err := validate.Name(q.Name); err != nil {
		e.check("name", err)
	} else if o := queueByName(cfg, q.Name); o != nil && o.ID != self {
		e.add("name", "another queue has this name")
	}
	// the numbers are picked among the tenant's own (the operator assigns
	// them); any other is refused alike, whoever has it
	for _, did := range v["did"] {
		did = strings.TrimSpace(did)
		switch {
		case did == "":
		case validate.DID(did) != nil:
			e.check("dids", validate.DID(did))
		case !slices.Contains(cfg.DIDs, did):
			e.add("dids", fmt.Sprintf("%s is not one of your numbers (your operator assigns them); reload the page", did))
		case slices.Contains(q.DIDs, did):
			e.add("dids", fmt.Sprintf("%s is chosen twice", did))
		case len(q.DIDs) >= validate.MaxDIDsPerQueue:
			e.add("dids", fmt.Sprintf("at most %d numbers", validate.MaxDIDsPerQueue))
		default:
			if o := queueByDID(cfg, did); o != nil && o.ID != self {
				e.add("dids", fmt.Sprintf("%s already rings queue %s", did, o.Name))
			}
			q.DIDs = append(q.DIDs, did)
		}
	}
	q.RingSeconds = number(v, e, "ring", 0)
	e.check("ring", validate.Ring(q.RingSeconds))
	q.Priority = number(v, e, "priority", 0)
	e.check("priority", validate.Priority(q.Priority))
	q.Strategy = text(v, e, "strategy")
	e.check("strategy", validate.Strategy(q.Strategy))
	q.MOHClass = text(v, e, "moh")
	e.check("moh", validate.MOHClass(q.MOHClass))
	q.AnnounceSeconds = number(v, e, "announce", 0)
	e.check("announce", validate.Announce(q.AnnounceSeconds))
	q.ServiceLevelSeconds = number(v, e, "service_level", ccaas.DefaultServiceLevelSeconds)
	e.check("service_level", validate.ServiceLevel(q.ServiceLevelSeconds))
	if q.Record = text(v, e, "record"); q.Record == "" {
		q.Record = ccaas.RecordNever
	}
	e.check("record", validate.RecordMode(q.Record))
	q.MaxWaitSeconds = number(v, e, "max_wait", 0)
	e.check("max_wait", validate.MaxWait(q.MaxWaitSeconds))
	q.Overflow = text(v, e, "overflow")
	e.check("overflow", validate.Overflow(q.Overflow))
	q.OverflowTarget = targetOf(e, cfg, self, q.Overflow, "overflow_target", text(v, e, "overflow_target"))
	if q.Overflow != ccaas.OverflowHangup && q.MaxWaitSeconds == 0 && e["overflow"] == "" {
		e.add("max_wait", "set a maximum wait: the call overflows after it")
	}
	q.WaitingRules = parseWaitingRules(v, e, cfg, self)
	chosen := skills(v, e, "member", "skill_a", func(id int64) bool { return agentByID(cfg, ccaas.AgentID(id)) != nil })
	for _, a := range cfg.Agents { // in the tenant's order
		if skill, ok := chosen[int64(a.ID)]; ok {
			q.Members = append(q.Members, ccaas.Member{Agent: a.ID, Skill: skill})
		}
	}
	q.WrapupCodes = lines(v, e, "wrapup_codes", validate.WrapupCode, ccaas.MaxWrapupCodes, "wrapup codes")
	q.CodeRequired = checkbox(v, e, "code_required")
	if q.CodeRequired && len(q.WrapupCodes) == 0 && e["wrapup_codes"] == "" {
		e.add("code_required", "a queue without wrapup codes cannot require one: list the codes first")
	}
	if len(e) > 0 {
		return ccaas.Queue{}, e
	}
	return q, nil
}

// targetOf reads where an overflow or the closed action sends a caller:
// another queue of the tenant by its name (kept as its id), or an agent's
// extension; "" for hangup and voicemail (a target left in the field means
// nothing then).
func targetOf(e FormErrors, cfg ccaas.TenantConfig, self ccaas.QueueID, kind, field, target string) string {
	switch kind {
	case ccaas.OverflowQueue:
		switch t := queueByName(cfg, target); {
		case t == nil:
			e.add(field, "the name of another queue of yours")
		case t.ID == self:
			e.add(field, "a queue cannot send its callers to itself")
		default:
			return strconv.FormatInt(int64(t.ID), 10)
		}
	case ccaas.OverflowExtension:
		if err := validate.Extension(target); err != nil {
			e.add(field, "the agent's extension: "+err.Error())
		} else if agentByExtension(cfg, target) == nil {
			e.add(field, "no agent has extension "+target)
		} else {
			return target
		}
	}
	return ""
}

// parseWaitingRules reads what a queue's callers get besides music: its
// opening hours and closed action, the estimate, callbacks and voicemail.
func parseWaitingRules(v url.Values, e FormErrors, cfg ccaas.TenantConfig, self ccaas.QueueID) ccaas.WaitingRules {
	w := ccaas.WaitingRules{
		// the schedule's lines as typed; the browser sends CRLF
		Hours:           strings.ReplaceAll(text(v, e, "hours"), "\r\n", "\n"),
		HoursExceptions: strings.ReplaceAll(text(v, e, "hours_exceptions"), "\r\n", "\n"),
		ClosedAction:    text(v, e, "closed_action"),
	}
	if err := validate.Hours(w.Hours, ""); err != nil {
		e.check("hours", err)
	} else {
		e.check("hours_exceptions", validate.Hours("", w.HoursExceptions))
	}
	if w.ClosedAction == "" {
		w.ClosedAction = ccaas.OverflowHangup
	}
	e.check("closed_action", validate.ClosedAction(w.ClosedAction))
	w.ClosedTarget = targetOf(e, cfg, self, w.ClosedAction, "closed_target", text(v, e, "closed_target"))
	w.AnnounceEstimate = checkbox(v, e, "announce_estimate")
	w.CallbackAfterSeconds = number(v, e, "callback_after", 0)
	e.check("callback_after", validate.CallbackSeconds(w.CallbackAfterSeconds))
	w.CallbackAboveSeconds = number(v, e, "callback_above", 0)
	e.check("callback_above", validate.CallbackSeconds(w.CallbackAboveSeconds))
	w.CallbackAttempts = number(v, e, "callback_attempts", ccaas.DefaultCallbackAttempts)
	e.check("callback_attempts", validate.CallbackAttempts(w.CallbackAttempts))
	w.CallbackRetrySeconds = number(v, e, "callback_retry", ccaas.DefaultCallbackRetrySeconds)
	e.check("callback_retry", validate.CallbackRetry(w.CallbackRetrySeconds))
	w.VoicemailKey = checkbox(v, e, "voicemail_key")
	w.VoicemailMaxSeconds = number(v, e, "voicemail_max", ccaas.DefaultVoicemailMaxSeconds)
	e.check("voicemail_max", validate.VoicemailSeconds(w.VoicemailMaxSeconds))
	return w
}

// ParseVariablesForm reads the call variables: rows of key and variable, in
// order; a row left empty is skipped.
func ParseVariablesForm(v url.Values) ([]ccaas.CallVariable, FormErrors) {
	e := FormErrors{}
	if tooBig(v, e) {
		return nil, e
	}
	keys, vars := v["key"], v["variable"]
	if len(keys) != len(vars) {
		e.add("", "every row needs a key and a variable field (reload the page)")
		return nil, e
	}
	var out []ccaas.CallVariable
	for i := range keys {
		k, name := strings.TrimSpace(keys[i]), strings.TrimSpace(vars[i])
		row := strconv.Itoa(i + 1)
		switch {
		case k == "" && name == "":
			continue
		case len(keys[i]) > maxFieldLength || len(vars[i]) > maxFieldLength:
			e.add("row"+row, "far too long")
			continue
		}
		if err := validate.VariableKey(k); err != nil {
			e.add("row"+row, "shown name: "+err.Error())
		} else if err := validate.ChannelVariable(name); err != nil {
			e.add("row"+row, "channel variable: "+err.Error())
		} else if slices.ContainsFunc(out, func(o ccaas.CallVariable) bool { return o.Variable == name }) {
			e.add("row"+row, fmt.Sprintf("channel variable %s is listed twice", name))
		}
		out = append(out, ccaas.CallVariable{Key: k, Variable: name})
	}
	if len(out) > ccaas.MaxCallVariables {
		e.add("", fmt.Sprintf("a tenant has at most %d call variables; you sent %d", ccaas.MaxCallVariables, len(out)))
	}
	if len(e) > 0 {
		return nil, e
	}
	return out, nil
}

// lines reads a list field of one item a line: blank lines are skipped,
// each item must pass check and be listed once, and there may be at most
// most of them (what names them in that message).
func lines(v url.Values, e FormErrors, field string, check func(string) error, most int, what string) []string {
	var out []string
	for _, line := range strings.Split(single(v, e, field), "\n") {
		item := strings.TrimSpace(line)
		switch {
		case item == "":
		case check(item) != nil:
			e.check(field, check(item))
		case slices.Contains(out, item):
			e.add(field, fmt.Sprintf("%s is listed twice", item))
		case len(out) >= most:
			e.add(field, fmt.Sprintf("at most %d %s", most, what))
		default:
			out = append(out, item)
		}
	}
	return out
}

// ParseReasonsForm reads the tenant's own Not Ready reasons, one per line.
func ParseReasonsForm(v url.Values) ([]string, FormErrors) {
	e := FormErrors{}
	if tooBig(v, e) {
		return nil, e
	}
	out := lines(v, e, "reasons", validate.Reason, validate.MaxReasons, "reasons")
	if len(e) > 0 {
		return nil, e
	}
	return out, nil
}

// ParseSettingsForm reads the tenant admin's switches and screen pop into s
// (trunk and caller id are the operator's and stay as they are); the screen
// pop may name the attached-data keys given.
func ParseSettingsForm(v url.Values, s ccaas.Settings, keys []string) (ccaas.Settings, FormErrors) {
	e := FormErrors{}
	if tooBig(v, e) {
		return ccaas.Settings{}, e
	}
	s.NotifyIncoming = checkbox(v, e, "notify_incoming")
	s.AgentCallsNotReady = checkbox(v, e, "agent_calls_not_ready")
	s.EndWrapupEarly = checkbox(v, e, "end_wrapup_early")
	s.ScreenPopURL = text(v, e, "screen_pop_url")
	e.check("screen_pop_url", validate.ScreenPop(s.ScreenPopURL, keys))
	if s.ScreenPopOn = text(v, e, "screen_pop_on"); s.ScreenPopOn == "" {
		s.ScreenPopOn = ccaas.ScreenPopOnAnswer
	}
	e.check("screen_pop_on", validate.ScreenPopOn(s.ScreenPopOn))
	if s.RecordOther = text(v, e, "record_other"); s.RecordOther == "" {
		s.RecordOther = ccaas.RecordNever
	}
	e.check("record_other", validate.RecordMode(s.RecordOther))
	s.RecordingRetentionDays = number(v, e, "retention_days", s.RecordingRetentionDays) // empty: as it was
	e.check("retention_days", validate.RetentionDays(s.RecordingRetentionDays))
	s.TimeZone = text(v, e, "time_zone")
	e.check("time_zone", validate.TimeZone(s.TimeZone))
	if len(e) > 0 {
		return ccaas.Settings{}, e
	}
	return s, nil
}

// find returns the first item match accepts, or nil.
func find[T any](items []T, match func(*T) bool) *T {
	for i := range items {
		if match(&items[i]) {
			return &items[i]
		}
	}
	return nil
}

func agentByID(cfg ccaas.TenantConfig, id ccaas.AgentID) *ccaas.Agent {
	return find(cfg.Agents, func(a *ccaas.Agent) bool { return a.ID == id })
}

func agentByExtension(cfg ccaas.TenantConfig, ext string) *ccaas.Agent {
	return find(cfg.Agents, func(a *ccaas.Agent) bool { return a.Extension == ext })
}

func queueByID(cfg ccaas.TenantConfig, id ccaas.QueueID) *ccaas.Queue {
	return find(cfg.Queues, func(q *ccaas.Queue) bool { return q.ID == id })
}

func queueByName(cfg ccaas.TenantConfig, name string) *ccaas.Queue {
	return find(cfg.Queues, func(q *ccaas.Queue) bool { return q.Name == name })
}

func queueByDID(cfg ccaas.TenantConfig, did string) *ccaas.Queue {
	return find(cfg.Queues, func(q *ccaas.Queue) bool { return slices.Contains(q.DIDs, did) })
}
