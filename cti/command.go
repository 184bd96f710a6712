package cti

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrBadCommand is returned by DecodeCommand.
var ErrBadCommand = errors.New("bad command")

// DecodeCommand parses one CTI command and checks its shape; what the command
// may do is the app's business.
func DecodeCommand(data []byte) (Command, error) {
	var cmd Command
	if err := json.Unmarshal(data, &cmd); err != nil {
		return Command{}, fmt.Errorf("%w: not a JSON command object", ErrBadCommand)
	}
	if len(cmd.ID) > 64 {
		return Command{}, fmt.Errorf("%w: id longer than 64 characters", ErrBadCommand)
	}
	if len(cmd.Reason) > 64 || len(cmd.Call) > 64 || len(cmd.Target) > 32 || len(cmd.Number) > 32 || len(cmd.Digits) > 32 {
		return Command{ID: cmd.ID}, fmt.Errorf("%w: field too long", ErrBadCommand)
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
	case CmdAnswer, CmdHangup, CmdHold, CmdResume, CmdMute, CmdUnmute:
		err = needs("a call", string(cmd.Call))
	case CmdTransfer, CmdConference:
		if err = needs("a call", string(cmd.Call)); err == nil {
			err = needs("a target extension", cmd.Target)
		}
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
