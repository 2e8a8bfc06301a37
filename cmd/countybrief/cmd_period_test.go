package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"countybrief/pipeline"
)

// exitOf runs the binary and returns its output and exit status.
func exitOf(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return string(out), 0
}

// The office's month end by hand: a bad --to leaves config.yaml alone;
// next-period closes the month and edits the commented config.yaml,
// which still loads; a reopen needs a reason and status shows it.
func TestPeriodCommands(t *testing.T) {
	bin := buildBinary(t)
	ws := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "demo", "--example", "safety", "--no-run", ws)
	cfg := filepath.Join(ws, "config.yaml")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The office's own notes, above a key and beside a value.
	commented := strings.Replace("# 本縣的說明：每月 5 日前報送\n"+string(data), "period: ", "# 每月改一次\nperiod: ", 1)
	if err := os.WriteFile(cfg, []byte(commented), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, bad := range [][]string{{"--to", "../2026-12"}, {"--deadline", "下週五"}} {
		out, code := exitOf(t, bin, append([]string{"next-period", "--workspace", ws}, bad...)...)
		if code != 2 {
			t.Errorf("next-period %v: exit %d, want 2\n%s", bad, code, out)
		}
	}
	if now, _ := os.ReadFile(cfg); string(now) != commented {
		t.Fatal("a refused next-period changed config.yaml")
	}
	if backups, _ := filepath.Glob(cfg + ".bak-*"); len(backups) != 0 {
		t.Fatalf("a refused next-period left backups %v", backups)
	}

	out, code := exitOf(t, bin, "next-period", "--workspace", ws, "--deadline", "2027-01-05T18:00:00+08:00")
	if code != 0 || !strings.Contains(out, "報送期 2026-11 已關閉") || !strings.Contains(out, "2026-12") {
		t.Fatalf("next-period: exit %d\n%s", code, out)
	}
	now, _ := os.ReadFile(cfg)
	for _, want := range []string{"# 本縣的說明：每月 5 日前報送\n", "# 每月改一次\nperiod: \"2026-12\"", `deadline: "2027-01-05T18:00:00+08:00"`} {
		if !strings.Contains(string(now), want) {
			t.Errorf("config.yaml lacks %q:\n%s", want, now)
		}
	}
	if backups, _ := filepath.Glob(cfg + ".bak-*"); len(backups) != 1 {
		t.Errorf("backups %v, want one", backups)
	} else if old, _ := os.ReadFile(backups[0]); string(old) != commented {
		t.Error("the backup is not the old config.yaml")
	}
	if out, code := exitOf(t, bin, "validate", "--workspace", ws); code != 0 {
		t.Errorf("validate after next-period: exit %d\n%s", code, out)
	}

	if out, code := exitOf(t, bin, "reopen-period", "--workspace", ws, "--period", "2026-11"); code != 2 || !strings.Contains(out, "原因") {
		t.Errorf("reopen without a reason: exit %d\n%s", code, out)
	}
	reason := "鄉鎮安監站補報，局長同意"
	if out, code := exitOf(t, bin, "reopen-period", "--workspace", ws, "--period", "2026-11", "--reason", reason); code != 0 || !strings.Contains(out, "open_periods") {
		t.Errorf("reopen: exit %d\n%s", code, out)
	}
	out, code = exitOf(t, bin, "status", "--workspace", ws, "--period", "2026-11")
	if code != 0 || !strings.Contains(out, "報送期 2026-11：開放") || !strings.Contains(out, "原因："+reason) {
		t.Errorf("status of the reopened period: exit %d\n%s", code, out)
	}
	out, _ = exitOf(t, bin, "status", "--workspace", ws, "--period", "2026-11", "--json")
	var rep pipeline.StatusReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if h := rep.PeriodState.History; rep.PeriodState.Label != "開放" || len(h) != 2 || h[0].Label != "已關閉" || h[1].Reason != reason {
		t.Errorf("status --json period_state %+v", rep.PeriodState)
	}

	if out, code := exitOf(t, bin, "close-period", "--workspace", ws); code != 0 || !strings.Contains(out, "報送期 2026-12 已關閉") {
		t.Errorf("close-period: exit %d\n%s", code, out)
	}
	if out, code := exitOf(t, bin, "close-period", "--workspace", ws); code != 0 || !strings.Contains(out, "已經關閉") {
		t.Errorf("close-period again: exit %d\n%s", code, out)
	}
	if out, _ := exitOf(t, bin, "status", "--workspace", ws); !strings.Contains(out, "報送期 2026-12：已關閉") {
		t.Errorf("status of the closed period:\n%s", out)
	}
	if out, code := exitOf(t, bin, "next-period", "--workspace", ws, "--to", "round-1"); code != 0 || !strings.Contains(out, "round-1") {
		t.Errorf("next-period --to round-1: exit %d\n%s", code, out)
	}
	if out, code := exitOf(t, bin, "next-period", "--workspace", ws); code != 2 || !strings.Contains(out, "--to") {
		t.Errorf("next-period after round-1: exit %d, want 2 asking for --to\n%s", code, out)
	}
}
