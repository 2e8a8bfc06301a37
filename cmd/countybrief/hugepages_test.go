package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunAsksForHugePages: run's and demo's batch is on huge pages
// exactly where the system gives them on request and does not count
// every mapping against a fixed commit limit (internal/hugeheap), and its
// log says so.
func TestRunAsksForHugePages(t *testing.T) {
	bin := buildBinary(t)
	ws := filepath.Join(t.TempDir(), "ws")
	enabled, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	overcommit, _ := os.ReadFile("/proc/sys/vm/overcommit_memory")
	onRequest := bytes.Contains(enabled, []byte("[madvise]")) && string(bytes.TrimSpace(overcommit)) != "2"
	for i, tt := range []struct {
		args []string
		env  string
		want bool
	}{
		{[]string{"demo", ws}, "GODEBUG=", onRequest},
		{[]string{"run", "--workspace", ws, "--settle", "0"}, "GODEBUG=", onRequest},
		{[]string{"run", "--workspace", ws, "--settle", "0"}, "GODEBUG=disablethp=1", false},
	} {
		cmd := exec.Command(bin, tt.args...)
		cmd.Env = append(os.Environ(), tt.env)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %s: %v\n%s", tt.env, tt.args[0], err, out)
		}
		line, completed := lastCompleted(t, ws)
		// Each command's own line, not one an earlier command left.
		if completed != i+1 {
			t.Fatalf("%s %s: %d batches completed in the log, want %d", tt.env, tt.args[0], completed, i+1)
		}
		if line.HugePages != tt.want {
			t.Errorf("transparent huge pages %q, %s %s: the batch logged huge_pages=%v, want %v",
				bytes.TrimSpace(enabled), tt.env, tt.args[0], line.HugePages, tt.want)
		}
		if line.MemoryLimitMiB != 48 {
			t.Errorf("%s %s: a county's batch ran under %d MiB, want the configured 48", tt.env, tt.args[0], line.MemoryLimitMiB)
		}
	}
}

type completedLine struct {
	HugePages      bool  `json:"huge_pages"`
	MemoryLimitMiB int64 `json:"memory_limit_mib"`
}

// lastCompleted is the last "batch completed" line of the workspace's log,
// and how many there are.
func lastCompleted(t *testing.T, ws string) (completedLine, int) {
	t.Helper()
	f, err := os.Open(filepath.Join(ws, "logs", "countybrief.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var last string
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if strings.Contains(sc.Text(), `"msg":"batch completed"`) {
			last = sc.Text()
			n++
		}
	}
	var line completedLine
	if err := json.Unmarshal([]byte(last), &line); err != nil {
		t.Fatalf("the log's last completed batch %q: %v", last, err)
	}
	return line, n
}
