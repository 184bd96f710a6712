package http

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // ?tz= accepts every IANA zone, also on a machine without tzdata

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/report"
)

// The reports page (GET /admin/reports) and its CSV files
// (GET /admin/reports/{queues,agents,states,codes}.csv, and the call records
// calls.csv, reports_calls.go), for tenant admins and
// supervisors. The query names the period: from and to (YYYY-MM-DD, both
// days included), by (day or hour) and tz (an IANA zone such as
// Europe/Berlin; the server's own zone if empty). A supervisor's agent
// tables hold only the agents they supervise. The figures are defined in
// package report.

// reportTables are the CSV files of the page's tables, by the name in their
// URL; callsFile is the export of the call records (a file only).
var reportTables = []string{"queues.csv", "agents.csv", "states.csv", "codes.csv", "callbacks.csv", "voicemails.csv"}

// maxZoneName bounds ?tz= (the longest IANA names have about 30 characters).
const maxZoneName = 64

// reportQuery is a checked report request.
type reportQuery struct {
	period report.Period
	zone   string     // as asked ("" for the server's zone)
	form   url.Values // the values to show in the form and to put in links
}

// parseReportQuery reads from, to, by and tz; empty ones default to today,
// per hour, in the server's zone. The form returned shows what was asked
// even when it is wrong.
func parseReportQuery(v url.Values, now time.Time) (reportQuery, error) {
	q := reportQuery{zone: strings.TrimSpace(v.Get("tz")), form: url.Values{}}
	from, to, by := strings.TrimSpace(v.Get("from")), strings.TrimSpace(v.Get("to")), strings.TrimSpace(v.Get("by"))
	q.form.Set("from", from)
	q.form.Set("to", to)
	q.form.Set("by", by)
	q.form.Set("tz", q.zone)
	loc, err := loadZone(q.zone)
	if err != nil {
		return q, err
	}
	today := now.In(loc).Format("2006-01-02")
	if from == "" {
		from = today
	}
	if to == "" {
		to = from
	}
	if by == "" {
		by = string(report.Hour)
		if from != to {
			by = string(report.Day)
		}
	}
	q.form.Set("from", from)
	q.form.Set("to", to)
	q.form.Set("by", by)
	q.period, err = report.ParsePeriod(from, to, report.Granularity(by), loc)
	return q, err
}

// loadZone checks ?tz= before time.LoadLocation sees it: a name of letters,
// digits and / _ + - (no paths, nothing to read outside the zone database).
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.Local, nil
	}
	bad := fmt.Errorf("%w: %q is not a time zone; use a name like Europe/Berlin, or leave it empty for the server's zone", report.ErrBadPeriod, shorten(name, maxZoneName))
	if len(name) > maxZoneName || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		return nil, bad
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_+-", r)) {
			return nil, bad
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, bad
	}
	return loc, nil
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// query is the request's period as a query string for links.
func (q reportQuery) query() string {
	v := url.Values{"from": {q.form.Get("from")}, "to": {q.form.Get("to")}, "by": {q.form.Get("by")}}
	if q.zone != "" {
		v.Set("tz", q.zone)
	}
	return v.Encode()
}

// zoneText says which zone the times are in.
func zoneText(q reportQuery, now time.Time) string {
	if q.zone == "" {
		name, _ := now.In(time.Local).Zone()
		return "the server's time zone (" + name + ")"
	}
	return q.period.Loc.String()
}

// computeReport reads the period's rows and computes the report; agent rows
// are kept only for agents the user may see (a supervisor's teams).
func (a *admin) computeReport(c *gin.Context, q reportQuery) (report.Report, bool) {
	s := adminOf(c)
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return report.Report{}, false
	}
	r, err := report.For(c.Request.Context(), a.store, cfg, q.period, a.now())
	if err != nil {
		a.failed(c, err)
		return report.Report{}, false
	}
	if s.Role != ccaas.RoleAdmin {
		var me ccaas.Agent
		others := map[ccaas.AgentID]ccaas.Agent{}
		for _, ag := range cfg.Agents {
			others[ag.ID] = ag
			if ag.ID == s.Agent {
				me = ag
			}
		}
		for _, ag := range cfg.Deleted { // their history stays with their team
			others[ag.ID] = ag
		}
		sees := func(id ccaas.AgentID) bool { ag, ok := others[id]; return ok && me.Supervises(ag) }
		r.Agents = keepRows(r.Agents, func(row report.AgentRow) bool { return sees(row.Agent) })
		r.States = keepRows(r.States, func(row report.StateRow) bool { return sees(row.Agent) })
		// a code's total is a figure of its queue, as the queue table's are
		r.Codes = keepRows(r.Codes, func(row report.CodeRow) bool { return row.Total || sees(row.Agent) })
		r.Calls = teamCalls(r.Calls, sees)
	}
	return r, true
}

func keepRows[R any](rows []R, ok func(R) bool) []R {
	var out []R
	for _, r := range rows {
		if ok(r) {
			out = append(out, r)
		}
	}
	return out
}

// reportPage is what reports.html shows.
type reportPage struct {
	Problem    string // why the period was refused ("" if it was not)
	Zone       string
	Query      string // the period as a query string, for the CSV links
	Period     string // "2026-03-09 to 2026-03-10, per hour"
	Supervisor bool
	Traffic    []trafficBar
	TrafficMax int
	States     []stateBar
	Tables     []reportTable
	Per        string // "hour" or "day"
	CallsLink  template.URL
	Recorded   *recordedCalls
}

func (a *admin) reports(c *gin.Context) {
	now := a.now()
	q, err := parseReportQuery(c.Request.URL.Query(), now)
	p := a.newPage(c, "Reports", "reports")
	p.Form = q.form
	data := &reportPage{Supervisor: adminOf(c).Role != ccaas.RoleAdmin}
	p.Data = data
	if err != nil {
		data.Problem = strings.TrimPrefix(err.Error(), report.ErrBadPeriod.Error()+": ")
		a.render(c, http.StatusBadRequest, "reports", p)
		return
	}
	r, ok := a.computeReport(c, q)
	if !ok {
		return
	}
	data.Zone, data.Query, data.Per = zoneText(q, now), q.query(), string(q.period.Granularity)
	data.Period = q.period.FirstDay()
	if q.period.Days() > 1 {
		data.Period += " to " + q.period.LastDay()
	}
	data.Period += ", per " + string(q.period.Granularity)
	data.Traffic, data.TrafficMax = trafficBars(r)
	data.States = stateBars(r)
	data.Tables = reportTablesOf(r)
	for i := range data.Tables {
		// trusted: a fixed name and a query string of checked values, encoded
		data.Tables[i].Link = template.URL("/admin/reports/" + data.Tables[i].File + "?" + data.Query)
	}
	data.CallsLink = template.URL("/admin/reports/" + callsFile + "?" + data.Query)
	if data.Recorded, ok = a.recordedCalls(c, q); !ok {
		return
	}
	a.render(c, http.StatusOK, "reports", p)
}

func (a *admin) reportCSV(c *gin.Context) {
	name := c.Param("table")
	i := slices.Index(reportTables, name)
	if i < 0 && name != callsFile {
		a.notFound(c)
		return
	}
	q, err := parseReportQuery(c.Request.URL.Query(), a.now())
	if err != nil {
		a.message(c, http.StatusBadRequest, "Cannot make this report", strings.TrimPrefix(err.Error(), report.ErrBadPeriod.Error()+": "))
		return
	}
	r, ok := a.computeReport(c, q)
	if !ok {
		return
	}
	var table reportTable
	if i < 0 {
		table = callsTable(r, q.period.Loc)
	} else {
		table = reportTablesOf(r)[i]
	}
	body, err := table.csv()
	if err != nil {
		a.failed(c, err)
		return
	}
	file := fmt.Sprintf("%s_%s_%s_%s.csv", strings.TrimSuffix(name, ".csv"), q.period.FirstDay(), q.period.LastDay(), q.period.Granularity)
	c.Header("Content-Disposition", `attachment; filename="`+file+`"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", body)
}

// ---- tables: one definition of the columns serves the page and the CSV

// cell is one cell: a text, a count, a duration or a percentage; none
// marks an average of nothing (no answered call to average over).
type cell struct {
	kind cellKind
	text string
	n    int
	d    time.Duration
	pct  float64
	none bool
}

type cellKind int

const (
	textCell cellKind = iota
	countCell
	durationCell
	percentCell
)

func cellText(s string) cell              { return cell{kind: textCell, text: s} }
func cellCount(n int) cell                { return cell{kind: countCell, n: n} }
func cellDur(d time.Duration) cell        { return cell{kind: durationCell, d: d} }
func cellAvg(d time.Duration, n int) cell { return cell{kind: durationCell, d: d, none: n == 0} }
func cellPct(p float64, of int) cell      { return cell{kind: percentCell, pct: p, none: of == 0} }

// Page is the cell as the page shows it: as in CSV, but durations as
// h:mm:ss or m:ss, percentages with their sign and a dash for nothing.
func (v cell) Page() string {
	switch {
	case v.none:
		return "—"
	case v.kind == durationCell:
		return clockText(v.d)
	case v.kind == percentCell:
		return v.CSV() + " %"
	}
	return v.CSV()
}

// Number tells the page to right-align the cell.
func (v cell) Number() bool { return v.kind != textCell }

// CSV is the cell in a CSV file: durations in seconds (one decimal),
// percentages without the sign, nothing for an average of nothing.
func (v cell) CSV() string {
	if v.none {
		return ""
	}
	switch v.kind {
	case countCell:
		return strconv.Itoa(v.n)
	case durationCell:
		return strconv.FormatFloat(v.d.Seconds(), 'f', 1, 64)
	case percentCell:
		return strconv.FormatFloat(v.pct, 'f', 1, 64)
	}
	return v.text
}

// clock formats a duration to the second: 1:02:03, or 2:03 under an hour.
func clockText(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

type reportColumn struct {
	Head, CSV, Help string
}

type reportRow struct {
	Total  bool
	Values []cell
}

// reportTable is one table of the page and its CSV file.
type reportTable struct {
	Title, File, Empty string
	Link               template.URL // of the CSV file, with the page's period
	Columns            []reportColumn
	Rows               []reportRow
	// Parts split a wide table into narrower ones on the page, so that it
	// fits a 1280-pixel window; the CSV file keeps every column.
	Parts []reportPart
}

// reportPart is some of a table's columns (indexes, the key columns first).
type reportPart struct {
	Title   string
	Columns []int
}

// shownTable is a table as the page shows it: all of it, or one part.
type shownTable struct {
	ID, Title string // the id names the table's scroll box
	Columns   []reportColumn
	Rows      []reportRow
}

// Shown are the tables the page shows for t.
func (t reportTable) Shown() []shownTable {
	base := strings.TrimSuffix(t.File, ".csv")
	if len(t.Parts) == 0 {
		return []shownTable{{ID: base + "-table", Columns: t.Columns, Rows: t.Rows}}
	}
	out := make([]shownTable, len(t.Parts))
	for i, p := range t.Parts {
		st := shownTable{ID: fmt.Sprintf("%s-table-%d", base, i+1), Title: p.Title}
		for _, c := range p.Columns {
			st.Columns = append(st.Columns, t.Columns[c])
		}
		for _, r := range t.Rows {
			row := reportRow{Total: r.Total}
			for _, c := range p.Columns {
				row.Values = append(row.Values, r.Values[c])
			}
			st.Rows = append(st.Rows, row)
		}
		out[i] = st
	}
	return out
}

func (t reportTable) csv() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.CSV
	}
	if err := w.Write(head); err != nil {
		return nil, err
	}
	for _, r := range t.Rows {
		rec := make([]string, len(r.Values))
		for i, v := range r.Values {
			rec[i] = csvSafe(v.CSV())
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvSafe keeps a spreadsheet from taking a cell for a formula: a cell that
// starts with = + - @ (or a tab or carriage return, which some spreadsheets
// skip before looking) gets a leading '.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func reportTablesOf(r report.Report) []reportTable {
	queues := reportTable{Title: "Queues", File: reportTables[0], Empty: "No queue calls ended in this period.",
		Columns: []reportColumn{
			{"Queue", "queue", ""}, {"Period", "period", ""},
			{"Offered", "offered", "calls that arrived"},
			{"Answered", "answered", "calls an agent answered"},
			{"Abandoned", "abandoned", "the caller hung up before an agent answered"},
			{"Avg abandon wait", "abandon_wait_avg_s", "how long abandoned callers waited, on average"},
			{"Max abandon wait", "abandon_wait_max_s", "the longest wait before abandoning"},
			{"Unanswered", "unanswered", "ended unanswered otherwise (maximum wait, failure)"},
			{"SL target", "service_level_target_s", "the queue's service-level target"},
			{"Service level", "service_level_pct", "answered within the target ÷ offered"},
			{"ASA", "asa_s", "average speed of answer: the average wait of answered calls"},
			{"Talk", "talk_s", ""}, {"Avg talk", "talk_avg_s", "per answered call"},
			{"Hold", "hold_s", ""}, {"Avg hold", "hold_avg_s", "per answered call"},
			{"Wrapup", "wrapup_s", ""}, {"Avg wrapup", "wrapup_avg_s", "per answered call"},
			{"AHT", "aht_s", "average handling time: (talk + hold + wrapup) ÷ answered"},
			{"Transfers", "transfers", "blind transfers"},
			{"Estimate error", "estimate_error_avg_s", "for answered callers told an estimated wait as they entered: the average difference, either way, between what they were told and their wait"},
		},
		Parts: []reportPart{
			{"Calls", []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 19}},
			{"Handling time", []int{0, 1, 11, 12, 13, 14, 15, 16, 17}},
		}}
	for _, q := range r.Queues {
		f := q.QueueFigures
		queues.Rows = append(queues.Rows, reportRow{Total: q.Total, Values: []cell{
			cellText(q.Name), cellText(q.Bucket.Label), cellCount(f.Offered), cellCount(f.Answered), cellCount(f.Abandoned),
			cellAvg(f.AbandonWaitAvg(), f.Abandoned), cellAvg(f.AbandonWaitMax, f.Abandoned), cellCount(f.Unanswered),
			cellDur(f.Target), cellPct(f.ServiceLevel(), f.Offered), cellAvg(f.ASA(), f.Answered),
			cellDur(f.Talk), cellAvg(f.TalkAvg(), f.Answered), cellDur(f.Hold), cellAvg(f.HoldAvg(), f.Answered),
			cellDur(f.Wrapup), cellAvg(f.WrapupAvg(), f.Answered), cellAvg(f.AHT(), f.Answered), cellCount(f.Transfers),
			cellAvg(f.EstimateErrorAvg(), f.Estimated),
		}})
	}
	agents := reportTable{Title: "Agents", File: reportTables[1], Empty: "No agent took part in a call in this period.",
		Columns: []reportColumn{
			{"Agent", "agent", ""}, {"Period", "period", ""},
			{"Answered", "answered", "calls offered to the agent (queue, extension, transfer) that they answered"},
			{"Other calls", "other_calls", "outbound, from other agents, conferences joined"},
			{"Talk", "talk_s", "connected, less hold"}, {"Hold", "hold_s", ""},
			{"Wrapup", "wrapup_s", "after these calls"},
			{"Transfers", "transfers", "calls they passed on"},
			{"Missed", "missed", "offers that rang out"},
		}}
	for _, a := range r.Agents {
		f := a.AgentFigures
		agents.Rows = append(agents.Rows, reportRow{Total: a.Total, Values: []cell{
			cellText(a.Name), cellText(a.Bucket.Label), cellCount(f.Answered), cellCount(f.Other), cellDur(f.Talk), cellDur(f.Hold), cellDur(f.Wrapup),
			cellCount(f.Transfers), cellCount(f.Missed),
		}})
	}
	states := reportTable{Title: "Time in state", File: reportTables[2], Empty: "No agent was logged in in this period.",
		Columns: []reportColumn{
			{"Agent", "agent", ""}, {"Period", "period", ""},
			{"Logged in", "logged_in_s", "the sum of the states"},
			{"Not Ready", "not_ready_s", ""}, {"Ready", "ready_s", ""}, {"Offered", "offered_s", ""},
			{"Connecting", "connecting_s", ""}, {"Talking", "talking_s", ""}, {"Wrapup", "wrapup_s", ""},
		}}
	for _, s := range r.States {
		t := s.StateTimes
		states.Rows = append(states.Rows, reportRow{Total: s.Total, Values: []cell{
			cellText(s.Name), cellText(s.Bucket.Label), cellDur(t.LoggedIn()), cellDur(t.NotReady), cellDur(t.Ready), cellDur(t.Offered),
			cellDur(t.Connecting), cellDur(t.Talking), cellDur(t.Wrapup),
		}})
	}
	codes := reportTable{Title: "Wrapup codes", File: reportTables[3], Empty: "No agent gave a wrapup code for a call of this period.",
		Columns: []reportColumn{
			{"Queue", "queue", ""}, {"Code", "code", ""}, {"Agent", "agent", ""},
			{"Calls", "calls", "calls of the period the agent gave this code (the last one they gave counts); the code's total row counts every agent"},
		}}
	for _, c := range r.Codes {
		who := c.Name
		if c.Total {
			who = "All agents"
		}
		codes.Rows = append(codes.Rows, reportRow{Total: c.Total, Values: []cell{cellText(c.QueueName), cellText(c.Code), cellText(who), cellCount(c.Calls)}})
	}
	callbacks := reportTable{Title: "Callbacks", File: reportTables[4], Empty: "No caller asked to be called back in this period.",
		Columns: []reportColumn{
			{"Queue", "queue", ""},
			{"Requested", "requested", "callers who asked to be called back, keeping their place (counted in the day they asked)"},
			{"Reached", "reached", "an agent talked to the customer"},
			{"Failed", "failed", "every attempt busy or unanswered, the number failed, or the queue was deleted"},
			{"Waiting", "waiting", "not done yet: waiting for their turn or a retry"},
			{"Waiting time saved", "saved_s", "from the request to the first dial, for the callbacks an agent took: time the callers did not spend on hold"},
			{"Avg saved", "saved_avg_s", "per callback an agent took"},
		}}
	for _, cb := range r.Callbacks {
		callbacks.Rows = append(callbacks.Rows, reportRow{Values: []cell{
			cellText(cb.Name), cellCount(cb.Requested), cellCount(cb.Reached), cellCount(cb.Failed), cellCount(cb.Open),
			cellDur(cb.Saved), cellAvg(cb.SavedAvg(), cb.Dialled),
		}})
	}
	voicemails := reportTable{Title: "Voicemails", File: reportTables[5], Empty: "No caller left a message in this period.",
		Columns: []reportColumn{
			{"Queue", "queue", ""},
			{"Left", "left", "messages callers left for the queue (counted in the day they left them)"},
			{"Called back", "called_back", "an agent called the caller back and reached them"},
			{"Closed", "closed", "an agent listened and closed it without reaching the caller"},
			{"Expired", "expired", "deleted after your retention before anyone closed it"},
			{"Waiting", "waiting", "nobody has closed it yet"},
			{"Avg time to handle", "handle_wait_avg_s", "from the message to its closing, for those called back or closed"},
		}}
	for _, vm := range r.Voicemails {
		voicemails.Rows = append(voicemails.Rows, reportRow{Values: []cell{
			cellText(vm.Name), cellCount(vm.Left), cellCount(vm.CalledBack), cellCount(vm.Closed), cellCount(vm.Expired), cellCount(vm.Open),
			cellAvg(vm.HandleWaitAvg(), vm.CalledBack+vm.Closed),
		}})
	}
	return []reportTable{queues, agents, states, codes, callbacks, voicemails}
}

// ---- charts: bars sized by CSS classes (the page's CSP allows no inline
// style), w0 … w100 and h0 … h100 in percent

// barWidths are the stylesheet's bar classes.
func barWidths() []byte {
	var b bytes.Buffer
	b.WriteString("\n/* bar sizes of the report charts (generated) */\n")
	for i := 0; i <= 100; i++ {
		fmt.Fprintf(&b, ".w%d{width:%d%%}.h%d{height:%d%%}\n", i, i, i, i)
	}
	return b.Bytes()
}

// share is n of all in whole percent, for a bar class; any n > 0 shows.
func barShare(n, all float64) int {
	if all <= 0 || n <= 0 {
		return 0
	}
	return max(1, int(math.Round(100*n/all)))
}

// trafficBar is one bucket's reportColumn: offered and answered side by side.
type trafficBar struct {
	Label, Tick                  string // the full label; the axis label shown under some columns
	Offered, Answered, Abandoned int
	OfferedClass, AnsweredClass  string
}

func trafficBars(r report.Report) ([]trafficBar, int) {
	most := 0
	for _, t := range r.Traffic {
		most = max(most, t.Offered)
	}
	step := max(1, (len(r.Traffic)+23)/24) // at most about 24 axis labels
	out := make([]trafficBar, len(r.Traffic))
	for i, t := range r.Traffic {
		out[i] = trafficBar{Label: t.Bucket.Label, Offered: t.Offered, Answered: t.Answered, Abandoned: t.Abandoned,
			OfferedClass:  "h" + strconv.Itoa(barShare(float64(t.Offered), float64(most))),
			AnsweredClass: "h" + strconv.Itoa(barShare(float64(t.Answered), float64(most)))}
		if i%step == 0 {
			out[i].Tick = axisTick(r.Period, t.Bucket)
		}
	}
	return out, most
}

// tick is a short axis label: the hour of a one-day period, else the date.
func axisTick(p report.Period, b report.Bucket) string {
	start := b.Start.In(p.Loc)
	if p.Granularity == report.Hour && p.Days() == 1 {
		return start.Format("15")
	}
	return start.Format("01-02")
}

// stateBar is an agent's period split into states, as one stacked bar.
type stateBar struct {
	Name     string
	LoggedIn string
	Parts    []statePart
}

type statePart struct {
	State, Class, Time string
}

func stateBars(r report.Report) []stateBar {
	var out []stateBar
	for _, s := range r.States {
		if !s.Total {
			continue
		}
		t := s.StateTimes
		all := float64(t.LoggedIn())
		b := stateBar{Name: s.Name, LoggedIn: clockText(t.LoggedIn())}
		for _, part := range []struct {
			state, class string
			d            time.Duration
		}{
			{"Not Ready", "s-not-ready", t.NotReady}, {"Ready", "s-ready", t.Ready}, {"Offered", "s-offered", t.Offered},
			{"Connecting", "s-connecting", t.Connecting}, {"Talking", "s-talking", t.Talking}, {"Wrapup", "s-wrapup", t.Wrapup},
		} {
			if w := barShare(float64(part.d), all); w > 0 {
				b.Parts = append(b.Parts, statePart{State: part.state, Class: part.class + " w" + strconv.Itoa(w), Time: clockText(part.d)})
			}
		}
		out = append(out, b)
	}
	return out
}
