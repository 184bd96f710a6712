package http

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
)

// The tenant admin's queues: the list, the new and edit forms and the
// deletion.

type queueRow struct {
	ccaas.Queue
	OverflowText string
	HoursText    string
	MemberNames  []string
}

// queuesPage is what queues.html shows: the rows, and a warning about the
// queues nobody can answer.
type queuesPage struct {
	Rows     []queueRow
	Unserved string
}

// nobodyAnswers warns about a queue without members: no agent is ever
// offered its calls, so its callers wait until its maximum wait (if any),
// seen only by the supervisors' team view while they wait. q is nil for a
// queue not created yet.
func nobodyAnswers(cfg ccaas.TenantConfig, q *ccaas.Queue) string {
	name, wait := "this queue", "until its maximum wait, if it has one"
	if q != nil {
		name = "queue " + q.Name
		wait = fmt.Sprintf("%d s (its maximum wait), then ", q.MaxWaitSeconds)
		switch {
		case q.MaxWaitSeconds == 0:
			wait = "until they hang up: it has no maximum wait"
		case q.Overflow == ccaas.OverflowQueue:
			wait += "move to " + queueTargetText(cfg, q.OverflowTarget)
		case q.Overflow == ccaas.OverflowExtension:
			wait += "ring extension " + q.OverflowTarget
		case q.Overflow == ccaas.OverflowVoicemail:
			wait += "may leave a message"
		default:
			wait += "hear goodbye and are hung up"
		}
	}
	return fmt.Sprintf("Nobody can answer the calls of %s: it has no members. Its callers wait %s. Choose members, or set a maximum wait and what happens after it.", name, wait)
}

func overflowText(cfg ccaas.TenantConfig, q ccaas.Queue) string {
	if q.MaxWaitSeconds == 0 {
		return "waits without limit"
	}
	switch q.Overflow {
	case ccaas.OverflowQueue:
		return fmt.Sprintf("after %d s: to %s", q.MaxWaitSeconds, queueTargetText(cfg, q.OverflowTarget))
	case ccaas.OverflowExtension:
		return fmt.Sprintf("after %d s: to extension %s", q.MaxWaitSeconds, q.OverflowTarget)
	case ccaas.OverflowVoicemail:
		return fmt.Sprintf("after %d s: leave a message", q.MaxWaitSeconds)
	}
	return fmt.Sprintf("after %d s: hang up politely", q.MaxWaitSeconds)
}

// hoursText sums up a queue's opening hours and closed action for the list.
func hoursText(cfg ccaas.TenantConfig, q ccaas.Queue) string {
	if q.Hours == "" && q.HoursExceptions == "" {
		return "open all week"
	}
	closed := "hear that it is closed"
	switch q.ClosedAction {
	case ccaas.OverflowVoicemail:
		closed = "may leave a message"
	case ccaas.OverflowExtension:
		closed = "ring extension " + q.ClosedTarget
	case ccaas.OverflowQueue:
		closed = "go to " + queueTargetText(cfg, q.ClosedTarget)
	}
	return "opening hours set; while closed, callers " + closed
}

func (a *admin) queues(c *gin.Context, cfg ccaas.TenantConfig) {
	data := queuesPage{Rows: make([]queueRow, len(cfg.Queues))}
	var unserved []string
	for i, q := range cfg.Queues {
		row := &data.Rows[i]
		*row = queueRow{Queue: q, OverflowText: overflowText(cfg, q), HoursText: hoursText(cfg, q)}
		for _, m := range q.Members {
			if ag := agentByID(cfg, m.Agent); ag != nil {
				row.MemberNames = append(row.MemberNames, fmt.Sprintf("%s (%d)", ag.Username, m.Skill))
			}
		}
		if len(row.MemberNames) == 0 {
			unserved = append(unserved, nobodyAnswers(cfg, &q))
		}
	}
	data.Unserved = strings.Join(unserved, " ")
	p := a.newPage(c, "Queues", "queues")
	p.Data = data
	a.render(c, http.StatusOK, "queues", p)
}

type queuePage struct {
	ID         int64
	Numbers    []didChoice // the tenant's numbers
	Unserved   string      // the warning of nobodyAnswers, while no member is chosen
	Strategies []string
	Members    []choice
	QueueNames []string // other queues: overflow targets
	Extensions []string
}

// didChoice is one of the tenant's numbers on the queue form.
type didChoice struct {
	DID       string
	Checked   bool
	Elsewhere string // the other queue it rings, if any
}

func queueValues(q ccaas.Queue, cfg ccaas.TenantConfig) url.Values {
	v := url.Values{"name": {q.Name}, "did": slices.Clone(q.DIDs), "ring": {strconv.Itoa(q.RingSeconds)},
		"priority": {strconv.Itoa(q.Priority)}, "strategy": {q.Strategy}, "moh": {q.MOHClass},
		"announce": {strconv.Itoa(q.AnnounceSeconds)}, "max_wait": {strconv.Itoa(q.MaxWaitSeconds)}, "overflow": {q.Overflow},
		"service_level": {strconv.Itoa(q.ServiceLevelSeconds)}, "wrapup_codes": {strings.Join(q.WrapupCodes, "\n")}, "record": {q.Record},
		"hours": {q.Hours}, "hours_exceptions": {q.HoursExceptions}, "closed_action": {q.ClosedAction},
		"callback_after": {strconv.Itoa(q.CallbackAfterSeconds)}, "callback_above": {strconv.Itoa(q.CallbackAboveSeconds)},
		"callback_attempts": {strconv.Itoa(q.CallbackAttempts)}, "callback_retry": {strconv.Itoa(q.CallbackRetrySeconds)},
		"voicemail_max": {strconv.Itoa(q.VoicemailMaxSeconds)}}
	if q.CodeRequired {
		v.Set("code_required", "on")
	}
	v.Set("overflow_target", targetText(cfg, q.Overflow, q.OverflowTarget))
	v.Set("closed_target", targetText(cfg, q.ClosedAction, q.ClosedTarget))
	if q.AnnounceEstimate {
		v.Set("announce_estimate", "on")
	}
	if q.VoicemailKey {
		v.Set("voicemail_key", "on")
	}
	for _, m := range q.Members {
		addChoice(v, "member", "skill_a", int64(m.Agent), m.Skill)
	}
	return v
}

// targetText is an overflow's or closed action's target as the form shows
// it: the queue's name, the extension.
func targetText(cfg ccaas.TenantConfig, kind, target string) string {
	switch kind {
	case ccaas.OverflowQueue:
		if id, ok := parseID(target); ok {
			if t := queueByID(cfg, ccaas.QueueID(id)); t != nil {
				return t.Name
			}
		}
	case ccaas.OverflowExtension:
		return target
	}
	return ""
}

// queueTargetText names the queue an overflow or closed action sends callers
// to in a sentence: "queue Sales", or "a removed queue".
func queueTargetText(cfg ccaas.TenantConfig, target string) string {
	if name := targetText(cfg, ccaas.OverflowQueue, target); name != "" {
		return "queue " + name
	}
	return "a removed queue"
}

func (a *admin) showQueue(c *gin.Context, status int, cfg ccaas.TenantConfig, id ccaas.QueueID, v url.Values, errs FormErrors) {
	title := "New queue"
	if q := queueByID(cfg, id); q != nil {
		title = "Queue " + q.Name
	}
	p := a.newPage(c, title, "queues")
	p.Form, p.Errors = v, errs
	ids, labels := make([]int64, len(cfg.Agents)), make([]string, len(cfg.Agents))
	data := queuePage{ID: int64(id), Strategies: []string{"longest_idle", "round_robin", "fewest_calls"}}
	for i, ag := range cfg.Agents {
		ids[i], labels[i] = int64(ag.ID), fmt.Sprintf("%s (%s, ext. %s)", ag.Name, ag.Username, ag.Extension)
		data.Extensions = append(data.Extensions, ag.Extension)
	}
	for _, q := range cfg.Queues {
		if q.ID != id {
			data.QueueNames = append(data.QueueNames, q.Name)
		}
	}
	data.Members = choices(v, errs, "member", "skill_a", ids, labels)
	for _, did := range cfg.DIDs {
		c := didChoice{DID: did, Checked: slices.Contains(v["did"], did)}
		if o := queueByDID(cfg, did); o != nil && o.ID != id {
			c.Elsewhere = o.Name
		}
		data.Numbers = append(data.Numbers, c)
	}
	if len(v["member"]) == 0 {
		data.Unserved = nobodyAnswers(cfg, queueByID(cfg, id))
	}
	p.Data = data
	a.render(c, status, "queue", p)
}

func (a *admin) queueNew(c *gin.Context, cfg ccaas.TenantConfig) {
	a.showQueue(c, http.StatusOK, cfg, 0, queueValues(ccaas.Queue{RingSeconds: 20, ServiceLevelSeconds: ccaas.DefaultServiceLevelSeconds, Strategy: "longest_idle", MOHClass: "default", Overflow: ccaas.OverflowHangup,
		WaitingRules: ccaas.WaitingRules{ClosedAction: ccaas.OverflowHangup, CallbackAttempts: ccaas.DefaultCallbackAttempts,
			CallbackRetrySeconds: ccaas.DefaultCallbackRetrySeconds, VoicemailMaxSeconds: ccaas.DefaultVoicemailMaxSeconds}}, cfg), FormErrors{})
}

func (a *admin) queueCreate(c *gin.Context, cfg ccaas.TenantConfig) {
	v := c.Request.PostForm
	again := func(errs FormErrors) { a.showQueue(c, http.StatusUnprocessableEntity, cfg, 0, v, errs) }
	q, errs := ParseQueueForm(v, cfg, 0)
	if errs != nil {
		again(errs)
		return
	}
	q.TenantID = adminOf(c).Tenant
	created, err := a.store.CreateQueue(c.Request.Context(), q)
	if a.stored(c, err, again) {
		a.audit(c, "queue_created", "target", created.Name, "dids", created.DIDs)
		a.done(c, q.TenantID, "/admin/queues", fmt.Sprintf("Queue %s created.", created.Name))
	}
}

// queueByURL finds the queue named by the URL among the session tenant's own.
func (a *admin) queueByURL(c *gin.Context, cfg ccaas.TenantConfig) (ccaas.Queue, bool) {
	id, ok := a.idOf(c)
	if !ok {
		return ccaas.Queue{}, false
	}
	q := queueByID(cfg, ccaas.QueueID(id))
	if q == nil {
		a.notFound(c)
		return ccaas.Queue{}, false
	}
	return *q, true
}

func (a *admin) queueEdit(c *gin.Context, cfg ccaas.TenantConfig) {
	q, ok := a.queueByURL(c, cfg)
	if !ok {
		return
	}
	a.showQueue(c, http.StatusOK, cfg, q.ID, queueValues(q, cfg), FormErrors{})
}

func (a *admin) queueUpdate(c *gin.Context, cfg ccaas.TenantConfig) {
	old, ok := a.queueByURL(c, cfg)
	if !ok {
		return
	}
	v := c.Request.PostForm
	again := func(errs FormErrors) { a.showQueue(c, http.StatusUnprocessableEntity, cfg, old.ID, v, errs) }
	q, errs := ParseQueueForm(v, cfg, old.ID)
	if errs != nil {
		again(errs)
		return
	}
	q.ID, q.TenantID = old.ID, old.TenantID
	if a.stored(c, a.store.UpdateQueue(c.Request.Context(), q), again) {
		a.audit(c, "queue_updated", "target", q.Name, "dids", q.DIDs)
		a.done(c, q.TenantID, "/admin/queues", fmt.Sprintf("Queue %s saved.", q.Name))
	}
}

func (a *admin) queueDelete(c *gin.Context, cfg ccaas.TenantConfig) {
	q, ok := a.queueByURL(c, cfg)
	if !ok {
		return
	}
	errs := FormErrors{}
	var from []string
	for _, o := range cfg.Queues {
		if o.Overflow == ccaas.OverflowQueue && o.OverflowTarget == strconv.FormatInt(int64(q.ID), 10) && o.ID != q.ID {
			from = append(from, o.Name)
		}
	}
	switch {
	case c.Request.PostForm.Get("confirm") != "yes":
		errs.add("confirm", "tick the box to confirm the deletion")
	case len(from) > 0:
		errs.add("confirm", fmt.Sprintf("queue %s overflows into this queue; change that queue first", strings.Join(from, ", ")))
	}
	if len(errs) > 0 {
		a.showQueue(c, http.StatusUnprocessableEntity, cfg, q.ID, queueValues(q, cfg), errs)
		return
	}
	if a.stored(c, a.store.DeleteQueue(c.Request.Context(), q.TenantID, q.ID), nil) {
		a.audit(c, "queue_deleted", "target", q.Name)
		a.done(c, q.TenantID, "/admin/queues", fmt.Sprintf("Queue %s deleted; calls waiting in it were ended politely.", q.Name))
	}
}
