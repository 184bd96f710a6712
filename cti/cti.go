// Package cti is the browser contract of the agent page: the messages the
// server sends over the CTI WebSocket (Message and its views) and the
// commands the page sends back (Command, read by DecodeCommand). The wire
// format is documented in docs/cti-protocol.md; a test keeps the two in
// step. The package imports only the model (for ids) and the standard
// library: the call logic (app) fills the messages, the socket (http) moves
// them.
package cti

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ccaas/ccaas"
)

// Message is one server-to-client message of the CTI protocol
// (docs/cti-protocol.md). The app fills it; the socket writer stamps Seq.
type Message struct {
	Type     string        `json:"type"`
	Seq      uint64        `json:"seq"`
	Agent    *AgentView    `json:"agent,omitempty"`
	State    *StateView    `json:"state,omitempty"`
	Line     *LineView     `json:"line,omitempty"`
	Call     *CallView     `json:"call,omitempty"`
	Reasons  []string      `json:"reasons,omitempty"`
	Settings *SettingsView `json:"settings,omitempty"` // snapshot
	Phone    *PhoneView    `json:"phone,omitempty"`    // snapshot: the browser phone's one-time SIP account
	Notice   *NoticeView   `json:"notice,omitempty"`
	ID       string        `json:"id,omitempty"` // reply: the command's id
	OK       *bool         `json:"ok,omitempty"` // reply
	Error    *ErrorView    `json:"error,omitempty"`
	Reason   string        `json:"reason,omitempty"` // bye
	By       string        `json:"by,omitempty"`     // bye: the supervisor who logged the agent out
	Team     *TeamView     `json:"team,omitempty"`   // snapshot (all of it) and team (what changed), supervisors only
	Watch    *WatchView    `json:"watch,omitempty"`  // snapshot and watch: the supervisor's monitoring
	// Directory is the tenant's agents and queues with their live state
	// (directory, while the agent follows it).
	Directory *DirectoryView `json:"directory,omitempty"`
	// Disposition is the agent's wrapup code and note of a call, as saved
	// (disposition).
	Disposition *DispositionView `json:"disposition,omitempty"`
}

// Message types.
const (
	MsgSnapshot = "snapshot"
	MsgState    = "state"
	MsgOffer    = "offer"
	MsgCall     = "call"
	MsgLine     = "line"
	MsgReply    = "reply"
	MsgBye      = "bye"
	MsgNotice   = "notice"
	MsgTeam     = "team"
	MsgWatch    = "watch"
	// MsgDirectory: the directory of agents and queues, or what changed in it.
	MsgDirectory = "directory"
	// MsgDisposition: the agent's wrapup code and note of a call were saved.
	MsgDisposition = "disposition"
)

// PhoneView is the SIP account provisioned for this login: the browser phone
// registers with it through /sip and answers the app's line call.
type PhoneView struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// LineToken is the value of the LineHeader SIP header on the app's line
	// call: the phone auto-answers that call and no other.
	LineToken string `json:"lineToken"`
}

// LineHeader is the SIP header that marks the app's line call to the phone.
const LineHeader = "X-CCAAS-Line"

// SettingsView is what the tenant decided for its agents' pages.
type SettingsView struct {
	NotifyIncoming bool `json:"notifyIncoming"` // show the incoming-call notification (and beep)
	EndWrapupEarly bool `json:"endWrapupEarly"` // agents may end their wrapup early (end_wrapup)
}

// NoticeView tells an agent something happened on their call: someone
// "joined" or "left", an invited agent gave "no_answer".
type NoticeView struct {
	Kind      string       `json:"kind"`
	Name      string       `json:"name"`
	Extension string       `json:"extension"`
	Call      ccaas.CallID `json:"call"`
}

// PartyView is one agent on a call, for the participant list.
type PartyView struct {
	Name      string `json:"name"`
	Extension string `json:"extension"`
	State     string `json:"state"` // offered, connecting, connected
	Role      string `json:"role"`  // answer, transfer, conference, dialer, callee
}

// AgentView is who the agent is.
type AgentView struct {
	ID        ccaas.AgentID `json:"id"`
	Username  string        `json:"username"`
	Name      string        `json:"name"`
	Extension string        `json:"extension"`
	Domain    string        `json:"domain"`
	Tenant    string        `json:"tenant"`
}

// StateView is the agent's state.
type StateView struct {
	State   string     `json:"state"`
	Reason  string     `json:"reason"`
	Since   time.Time  `json:"since"`
	Pending string     `json:"pending,omitempty"` // Pending Not Ready reason
	Until   *time.Time `json:"until,omitempty"`   // end of the ring time (offered) or of wrapup
	By      string     `json:"by,omitempty"`      // the supervisor who made this change
	// Awaiting is AwaitingWrapupCode while wrapup waits for a wrapup code
	// the queue requires; "" otherwise.
	Awaiting string `json:"awaiting,omitempty"`
}

// AwaitingWrapupCode: the agent's wrapup lasts until they give a wrapup
// code (StateView.Awaiting).
const AwaitingWrapupCode = "wrapup_code"

// LineView is the state of the agent's persistent line.
type LineView struct {
	State string `json:"state"`
}

// CallView is a call as the agent sees it.
type CallView struct {
	ID          ccaas.CallID `json:"id"`
	State       string       `json:"state"` // this agent's part: offered, connecting, connected, ended
	Direction   string       `json:"direction"`
	Role        string       `json:"role"`
	Caller      CallerView   `json:"caller"`
	Parties     []PartyView  `json:"parties"`
	Held        bool         `json:"held"`
	HeldSince   *time.Time   `json:"heldSince"`
	HoldSeconds int          `json:"holdSeconds"` // earlier holds of this call
	Muted       bool         `json:"muted"`
	Queue       *QueueView   `json:"queue"`
	DID         string       `json:"did"`
	Data        []DataItem   `json:"data"`
	ArrivedAt   *time.Time   `json:"arrivedAt"` // the call reached the contact center (an outbound one: was dialled)
	OfferedAt   *time.Time   `json:"offeredAt"`
	AnsweredAt  *time.Time   `json:"answeredAt"`
	EndedAt     *time.Time   `json:"endedAt"`
	RingSeconds int          `json:"ringSeconds"`
	EndReason   string       `json:"endReason"`
	// Coach is the supervisor who speaks to this agent only (whisper) while
	// they do; the caller does not hear them.
	Coach string `json:"coach,omitempty"`
	// Consult is the consultation going on about the call, as this agent
	// sees it; nil when there is none.
	Consult *ConsultView `json:"consult"`
	// TransferredBy is the agent who transferred the call; nil if nobody did.
	TransferredBy *AgentRef `json:"transferredBy"`
	// Disposition is what this agent may record of the call (its queue's
	// wrapup codes) and what they recorded.
	Disposition *DispositionView `json:"disposition"`
	// ScreenPop is what the page opens for this call (the tenant's screen
	// pop with the call's values), nil when there is none.
	ScreenPop *ScreenPopView `json:"screenPop,omitempty"`
	// Recording is the call's recording, nil when it is not and cannot be
	// recorded.
	Recording *RecordingView `json:"recording,omitempty"`
	// Callback and Voicemail are the task a queue offers besides a call
	// (direction "callback" or "voicemail"; cti/waiting.go).
	Callback  *CallbackView  `json:"callback,omitempty"`
	Voicemail *VoicemailView `json:"voicemail,omitempty"`
}

// AgentRef names another agent: name and extension, nothing else.
type AgentRef struct {
	Name      string `json:"name"`
	Extension string `json:"extension"`
}

// ConsultView is a consultation (the first step of an attended transfer):
// the other agent, whether their phone rings or they talk, and which side
// this agent is on.
type ConsultView struct {
	Name      string     `json:"name"`
	Extension string     `json:"extension"`
	State     string     `json:"state"` // offered, connected
	Role      string     `json:"role"`  // ConsultConsulting or ConsultConsulted
	Since     *time.Time `json:"since"` // began (offered) or was answered (connected)
}

// Sides of a consultation (ConsultView.Role).
const (
	ConsultConsulting = "consulting" // this agent consults a colleague
	ConsultConsulted  = "consulted"  // a colleague consults this agent
)

// DispositionView is an agent's disposition of a call: the wrapup codes
// they may pick (their queue's), whether one is required, and the code and
// note they gave.
type DispositionView struct {
	Call     ccaas.CallID `json:"call"`
	Queue    string       `json:"queue"`
	Codes    []string     `json:"codes"`
	Required bool         `json:"required"`
	Code     string       `json:"code"`
	Note     string       `json:"note"`
}

// DirectoryView is the tenant's directory: every agent with their presence
// and every queue with its callers waiting and Ready members. In a full
// message every row; else only the rows that changed.
type DirectoryView struct {
	Full   bool                 `json:"full,omitempty"`
	Agents []DirectoryAgentView `json:"agents"`
	Queues []DirectoryQueueView `json:"queues"`
}

// DirectoryAgentView is one agent in the directory: only name, extension
// and presence.
type DirectoryAgentView struct {
	Name      string `json:"name"`
	Extension string `json:"extension"`
	Presence  string `json:"presence"` // one of the Presence constants
	Reason    string `json:"reason"`   // the Not Ready reason
}

// Presences of the directory.
const (
	PresenceReady     = "ready"
	PresenceNotReady  = "not_ready"
	PresenceOnCall    = "on_call"
	PresenceWrapup    = "wrapup"
	PresenceLoggedOut = "logged_out"
)

// DirectoryQueueView is one queue in the directory.
type DirectoryQueueView struct {
	ID      ccaas.QueueID `json:"id"`
	Name    string        `json:"name"`
	Waiting int           `json:"waiting"`
	Ready   int           `json:"ready"`
}

// RecordingView is a call's recording as its agents see it.
type RecordingView struct {
	// State: off (not recorded yet: an agent may start it), starting,
	// recording, pausing, paused, resuming, failed (the call goes on
	// unrecorded; it may be started again).
	State         string     `json:"state"`
	PausedBy      string     `json:"pausedBy,omitempty"`    // the agent who paused it (name)
	PausedSince   *time.Time `json:"pausedSince,omitempty"` // when the current pause began
	PausedSeconds int        `json:"pausedSeconds"`         // earlier pauses of this call
}

// States of a call's recording (RecordingView.State).
const (
	RecOff       = "off"
	RecStarting  = "starting"
	RecRecording = "recording"
	RecPausing   = "pausing"
	RecPaused    = "paused"
	RecResuming  = "resuming"
	RecFailed    = "failed"
)

// ScreenPopView is the address a page opens for a call, and when: "answer"
// (once the agent's part is connected) or "offer".
type ScreenPopView struct {
	URL string `json:"url"`
	On  string `json:"on"`
}

// CallerView is the customer's number and name (the number dialled, for
// outbound calls; the other agent, between agents).
type CallerView struct {
	Number string `json:"number"`
	Name   string `json:"name"`
}

// QueueView names a queue.
type QueueView struct {
	ID   ccaas.QueueID `json:"id"`
	Name string        `json:"name"`
}

// DataItem is one attached-data value of a call: plain text.
type DataItem struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ErrorView is a refused command's reason.
type ErrorView struct {
	Code    string `json:"code"`
	Message string `json:"message"` // a Sentence
}

// Sentence makes an error's text (lower case, no full stop, as Go errors are
// written) what a person reads: a capital first letter and a full stop.
func Sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	first, size := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(first)) + msg[size:]
	if last, _ := utf8.DecodeLastRuneInString(msg); !strings.ContainsRune(".!?", last) {
		msg += "."
	}
	return msg
}

// Error codes of refused commands.
const (
	CodeBadCommand = "bad_command"
	CodeNotAllowed = "not_allowed"
	CodeNoSuchCall = "no_such_call"
	CodeInternal   = "internal"
)

// Bye reasons.
const (
	ByeLogout     = "logout"
	ByeReplaced   = "replaced"
	ByeShutdown   = "shutdown"
	ByeClosed     = "closed"
	ByeRemoved    = "removed"    // the admin removed the agent
	ByeSupervisor = "supervisor" // a supervisor logged the agent out
	ByeExpired    = "expired"    // the session reached its maximum age, or its page never connected
	ByeAccount    = "account"    // the agent's password or role was changed
)

// Command is one client-to-server CTI message.
type Command struct {
	ID     string       `json:"id"`
	Cmd    string       `json:"cmd"`
	Reason string       `json:"reason,omitempty"`
	Call   ccaas.CallID `json:"call,omitempty"`
	Target string       `json:"target,omitempty"` // transfer, conference: an agent's extension
	Number string       `json:"number,omitempty"` // dial: a phone number or an agent's extension
	Digits string       `json:"digits,omitempty"` // dtmf
	// Agent is the agent a supervisor acts on (monitor, whisper, barge,
	// agent_ready, agent_not_ready, agent_logout).
	Agent ccaas.AgentID `json:"agent,omitempty"`
	// Queue is the queue a call is transferred to (transfer, instead of Target).
	Queue ccaas.QueueID `json:"queue,omitempty"`
	Code  string        `json:"code,omitempty"` // disposition: a wrapup code of the call's queue
	Note  string        `json:"note,omitempty"` // disposition: plain text
}

// Command names.
const (
	CmdReady    = "ready"
	CmdNotReady = "not_ready"
	CmdAnswer   = "answer"
	CmdHangup   = "hangup"
	CmdLogout   = "logout"
	// CmdCancelPending takes back a Pending Not Ready.
	CmdCancelPending = "cancel_pending"
	CmdHold          = "hold"
	CmdResume        = "resume"
	CmdTransfer      = "transfer"
	CmdConference    = "conference"
	CmdDial          = "dial"
	CmdMute          = "mute"
	CmdUnmute        = "unmute"
	CmdDTMF          = "dtmf"
	// Consultation (attended transfer): consult a colleague while the
	// customer is on hold, then complete, cancel or make it a conference.
	CmdConsult           = "consult"
	CmdConsultComplete   = "consult_complete"
	CmdConsultCancel     = "consult_cancel"
	CmdConsultConference = "consult_conference"
	// The directory of agents and queues: follow it, and stop.
	CmdDirectoryOpen  = "directory_open"
	CmdDirectoryClose = "directory_close"
	// CmdDisposition saves the agent's wrapup code and note of a call.
	CmdDisposition = "disposition"
	// CmdEndWrapup ends wrapup early, where the tenant allows it.
	CmdEndWrapup = "end_wrapup"
	// The call's recording: start it (a queue that records on demand),
	// pause it while a card number is read out, resume it.
	CmdStartRecording  = "start_recording"
	CmdPauseRecording  = "pause_recording"
	CmdResumeRecording = "resume_recording"
	// Supervisors' commands.
	CmdMonitor       = "monitor" // listen to an agent's call
	CmdWhisper       = "whisper" // speak to the agent only
	CmdBarge         = "barge"   // join the call
	CmdStopWatch     = "stop_watch"
	CmdAgentReady    = "agent_ready"
	CmdAgentNotReady = "agent_not_ready"
	CmdAgentLogout   = "agent_logout"
)

// TeamView is what a supervisor sees of their teams: in a snapshot every
// agent and queue, in a team message only the rows that changed.
type TeamView struct {
	Agents []TeamAgentView `json:"agents"`
	Queues []TeamQueueView `json:"queues"`
	// Full: this team message replaces the whole view (after an admin
	// changed teams or roles), rows not in it are gone.
	Full bool `json:"full,omitempty"`
	// Voicemails, when not null, is the whole list of the voicemails of the
	// supervisor's queues that nobody has closed, oldest first (null: as
	// before).
	Voicemails []TeamVoicemailView `json:"voicemails"`
}

// TeamAgentView is one agent of the supervisor's teams.
type TeamAgentView struct {
	ID        ccaas.AgentID `json:"id"`
	Name      string        `json:"name"`
	Username  string        `json:"username"`
	Extension string        `json:"extension"`
	Team      string        `json:"team"`
	State     StateView     `json:"state"`
	Line      string        `json:"line"`
	Call      *TeamCallView `json:"call"`
}

// TeamCallView is an agent's current call as their supervisor sees it.
type TeamCallView struct {
	ID        ccaas.CallID `json:"id"`
	State     string       `json:"state"` // the agent's part: offered, connecting, connected
	Direction string       `json:"direction"`
	Caller    CallerView   `json:"caller"`
	Queue     string       `json:"queue"`
	Since     *time.Time   `json:"since"` // answered, or offered while ringing
	Held      bool         `json:"held"`
	HeldSince *time.Time   `json:"heldSince"`
	Consult   *ConsultView `json:"consult"` // a consultation about the call, as this agent sees it
	// RecordingPausedBy and RecordingPausedSince: the call's recording is
	// paused (a card number is being read out), by that agent, since then.
	RecordingPausedBy    string     `json:"recordingPausedBy,omitempty"`
	RecordingPausedSince *time.Time `json:"recordingPausedSince,omitempty"`
}

// TeamQueueView is one queue an agent of the supervisor's teams serves.
type TeamQueueView struct {
	ID       ccaas.QueueID `json:"id"`
	Name     string        `json:"name"`
	Waiting  int           `json:"waiting"`
	Oldest   *time.Time    `json:"oldest"`   // when the longest-waiting call entered the queue
	Ready    int           `json:"ready"`    // members Ready
	Busy     int           `json:"busy"`     // members offered, on a call or in wrapup
	NotReady int           `json:"notReady"` // members logged in and Not Ready
	Today    QueueDay      `json:"today"`
	// Hours: open now, and until when (the queue's opening hours).
	Hours HoursView `json:"hours"`
	// EstimatedWaitSeconds is the wait a caller entering now would be told
	// (nil: no estimate, nobody works in the queue).
	EstimatedWaitSeconds *int `json:"estimatedWaitSeconds"`
	// Callbacks and Voicemails count the callbacks and voicemails waiting
	// in the queue (besides the callers in Waiting).
	Callbacks  int `json:"callbacks"`
	Voicemails int `json:"voicemails"`
}

// QueueDay are a queue's figures of the day so far (server's local day).
// Definitions as in the reports (README "Reports").
type QueueDay struct {
	Offered   int `json:"offered"`
	Answered  int `json:"answered"`
	Abandoned int `json:"abandoned"`
	// Refused counts the callers of the day turned away with busy as they
	// arrived, because ccaas was at its limit of concurrent calls (for the
	// server or the tenant); counted since ccaas started, they are not among
	// the offered calls.
	Refused int `json:"refused"`
	// ServiceLevel is the percentage of offered calls answered within
	// TargetSeconds; nil before the first call of the day.
	ServiceLevel  *float64 `json:"serviceLevel"`
	TargetSeconds int      `json:"targetSeconds"`
	// AHTSeconds is the average handle time (talk, hold and wrapup) of the
	// answered calls; nil before the first answered call.
	AHTSeconds *float64 `json:"ahtSeconds"`
}

// WatchView is a supervisor's monitoring of an agent's call.
type WatchView struct {
	Agent ccaas.AgentID `json:"agent"`
	Name  string        `json:"name"`
	Call  ccaas.CallID  `json:"call"`
	Mode  string        `json:"mode"`  // monitor, whisper, barge
	State string        `json:"state"` // connecting, active, ended
	// Reason says why it ended: stopped, call_ended, line_lost, failed.
	Reason string `json:"reason,omitempty"`
}
