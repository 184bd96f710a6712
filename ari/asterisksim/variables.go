package asterisksim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ccaas/ccaas/ari"
)

// Channel variables and the dialplan functions the simulator can read.

// onVariable runs do under the lock with the variable a request reads or
// sets (global or a channel's); Asterisk answers 400 without one.
func (s *Sim) onVariable(q *request, do func(name string) response) response {
	name := q.str("variable")
	if name == "" {
		return fail(http.StatusBadRequest, "Variable name is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return do(name)
}

func (s *Sim) getVariable(q *request) response {
	return s.onVariable(q, func(name string) response {
		ch, bad := lookup(s.channels, q.path["channelId"], "Provided channel was not found")
		if bad != nil {
			return *bad
		}
		if fn, arg, isFunc := splitFunc(name); isFunc {
			v, known := ch.function(fn, arg)
			if !known {
				return fail(http.StatusInternalServerError, "Unable to read provided function")
			}
			return okJSON(ari.Variable{Value: v})
		}
		if v, set := ch.builtin(name); set {
			return okJSON(ari.Variable{Value: v})
		}
		v, set := ch.vars[name]
		if !set {
			return fail(http.StatusNotFound, "Provided variable was not found")
		}
		return okJSON(ari.Variable{Value: v})
	})
}

func (s *Sim) setVariable(q *request) response {
	return s.onVariable(q, func(name string) response {
		ch, bad := s.controlLocked(q.path["channelId"])
		if bad != nil {
			return *bad
		}
		value := q.str("value")
		if fn, arg, isFunc := splitFunc(name); isFunc {
			if !ch.setFunction(fn, arg, value) {
				return fail(http.StatusInternalServerError, "Failed to execute function")
			}
			return noContent()
		}
		s.setVarLocked(ch, name, value)
		return noContent()
	})
}

// splitFunc splits "CALLERID(num)" into "CALLERID" and "num".
func splitFunc(name string) (fn, arg string, ok bool) {
	open := strings.IndexByte(name, '(')
	if open <= 0 || !strings.HasSuffix(name, ")") {
		return "", "", false
	}
	return name[:open], name[open+1 : len(name)-1], true
}

// function reads the dialplan functions the simulator knows.
func (ch *channel) function(fn, arg string) (string, bool) {
	switch fn {
	case "CALLERID":
		switch arg {
		case "num", "number":
			return ch.caller.Number, true
		case "name":
			return ch.caller.Name, true
		case "all":
			return fmt.Sprintf("%q <%s>", ch.caller.Name, ch.caller.Number), true
		}
	case "CONNECTEDLINE":
		switch arg {
		case "num", "number":
			return ch.connected.Number, true
		case "name":
			return ch.connected.Name, true
		}
	case "CHANNEL":
		switch arg {
		case "name":
			return ch.name, true
		case "uniqueid":
			return ch.id, true
		case "state":
			return ch.state, true
		case "language":
			return "en", true
		case "accountcode":
			return "", true
		case "channeltype":
			tech, _, _ := strings.Cut(ch.name, "/")
			return tech, true
		}
	}
	return "", false
}

func (ch *channel) setFunction(fn, arg, value string) bool {
	switch fn + "(" + arg + ")" {
	case "CALLERID(num)", "CALLERID(number)":
		ch.caller.Number = value
	case "CALLERID(name)":
		ch.caller.Name = value
	default:
		return false
	}
	return true
}

// builtin reads the variables Asterisk derives from the channel.
func (ch *channel) builtin(name string) (string, bool) {
	switch name {
	case "EXTEN":
		return ch.dialplan.Exten, true
	case "CONTEXT":
		return ch.dialplan.Context, true
	case "PRIORITY":
		return strconv.FormatInt(ch.dialplan.Priority, 10), true
	case "UNIQUEID":
		return ch.id, true
	case "CHANNEL":
		return ch.name, true
	}
	return "", false
}
