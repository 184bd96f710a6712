package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// SIPp plays both ends of the phone network in a real-Asterisk run: one UAS
// answers every agent line (ccaas's, the minimal app's, app_queue's calls to
// its members) and, per run of calls, a UAC is the customers, calling the
// target's DIDs. The UAC's message trace gives each INVITE's time.

// customerScenario is the UAC's scenario: INVITE with an audio offer, the
// 200 (or a busy or unavailable refusal, which it acknowledges and logs),
// ACK, the call's length, BYE; then, for calls one at a time, a gap before
// the next. The caller number names the call: a run prefix and SIPp's call
// number. The in-dialog requests (ACK, BYE) share their routing headers,
// written once as "inDialog".
var customerScenario = template.Must(template.New("customer").Parse(`<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ccaas-bench customer">
  <send retrans="500">
    <![CDATA[
INVITE sip:[field0]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "bench" <sip:{{.Prefix}}[call_number]@[local_ip]:[local_port]>;tag=[pid]T[call_number]
To: <sip:[field0]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:{{.Prefix}}[call_number]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=bench 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="486" optional="true" next="refused"/>
  <recv response="503" optional="true" next="refused"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
ACK [next_url] SIP/2.0
{{template "inDialog" .}}
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]>
  </send>
  <pause milliseconds="{{.TalkMS}}"/>
  <send retrans="500">
    <![CDATA[
BYE [next_url] SIP/2.0
{{template "inDialog" .}}
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]>
  </send>
  <recv response="200" crlf="true"/>
  <pause milliseconds="{{.GapMS}}" next="done"/>
  <label id="refused"/>
  <send>
    <![CDATA[
ACK sip:[field0]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]>
  </send>
  <nop><action><log message="refused {{.Prefix}}[call_number]"/></action></nop>
  <pause milliseconds="{{.GapMS}}"/>
  <label id="done"/>
</scenario>
{{define "inDialog"}}Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "bench" <sip:{{.Prefix}}[call_number]@[local_ip]:[local_port]>;tag=[pid]T[call_number]
[last_To:]
[routes]
Call-ID: [call_id]{{end}}`))

// uacRun is one SIPp UAC process: a run of customer calls.
type uacRun struct {
	Prefix string        // caller numbers are Prefix + SIPp's call number
	DIDs   []string      // called round robin, one per call
	Rate   float64       // calls per second (ignored when Limit is 1)
	Calls  int           // how many
	Limit  int           // at most this many at once (0: no limit); 1 = one at a time
	Talk   time.Duration // from ACK to BYE
	Gap    time.Duration // after each call, before its slot is free again
	Local  string        // the customers' address (matched by pjsip_bench.conf)
	Remote string        // Asterisk's SIP address
	Dir    string        // where the scenario, the traces and the logs go

	cmd  *exec.Cmd
	done chan error
}

// uacResult is what SIPp says about a run, call by call.
type uacResult struct {
	Invites    map[string]time.Time // caller number → when the INVITE was sent (first transmission)
	Refused    map[string]bool      // caller numbers refused with 486 or 503
	Successful int                  // SIPp's count of calls that went through the scenario
	Failed     int                  // SIPp's count of failed calls (timeouts, unexpected messages)
}

func (u *uacRun) file(name string) string { return filepath.Join(u.Dir, u.Prefix+"-"+name) }

// start writes the scenario and the injection file and starts SIPp.
func (u *uacRun) start(sipp string) error {
	var scen strings.Builder
	if err := customerScenario.Execute(&scen, map[string]any{"Prefix": u.Prefix,
		"TalkMS": u.Talk.Milliseconds(), "GapMS": max(u.Gap.Milliseconds(), 0)}); err != nil {
		return err
	}
	if err := os.WriteFile(u.file("customer.xml"), []byte(scen.String()), 0o644); err != nil {
		return err
	}
	inf := "SEQUENTIAL\n" + strings.Join(u.DIDs, "\n") + "\n"
	if err := os.WriteFile(u.file("dids.csv"), []byte(inf), 0o644); err != nil {
		return err
	}
	port, err := freeUDPPort(u.Local)
	if err != nil {
		return err
	}
	args := []string{"-sf", u.file("customer.xml"), "-inf", u.file("dids.csv"),
		"-i", u.Local, "-p", strconv.Itoa(port), "-m", strconv.Itoa(u.Calls), "-nostdin",
		"-trace_msg", "-message_file", u.file("messages.log"),
		"-trace_logs", "-log_file", u.file("logs.log"),
		"-trace_stat", "-stf", u.file("stat.csv"), "-fd", "1",
		"-max_recv_loops", "10000", "-max_sched_loops", "10000"}
	if u.Limit == 1 {
		args = append(args, "-l", "1", "-r", "1000")
	} else {
		// the rate per -rp milliseconds, so that fractions of a call per second work
		args = append(args, "-r", strconv.FormatFloat(u.Rate*10, 'f', 0, 64), "-rp", "10000")
		if u.Limit > 0 {
			args = append(args, "-l", strconv.Itoa(u.Limit))
		}
	}
	args = append(args, u.Remote)
	u.cmd = exec.Command(sipp, args...)
	u.cmd.Dir = u.Dir
	out, err := os.Create(u.file("sipp.out"))
	if err != nil {
		return err
	}
	u.cmd.Stdout, u.cmd.Stderr = out, out
	if err := u.cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start SIPp: %w", err)
	}
	u.done = make(chan error, 1)
	go func() { u.done <- u.cmd.Wait(); out.Close() }()
	return nil
}

// wait waits for SIPp to finish its calls (or kills it when ctx ends or
// limit passes) and reads what it wrote. SIPp exits with 1 when some calls
// failed: that is a result, not an error.
func (u *uacRun) wait(ctx context.Context, limit time.Duration) (uacResult, error) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case err := <-u.done:
		var exit *exec.ExitError
		if err != nil && (!errors.As(err, &exit) || exit.ExitCode() > 1) {
			tail, _ := os.ReadFile(u.file("sipp.out"))
			return uacResult{}, fmt.Errorf("SIPp: %v\n%s", err, lastLines(string(tail), 15))
		}
	case <-ctx.Done():
		u.cmd.Process.Kill()
		<-u.done
		return uacResult{}, ctx.Err()
	case <-timer.C:
		u.cmd.Process.Kill()
		<-u.done
	}
	return u.read()
}

func (u *uacRun) read() (uacResult, error) {
	res := uacResult{Invites: map[string]time.Time{}, Refused: map[string]bool{}}
	var err error
	if res.Invites, err = readInviteTimes(u.file("messages.log")); err != nil {
		return res, err
	}
	if b, err := os.ReadFile(u.file("logs.log")); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if _, num, ok := strings.Cut(line, "refused "); ok {
				res.Refused[strings.TrimSpace(num)] = true
			}
		}
	}
	res.Successful, res.Failed, err = readSIPpStat(u.file("stat.csv"))
	return res, err
}

// readInviteTimes reads SIPp's message trace: a line of dashes and the time
// before each message. The first INVITE of each caller number counts (a
// retransmission is not a new call).
func readInviteTimes(file string) (map[string]time.Time, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]time.Time{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var at time.Time
	var sent, invite bool
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "-----------------------------------------------"):
			stamp := strings.TrimSpace(strings.TrimLeft(line, "-"))
			at, _ = time.ParseInLocation("2006-01-02 15:04:05.000000", stamp, time.Local)
			sent, invite = false, false
		case strings.Contains(line, "message sent"):
			sent = true
		case sent && strings.HasPrefix(line, "INVITE "):
			invite = true
		case invite && strings.HasPrefix(line, "From:"):
			if num := sipUser(line); num != "" {
				if _, seen := out[num]; !seen && !at.IsZero() {
					out[num] = at
				}
			}
			invite = false
		}
	}
	return out, sc.Err()
}

// sipUser is the user part of the first sip: URI on a header line.
func sipUser(line string) string {
	_, rest, ok := strings.Cut(line, "sip:")
	if !ok {
		return ""
	}
	user, _, ok := strings.Cut(rest, "@")
	if !ok {
		return ""
	}
	return user
}

// readSIPpStat reads the cumulative counts of the last line of SIPp's
// statistics file (-trace_stat: semicolon-separated, a header line first).
func readSIPpStat(file string) (ok, failed int, err error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, 0, err
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 2 {
		return 0, 0, fmt.Errorf("%s: no statistics", file)
	}
	head, last := strings.Split(lines[0], ";"), strings.Split(lines[len(lines)-1], ";")
	for i, h := range head {
		if i >= len(last) {
			break
		}
		switch h {
		case "SuccessfulCall(C)":
			ok, _ = strconv.Atoi(last[i])
		case "FailedCall(C)":
			failed, _ = strconv.Atoi(last[i])
		}
	}
	return ok, failed, nil
}

// sippUAS answers every call to its port: the agents' phones.
type sippUAS struct {
	Port int
	cmd  *exec.Cmd
	done chan error
}

// startUAS starts SIPp's built-in UAS (180, 200, waits for the BYE) on
// 127.0.0.1. It keeps going until stopped.
func startUAS(sipp, dir string) (*sippUAS, error) {
	port, err := freeUDPPort("127.0.0.1")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(sipp, "-sn", "uas", "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-nostdin",
		"-max_recv_loops", "10000", "-max_sched_loops", "10000")
	cmd.Dir = dir
	out, err := os.Create(filepath.Join(dir, "uas.out"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start SIPp UAS: %w", err)
	}
	u := &sippUAS{Port: port, cmd: cmd, done: make(chan error, 1)}
	go func() { u.done <- cmd.Wait(); out.Close() }()
	select {
	case err := <-u.done:
		tail, _ := os.ReadFile(filepath.Join(dir, "uas.out"))
		return nil, fmt.Errorf("SIPp UAS exited at once: %v\n%s", err, lastLines(string(tail), 10))
	case <-time.After(300 * time.Millisecond):
	}
	return u, nil
}

func (u *sippUAS) stop() {
	u.cmd.Process.Kill()
	<-u.done
}

// freeUDPPort finds a free UDP port on ip.
func freeUDPPort(ip string) (int, error) {
	c, err := net.ListenPacket("udp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("no UDP port on %s (on Linux every 127.x.y.z is loopback): %w", ip, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
