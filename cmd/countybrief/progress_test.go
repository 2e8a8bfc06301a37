package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is written by the countdown's goroutine and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// On a terminal, a batch says how many files it waits for and the seconds
// left, then draws a bar through a large batch and ends its line.
func TestTerminalProgress(t *testing.T) {
	var out syncBuffer
	p := &termProgress{w: &out, e: &env{}}
	p.waiting(3, time.Now().Add(2*time.Second))
	time.Sleep(1200 * time.Millisecond)
	for i := 1; i <= 500; i++ {
		p.progress(i, 500)
	}
	p.finish()
	s := out.String()
	for _, want := range []string{"等待 3 份文件傳完：還有 2 秒", "還有 1 秒", "讀取和審核", "500/500"} {
		if !strings.Contains(s, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, s)
		}
	}
	if !strings.HasSuffix(s, "\n") {
		t.Errorf("the bar does not end its line: %q", s[max(0, len(s)-80):])
	}
	time.Sleep(1100 * time.Millisecond)
	if out.String() != s {
		t.Error("the countdown goes on after the batch")
	}
}

// Off a terminal (a log file, cron, a pipe) and with --json, a batch that
// waits for files prints no countdown and no bar.
func TestNoProgressOffTheTerminal(t *testing.T) {
	bin := buildBinary(t)
	ws := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "demo", "--no-run", ws)
	for _, args := range [][]string{{"run", "--settle", "1", "--workspace", ws}, {"run", "--json", "--settle", "1", "--workspace", ws}} {
		var stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
		if s := stderr.String(); strings.Contains(s, "等待") || strings.Contains(s, "\r") || strings.Contains(s, "處理中") {
			t.Errorf("%v wrote progress off a terminal:\n%q", args, s)
		}
	}
}
