package ari

import (
	"context"
	"errors"
	"testing"
)

// TestRESTAgainstTraces replays recorded exchanges: each call must send the
// request a real Asterisk 22 got (method, path, query, body) and turn the
// recorded answer into the right result or error.
func TestRESTAgainstTraces(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		id       int
		call     func(context.Context, *Client) (any, error)
		wantErr  error  // sentinel; nil means success
		wantMsg  string // Error.Message when wantErr is set
		check    func(t *testing.T, got any)
	}{
		// channels
		{
			name: "originate agent leg", scenario: "inbound-queue-call", id: 3,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Originate(ctx, OriginateRequest{Endpoint: "PJSIP/sippagent", App: "ccaas", AppArgs: "agentleg",
					CallerID: "Queue support <5550001>", ChannelID: "agent-leg-1", Timeout: 30})
			},
			check: holds(func(ch *Channel) bool {
				return ch.ID == "agent-leg-1" && ch.State == StateDown && ch.Name == "PJSIP/sippagent-00000002"
			}),
		},
		{
			name: "originate with variables", scenario: "channel-vars", id: 15,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Originate(ctx, OriginateRequest{Endpoint: "PJSIP/sippagent", AppArgs: "agentleg", ChannelID: "agent-leg-6", Timeout: 30,
					Variables: map[string]string{"CCAAS_Account": "ACC-AGENT-LEG", "CCAAS_FirstName": "Agent <i>Leg</i> ü", "CCAAS_Other": "x"}})
			},
			check: holds(func(ch *Channel) bool { return ch.ID == "agent-leg-6" }),
		},
		{
			name: "originate to unregistered endpoint", scenario: "originate-failures", id: 1,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Originate(ctx, OriginateRequest{Endpoint: "PJSIP/1002", App: "ccaas", AppArgs: "agentleg", ChannelID: "fail-a-unregistered", Timeout: 10})
			},
			wantErr: ErrServer, wantMsg: "Allocation failed",
		},
		{
			name: "originate with a channel id in use", scenario: "errors", id: 38,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Originate(ctx, OriginateRequest{Endpoint: "PJSIP/sippagent", AppArgs: "agentleg", ChannelID: "1795519685.18"})
			},
			wantErr: ErrConflict, wantMsg: "Channel with given unique ID already exists",
		},
		{
			name: "originate without endpoint", scenario: "errors", id: 35,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Originate(ctx, OriginateRequest{})
			},
			wantErr: ErrBadRequest, wantMsg: "Endpoint must be specified",
		},
		{
			name: "list channels", scenario: "asterisk-restart", id: 3,
			call: func(ctx context.Context, c *Client) (any, error) { return c.ListChannels(ctx) },
			check: holds(func(chs []Channel) bool {
				return len(chs) == 1 && chs[0].ID == "1795519851.0" && chs[0].Dialplan.AppData == "ccaas,inbound,5550010"
			}),
		},
		{
			name: "list channels after restart", scenario: "asterisk-restart", id: 10,
			call:  func(ctx context.Context, c *Client) (any, error) { return c.ListChannels(ctx) },
			check: holds(func(chs []Channel) bool { return chs != nil && len(chs) == 0 }),
		},
		{
			name: "get channel with channelvars", scenario: "channel-vars-ari-channelvars", id: 10,
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetChannel(ctx, "1795519824.0") },
			check: func(t *testing.T, got any) {
				ch := got.(*Channel)
				if v := ch.ChannelVars["CCAAS_FirstName"]; v != "José <b>Müller</b> ☎ 日本" {
					t.Errorf("CCAAS_FirstName = %q", v)
				}
				if ch.State != StateUp || ch.CreationTime.IsZero() {
					t.Errorf("channel = %+v", ch)
				}
			},
		},
		{
			name: "get gone channel", scenario: "errors", id: 45,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetChannel(ctx, "no-such-channel") },
			wantErr: ErrNotFound, wantMsg: "Channel not found",
		},
		{
			name: "hangup", scenario: "inbound-queue-call", id: 8,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Hangup(ctx, "1795519600.1", "") },
		},
		{
			name: "hangup with bogus reason", scenario: "errors", id: 53,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.Hangup(ctx, "1795519685.18", "bogus") },
			wantErr: ErrBadRequest, wantMsg: "Invalid reason for hangup reason provided",
		},
		{
			name: "hangup gone channel", scenario: "errors", id: 46,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.Hangup(ctx, "no-such-channel", "") },
			wantErr: ErrNotFound, wantMsg: "Channel not found",
		},
		{
			name: "answer", scenario: "inbound-queue-call", id: 1,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Answer(ctx, "1795519600.1") },
		},
		{
			name: "answer gone channel", scenario: "errors", id: 3,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.Answer(ctx, "1795519685.19") },
			wantErr: ErrNotFound, wantMsg: "Channel not found",
		},
		{
			name: "answer channel not in stasis", scenario: "errors", id: 65,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.Answer(ctx, "ringing-5") },
			wantErr: ErrConflict, wantMsg: "Channel not in Stasis application",
		},
		{
			name: "ring channel not in stasis", scenario: "errors", id: 67,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.Ring(ctx, "ringing-5") },
			wantErr: ErrConflict, wantMsg: "Channel not in Stasis application",
		},
		{
			name: "start moh with class", scenario: "inbound-queue-call", id: 2,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.StartMOH(ctx, "1795519600.1", "default")
			},
		},
		{
			name: "start moh default class", scenario: "agent-line-bridge-moves", id: 6,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.StartMOH(ctx, "1795519612.4", "") },
		},
		{
			name: "start moh channel not in stasis", scenario: "errors", id: 66,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.StartMOH(ctx, "ringing-5", "") },
			wantErr: ErrConflict, wantMsg: "Channel not in Stasis application",
		},
		{
			name: "stop moh", scenario: "inbound-queue-call", id: 5,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.StopMOH(ctx, "1795519600.1") },
		},
		{
			name: "hold", scenario: "hold-resume", id: 9,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Hold(ctx, "agent-leg-3") },
		},
		{
			name: "unhold", scenario: "hold-resume", id: 10,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Unhold(ctx, "agent-leg-3") },
		},
		{
			name: "hold gone channel", scenario: "errors", id: 7,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.Hold(ctx, "1795519685.19") },
			wantErr: ErrNotFound, wantMsg: "Channel not found",
		},
		{
			name: "mute bad direction", scenario: "errors", id: 55,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Mute(ctx, "1795519685.18", "sideways")
			},
			wantErr: ErrBadRequest, wantMsg: "Invalid direction specified",
		},
		{
			name: "dtmf without digits", scenario: "errors", id: 54,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.SendDTMF(ctx, "1795519685.18", "") },
			wantErr: ErrBadRequest, wantMsg: "DTMF is required",
		},
		{
			name: "get variable", scenario: "channel-vars", id: 2,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetVariable(ctx, "1795519813.0", "CCAAS_FirstName")
			},
			check: holds(func(v string) bool { return v == "José <b>Müller</b> ☎ 日本" }),
		},
		{
			name: "get variable with quotes", scenario: "channel-vars", id: 4,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetVariable(ctx, "1795519813.0", "CCAAS_Note")
			},
			check: holds(func(v string) bool { return v == `<b>VIP</b> & "quoted" 'single' ü` }),
		},
		{
			name: "get function", scenario: "channel-vars", id: 6,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetVariable(ctx, "1795519813.0", "CALLERID(num)")
			},
			check: holds(func(v string) bool { return v == "sipp" }),
		},
		{
			name: "get empty variable", scenario: "errors", id: 27,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetVariable(ctx, "1795519685.18", "CCAAS_EMPTY")
			},
			check: holds(func(v string) bool { return v == "" }),
		},
		{
			name: "get variable not set", scenario: "channel-vars", id: 5,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetVariable(ctx, "1795519813.0", "CCAAS_Missing")
			},
			wantErr: ErrNotFound, wantMsg: "Provided variable was not found",
		},
		{
			name: "get variable of gone channel", scenario: "errors", id: 8,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetVariable(ctx, "1795519685.19", "CALLERID(num)")
			},
			wantErr: ErrNotFound, wantMsg: "Provided channel was not found",
		},
		{
			name: "get unknown function", scenario: "errors", id: 25,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetVariable(ctx, "1795519685.18", "NOSUCHFUNC(x)")
			},
			wantErr: ErrServer, wantMsg: "Unable to read provided function",
		},
		{
			name: "set variable", scenario: "channel-vars", id: 11,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SetVariable(ctx, "1795519813.0", "CCAAS_Disposition", "sale <b>ok</b> ✓")
			},
		},
		{
			name: "set variable empty", scenario: "errors", id: 26,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SetVariable(ctx, "1795519685.18", "CCAAS_EMPTY", "")
			},
		},
		{
			name: "set variable without name", scenario: "errors", id: 28,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SetVariable(ctx, "1795519685.18", "", "x")
			},
			wantErr: ErrBadRequest, wantMsg: "Variable name is required",
		},
		{
			name: "play with playback id", scenario: "customer-dtmf", id: 2,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Play(ctx, "1795519716.31", PlayRequest{Media: []string{"sound:beep"}, PlaybackID: "pb-13"})
			},
			check: holds(func(pb *Playback) bool {
				return pb.ID == "pb-13" && pb.State == "queued" && pb.TargetURI == "channel:1795519716.31"
			}),
		},
		{
			name: "play unknown scheme", scenario: "errors", id: 57,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Play(ctx, "1795519685.18", PlayRequest{Media: []string{"bogus:thing"}})
			},
			check: holds(func(pb *Playback) bool { return pb.ID == "10f861c3-326f-47ce-b066-4bc41b5d5aa3" }),
		},
		{
			name: "play on gone channel", scenario: "errors", id: 9,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Play(ctx, "1795519685.19", PlayRequest{Media: []string{"sound:beep"}})
			},
			wantErr: ErrNotFound, wantMsg: "Channel not found",
		},
		{
			name: "snoop listen", scenario: "snoop-monitor", id: 7,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Snoop(ctx, "agent-leg-7", SnoopRequest{Spy: "both", Whisper: "none", App: "ccaas", AppArgs: "snoop,listen", SnoopID: "snoop-7a"})
			},
			check: holds(func(ch *Channel) bool {
				return ch.ID == "snoop-7a" && ch.Name == "Snoop/agent-leg-7-00000000" && ch.State == StateUp
			}),
		},
		{
			name: "snoop coach with default app", scenario: "snoop-monitor", id: 11,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Snoop(ctx, "agent-leg-7", SnoopRequest{Spy: "both", Whisper: "out", AppArgs: "snoop,coach", SnoopID: "snoop-7b"})
			},
		},

		// bridges
		{
			name: "create mixing bridge", scenario: "inbound-queue-call", id: 4,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateBridge(ctx, BridgeRequest{ID: "call-1", Type: BridgeMixing, Name: "call-1"})
			},
			check: holds(func(b *Bridge) bool { return b.ID == "call-1" && b.BridgeType == BridgeMixing && b.Channels != nil }),
		},
		{
			name: "create holding bridge", scenario: "agent-line-bridge-moves", id: 2,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateBridge(ctx, BridgeRequest{ID: "home-2001", Type: BridgeHolding, Name: "home-2001"})
			},
			check: holds(func(b *Bridge) bool { return b.Technology == "holding_bridge" }),
		},
		{
			name: "create bridge with id in use", scenario: "errors", id: 50,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateBridge(ctx, BridgeRequest{ID: "err-bridge", Type: BridgeMixing})
			},
			wantErr: ErrConflict, wantMsg: "Bridge with id 'err-bridge' already exists",
		},
		{
			name: "create bridge of bogus type", scenario: "errors", id: 49,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateBridge(ctx, BridgeRequest{ID: "bogus-bridge", Type: "bogus"})
			},
			wantErr: ErrServer, wantMsg: "Unable to create bridge. Possible duplicate bridge id 'bogus-bridge'",
		},
		{
			name: "list bridges", scenario: "agent-line-bridge-moves", id: 16,
			call: func(ctx context.Context, c *Client) (any, error) { return c.ListBridges(ctx) },
			check: holds(func(bs []Bridge) bool {
				return len(bs) == 1 && bs[0].ID == "home-2001" && len(bs[0].Channels) == 1 && bs[0].Channels[0] == "agentline-2001"
			}),
		},
		{
			name: "get bridge", scenario: "inbound-queue-call", id: 7,
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetBridge(ctx, "call-1") },
			check: holds(func(b *Bridge) bool { return b.Technology == "native_rtp" && len(b.Channels) == 2 }),
		},
		{
			name: "get deleted bridge", scenario: "agent-line-bridge-moves", id: 15,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetBridge(ctx, "call-2a") },
			wantErr: ErrNotFound, wantMsg: "Bridge not found",
		},
		{
			name: "destroy bridge", scenario: "inbound-queue-call", id: 10,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.DestroyBridge(ctx, "call-1") },
		},
		{
			name: "destroy unknown bridge", scenario: "errors", id: 48,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.DestroyBridge(ctx, "no-such-bridge") },
			wantErr: ErrNotFound, wantMsg: "Bridge not found",
		},
		{
			name: "add two channels", scenario: "inbound-queue-call", id: 6,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.AddChannel(ctx, "call-1", "1795519600.1", "agent-leg-1")
			},
		},
		{
			name: "add channel to unknown bridge", scenario: "errors", id: 18,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.AddChannel(ctx, "no-such-bridge", "1795519685.18")
			},
			wantErr: ErrNotFound, wantMsg: "Bridge not found",
		},
		{
			name: "add gone channel", scenario: "errors", id: 19,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.AddChannel(ctx, "err-bridge", "no-such-channel")
			},
			wantErr: ErrBadRequest, wantMsg: "Channel not found",
		},
		{
			name: "add channel not in stasis", scenario: "errors", id: 69,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.AddChannel(ctx, "err-bridge", "ringing-5")
			},
			wantErr: ErrUnprocessable, wantMsg: "Channel not in Stasis application",
		},
		{
			name: "remove channel", scenario: "hold-resume", id: 5,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.RemoveChannel(ctx, "call-3", "1795519909.0")
			},
		},
		{
			name: "remove channel not in bridge", scenario: "errors", id: 12,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.RemoveChannel(ctx, "err-bridge", "1795519685.18")
			},
			wantErr: ErrUnprocessable, wantMsg: "Channel not in this bridge",
		},
		{
			name: "bridge moh", scenario: "hold-resume", id: 13,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.BridgeStartMOH(ctx, "call-3", "default")
			},
		},
		{
			name: "bridge stop moh", scenario: "hold-resume", id: 14,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.BridgeStopMOH(ctx, "call-3") },
		},
		{
			name: "bridge play", scenario: "hold-resume", id: 15,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.BridgePlay(ctx, "call-3", PlayRequest{Media: []string{"sound:beep"}, PlaybackID: "pb-3"})
			},
			check: holds(func(pb *Playback) bool { return pb.TargetURI == "bridge:call-3" }),
		},

		// asterisk, config, endpoints, applications, playbacks
		{
			name: "ping", scenario: "asterisk-restart", id: 9,
			call:  func(ctx context.Context, c *Client) (any, error) { return c.Ping(ctx) },
			check: holds(func(p *AsteriskPing) bool { return p.Ping == "pong" && p.AsteriskID != "" }),
		},
		{
			name: "ping while booting", scenario: "asterisk-restart", id: 8,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.Ping(ctx) },
			wantErr: ErrUnavailable, wantMsg: "Asterisk not booted",
		},
		{
			name: "ping before ARI is registered", scenario: "asterisk-restart", id: 7,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.Ping(ctx) },
			wantErr: ErrNotFound,
			wantMsg: `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN"> <html><head> <title>404 Not Found</title> </head><body> <h1>Not Found</h1> <p>The requested URL was not found on this server.</p> <hr /> <address>astrig</address> </body></html>`,
		},
		{
			name: "get config", scenario: "dynamic-config", id: 6,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetConfig(ctx, "res_pjsip", "aor", "agentdyn1")
			},
			check: holds(func(fields []ConfigTuple) bool {
				return len(fields) != 0 && fields[0] == (ConfigTuple{Attribute: "minimum_expiration", Value: "60"})
			}),
		},
		{
			name: "get unknown config", scenario: "dynamic-config", id: 1,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetConfig(ctx, "res_pjsip", "endpoint", "agentdyn1")
			},
			wantErr: ErrNotFound, wantMsg: "Object with id 'agentdyn1' not found",
		},
		{
			name: "put auth config", scenario: "dynamic-config", id: 2,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PutConfig(ctx, "res_pjsip", "auth", "agentdyn1", []ConfigTuple{
					{Attribute: "auth_type", Value: "userpass"},
					{Attribute: "username", Value: "agentdyn1"},
					{Attribute: "password", Value: "Xq7-one-time-4f9a"},
				})
			},
			check: func(t *testing.T, got any) {
				found := false
				for _, f := range got.([]ConfigTuple) {
					found = found || f == ConfigTuple{Attribute: "username", Value: "agentdyn1"}
				}
				if !found {
					t.Errorf("fields = %+v, want username agentdyn1", got)
				}
			},
		},
		{
			name: "put endpoint config with quotes", scenario: "dynamic-config", id: 5,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PutConfig(ctx, "res_pjsip", "endpoint", "agentdyn1", []ConfigTuple{
					{Attribute: "callerid", Value: `"Agent Dynamic" <agentdyn1>`},
				})
			},
		},
		{
			name: "put config unknown attribute", scenario: "dynamic-config", id: 7,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PutConfig(ctx, "res_pjsip", "endpoint", "agentdyn2", []ConfigTuple{{Attribute: "no_such_attribute", Value: "1"}})
			},
			wantErr: ErrBadRequest, wantMsg: "Creation of object 'agentdyn2' failed field value validation",
		},
		{
			name: "put config without writable mapping", scenario: "dynamic-config-without-mapping", id: 4,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PutConfig(ctx, "res_pjsip", "aor", "agentdyn1", []ConfigTuple{
					{Attribute: "max_contacts", Value: "1"}, {Attribute: "remove_existing", Value: "yes"},
				})
			},
			wantErr: ErrForbidden, wantMsg: "Cannot create sorcery objects of type 'aor'",
		},
		{
			name: "put config unknown class", scenario: "dynamic-config-without-mapping", id: 9,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PutConfig(ctx, "res_nosuch", "endpoint", "x", []ConfigTuple{{Attribute: "context", Value: "agents"}})
			},
			wantErr: ErrNotFound, wantMsg: "configClass 'res_nosuch' not found",
		},
		{
			name: "delete config", scenario: "dynamic-config", id: 16,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteConfig(ctx, "res_pjsip", "endpoint", "agentdyn1")
			},
		},
		{
			name: "delete config twice", scenario: "dynamic-config", id: 19,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteConfig(ctx, "res_pjsip", "aor", "agentdyn1")
			},
			wantErr: ErrNotFound, wantMsg: "Object with id 'agentdyn1' not found",
		},
		{
			name: "get endpoint", scenario: "agent-line-drop", id: 5,
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetEndpoint(ctx, "PJSIP", "1002") },
			check: holds(func(e *Endpoint) bool {
				return e.Name() == "PJSIP/1002" && e.State == "offline" && len(e.ChannelIDs) == 1
			}),
		},
		{
			name: "get deleted endpoint", scenario: "dynamic-config", id: 21,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetEndpoint(ctx, "PJSIP", "agentdyn1") },
			wantErr: ErrNotFound, wantMsg: "Endpoint not found",
		},
		{
			name: "subscribe endpoint", scenario: "agent-line-drop", id: 1,
			call: func(ctx context.Context, c *Client) (any, error) { return c.Subscribe(ctx, "endpoint:PJSIP/1002") },
			check: holds(func(a *Application) bool {
				return a.Name == "ccaas" && len(a.EndpointIDs) == 1 && a.EndpointIDs[0] == "PJSIP/1002"
			}),
		},
		{
			name: "unsubscribe endpoint", scenario: "agent-line-drop", id: 9,
			call:  func(ctx context.Context, c *Client) (any, error) { return c.Unsubscribe(ctx, "endpoint:PJSIP/1002") },
			check: holds(func(a *Application) bool { return len(a.EndpointIDs) == 0 && len(a.BridgeIDs) == 1 }),
		},
		{
			name: "unsubscribe what was not subscribed", scenario: "dynamic-config", id: 23,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Unsubscribe(ctx, "endpoint:PJSIP/agentdyn1")
			},
			wantErr: ErrUnprocessable, wantMsg: "Event source was not subscribed to",
		},
		// recordings
		{
			name: "record a channel", scenario: "customer-recording", id: 2,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RecordChannel(ctx, "1796661056.39", RecordRequest{Name: "vm-1", Format: "wav", MaxDurationSeconds: 30, IfExists: "fail", Beep: true, TerminateOn: "#"})
			},
			check: holds(func(r *LiveRecording) bool {
				return *r == LiveRecording{Name: "vm-1", Format: "wav", State: RecordingStateQueued, TargetURI: "channel:1796661056.39"}
			}),
		},
		{
			name: "record a channel under a name taken", scenario: "customer-recording", id: 10,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RecordChannel(ctx, "1796661056.39", RecordRequest{Name: "vm-1", Format: "wav", IfExists: "fail"})
			},
			wantErr: ErrConflict, wantMsg: "Recording 'vm-1' already exists and can not be overwritten",
		},
		{
			name: "record in an unknown format", scenario: "customer-recording", id: 11,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RecordChannel(ctx, "1796661056.39", RecordRequest{Name: "vm-bad", Format: "bogus"})
			},
			wantErr: ErrUnprocessable, wantMsg: "specified format is unknown on this system",
		},
		{
			name: "record with a bad terminating key", scenario: "customer-recording", id: 14,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RecordChannel(ctx, "1796661056.39", RecordRequest{Name: "vm-bad3", Format: "wav", TerminateOn: "x"})
			},
			wantErr: ErrBadRequest, wantMsg: "terminateOn invalid",
		},
		{
			name: "record a gone channel", scenario: "customer-recording", id: 17,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RecordChannel(ctx, "no-such-channel", RecordRequest{Name: "vm-bad6", Format: "wav"})
			},
			wantErr: ErrNotFound, wantMsg: "Channel not found",
		},
		{
			name: "live recording", scenario: "customer-recording", id: 3,
			call:  func(ctx context.Context, c *Client) (any, error) { return c.LiveRecording(ctx, "vm-1") },
			check: holds(func(r *LiveRecording) bool { return r.State == RecordingStateRecording && r.Duration == nil }),
		},
		{
			name: "pause a queued recording", scenario: "customer-recording", id: 22,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.PauseRecording(ctx, "vm-3b") },
			wantErr: ErrConflict, wantMsg: "Recording not in session",
		},
		{
			name: "pause", scenario: "customer-recording", id: 23,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.PauseRecording(ctx, "vm-3") },
		},
		{
			name: "unpause", scenario: "customer-recording", id: 26,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.UnpauseRecording(ctx, "vm-3") },
		},
		{
			name: "mute", scenario: "customer-recording", id: 27,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.MuteRecording(ctx, "vm-3") },
		},
		{
			name: "unmute", scenario: "customer-recording", id: 29,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.UnmuteRecording(ctx, "vm-3") },
		},
		{
			name: "stop", scenario: "customer-recording", id: 30,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.StopRecording(ctx, "vm-3") },
		},
		{
			name: "stop an ended recording", scenario: "customer-recording", id: 31,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.StopRecording(ctx, "vm-3") },
			wantErr: ErrNotFound, wantMsg: "Recording not found",
		},
		{
			name: "cancel", scenario: "customer-recording", id: 35,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.CancelRecording(ctx, "vm-4") },
		},
		{
			name: "record a bridge", scenario: "customer-recording", id: 44,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RecordBridge(ctx, "rec-bridge-1", RecordRequest{Name: "call-rec-1", Format: "wav"})
			},
			check: holds(func(r *LiveRecording) bool { return r.TargetURI == "bridge:rec-bridge-1" }),
		},
		{
			name: "record an unknown bridge", scenario: "customer-recording", id: 49,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RecordBridge(ctx, "no-such-bridge", RecordRequest{Name: "call-rec-2", Format: "wav"})
			},
			wantErr: ErrNotFound, wantMsg: "Bridge not found",
		},
		{
			name: "stored recordings", scenario: "customer-recording", id: 56,
			call: func(ctx context.Context, c *Client) (any, error) { return c.StoredRecordings(ctx) },
			check: holds(func(rs []StoredRecording) bool {
				return len(rs) == 8 && rs[0] == StoredRecording{Name: "call-rec-1", Format: "wav"}
			}),
		},
		{
			name: "stored recording", scenario: "customer-recording", id: 55,
			call:  func(ctx context.Context, c *Client) (any, error) { return c.StoredRecording(ctx, "vm-5") },
			check: holds(func(r *StoredRecording) bool { return *r == StoredRecording{Name: "vm-5", Format: "wav"} }),
		},
		{
			name: "copy a stored recording", scenario: "customer-recording", id: 38,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CopyStoredRecording(ctx, "vm-1", "vm-1-copy")
			},
			check: holds(func(r *StoredRecording) bool { return r.Name == "vm-1-copy" }),
		},
		{
			name: "copy onto a name taken", scenario: "customer-recording", id: 39,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CopyStoredRecording(ctx, "vm-1", "vm-1-copy")
			},
			wantErr: ErrConflict, wantMsg: "A recording with the same name already exists on the system",
		},
		{
			name: "delete a stored recording", scenario: "customer-recording", id: 57,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteStoredRecording(ctx, "vm-1") },
		},
		{
			name: "delete a deleted recording", scenario: "customer-recording", id: 65,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteStoredRecording(ctx, "vm-1") },
			wantErr: ErrNotFound, wantMsg: "Recording not found",
		},
		{
			name: "file of a deleted recording", scenario: "customer-recording", id: 66,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.StoredRecordingFile(ctx, "vm-1") },
			wantErr: ErrNotFound, wantMsg: "Recording not found",
		},
		{
			name: "get unknown playback", scenario: "errors", id: 58,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetPlayback(ctx, "no-such-playback") },
			wantErr: ErrNotFound, wantMsg: "Playback not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, resp := exchange(t, tt.scenario, tt.id)
			c, got := replayServer(t, resp)
			res, err := tt.call(t.Context(), c)
			assertSameRequest(t, req, nextRequest(t, got))

			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if tt.check != nil {
					tt.check(t, res)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("err = %T, want *Error", err)
			}
			if ae.Status != resp.Status || ae.Method != req.Method || ae.Path != req.Path || ae.Message != tt.wantMsg {
				t.Errorf("error = %+v, want %s %s %d %q", *ae, req.Method, req.Path, resp.Status, tt.wantMsg)
			}
		})
	}
}

// holds is a check that the result, a T, satisfies ok.
func holds[T any](ok func(T) bool) func(*testing.T, any) {
	return func(t *testing.T, got any) {
		t.Helper()
		if v := got.(T); !ok(v) {
			t.Errorf("got %#v", v)
		}
	}
}
