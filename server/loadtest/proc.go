package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is a server process the harness started and measures.
type child struct {
	name string
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	log  *os.File
	done chan struct{} // closed when the process has exited
}

// freeAddr returns a loopback address with a free port.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startChild starts bin with args and env, logging to logPath, and waits until
// GET /readyz answers 200; it returns the time that took (the cold start).
func startChild(ctx context.Context, name, bin string, args, env []string, addr, logPath string) (*child, time.Duration, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, 0, err
	}
	c := &child{name: name, cmd: cmd, base: "http://" + addr, log: logf, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(c.done) }()
	for {
		select {
		case <-c.done:
			logf.Close()
			return nil, 0, fmt.Errorf("%s exited before ready (log %s)", name, logPath)
		case <-ctx.Done():
			c.stop()
			return nil, 0, ctx.Err()
		default:
		}
		if ready(c.base) {
			return c, time.Since(start), nil
		}
		time.Sleep(2 * time.Millisecond)
		if time.Since(start) > 5*time.Minute {
			c.stop()
			return nil, 0, fmt.Errorf("%s not ready after 5 minutes", name)
		}
	}
}

func ready(base string) bool {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// peakRSSKB reads the process's peak resident set (VmHWM) from /proc.
func (c *child) peakRSSKB() int64 { return procStatusKB(c.cmd.Process.Pid, "VmHWM:") }

// rssKB reads the current resident set.
func (c *child) rssKB() int64 { return procStatusKB(c.cmd.Process.Pid, "VmRSS:") }

// cpuTime reads the CPU time (user and system) the child has used so far, in
// clock ticks of 10 ms: a phase's share of it is a cost per request that the
// other processes on the machine disturb far less than its latency.
func (c *child) cpuTime() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: count fields after its ')'.
	line := string(b)
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(line[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of the line
	stime, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func procStatusKB(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			n, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return n
		}
	}
	return 0
}

// stop ends the child gracefully (SIGTERM), killing it after 10 s.
func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
	c.log.Close()
}
