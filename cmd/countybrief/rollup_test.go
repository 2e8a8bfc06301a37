package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRollupCommands: a county with county_code is told where its 上報
// workbook is; a city laid out with init --example city takes it through
// run, and explain lists the county's units under its value.
func TestRollupCommands(t *testing.T) {
	county := sampleCounty(t)
	cfg := filepath.Join(county.Dir, "config.yaml")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(data), "county: 綏陽縣\n", "county: 綏陽縣\ncounty_code: C05\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := inProcess("publish", "--workspace", county.Dir, "--date", "2008-12-06")
	report := filepath.Join(county.Dir, "outbox", "2008-12", "上報表第1期.xlsx")
	if code != 0 || !strings.Contains(out, "上報表（原樣報送上級）："+report) {
		t.Fatalf("publish: exit %d\n%s", code, out)
	}

	city := filepath.Join(t.TempDir(), "city")
	if code, out := inProcess("init", "--example", "city", city); code != 0 {
		t.Fatalf("init --example city: exit %d\n%s", code, out)
	}
	sent, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(city, "inbox", "C05"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(city, "inbox", "C05", "上報表第1期.xlsx"), sent, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(city, "config.yaml")
	data, _ = os.ReadFile(cfg)
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(data), "settle_seconds: 10", "settle_seconds: 0", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := inProcess("run", "--workspace", city); code != 0 || !strings.Contains(out, "接收 1 份") {
		t.Fatalf("city run: exit %d\n%s", code, out)
	}
	code, out = inProcess("explain", "--workspace", city, "deeds_done")
	// The city's config.yaml names its whole area 全市.
	if code != 0 || !strings.Contains(out, "上報數據!") || strings.Count(out, "└ 縣內 ") != 73 || !strings.Contains(out, "\n全市：") {
		t.Fatalf("explain: exit %d, %d units below\n%s", code, strings.Count(out, "└ 縣內 "), out)
	}
}
