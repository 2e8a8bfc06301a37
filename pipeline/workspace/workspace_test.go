package workspace

import (
	"countybrief/pipeline/vocab"
	"errors"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestInitLaysOutDefaults(t *testing.T) {
	dir := t.TempDir()
	ws, err := Init(dir, map[string]iofs.FS{"rules": fstest.MapFS{"unit.yaml": {Data: []byte("x: 1\n")}}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, u := range ws.Units {
		kinds[u.Kind]++
		if st, err := os.Stat(filepath.Join(ws.InboxDir(), u.Code)); err != nil || !st.IsDir() {
			t.Errorf("inbox folder of %s missing: %v", u.Code, err)
		}
	}
	if kinds[KindTownship] != 15 || kinds[KindOrgan] != 58 {
		t.Errorf("units by kind = %v, want 15 townships and 58 county organs", kinds)
	}
	if got := len(ws.Catalogue.Inputs()); got < 25 {
		t.Errorf("%d input indicators, want the whole DOMAIN.md table", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "rules", "unit.yaml")); err != nil {
		t.Errorf("extra files not copied: %v", err)
	}
	// A second init keeps what the office edited.
	cfg := filepath.Join(dir, ConfigFile)
	edited := []byte(strings.Replace(string(mustRead(t, cfg)), "綏陽縣", "正安縣", 1))
	if err := os.WriteFile(cfg, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	ws, err = Init(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ws.Config.County != "正安縣" {
		t.Errorf("init overwrote config.yaml: county = %s", ws.Config.County)
	}
}

func TestLoadReportsEveryProblemWithItsPlace(t *testing.T) {
	tests := []struct {
		name string
		file string
		edit func(string) string
		want []string
	}{
		{"duplicate unit code", UnitsFile, func(s string) string {
			return strings.Replace(s, "code: Z02", "code: Z01", 1)
		}, []string{"units.yaml:5: code: \"Z01\" already used on line 4"}},
		{"unit code unsafe as a folder", UnitsFile, func(s string) string {
			return strings.Replace(s, "code: Z02", "code: ../Z02", 1)
		}, []string{"units.yaml:5: code:"}},
		{"bad kind and negative members together", UnitsFile, func(s string) string {
			s = strings.Replace(s, "kind: 鄉鎮, members: 333", "kind: 村, members: -1", 1)
			return s
		}, []string{"units.yaml:4: kind: \"村\"", "units.yaml:4: members: must not be negative"}},
		{"unknown field", UnitsFile, func(s string) string {
			return strings.Replace(s, "kind: 鄉鎮, members: 333", "kind: 鄉鎮, member: 333", 1)
		}, []string{"units.yaml", "field member not found"}},
		{"indicator in wrong level", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "level: 1, activity: 剖析一個案例", "level: 2, activity: 剖析一個案例", 1)
		}, []string{"indicators.yaml:", "level: 2, but activity 剖析一個案例 belongs to level 1"}},
		{"indicator code not an identifier", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "code: case_reports", "code: Case-Reports", 1)
		}, []string{"code: \"Case-Reports\" must start with a-z"}},
		{"per-member without numerator", IndicatorsFile, func(s string) string {
			return strings.Replace(s, ", of: reflections}", "}", 1)
		}, []string{"of: per_member needs the indicator it divides"}},
		{"decimals on an integer and out of range", IndicatorsFile, func(s string) string {
			s = strings.Replace(s, "measure: 份, type: integer,", "measure: 份, type: integer, decimals: 1,", 1)
			return strings.Replace(s, "type: decimal, decimals: 0, aggregate: per_member", "type: decimal, decimals: 9, aggregate: per_member", 1)
		}, []string{"indicators.yaml:19: decimals: 1：整數指標只能是 0", "indicators.yaml:38: decimals: 9："}},
		{"a count of units under the measure word of the value", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "measure: 次, type: integer, required: false, aggregate: sum", "measure: 次, type: integer, required: false, aggregate: count_nonzero", 1)
		}, []string{"indicators.yaml:27: aggregate: count_nonzero 已取消"}},
		{"bad schedule and language", ConfigFile, func(s string) string {
			s = strings.Replace(s, `schedule: "0 2 * * *"`, `schedule: "every night"`, 1)
			return strings.Replace(s, "language: zh-Hant", "language: en", 1)
		}, []string{"config.yaml:", "schedule: \"every night\" is not a cron schedule", "language: \"en\""}},
		{"bad deadline", ConfigFile, func(s string) string {
			return strings.Replace(s, `deadline: "2008-12-05T18:00:00+08:00"`, `deadline: "12月5日"`, 1)
		}, []string{"deadline: \"12月5日\" is not a time"}},
		{"negative memory limit", ConfigFile, func(s string) string {
			return strings.Replace(s, "memory_limit_mb: 48", "memory_limit_mb: -1", 1)
		}, []string{"config.yaml:22: memory_limit_mb: must not be negative"}},
		{"negative number of names", ConfigFile, func(s string) string {
			return strings.Replace(s, "briefing_names_max: 10", "briefing_names_max: -1", 1)
		}, []string{"config.yaml:27: briefing_names_max: must not be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Init(dir, nil); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, []byte(tt.edit(string(mustRead(t, path)))), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			var ps vocab.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Load error = %v, want vocab.Problems", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestWarningsDoNotStopALoad: a risky setting loads, with a warning that
// names its file, line and risk; the same warning beside an error is
// reported with it.
func TestWarningsDoNotStopALoad(t *testing.T) {
	const topLevel = "match_top_level_by_code: true"
	tests := []struct {
		name      string
		edit      func(string) string
		wantErr   bool
		wantWarns []string
	}{
		{"defaults", func(s string) string { return s }, false, nil},
		{"top-level files matched by code", func(s string) string {
			return strings.Replace(s, "match_top_level_by_code: false", topLevel, 1)
		}, false, []string{"config.yaml:25: match_top_level_by_code: 警告: ", "冒名"}},
		{"warning beside an error", func(s string) string {
			s = strings.Replace(s, "match_top_level_by_code: false", topLevel, 1)
			return strings.Replace(s, "memory_limit_mb: 48", "memory_limit_mb: -1", 1)
		}, true, []string{"match_top_level_by_code: 警告: ", "memory_limit_mb: must not be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Init(dir, nil); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, ConfigFile)
			if err := os.WriteFile(path, []byte(tt.edit(string(mustRead(t, path)))), 0o644); err != nil {
				t.Fatal(err)
			}
			ws, err := Load(dir)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Load error = %v, want error %v", err, tt.wantErr)
			}
			report := ""
			if err != nil {
				report = err.Error()
			} else {
				report = ws.Warnings.Error()
				if len(tt.wantWarns) == 0 && len(ws.Warnings) > 0 {
					t.Errorf("warnings on the defaults: %v", ws.Warnings)
				}
				if ws.Config.MatchTopLevelByCode != (len(tt.wantWarns) > 0) {
					t.Errorf("MatchTopLevelByCode = %v", ws.Config.MatchTopLevelByCode)
				}
			}
			for _, w := range tt.wantWarns {
				if !strings.Contains(report, w) {
					t.Errorf("report lacks %q:\n%s", w, report)
				}
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
