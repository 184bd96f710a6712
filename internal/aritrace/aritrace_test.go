package aritrace

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.jsonl")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRead: lines in order, JSON bodies and events byte for byte, a line
// longer than bufio's default and a last line without a newline.
func TestRead(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	text := `{"t_ms":1.5,"dir":"req","id":3,"method":"POST","path":"/channels","query":{"app":"ccaas"},"body":{"b": 2,  "a":1}}` + "\n" +
		`{"dir":"resp","id":3,"status":200,"content_type":"application/json","body_text":"` + long + `"}` + "\n" +
		`{"dir":"event","type":"StasisStart","event":{"type":"StasisStart"}}`
	lines, err := Read(write(t, text))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3", len(lines))
	}
	req, resp, ev := lines[0], lines[1], lines[2]
	if req.TMs != 1.5 || req.Dir != "req" || req.ID != 3 || req.Method != "POST" || req.Path != "/channels" || req.Query["app"] != "ccaas" {
		t.Errorf("request = %+v", req)
	}
	if string(req.Body) != `{"b": 2,  "a":1}` {
		t.Errorf("body = %s, want it byte for byte", req.Body)
	}
	if resp.Status != 200 || resp.ContentType != "application/json" || resp.BodyText == nil || *resp.BodyText != long {
		t.Errorf("answer = %+v", resp)
	}
	if ev.Type != "StasisStart" || string(ev.Event) != `{"type":"StasisStart"}` {
		t.Errorf("event = %+v", ev)
	}
}

func TestReadEmpty(t *testing.T) {
	lines, err := Read(write(t, ""))
	if err != nil || len(lines) != 0 {
		t.Fatalf("Read = %v, %v; want no lines", lines, err)
	}
}

func TestReadBrokenLine(t *testing.T) {
	_, err := Read(write(t, "{\"id\":1}\n{\"id\":\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want one naming line 2", err)
	}
}

func TestReadMissing(t *testing.T) {
	if _, err := Read(filepath.Join(t.TempDir(), "none.jsonl")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want not-exist", err)
	}
}
