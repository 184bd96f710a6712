package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/sqlite"
	"github.com/ccaas/ccaas/validate"
	"github.com/ccaas/ccaas/webhook"
)

// Admin commands write the configuration into the sqlite file; a running
// server reads it when it starts.
const adminUsage = `usage:
  ccaas tenant add --domain D --name N
  ccaas agent add  --domain D --username U --name N --extension E [--wrapup S] [--role agent|supervisor|admin] [--team T]
                   (the password is read from the first line of standard input: 8 to 72 characters,
                   12 or more for an admin, not one of the most common passwords)
  ccaas queue add  --domain D --name N --did NUMBER [--did …] [--member USER[:SKILL] …] [--ring S]
                   [--priority P] [--strategy longest_idle|round_robin|fewest_calls] [--moh CLASS]
                   [--max-wait S --overflow hangup|queue|extension|voicemail --overflow-target QUEUE-NAME|EXTENSION]
                   [--announce S] [--wrapup-code CODE …] [--require-code] [--record never|always|demand]
                   [waiting rules, as for queue set]
  ccaas queue set  --domain D --name N   (changes only the waiting rules given:)
                   [--hours "mon-fri 08:00-12:00 13:00-18:00; sat 09:00-13:00"] [--hours-exceptions "2026-12-25 closed"]
                   [--closed hangup|voicemail|queue|extension --closed-target QUEUE-NAME|EXTENSION]
                   [--announce-estimate on|off] [--callback-after S] [--callback-above S] [--callback-attempts N]
                   [--callback-retry S] [--voicemail-key on|off] [--voicemail-max S]
  ccaas reason add --domain D --reason R
  ccaas tenant set --domain D [--notify on|off] [--agent-calls-not-ready on|off] [--end-wrapup-early on|off]
                   [--record-other never|always|demand] [--trunk ENDPOINT] [--caller-id ID] [--time-zone ZONE]
                   [--retention-days N] [--did NUMBER …] [--remove-did NUMBER …]   (assign the numbers customers dial to the tenant,
                   or take them away; a queue rings only numbers of its tenant)
  ccaas variable add --domain D --key "Shown name" --variable CHANNEL_VARIABLE   (at most 10 per tenant)
  ccaas webhook add --domain D --url https://… [--event TYPE …] [--secret S] [--allow RANGES]
                   (the events: call.queued, call.offered, call.answered, call.ended, agent.state_changed; default
                   all; without --secret a new one is made and printed once; --allow as the server's --webhook-allow)
  ccaas webhook list --domain D
  ccaas webhook remove --domain D --id N
  ccaas operator add --username U   (a super admin of the web admin pages; password on standard input,
                   12 to 72 characters)
Every command also takes --db FILE.
`

// The rules of every value are in package validate, shared with the web admin pages.

// flagErr prefixes a rule that a flag's value broke with the flag's name.
func flagErr(flag string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", flag, err)
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runAdmin(ctx context.Context, object string, args []string, db string, stdin io.Reader, stdout, stderr io.Writer) error {
	settable := object == "tenant" || object == "queue"
	listable := object == "webhook"
	if len(args) == 0 || (args[0] != "add" && !(settable && args[0] == "set") && !(listable && (args[0] == "list" || args[0] == "remove"))) {
		fmt.Fprint(stderr, adminUsage)
		return fmt.Errorf("%s: want \"%s add\"", object, object)
	}
	switch args[0] {
	case "set", "list", "remove":
		object += " " + args[0]
	}
	fs := flag.NewFlagSet("ccaas "+object+" "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&db, "db", db, "sqlite database file")
	domain := fs.String("domain", "", "the tenant's domain (what agents type at login)")
	var cmd func(context.Context, *sqlite.DB, ccaas.Tenant) (string, error)
	switch object {
	case "tenant":
		name := fs.String("name", "", "the tenant's display name")
		cmd = func(ctx context.Context, d *sqlite.DB, _ ccaas.Tenant) (string, error) {
			if err := errors.Join(flagErr("--domain", validate.Domain(*domain)), flagErr("--name", validate.Name(strings.TrimSpace(*name)))); err != nil {
				return "", err
			}
			t, err := d.CreateTenant(ctx, ccaas.Tenant{Domain: strings.ToLower(*domain), Name: strings.TrimSpace(*name)})
			return fmt.Sprintf("tenant %s created (id %d)", t.Domain, t.ID), err
		}
	case "agent":
		a := ccaas.Agent{}
		fs.StringVar(&a.Username, "username", "", "login name")
		fs.StringVar(&a.Name, "name", "", "display name")
		fs.StringVar(&a.Extension, "extension", "", "extension number, unique in the tenant")
		fs.IntVar(&a.WrapupSeconds, "wrapup", 0, "wrapup seconds after inbound queue calls (0: none)")
		fs.StringVar(&a.Role, "role", ccaas.RoleAgent, "agent, supervisor or admin")
		fs.StringVar(&a.Team, "team", "", "the agent's team; a supervisor's teams, separated by commas")
		cmd = func(ctx context.Context, d *sqlite.DB, t ccaas.Tenant) (string, error) {
			return addAgent(ctx, d, t, a, stdin)
		}
	case "queue":
		q := ccaas.Queue{}
		var dids, members, codes listFlag
		var overflowTarget, strategy string
		fs.StringVar(&q.Name, "name", "", "queue name")
		fs.Var(&dids, "did", "a number that customers dial (repeatable)")
		fs.Var(&members, "member", "an agent's username, optionally :skill 1-100 (repeatable)")
		fs.IntVar(&q.RingSeconds, "ring", 20, "seconds an offer rings before it is withdrawn")
		fs.IntVar(&q.Priority, "priority", 0, "higher priority queues are served first")
		fs.StringVar(&strategy, "strategy", "longest_idle", "longest_idle, round_robin or fewest_calls")
		fs.StringVar(&q.MOHClass, "moh", "default", "music on hold class (musiconhold.conf)")
		fs.IntVar(&q.MaxWaitSeconds, "max-wait", 0, "maximum wait in seconds, then overflow (0: no limit)")
		fs.StringVar(&q.Overflow, "overflow", ccaas.OverflowHangup, "after the maximum wait: hangup (politely), queue or extension")
		fs.StringVar(&overflowTarget, "overflow-target", "", "the queue's name or the agent's extension to overflow to")
		fs.IntVar(&q.AnnounceSeconds, "announce", 0, "announce the caller's position every so many seconds (0: never)")
		fs.Var(&codes, "wrapup-code", "a wrapup code agents pick for a call, e.g. Sale (repeatable, in order, at most 50)")
		fs.BoolVar(&q.CodeRequired, "require-code", false, "agents stay in wrapup until they give a wrapup code")
		fs.StringVar(&q.Record, "record", ccaas.RecordNever, "record its calls: never, always (from the answer) or demand (when the agent starts it)")
		waiting := addWaitingFlags(fs)
		cmd = func(ctx context.Context, d *sqlite.DB, t ccaas.Tenant) (string, error) {
			if err := validate.Strategy(strategy); err != nil {
				return "", flagErr("--strategy", err)
			}
			if err := validate.RecordMode(q.Record); err != nil {
				return "", flagErr("--record", err)
			}
			q.Strategy = strategy
			if err := wrapupCodes(&q, codes); err != nil {
				return "", err
			}
			if err := waiting.apply(ctx, d, t, 0, &q.WaitingRules, true); err != nil {
				return "", err
			}
			return addQueue(ctx, d, t, q, dids, members, overflowTarget)
		}
	case "queue set":
		name := fs.String("name", "", "the queue's name")
		waiting := addWaitingFlags(fs)
		cmd = func(ctx context.Context, d *sqlite.DB, t ccaas.Tenant) (string, error) {
			return setQueue(ctx, d, t, *name, waiting)
		}
	case "tenant set":
		notify := fs.String("notify", "", "on or off: agents' pages show the incoming-call notification")
		agentCalls := fs.String("agent-calls-not-ready", "", "on or off: agent-to-agent calls may reach Not Ready agents")
		endEarly := fs.String("end-wrapup-early", "", "on or off: agents may end their wrapup before its time")
		trunk := fs.String("trunk", "", "PJSIP endpoint of the outbound trunk (pjsip.conf)")
		callerID := fs.String("caller-id", "", `caller id of outbound calls, e.g. "Acme" <5550000>`)
		screenPop := fs.String("screen-pop", "", `the address agents' pages open for a call, e.g. "https://crm.example/search?phone={caller}" ("" for none)`)
		screenPopOn := fs.String("screen-pop-on", "", "answer or offer: when the screen pop opens")
		recordOther := fs.String("record-other", "", "never, always or demand: recording of calls through no queue (outbound, between agents)")
		retention := fs.Int("retention-days", 0, "keep recordings (voicemails) this many days, 1 to 3650 (0: as it is)")
		zone := fs.String("time-zone", "", "the IANA zone of the queues' opening hours, e.g. Europe/Berlin (\"\": as it is; \"server\": the server's)")
		var addDIDs, removeDIDs listFlag
		fs.Var(&addDIDs, "did", "assign a number (DID) to the tenant (repeatable)")
		fs.Var(&removeDIDs, "remove-did", "take a number away from the tenant and its queues (repeatable)")
		cmd = func(ctx context.Context, d *sqlite.DB, t ccaas.Tenant) (string, error) {
			for _, did := range append(slices.Clone(addDIDs), removeDIDs...) {
				if err := validate.DID(did); err != nil {
					return "", flagErr("--did", err)
				}
			}
			if err := d.AssignDIDs(ctx, t.ID, addDIDs...); err != nil {
				if errors.Is(err, ccaas.ErrDuplicate) {
					return "", fmt.Errorf("--did: a number is assigned to another tenant: %w", err)
				}
				return "", err
			}
			queues, err := d.UnassignDIDs(ctx, t.ID, removeDIDs...)
			if err != nil {
				return "", err
			}
			cfg, err := d.TenantConfig(ctx, t.ID)
			if err != nil {
				return "", err
			}
			s := cfg.Settings
			for _, sw := range []struct {
				flag, value string
				dst         *bool
			}{{"--notify", *notify, &s.NotifyIncoming}, {"--agent-calls-not-ready", *agentCalls, &s.AgentCallsNotReady}, {"--end-wrapup-early", *endEarly, &s.EndWrapupEarly}} {
				if sw.value == "" {
					continue
				}
				if err := onOff(sw.flag, sw.value, sw.dst); err != nil {
					return "", err
				}
			}
			if *trunk != "" {
				if err := validate.Trunk(*trunk); err != nil {
					return "", flagErr("--trunk", err)
				}
				s.Trunk = *trunk
			}
			if *callerID != "" {
				if err := validate.CallerID(*callerID); err != nil {
					return "", flagErr("--caller-id", err)
				}
				s.CallerID = *callerID
			}
			if given(fs, "screen-pop") {
				keys := make([]string, len(cfg.Variables))
				for i, v := range cfg.Variables {
					keys[i] = v.Key
				}
				if err := validate.ScreenPop(*screenPop, keys); err != nil {
					return "", flagErr("--screen-pop", err)
				}
				s.ScreenPopURL = strings.TrimSpace(*screenPop)
			}
			if *screenPopOn != "" {
				if err := validate.ScreenPopOn(*screenPopOn); err != nil {
					return "", flagErr("--screen-pop-on", err)
				}
				s.ScreenPopOn = *screenPopOn
			}
			if *recordOther != "" {
				if err := validate.RecordMode(*recordOther); err != nil {
					return "", flagErr("--record-other", err)
				}
				s.RecordOther = *recordOther
			}
			if *retention != 0 {
				if err := validate.RetentionDays(*retention); err != nil {
					return "", flagErr("--retention-days", err)
				}
				s.RecordingRetentionDays = *retention
			}
			switch *zone {
			case "":
			case "server":
				s.TimeZone = ""
			default:
				if err := validate.TimeZone(*zone); err != nil {
					return "", flagErr("--time-zone", err)
				}
				s.TimeZone = *zone
			}
			after, err := d.TenantConfig(ctx, t.ID)
			if err != nil {
				return "", err
			}
			msg := fmt.Sprintf("settings of %s: notify %v, agent calls reach Not Ready %v, end wrapup early %v, trunk %q, caller id %q, recordings kept %d days, time zone %q, numbers %s, screen pop %q on %s",
				t.Domain, s.NotifyIncoming, s.AgentCallsNotReady, s.EndWrapupEarly, s.Trunk, s.CallerID, s.RecordingRetentionDays, s.TimeZone, strings.Join(after.DIDs, " "), s.ScreenPopURL, s.ScreenPopOn)
			if len(queues) > 0 {
				msg += fmt.Sprintf(" (queue %s no longer rings %s)", strings.Join(queues, ", "), strings.Join(removeDIDs, ", "))
			}
			return msg, d.SetSettings(ctx, t.ID, s)
		}
	case "variable":
		key := fs.String("key", "", "the name agents see (plain text, up to 64 characters)")
		variable := fs.String("variable", "", "the channel variable the IVR sets")
		cmd = func(ctx context.Context, d *sqlite.DB, t ccaas.Tenant) (string, error) {
			k := strings.TrimSpace(*key)
			if err := errors.Join(flagErr("--key", validate.VariableKey(k)), flagErr("--variable", validate.ChannelVariable(*variable))); err != nil {
				return "", err
			}
			return fmt.Sprintf("call variable %q (%s) added to %s", k, *variable, t.Domain), d.AddCallVariable(ctx, t.ID, ccaas.CallVariable{Key: k, Variable: *variable})
		}
	case "webhook":
		var events listFlag
		rawURL := fs.String("url", "", "the address events are posted to: https (http only to this machine)")
		secret := fs.String("secret", "", "the secret that signs each delivery (default: a new one, printed)")
		allow := fs.String("allow", "", "private or loopback ranges the address may be in (as the server's --webhook-allow)")
		fs.Var(&events, "event", "an event type to send (repeatable; default all)")
		cmd = func(ctx context.Context, d *sqlite.DB, t ccaas.Tenant) (string, error) {
			return addWebhook(ctx, d, t, *rawURL, *secret, *allow, events)
		}
	case "webhook list":
		cmd = func(ctx context.Context, d *sqlite.DB, t ccaas.Tenant) (string, error) {
			hooks, err := d.Webhooks(ctx, t.ID)
			var b strings.Builder
			for _, h := range hooks {
				on := "on"
				if !h.Active {
					on = "off"
				}
				fmt.Fprintf(&b, "%d\t%s\t%s\t%s\n", h.ID, on, h.URL, strings.Join(h.Events, ","))
			}
			return strings.TrimSuffix(b.String(), "\n"), err
		}
	case "webhook remove":
		hookID := fs.Int64("id", 0, "the webhook's id (ccaas webhook list)")
		cmd = func(ctx context.Context, d *sqlite.DB, t ccaas.Tenant) (string, error) {
			if err := d.DeleteWebhook(ctx, t.ID, ccaas.WebhookID(*hookID)); err != nil {
				if errors.Is(err, ccaas.ErrNotFound) {
					return "", fmt.Errorf("--id %d: no such webhook of %s", *hookID, t.Domain)
				}
				return "", err
			}
			return fmt.Sprintf("webhook %d of %s removed (a running server applies it at its next restart)", *hookID, t.Domain), nil
		}
	case "operator":
		username := fs.String("username", "", "login name")
		cmd = func(ctx context.Context, d *sqlite.DB, _ ccaas.Tenant) (string, error) {
			if err := validate.Username(*username); err != nil {
				return "", flagErr("--username", err)
			}
			hash, err := readPassword(stdin, validate.AdminPassword)
			if err != nil {
				return "", err
			}
			o, err := d.CreateOperator(ctx, ccaas.Operator{Username: *username, PasswordHash: hash})
			return fmt.Sprintf("operator %s created", o.Username), err
		}
	case "reason":
		reason := fs.String("reason", "", "a Not Ready reason: lowercase letters, digits and _")
		cmd = func(ctx context.Context, d *sqlite.DB, t ccaas.Tenant) (string, error) {
			if err := validate.Reason(*reason); err != nil {
				return "", flagErr("--reason", err)
			}
			return fmt.Sprintf("reason %s added to %s", *reason, t.Domain), d.AddReason(ctx, t.ID, *reason)
		}
	default:
		fmt.Fprint(stderr, adminUsage)
		return fmt.Errorf("unknown command %q", object)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	d, err := sqlite.Open(ctx, db)
	if err != nil {
		return err
	}
	defer d.Close()
	var t ccaas.Tenant
	if object != "tenant" && object != "operator" || args[0] == "set" {
		if t, err = d.TenantByDomain(ctx, *domain); err != nil {
			return fmt.Errorf("--domain %q: no such tenant", *domain)
		}
	}
	msg, err := cmd(ctx, d, t)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, msg)
	return nil
}

// addWebhook registers a tenant's webhook with the rules of the admin page.
func addWebhook(ctx context.Context, d *sqlite.DB, t ccaas.Tenant, rawURL, secret, allow string, events []string) (string, error) {
	ranges, err := webhook.ParseAllow(allow)
	if err != nil {
		return "", flagErr("--allow", err)
	}
	if err := webhook.CheckTarget(strings.TrimSpace(rawURL), ranges); err != nil {
		return "", flagErr("--url", err)
	}
	made := secret == ""
	if made {
		secret = webhook.NewSecret()
	}
	if err := webhook.CheckSecret(secret); err != nil {
		return "", flagErr("--secret", err)
	}
	if len(events) == 0 {
		events = webhook.Types
	}
	for i, e := range events {
		if !slices.Contains(webhook.Types, e) || slices.Contains(events[:i], e) {
			return "", fmt.Errorf("--event %q: one of %s, each once", e, strings.Join(webhook.Types, ", "))
		}
	}
	h, err := d.CreateWebhook(ctx, ccaas.Webhook{Tenant: t.ID, URL: strings.TrimSpace(rawURL), Secret: secret, Events: events, Active: true})
	if err != nil {
		return "", err
	}
	msg := fmt.Sprintf("webhook %d of %s added: %s gets %s (a running server applies it at its next restart)", h.ID, t.Domain, h.URL, strings.Join(events, ", "))
	if made {
		msg += "\nits secret (keep it in the receiver; it is not shown again): " + secret
	}
	return msg, nil
}

func addAgent(ctx context.Context, d *sqlite.DB, t ccaas.Tenant, a ccaas.Agent, stdin io.Reader) (string, error) {
	err := errors.Join(
		flagErr("--username", validate.Username(a.Username)),
		flagErr("--name", validate.Name(strings.TrimSpace(a.Name))),
		flagErr("--extension", validate.Extension(a.Extension)),
		flagErr("--wrapup", validate.Wrapup(a.WrapupSeconds)),
		flagErr("--role", validate.Role(a.Role)),
		flagErr("--team", validate.Team(a.Team)))
	if err != nil {
		return "", err
	}
	hash, err := readPassword(stdin, func(p string) error { return validate.PasswordFor(a.Role, p) })
	if err != nil {
		return "", err
	}
	a.TenantID, a.PasswordHash, a.Name = t.ID, hash, strings.TrimSpace(a.Name)
	created, err := d.CreateAgent(ctx, a)
	return fmt.Sprintf("agent %s created in %s (extension %s)", created.Username, t.Domain, created.Extension), err
}

func addQueue(ctx context.Context, d *sqlite.DB, t ccaas.Tenant, q ccaas.Queue, dids, members listFlag, overflowTarget string) (string, error) {
	errs := []error{
		flagErr("--name", validate.Name(strings.TrimSpace(q.Name))),
		flagErr("--ring", validate.Ring(q.RingSeconds)),
		flagErr("--priority", validate.Priority(q.Priority)),
		flagErr("--moh", validate.MOHClass(q.MOHClass)),
		flagErr("--max-wait", validate.MaxWait(q.MaxWaitSeconds)),
		flagErr("--announce", validate.Announce(q.AnnounceSeconds)),
	}
	for _, did := range dids {
		errs = append(errs, flagErr("--did", validate.DID(did)))
	}
	if q.Overflow != ccaas.OverflowHangup && q.MaxWaitSeconds == 0 {
		errs = append(errs, errors.New("--overflow: set --max-wait too, the call overflows after it"))
	}
	switch q.Overflow {
	case ccaas.OverflowHangup, ccaas.OverflowVoicemail:
	case ccaas.OverflowExtension:
		if err := validate.Extension(overflowTarget); err != nil {
			errs = append(errs, errors.New("--overflow-target: the agent's extension"))
		}
		q.OverflowTarget = overflowTarget
	case ccaas.OverflowQueue:
		target, err := d.QueueByName(ctx, t.ID, overflowTarget)
		if err != nil {
			errs = append(errs, fmt.Errorf("--overflow-target %q: no such queue in %s", overflowTarget, t.Domain))
		}
		q.OverflowTarget = strconv.FormatInt(int64(target.ID), 10)
	default:
		errs = append(errs, errors.New("--overflow: hangup, queue, extension or voicemail"))
	}
	for _, m := range members {
		user, skillText, hasSkill := strings.Cut(m, ":")
		skill := 1
		if hasSkill {
			var err error
			if skill, err = strconv.Atoi(skillText); err != nil || validate.Skill(skill) != nil {
				errs = append(errs, fmt.Errorf("--member %q: skill 1 to 100", m))
				continue
			}
		}
		a, err := d.AgentByUsername(ctx, t.ID, user)
		if err != nil {
			errs = append(errs, fmt.Errorf("--member %q: no such agent in %s", user, t.Domain))
			continue
		}
		q.Members = append(q.Members, ccaas.Member{Agent: a.ID, Skill: skill})
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	q.TenantID, q.DIDs, q.Name = t.ID, dids, strings.TrimSpace(q.Name)
	created, err := d.CreateQueue(ctx, q)
	if errors.Is(err, ccaas.ErrDIDNotAssigned) {
		return "", fmt.Errorf("--did: %w: assign the numbers first, e.g. ccaas tenant set --domain %s --did %s", err, t.Domain, strings.Join(dids, " --did "))
	}
	return fmt.Sprintf("queue %s created in %s (id %d)", created.Name, t.Domain, created.ID), err
}

// wrapupCodes checks a queue's --wrapup-code flags and sets them.
func wrapupCodes(q *ccaas.Queue, codes listFlag) error {
	var errs []error
	for i, code := range codes {
		code = strings.TrimSpace(code)
		switch {
		case validate.WrapupCode(code) != nil:
			errs = append(errs, flagErr("--wrapup-code", validate.WrapupCode(code)))
		case slices.Contains(q.WrapupCodes, code):
			errs = append(errs, fmt.Errorf("--wrapup-code %q: given twice", code))
		case i >= ccaas.MaxWrapupCodes:
			errs = append(errs, fmt.Errorf("--wrapup-code: at most %d", ccaas.MaxWrapupCodes))
		default:
			q.WrapupCodes = append(q.WrapupCodes, code)
		}
	}
	if q.CodeRequired && len(codes) == 0 {
		errs = append(errs, errors.New("--require-code: give the codes with --wrapup-code"))
	}
	return errors.Join(errs...)
}

// hashCost is the bcrypt cost of the passwords the commands store, the demo
// users' too: bcrypt's default (tests lower it).
var hashCost = bcrypt.DefaultCost

// readPassword reads a password from the first line of stdin, checks it
// with rule (validate.Password, or AdminPassword for admins and operators)
// and returns its bcrypt hash.
func readPassword(stdin io.Reader, rule func(string) error) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("give the password on standard input")
	}
	password := strings.TrimRight(line, "\r\n")
	if err := rule(password); err != nil {
		return "", fmt.Errorf("the password on standard input: %w", err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), hashCost)
	return string(hash), err
}

// onOff sets *dst from an on/off flag's value.
func onOff(flag, value string, dst *bool) error {
	switch value {
	case "on":
		*dst = true
	case "off":
		*dst = false
	default:
		return fmt.Errorf("%s: on or off", flag)
	}
	return nil
}

// given reports whether the command line set the flag (an empty value too).
func given(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
