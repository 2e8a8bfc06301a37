package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"countybrief/pipeline"
	"countybrief/pipeline/demo"
)

// TestRunProfiles runs a batch with --cpuprofile, --memprofile and
// --trace and reads each back with go tool pprof or go tool trace; a
// profile that cannot be written stops the run before it takes any file.
func TestRunProfiles(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH: needed to read the profiles back with go tool pprof")
	}
	tests := []struct {
		name            string
		cpu, mem, trace string // relative to the test's folder
		wantCode        int
		// what `go tool pprof -top` prints for each profile written, and
		// `go tool trace -d=parsed` for the trace
		wantCPU, wantMem, wantTrace string
	}{
		{name: "both", cpu: "cpu.pprof", mem: "mem.pprof", wantCPU: "Type: cpu", wantMem: "countybrief/pipeline"},
		{name: "cpu only", cpu: "cpu.pprof", wantCPU: "Type: cpu"},
		{name: "memory only", mem: "mem.pprof", wantMem: "Type: alloc_space"},
		{name: "trace", trace: "run.trace", wantTrace: "countybrief/pipeline.(*batch).processGroup"},
		{name: "all three", cpu: "cpu.pprof", mem: "mem.pprof", trace: "run.trace", wantCPU: "Type: cpu", wantMem: "Type: alloc_space", wantTrace: "countybrief/pipeline.Run"},
		{name: "cpu file in a missing folder", cpu: "missing/cpu.pprof", wantCode: 1},
		{name: "trace file in a missing folder", cpu: "cpu.pprof", trace: "missing/run.trace", wantCode: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			ws, _, err := demo.Build(filepath.Join(dir, "ws"), demo.Options{Seed: 1, Init: pipeline.Init})
			if err != nil {
				t.Fatal(err)
			}
			inbox := countFiles(t, ws.InboxDir())
			args := []string{"run", "--workspace", ws.Dir, "--settle", "0", "--json"}
			if tt.cpu != "" {
				args = append(args, "--cpuprofile", filepath.Join(dir, tt.cpu))
			}
			if tt.mem != "" {
				args = append(args, "--memprofile", filepath.Join(dir, tt.mem))
			}
			if tt.trace != "" {
				args = append(args, "--trace", filepath.Join(dir, tt.trace))
			}
			code, out := inProcess(args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantCode, out)
			}
			if tt.wantCode != 0 {
				if !strings.Contains(out, "無法寫入性能剖析文件") {
					t.Errorf("the message does not say the profile could not be written: %s", out)
				}
				if n := countFiles(t, ws.InboxDir()); n != inbox {
					t.Errorf("the inbox holds %d files after the refused run, want all %d", n, inbox)
				}
				return
			}
			for file, want := range map[string]string{tt.cpu: tt.wantCPU, tt.mem: tt.wantMem} {
				if file == "" {
					continue
				}
				top, err := exec.Command(goTool, "tool", "pprof", "-top", filepath.Join(dir, file)).CombinedOutput()
				if err != nil {
					t.Fatalf("go tool pprof %s: %v\n%s", file, err, top)
				}
				if !strings.Contains(string(top), want) {
					t.Errorf("go tool pprof -top %s lacks %q:\n%s", file, want, top)
				}
			}
			if tt.trace != "" {
				parsed, err := exec.Command(goTool, "tool", "trace", "-d=parsed", filepath.Join(dir, tt.trace)).CombinedOutput()
				if err != nil {
					t.Fatalf("go tool trace %s: %v\n%.2000s", tt.trace, err, parsed)
				}
				if !strings.Contains(string(parsed), tt.wantTrace) {
					t.Errorf("go tool trace -d=parsed %s lacks %q", tt.trace, tt.wantTrace)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "missing")); err == nil {
				t.Error("a folder was made for a profile")
			}
		})
	}
}
