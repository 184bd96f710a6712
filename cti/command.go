package cti

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// ErrBadCommand is returned by DecodeCommand.
var ErrBadCommand = errors.New("bad command")

// MaxNoteBytes bounds a disposition's note in a command: 2,000 characters
// (the app's rule) of at most 4 bytes each.
const MaxNoteBytes = 4 * 2000

// DecodeCommand parses one CTI command and checks its shape; what the command
// may do is the app's business.
func DecodeCommand(data []byte) (Command, error) {
	var cmd Command
	if err := json.Unmarshal(data, &cmd); err != nil {
		return Command{ID: readableID(data)}, fmt.Errorf("%w: %s", ErrBadCommand, decodeProblem(err))
	}
	if len(cmd.ID) > 64 {
		return Command{}, fmt.Errorf("%w: id longer than 64 characters", ErrBadCommand)
	}
	if len(cmd.Reason) > 64 || len(cmd.Call) > 64 || len(cmd.Target) > 32 || len(cmd.Number) > 32 || len(cmd.Digits) > 32 ||
		len(cmd.Code) > 256 || len(cmd.Note) > MaxNoteBytes {
		return Command{ID: cmd.ID}, fmt.Errorf("%w: field too long", ErrBadCommand)
	}
	if cmd.Queue < 0 {
		return Command{ID: cmd.ID}, fmt.Errorf("%w: queue must be a queue's id", ErrBadCommand)
	}
	needs := func(field, value string) error {
		if value == "" {
			return fmt.Errorf("%w: %s needs %s", ErrBadCommand, cmd.Cmd, field)
		}
		return nil
	}
	var err error
	switch cmd.Cmd {
	case CmdReady, CmdNotReady, CmdLogout, CmdCancelPending:
	case CmdAnswer, CmdHangup, CmdHold, CmdResume, CmdMute, CmdUnmute, CmdConsultComplete, CmdConsultCancel, CmdConsultConference,
		CmdStartRecording, CmdPauseRecording, CmdResumeRecording, CmdCallback:
		err = needs("a call", string(cmd.Call))
	case CmdTransfer:
		switch {
		case cmd.Call == "":
			err = needs("a call", "")
		case cmd.Target != "" && cmd.Queue != 0:
			err = fmt.Errorf("%w: transfer to a target extension or to a queue, not both", ErrBadCommand)
		case cmd.Queue == 0:
			err = needs("a target extension or a queue", cmd.Target)
		}
	case CmdConference, CmdConsult:
		if err = needs("a call", string(cmd.Call)); err == nil {
			err = needs("a target extension", cmd.Target)
		}
	case CmdDisposition:
		if err = needs("a call", string(cmd.Call)); err == nil && cmd.Code == "" && cmd.Note == "" {
			err = fmt.Errorf("%w: disposition needs a wrapup code or a note", ErrBadCommand)
		}
	case CmdDirectoryOpen, CmdDirectoryClose, CmdEndWrapup:
	case CmdDTMF:
		if err = needs("a call", string(cmd.Call)); err == nil {
			err = needs("digits", cmd.Digits)
		}
	case CmdDial:
		err = needs("a number", cmd.Number)
	case CmdStopWatch:
	case CmdMonitor, CmdWhisper, CmdBarge, CmdAgentReady, CmdAgentNotReady, CmdAgentLogout:
		if cmd.Agent <= 0 {
			err = fmt.Errorf("%w: %s needs an agent", ErrBadCommand, cmd.Cmd)
		}
	case "":
		return Command{ID: cmd.ID}, fmt.Errorf("%w: missing cmd", ErrBadCommand)
	default:
		return Command{ID: cmd.ID}, fmt.Errorf("%w: unknown cmd %q", ErrBadCommand, cmd.Cmd)
	}
	if err != nil {
		return Command{ID: cmd.ID}, err
	}
	return cmd, nil
}

// readableID is the id of a command that could not be decoded, if the id
// itself can be read (a string of at most 64 bytes in a JSON object), so
// that the refusal names the command it refuses.
func readableID(data []byte) string {
	var probe struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(data, &probe) != nil || len(probe.ID) > 64 {
		return ""
	}
	return probe.ID
}

// decodeProblem says what was wrong with a command that is no JSON command
// object: a field of the wrong type is named, other errors are summed up.
func decodeProblem(err error) string {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) && typ.Field != "" {
		return fmt.Sprintf("%q must be a %s (got %s)", typ.Field, jsonKind(typ.Type.Kind()), typ.Value)
	}
	return "not a JSON command object"
}

// jsonKind names a Go kind as JSON calls it.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "whole number"
	}
	return k.String()
}
