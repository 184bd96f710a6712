package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDemoWritesQueueLog runs the real demo: it writes a queue_log next to
// its database and says where, the lines are app_queue's, and SIGHUP makes
// it reopen the file after logrotate renamed it.
func TestDemoWritesQueueLog(t *testing.T) {
	dir := t.TempDir()
	c := runCommand(t, "demo", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "demo.db"), "--callers-every", "0", "--log-level", "warn")
	base := c.baseURL(t)
	path := filepath.Join(dir, "demo.queue_log")
	if !strings.Contains(c.stdout.String(), "queue_log       "+path+"\n") {
		t.Fatalf("the demo does not say where its queue_log is:\n%s", c.stdout.String())
	}
	waitUntil(t, "/healthz", func() bool { return healthy(base) })
	contains := func(file, line string) func() bool {
		return func() bool {
			b, _ := os.ReadFile(file)
			return strings.Contains(string(b), line)
		}
	}
	waitUntil(t, "QUEUESTART", contains(path, "|NONE|NONE|NONE|QUEUESTART|\n"))

	b := newBrowser(t, base)
	if code, body := b.post("/api/login", `{"username":"bob","password":"bob-demo","domain":"demo.local"}`); code != http.StatusOK {
		t.Fatalf("login: %d %s", code, body)
	}
	waitUntil(t, "bob added to Support", contains(path, "|NONE|Support@demo.local|bob@demo.local|ADDMEMBER|PAUSED\n"))

	// logrotate: rename, then SIGHUP
	rotated := path + ".1"
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "a new queue_log after SIGHUP", func() bool { _, err := os.Stat(path); return err == nil })
	if code, _ := b.post("/api/logout", ""); code != http.StatusNoContent && code != http.StatusOK {
		t.Fatalf("logout: %d", code)
	}
	waitUntil(t, "bob removed, in the new file", contains(path, "|NONE|Support@demo.local|bob@demo.local|REMOVEMEMBER|\n"))
	if contains(rotated, "REMOVEMEMBER")() {
		t.Fatal("a line after the reopen went to the rotated file")
	}
}

func TestQueueLogThatCannotBeOpened(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir", "queue_log")
	db := filepath.Join(t.TempDir(), "demo.db") // seeded once, by the first case
	tests := []struct {
		name string
		env  string
		args []string
	}{
		{name: "flag", args: []string{"--queue-log", missing}},
		{name: "environment", env: missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CCAAS_QUEUE_LOG", tt.env)
			args := append([]string{"demo", "--addr", "127.0.0.1:0", "--db", db, "--callers-every", "0"}, tt.args...)
			err := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "queue_log") || !strings.Contains(err.Error(), "no-such-dir") {
				t.Fatalf("err = %v, want the queue_log's path", err)
			}
		})
	}
}
