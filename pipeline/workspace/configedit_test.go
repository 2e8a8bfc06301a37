package workspace

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const commentedConfig = `# 縣裡的設定，辦公室手寫的說明要留著。
county: 綏陽縣
office: 活動辦
briefing_name: 簡報
# 當前報送期
period: "2026-11" # 每月改一次
open_periods: []
deadline: "2026-12-05T18:00:00+08:00"
timezone: Asia/Shanghai
# 最後一行的說明
paths:
  inbox: inbox
`

func TestEditConfigKeepsCommentsAndBacksUp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ConfigFile)
	if err := os.WriteFile(path, []byte(commentedConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 17, 0, 0, 0, time.FixedZone("CST", 8*3600))
	backup, err := EditConfig(dir, now, func(e ConfigEdit) error {
		e.Set("period", "2026-12")
		e.Set("deadline", "2027-01-05T18:00:00+08:00")
		e.Add("open_periods", "2026-10")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := strings.NewReplacer(`"2026-11" # 每月改一次`, `"2026-12" # 每月改一次`, `open_periods: []`, `open_periods: ["2026-10"]`,
		`"2026-12-05T18:00:00+08:00"`, `"2027-01-05T18:00:00+08:00"`).Replace(commentedConfig)
	if string(got) != want {
		t.Errorf("config.yaml after the edit:\n%s\nwant only the values changed:\n%s", got, want)
	}
	if old, err := os.ReadFile(backup); err != nil || string(old) != commentedConfig || filepath.Base(backup) != "config.yaml.bak-20261206T090000Z" {
		t.Errorf("backup %s: %v, want the old file", backup, err)
	}
	// A second edit in the same second keeps both backups.
	second, err := EditConfig(dir, now, func(e ConfigEdit) error { e.Set("period", "2027-01"); return nil })
	if err != nil || second == backup {
		t.Errorf("second backup %s (%v) replaced the first", second, err)
	}
}

func TestEditConfigRefusesAFileThatWouldNotLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ConfigFile)
	if err := os.WriteFile(path, []byte(commentedConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := EditConfig(dir, time.Now(), func(e ConfigEdit) error {
		e.Set("period", "../2026-12")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "period") {
		t.Fatalf("err = %v, want the period problem", err)
	}
	got, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	if string(got) != commentedConfig || len(entries) != 1 {
		t.Errorf("a refused edit changed the folder: %d entries, config:\n%s", len(entries), got)
	}
}
