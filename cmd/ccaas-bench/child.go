package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// product is the parent's handle on the product process.
type product struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	web     string // host:port of the product's web server
	control string // host:port of its control server
	http    *http.Client
	done    chan error
}

// startProduct starts this executable again in the product role and waits
// until it serves.
func startProduct(cfg childConfig, stderr io.Writer) (*product, error) {
	return startChild("product", cfg, stderr)
}

// childStarts is a child's side of startChild: it reads the child's
// configuration, the first line of standard input, and the context it
// returns ends when the parent closes the rest of standard input to stop
// the child, or dies.
func childStarts[C any](role string, stdin io.Reader) (C, context.Context, context.CancelFunc, error) {
	var cfg C
	in := bufio.NewReader(stdin)
	line, err := in.ReadBytes('\n')
	if err != nil {
		return cfg, nil, nil, fmt.Errorf("%s: read config: %w", role, err)
	}
	if err := json.Unmarshal(line, &cfg); err != nil {
		return cfg, nil, nil, fmt.Errorf("%s: config: %w", role, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		io.Copy(io.Discard, in)
		cancel()
	}()
	return cfg, ctx, cancel, nil
}

// startChild starts this executable again in a role (the product, or the
// minimal ARI app of a real-Asterisk run), hands it cfg as one JSON line and
// waits for its childReady line.
func startChild(role string, cfg any, stderr io.Writer) (*product, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), roleEnv+"="+role)
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", role, err)
	}
	p := &product{cmd: cmd, stdin: stdin, http: &http.Client{Timeout: 15 * time.Minute}, done: make(chan error, 1)}
	line, _ := json.Marshal(cfg)
	if _, err := stdin.Write(append(line, '\n')); err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("configure %s: %w", role, err)
	}
	ready := make(chan error, 1)
	go func() {
		b, err := bufio.NewReader(stdout).ReadBytes('\n')
		if err == nil {
			var r childReady
			if err = json.Unmarshal(b, &r); err == nil {
				p.web, p.control = r.HTTP, r.Control
			}
		}
		ready <- err
		io.Copy(io.Discard, stdout)
		p.done <- cmd.Wait()
	}()
	select {
	case err := <-ready:
		if err != nil {
			cmd.Process.Kill()
			return nil, fmt.Errorf("%s did not start: %w", role, err)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("%s did not start within 60s", role)
	}
	return p, nil
}

// stop closes the product's standard input (it shuts down as serve does)
// and waits for it.
func (p *product) stop() error {
	p.stdin.Close()
	select {
	case err := <-p.done:
		return err
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		return errors.New("product did not stop within 20s; killed")
	}
}

func (p *product) call(method, path string, out any) error {
	req, err := http.NewRequest(method, "http://"+p.control+path, nil)
	if err != nil {
		return err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("product %s %s: %s: %s", method, path, resp.Status, b)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// stats reads the product's counters.
func (p *product) stats() (procStats, error) {
	var st procStats
	err := p.call(http.MethodGet, "/stats", &st)
	return st, err
}

// settle collects the product's garbage and reads its counters, for heap
// comparisons; closeIdle also closes its idle ARI connections first, for
// goroutine comparisons.
func (p *product) settle(closeIdle bool) (procStats, error) {
	var st procStats
	path := "/settle"
	if closeIdle {
		path += "?idle=1"
	}
	err := p.call(http.MethodPost, path, &st)
	return st, err
}

// floor runs n bare ARI round trips with c workers in the product process.
func (p *product) floor(n, c int) (floorResult, error) {
	var fr floorResult
	err := p.call(http.MethodPost, fmt.Sprintf("/floor?n=%d&c=%d", n, c), &fr)
	return fr, err
}

// cpuProfile saves a CPU profile of the product over the next d.
func (p *product) cpuProfile(d time.Duration, file string) error {
	return p.saveProfile(fmt.Sprintf("profile?seconds=%d", int(d.Seconds())), file)
}

// heapProfile saves the product's heap profile (after a collection).
func (p *product) heapProfile(file string) error {
	return p.saveProfile("heap?gc=1", file)
}

func (p *product) saveProfile(what, file string) error {
	resp, err := p.http.Get(fmt.Sprintf("http://%s/debug/pprof/%s", p.control, what))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile: %s", resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
