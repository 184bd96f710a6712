package app_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// TestRealAsteriskStartedClean: the Asterisk the real suite runs against
// started cleanly with asterisk-etc's configuration: every module it loaded
// runs (none declined), and, when CCAAS_TEST_ASTERISK_LOG names its
// messages.log, its last start logged no ERROR and no WARNING. A module
// added without its configuration file, or a file that breaks, fails here.
func TestRealAsteriskStartedClean(t *testing.T) {
	url := os.Getenv("CCAAS_TEST_ARI_URL")
	if url == "" {
		t.Skip("CCAAS_TEST_ARI_URL is not set: no real Asterisk to test against")
	}
	client, err := ari.New(ari.Config{URL: url, Username: env("CCAAS_TEST_ARI_USER", "ccaas"), Password: env("CCAAS_TEST_ARI_PASSWORD", "ccaas"), Application: "ccaas-test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t.Run("every module it loaded runs", func(t *testing.T) {
		mods, err := client.Modules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mods {
			if m.Status != "Running" {
				t.Errorf("module %s is %q: it declined or failed to load (messages.log says why); give it its configuration file, or noload it in modules.conf", m.Name, m.Status)
			}
		}
	})
	t.Run("its start logged no error or warning", func(t *testing.T) {
		path := os.Getenv("CCAAS_TEST_ASTERISK_LOG")
		if path == "" {
			t.Skip("CCAAS_TEST_ASTERISK_LOG is not set: point it at Asterisk's messages.log to check its start")
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		started, problems, err := startupProblems(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		info, err := client.Info(ctx)
		if err != nil || info.Status == nil {
			t.Fatalf("Asterisk's start time: %+v, %v", info, err)
		}
		if d := started.Sub(info.Status.StartupTime.Time); d < -time.Minute || d > time.Minute {
			t.Fatalf("%s last shows a start at %v, but this Asterisk started at %v: is it this Asterisk's messages.log?", path, started, info.Status.StartupTime)
		}
		for _, p := range problems {
			t.Errorf("at start: %s", p)
		}
	})
}

// logLineRE is a line of messages.log as asterisk-etc/logger.conf has it
// written: "[2026-12-07 15:25:14.137] NOTICE[20951] loader.c: 283 modules
// will be loaded.", with a call's id after the thread's on calls
// ("WARNING[20977][C-00000001] …").
var logLineRE = regexp.MustCompile(`^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\] ([A-Z]+)\[(\d+)\](?:\[[^\]]*\])? (.*)$`)

// startupProblems reads messages.log and returns when Asterisk last started
// and the ERROR and WARNING lines of that start. A start begins with the
// loader's "N modules will be loaded"; the thread that logs it loads every
// module and the core's configuration, so its lines from there on are the
// start's. Other threads' lines are the calls' (a test's WebSocket closing,
// a refused INVITE) and are not the start's business.
func startupProblems(log *os.File) (started time.Time, problems []string, err error) {
	sc := bufio.NewScanner(log)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	thread := ""
	for sc.Scan() {
		m := logLineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		at, level, tid, msg := m[1], m[2], m[3], m[4]
		if level == "NOTICE" && strings.HasSuffix(msg, "modules will be loaded.") {
			started, err = time.ParseInLocation("2006-01-02 15:04:05.000", at, time.Local)
			if err != nil {
				return started, nil, err
			}
			thread, problems = tid, nil
			continue
		}
		if tid == thread && (level == "ERROR" || level == "WARNING") {
			problems = append(problems, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		return started, nil, err
	}
	if thread == "" {
		return started, nil, errors.New(`no start in it: want the loader's "modules will be loaded" NOTICE, with logger.conf's dateformat (%F %T.%3q)`)
	}
	return started, problems, nil
}

// TestStartupProblems: the start's errors and warnings are found in a
// messages.log with two starts, and the calls' ones are not.
func TestStartupProblems(t *testing.T) {
	log := `[2026-12-07 14:31:28.283] Asterisk 22.11.0-rc1 built by root @ vm on a x86_64 running Linux
[2026-12-07 14:31:28.292] NOTICE[28064] loader.c: 314 modules will be loaded.
[2026-12-07 14:31:28.329] ERROR[28064] config_options.c: Unable to load config file 'cdr.conf'
[2026-12-07 14:40:00.000] WARNING[28070] ari/ari_websockets.c: WebSocket read error: Connection reset by peer
[2026-12-07 15:25:14.129] Asterisk 22.11.0-rc1 built by root @ vm on a x86_64 running Linux
[2026-12-07 15:25:14.137] NOTICE[20951] loader.c: 283 modules will be loaded.
[2026-12-07 15:25:14.216] NOTICE[20951] cdr.c: CDR logging disabled.
[2026-12-07 15:25:14.300] WARNING[20951] loader.c: Module 'res_adsi' has been loaded but may be removed in a future release.
an unparsed continuation line
[2026-12-07 15:26:01.500] WARNING[20977][C-00000001] ari/ari_websockets.c: WebSocket read error: Software caused connection abort
[2026-12-07 15:26:02.000] NOTICE[20990] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '<sip:pstn@203.0.113.9>' failed
`
	f, err := os.CreateTemp(t.TempDir(), "messages.log")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(log)
	f.Seek(0, 0)
	started, problems, err := startupProblems(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 7, 15, 25, 14, 137e6, time.Local); !started.Equal(want) {
		t.Errorf("started %v, want %v", started, want)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "res_adsi") {
		t.Errorf("problems %q, want the one warning of the last start", problems)
	}

	f.Truncate(0)
	f.Seek(0, 0)
	f.WriteString("[2026-12-07 14:31:28.283] Asterisk 22.11.0-rc1 built by root\n")
	f.Seek(0, 0)
	if _, _, err := startupProblems(f); err == nil {
		t.Error("a log without a start was taken for one")
	}
}
