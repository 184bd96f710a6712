package main

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// What Asterisk costs is read from /proc: the bench runs on the same
// machine as the Asterisk it measures (it also starts the SIPp processes
// there), so its CPU time, open files and threads are one file read away.

// procReading is one look at a process.
type procReading struct {
	At      time.Time
	CPU     time.Duration // user + system time so far
	Files   int           // open file descriptors
	Threads int
}

// readProc reads a process's counters; clock ticks are 100 per second on
// every Linux this runs on (sysconf(_SC_CLK_TCK)).
func readProc(pid int) (procReading, error) {
	r := procReading{At: time.Now()}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return r, err
	}
	// the command name may hold spaces and parentheses: fields start after the last ")"
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 18 {
		return r, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	threads, _ := strconv.Atoi(f[17])
	r.CPU = time.Duration(utime+stime) * 10 * time.Millisecond
	r.Threads = threads
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return r, err
	}
	r.Files = len(fds)
	return r, nil
}

// fileLimit is a process's soft limit on open files (/proc/PID/limits).
func fileLimit(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Max open files"); ok {
			if fs := strings.Fields(rest); len(fs) > 0 {
				n, _ := strconv.Atoi(fs[0])
				return n
			}
		}
	}
	return 0
}

// listenerPID finds the process listening on the TCP address of rawURL (the
// ARI URL's host and port): the Asterisk to watch. It matches the listening
// socket's inode in /proc/net/tcp{,6} with the sockets of every process it
// may look at.
func listenerPID(rawURL string) (int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, err
	}
	host, portStr, err := net.SplitHostPort(u.Host)
	if err != nil {
		host, portStr = u.Host, "80"
		if u.Scheme == "https" {
			portStr = "443"
		}
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("port of %s: %w", rawURL, err)
	}
	inodes := map[string]bool{}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A: LISTEN
				continue
			}
			_, p, ok := strings.Cut(f[1], ":")
			if !ok {
				continue
			}
			if lp, err := strconv.ParseUint(p, 16, 16); err == nil && lp == port {
				inodes["socket:["+f[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("nothing listens on port %d (%s)", port, host)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		pid, _ := strconv.Atoi(filepath.Base(p))
		fds, err := os.ReadDir(p + "/fd")
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if target, err := os.Readlink(p + "/fd/" + fd.Name()); err == nil && inodes[target] {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("no process of ours holds the socket listening on port %d: run the bench as the user that runs Asterisk, or give -asterisk-pid", port)
}

// procSampler samples a process every interval until stopped, keeping the
// highest open files and threads it saw.
type procSampler struct {
	pid  int
	stop chan struct{}
	done chan struct{}

	first, last  procReading
	maxFiles     int
	maxThreads   int
	samples      int
	sumFiles     int
	sampleErrors int
}

func startSampler(pid int, every time.Duration) *procSampler {
	s := &procSampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	s.take()
	s.first = s.last
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				s.take()
				return
			case <-t.C:
				s.take()
			}
		}
	}()
	return s
}

func (s *procSampler) take() {
	r, err := readProc(s.pid)
	if err != nil {
		s.sampleErrors++
		return
	}
	s.last = r
	s.samples++
	s.sumFiles += r.Files
	s.maxFiles = max(s.maxFiles, r.Files)
	s.maxThreads = max(s.maxThreads, r.Threads)
}

// end stops the sampler; what it kept may be read afterwards.
func (s *procSampler) end() *procSampler {
	close(s.stop)
	<-s.done
	return s
}

// cpu is the CPU time the process used between the first and last sample.
func (s *procSampler) cpu() time.Duration { return s.last.CPU - s.first.CPU }
