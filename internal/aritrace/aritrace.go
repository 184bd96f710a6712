// Package aritrace reads the traces recorded from a real Asterisk 22 that
// the ari client's tests and the simulator's replay test play back: JSON
// Lines, one REST request, answer, event or note a line (the format is
// described in ari/asterisksim/testdata/traces/README.md).
package aritrace

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// Line is one line of a trace. Which fields a line has depends on Dir:
// "req", "resp", "event", "ws" or "note".
type Line struct {
	TMs         float64           `json:"t_ms"`
	Dir         string            `json:"dir"`
	ID          int               `json:"id"` // pairs a request with its answer
	Method      string            `json:"method"`
	Path        string            `json:"path"` // below /ari
	Query       map[string]string `json:"query"`
	Body        json.RawMessage   `json:"body"` // kept byte for byte
	BodyText    *string           `json:"body_text"`
	Text        string            `json:"text"`
	Status      int               `json:"status"`
	ContentType string            `json:"content_type"`
	Error       string            `json:"error"` // the transport failed (Asterisk down)
	Type        string            `json:"type"`
	Event       json.RawMessage   `json:"event"` // as the socket delivered it, byte for byte
	State       string            `json:"state"`
	URL         string            `json:"url"`
	Src         string            `json:"src"`
	Data        json.RawMessage   `json:"data"`
}

// maxLine is the longest line read; a recorded event or body can be long.
const maxLine = 1 << 20

// Read returns the lines of a trace file in the order recorded.
func Read(path string) ([]Line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []Line
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, maxLine), maxLine)
	for sc.Scan() {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, len(lines)+1, err)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return lines, nil
}
