package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"countybrief/pipeline"
	"countybrief/pipeline/lock"
	"countybrief/pipeline/workspace"
)

// officeZone is a zone no test machine is set to (half-hour offset), so a
// time shown in the machine's zone or in UTC cannot pass for it.
const officeZone = "America/St_Johns"

var (
	officeOffset = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? -0[23]:30`)
	utcStamp     = regexp.MustCompile(`T\d\d:\d\d:\d\dZ`)
)

// zonedDemo is the sample county, its batch done, with the office moved
// to officeZone.
func zonedDemo(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/share/zoneinfo/" + officeZone); err != nil {
		t.Skipf("no zone data for %s (Debian package tzdata)", officeZone)
	}
	dir := filepath.Join(t.TempDir(), "ws")
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"demo", dir}, &env{stdout: &out, stderr: &errs}); code != 0 {
		t.Fatalf("demo exit %d: %s", code, errs.String())
	}
	cfg := filepath.Join(dir, "config.yaml")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(string(data), "timezone: Asia/Shanghai", "timezone: "+officeZone, 1)
	if moved == string(data) {
		t.Fatal("the demo's config.yaml names no Asia/Shanghai timezone to move")
	}
	if err := os.WriteFile(cfg, []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runIn(dir string, args ...string) (int, string, string) {
	var out, errs bytes.Buffer
	args = append(args[:1:1], append([]string{"--workspace", dir}, args[1:]...)...)
	code := run(context.Background(), args, &env{stdout: &out, stderr: &errs})
	return code, out.String(), errs.String()
}

// TestTimesInOfficeZone: history, status, a locked-out run and the
// terminal's log lines show times in the office's zone with its offset,
// whatever the machine's zone.
func TestTimesInOfficeZone(t *testing.T) {
	dir := zonedDemo(t)

	t.Run("history", func(t *testing.T) {
		code, out, errs := runIn(dir, "history", "Z01")
		if code != 0 || !officeOffset.MatchString(out) || strings.Contains(out, "+08:00") {
			t.Errorf("exit %d, want times at %s's offset:\n%s%s", code, officeZone, out, errs)
		}
	})
	t.Run("status", func(t *testing.T) {
		code, out, errs := runIn(dir, "status")
		if code != 0 || !officeOffset.MatchString(out) || strings.Contains(out, "+08:00") {
			t.Errorf("exit %d, want times at %s's offset:\n%s%s", code, officeZone, out, errs)
		}
		code, out, _ = runIn(dir, "status", "--json")
		if code != 0 || !regexp.MustCompile(`"received_at": "[0-9T:-]+-0[23]:30"`).MatchString(out) {
			t.Errorf("--json: exit %d, want received_at at %s's offset:\n%.600s", code, officeZone, out)
		}
	})
	t.Run("run locked out", func(t *testing.T) {
		ws, err := workspace.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		lk, err := lock.Acquire(context.Background(), filepath.Join(ws.WorkDir(), pipeline.LockFile), false)
		if err != nil {
			t.Fatal(err)
		}
		defer lk.Release()
		code, _, errs := runIn(dir, "run", "--settle", "0")
		if code != 3 || !strings.Contains(errs, "另一個批處理正在運行") || !officeOffset.MatchString(errs) || utcStamp.MatchString(errs) {
			t.Errorf("exit %d, want the holder's start at %s's offset and no UTC time:\n%s", code, officeZone, errs)
		}
	})
	t.Run("log lines", func(t *testing.T) {
		code, _, errs := runIn(dir, "run", "-v", "--settle", "0")
		stamp := regexp.MustCompile(`time="` + officeOffset.String() + `"`)
		if code != 0 || !stamp.MatchString(errs) {
			t.Errorf("exit %d, want log lines stamped at %s's offset:\n%s", code, officeZone, errs)
		}
	})
}
