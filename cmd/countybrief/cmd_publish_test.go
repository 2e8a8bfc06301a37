package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPublishAndReprintCommands: publish says what it published and that
// a second time has nothing new (both exit 0); reprint exits 0 when the
// reprint is byte-identical, 1 when the published file differs, 2 for an
// issue never published; a bad date is a usage error.
func TestPublishAndReprintCommands(t *testing.T) {
	ws := sampleCounty(t)
	cmd := func(args ...string) (int, string) { return inProcess(append(args, "--workspace", ws.Dir)...) }
	if code, out := cmd("publish", "--date", "2008-12-32"); code != 2 {
		t.Errorf("publish --date 2008-12-32: exit %d, want 2\n%s", code, out)
	}
	code, out := cmd("publish", "--date", "2008-12-06")
	if code != 0 || !strings.Contains(out, "已發布簡報第1期") || !strings.Contains(out, "2008-12-06") {
		t.Fatalf("publish: exit %d\n%s", code, out)
	}
	if code, out := cmd("publish"); code != 0 || !strings.Contains(out, "沒有新的內容") {
		t.Errorf("publish again: exit %d, want 0 saying nothing is new\n%s", code, out)
	}
	out1 := filepath.Join(t.TempDir(), "第1期.pdf")
	if code, out := cmd("reprint", "1", "--out", out1); code != 0 || !strings.Contains(out, "逐字節相同") || !fileExists(out1) {
		t.Errorf("reprint 1: exit %d\n%s", code, out)
	}
	if code, out := cmd("reprint", "9"); code != 2 {
		t.Errorf("reprint 9: exit %d, want 2\n%s", code, out)
	}
	published := filepath.Join(ws.OutboxDir(), ws.Config.Period, "簡報第1期.pdf")
	if err := os.WriteFile(published, []byte("changed by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := cmd("reprint", "1"); code != 1 || !strings.Contains(out, "不同") {
		t.Errorf("reprint against a changed file: exit %d, want 1\n%s", code, out)
	}
}
