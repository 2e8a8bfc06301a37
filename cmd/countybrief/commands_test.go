package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

// The commands as a clerk types them: flags after the arguments, a unit
// by part of its name, a mistyped period, an init over a workspace, the
// version, and what a batch's number means.
func TestCommandsAsTyped(t *testing.T) {
	bin := buildBinary(t)
	ws := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "demo", "--no-run", ws)
	runOut := func(code int, args ...string) string {
		t.Helper()
		out, got := exitOf(t, bin, args...)
		if got != code {
			t.Errorf("countybrief %s: exit %d, want %d\n%s", strings.Join(args, " "), got, code, out)
		}
		return out
	}
	if out := runOut(0, "run", "--settle", "0", "--workspace", ws); !strings.Contains(out, "第 1 次運行") || !strings.Contains(out, "包括沒有收到文件") {
		t.Errorf("run does not say what its number means:\n%s", out)
	}
	if out := runOut(0, "history", "洋川", "--workspace", ws); !strings.Contains(out, "洋川鎮（Z01）") {
		t.Errorf("history by part of a name:\n%s", out)
	}
	if out := runOut(2, "history", "鎮", "--workspace", ws); !strings.Contains(out, "Z01 洋川鎮") || !strings.Contains(out, "請寫完整的名稱或代碼") {
		t.Errorf("an ambiguous name is not asked about:\n%s", out)
	}
	runOut(2, "history", "沒有這個單位", "--workspace", ws)

	out := runOut(0, "status", "--workspace", ws)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	col := runewidth.StringWidth(lines[0][:strings.Index(lines[0], "狀態")])
	for _, l := range lines[1:74] {
		w := 0
		for i, r := range l {
			if w == col {
				if r == ' ' || l[i-1] != ' ' {
					t.Errorf("the state column does not start at cell %d: %q", col, l)
				}
				break
			}
			w += runewidth.RuneWidth(r)
		}
	}
	if out := runOut(0, "status", "--period", "2099-01", "--workspace", ws); !strings.Contains(out, "是不是寫錯了") || strings.Contains(out, "逾期") {
		t.Errorf("an unknown period:\n%s", out)
	}

	if out := runOut(0, "init", ws); !strings.Contains(out, "都保留了") || !strings.Contains(out, "config.yaml") {
		t.Errorf("init over a workspace does not say what it kept:\n%s", out)
	}
	if out := runOut(0, "--version"); !strings.Contains(out, "countybrief 版本") || !strings.Contains(out, "go1.") {
		t.Errorf("--version: %s", out)
	}
}
