package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/ccaas/ccaas/queuelog"
)

// openQueueLog opens the queue_log file (--queue-log) and reopens it on
// SIGHUP, as logrotate expects. It returns what the app hands its events to
// (nil when there is no queue_log) and the function that closes the file,
// to be called once the app has stopped.
func openQueueLog(ctx context.Context, path string, log *slog.Logger) (func(queuelog.Event), func(), error) {
	if path == "" {
		return nil, func() {}, nil
	}
	w, err := queuelog.Open(path, queuelog.Options{Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("queue_log: %w", err)
	}
	// registered before we return, so that a SIGHUP from now on never takes
	// the default action (ending the process)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-hup:
				if err := w.Reopen(); err != nil {
					log.Error("queue_log not reopened", "path", path, "err", err)
				} else {
					log.Info("queue_log reopened", "path", path)
				}
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	closeLog := func() {
		close(stop)
		<-done
		signal.Stop(hup)
		if err := w.Close(); err != nil {
			log.Error("queue_log", "err", err)
		}
		if n := w.Dropped(); n > 0 {
			log.Warn("queue_log events dropped while running", "events", n)
		}
	}
	return w.Log, closeLog, nil
}

// demoQueueLog is where the demo writes its queue_log: next to its database
// (demo.db → demo.queue_log).
func demoQueueLog(db string) string {
	return strings.TrimSuffix(db, filepath.Ext(db)) + ".queue_log"
}
