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
	"countybrief/pipeline/vocab"
)

// The commands a clerk runs by hand: what they print and how they exit.
func TestCommands(t *testing.T) {
	bin := buildBinary(t)
	ws := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "demo", "--no-run", ws)
	good, _ := filepath.Glob(filepath.Join(ws, "inbox", "J01", "*.xlsx"))
	bad, _ := filepath.Glob(filepath.Join(ws, "inbox", "J03", "*初稿*.xlsx"))
	if len(good) != 1 || len(bad) != 1 {
		t.Fatalf("sample files: %v %v", good, bad)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"check a good form", []string{"check", "--workspace", ws, good[0]}, 0, []string{"可以報送"}},
		{"check a wrong form", []string{"check", "--workspace", ws, bad[0]}, 1, []string{"有錯誤", "【錯誤】", "已解決問題", "怎樣改"}},
		{"check as JSON", []string{"check", "--workspace", ws, "--json", good[0], bad[0]}, 1, []string{`"ok": true`, `"ok": false`, `"rule": "unit.solved_le_found"`}},
		{"check nothing", []string{"check", "--workspace", ws}, 2, []string{"請寫出要自查的文件"}},
		{"validate", []string{"validate", "--workspace", ws}, 0, []string{"工作區沒有問題：73 個單位"}},
		{"rules check", []string{"rules", "check", "--workspace", ws}, 0, []string{"規則沒有問題"}},
		{"blank forms", []string{"template", "--workspace", ws, "--out", filepath.Join(t.TempDir(), "forms")}, 0, []string{"73"}},
		{"unknown unit", []string{"template", "--workspace", ws, "--unit", "X99"}, 2, []string{"X99"}},
		{"status before any batch", []string{"status", "--workspace", ws}, 0, []string{"逾期未報 73"}},
		{"unknown command", []string{"frobnicate"}, 2, []string{"沒有「frobnicate」這個命令"}},
		{"a workspace that is not one", []string{"run", "--workspace", t.TempDir()}, 2, []string{"config.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command(bin, tt.args...).CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, out)
			}
			for _, c := range tt.contains {
				if !strings.Contains(string(out), c) {
					t.Errorf("output lacks %q:\n%s", c, out)
				}
			}
		})
	}

	// After a batch, status counts every unit in one state.
	runCmd(t, bin, "run", "--workspace", ws, "--settle", "0")
	var rep pipeline.StatusReport
	if err := json.Unmarshal(runOut(t, bin, "status", "--workspace", ws, "--json"), &rep); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range rep.Counts {
		total += n
	}
	// The demo's two faulty resends follow accepted files: those units
	// still count, under the state that says so.
	if total != 73 || rep.Counts[vocab.AcceptedLatestReturned] != 2 || rep.Counts[vocab.Accepted] != 71 {
		t.Errorf("status counts %v, want 71 accepted and 2 counted with their latest file returned", rep.Counts)
	}
}

// validate loads a workspace that trusts the code cell of top-level files,
// and says what that risks, with the file and line, without failing.
func TestValidateWarnsOfTopLevelTrust(t *testing.T) {
	bin := buildBinary(t)
	ws := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "init", ws)
	cfg := filepath.Join(ws, "config.yaml")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	trusting := strings.Replace(string(data), "match_top_level_by_code: false", "match_top_level_by_code: true", 1)
	if trusting == string(data) {
		t.Fatal("the default config.yaml has no match_top_level_by_code: false line")
	}
	if err := os.WriteFile(cfg, []byte(trusting), 0o644); err != nil {
		t.Fatal(err)
	}
	out := string(runOut(t, bin, "validate", "--workspace", ws))
	for _, want := range []string{"config.yaml:", "match_top_level_by_code", "警告", "工作區沒有問題："} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
}

// validate meets what a batch would: a rule or a template naming an
// indicator the catalogue lacks fails here, at the file and line, and
// not at the night's first batch.
func TestValidateFindsUnknownIndicators(t *testing.T) {
	bin := buildBinary(t)
	for _, tt := range []struct {
		file, old, new, want string
	}{
		{"templates/briefing.tmpl", `.All "problems_found"`, `.All "problems_fund"`, "problems_fund"},
		{"rules/unit.yaml", "problems_solved <= problems_found", "problems_solved <= problems_fund", "problems_fund"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			ws := filepath.Join(t.TempDir(), "ws")
			runCmd(t, bin, "init", ws)
			path := filepath.Join(ws, filepath.FromSlash(tt.file))
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			broken := strings.Replace(string(data), tt.old, tt.new, 1)
			if broken == string(data) {
				t.Fatalf("%s has no %q to break", tt.file, tt.old)
			}
			if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "validate", "--workspace", ws).CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), tt.want) || !strings.Contains(string(out), filepath.Base(tt.file)) {
				t.Errorf("validate: %v\n%s\nwant exit 2 naming %s and %s", err, out, filepath.Base(tt.file), tt.want)
			}
		})
	}
}

// A Simplified office starts Simplified: init --lang zh-Hans writes the
// registry, catalogue, rules and templates in Simplified, and the
// workspace validates.
func TestInitSimplified(t *testing.T) {
	bin := buildBinary(t)
	ws := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "init", "--lang", "zh-Hans", ws)
	for file, want := range map[string]string{"config.yaml": "language: zh-Hans", "units.yaml": "乡镇", "indicators.yaml": "领导班子"} {
		data, err := os.ReadFile(filepath.Join(ws, file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q", file, want)
		}
	}
	if out := string(runOut(t, bin, "validate", "--workspace", ws)); !strings.Contains(out, "工作区没有问题：") {
		t.Errorf("validate: %s", out)
	}
	if out, err := exec.Command(bin, "init", "--lang", "fr", filepath.Join(t.TempDir(), "x")).CombinedOutput(); err == nil {
		t.Errorf("init --lang fr: %s; want a usage error", out)
	}
}
