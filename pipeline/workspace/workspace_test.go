package workspace

import (
	"countybrief/pipeline/vocab"
	"errors"
	iofs "io/fs"
	"os"
	"path/filepath"
	"reflect"
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
	if kinds["鄉鎮"] != 15 || kinds["縣直"] != 58 {
		t.Errorf("units by kind = %v, want 15 townships and 58 county organs", kinds)
	}
	if strings.Join(ws.Kinds, ",") != "鄉鎮,縣直" {
		t.Errorf("Kinds = %v, want the listed order", ws.Kinds)
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
		}, []string{"units.yaml:12: code: 「Z01」已在第 11 行用過"}},
		{"unit code unsafe as a folder", UnitsFile, func(s string) string {
			return strings.Replace(s, "code: Z02", "code: ../Z02", 1)
		}, []string{"units.yaml:12: code:"}},
		{"kind not listed and negative members together", UnitsFile, func(s string) string {
			return strings.Replace(s, "kind: 鄉鎮, members: 333", "kind: 村, members: -1", 1)
		}, []string{"units.yaml:11: kind: 「村」不在 kinds 裡；只能是 鄉鎮、縣直 之一", "units.yaml:11: members: 不能是負數"}},
		{"no kind", UnitsFile, func(s string) string {
			return strings.Replace(s, "kind: 鄉鎮, members: 333", "members: 333", 1)
		}, []string{"units.yaml:11: kind: 沒有填單位類別"}},
		{"kind listed twice", UnitsFile, func(s string) string {
			return strings.Replace(s, "kinds: [鄉鎮, 縣直]", "kinds: [鄉鎮, 縣直, 鄉鎮]", 1)
		}, []string{"units.yaml:9: kinds: 「鄉鎮」是空的或重複了"}},
		{"contact and phone that are not", UnitsFile, func(s string) string {
			s = strings.Replace(s, "鄉鎮, members: 333}", "鄉鎮, members: 333, contact: \"王小紅\\n李明\", phone: 請打辦公室}", 1)
			return strings.Replace(s, "members: 457}", "members: 457, contact: 張華, phone: 0852-6223001 轉 12、13800000000}", 1)
		}, []string{"units.yaml:11: contact: 「王小紅\\n李明」不對：聯繫人寫一行姓名", "units.yaml:11: phone: 「請打辦公室」不像電話號碼"}},
		{"unknown field", UnitsFile, func(s string) string {
			return strings.Replace(s, "kind: 鄉鎮, members: 333", "kind: 鄉鎮, member: 333", 1)
		}, []string{"units.yaml", "field member not found"}},
		{"old levels say how to rewrite them", IndicatorsFile, func(s string) string {
			s = strings.Replace(s, "sections:\n  - {name: 領導班子, groups:", "levels:\n  - {level: 1, name: 領導班子, activities:", 1)
			return strings.Replace(s, "section: 領導班子, group: 剖析一個案例", "level: 1, activity: 剖析一個案例", 1)
		}, []string{"indicators.yaml:29: levels: levels 已改名為 sections", "indicators.yaml:36: level: level 已取消：請改寫 section:",
			"indicators.yaml:36: activity: activity 已改名為 group"}},
		{"unknown key lists the keys", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "code: case_reports,", "code: case_reports, unit: 份,", 1)
		}, []string{"indicators.yaml:36: unit: 沒有這個欄位；這裡可寫的欄位有 code、label、section、group"}},
		{"indicator in a group of another section", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "section: 領導班子, group: 剖析一個案例", "section: 領導幹部, group: 剖析一個案例", 1)
		}, []string{"indicators.yaml:36: group: 「剖析一個案例」不是部分「領導幹部」的小類；只能是 作一次輔導、搞一次調研、聯一個項目、抓一項創新 之一"}},
		{"section not listed", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "section: 領導班子, group: 剖析一個案例", "section: 班子, group: 剖析一個案例", 1)
		}, []string{"indicators.yaml:36: section: 「班子」不在 sections 裡；只能是 領導班子、領導幹部、一般黨員 之一"}},
		{"no section where the catalogue has them", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "section: 領導班子, group: 剖析一個案例, ", "", 1)
		}, []string{"indicators.yaml:36: section: 沒有填；本目錄分部分"}},
		{"indicator code not an identifier", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "code: case_reports", "code: Case-Reports", 1)
		}, []string{"code: 「Case-Reports」不能用：代碼以小寫英文字母開頭"}},
		{"ratio without a denominator", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "of: reflections, per: members, scale: 1}", "of: reflections}", 1)
		}, []string{"indicators.yaml:57: of: ratio 要寫分子和分母"}},
		{"ratio over a derived indicator", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "of: reflections, per: members", "of: reflections, per: notes_per_member", 1)
		}, []string{"indicators.yaml:57: per: 「notes_per_member」不是表上填報的指標"}},
		{"negative scale", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "of: reflections, per: members, scale: 1}", "of: reflections, per: members, scale: -100}", 1)
		}, []string{"indicators.yaml:57: scale: -100 不對"}},
		{"of on a filled-in indicator", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "measure: 次, type: integer, required: false, aggregate: sum", "measure: 次, type: integer, required: false, aggregate: sum, of: members", 1)
		}, []string{"indicators.yaml:44: of: 只有 aggregate: ratio（比率）或 count_nonzero（單位數）才寫 of"}},
		{"count_nonzero without of, and required", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "measure: 次, type: integer, required: false, aggregate: sum", "measure: 個單位, type: integer, required: true, aggregate: count_nonzero", 1)
		}, []string{"indicators.yaml:44: of: count_nonzero 要寫 of", "indicators.yaml:44: required: count_nonzero 指標由程式計算"}},
		{"unknown aggregate", IndicatorsFile, func(s string) string {
			return strings.Replace(s, "measure: 次, type: integer, required: false, aggregate: sum", "measure: 次, type: integer, required: false, aggregate: avg", 1)
		}, []string{"indicators.yaml:44: aggregate: 「avg」不對：只能是 sum、min、max、mean、ratio 或 count_nonzero"}},
		{"decimals on an integer and out of range", IndicatorsFile, func(s string) string {
			s = strings.Replace(s, "measure: 份, type: integer,", "measure: 份, type: integer, decimals: 1,", 1)
			return strings.Replace(s, "type: decimal, decimals: 0, aggregate: ratio", "type: decimal, decimals: 9, aggregate: ratio", 1)
		}, []string{"indicators.yaml:36: decimals: 1：整數指標只能是 0", "indicators.yaml:55: decimals: 9："}},
		{"bad schedule and language", ConfigFile, func(s string) string {
			s = strings.Replace(s, `schedule: "0 2 * * *"`, `schedule: "every night"`, 1)
			return strings.Replace(s, "language: zh-Hant", "language: en", 1)
		}, []string{"config.yaml:", "schedule: 「every night」不是 cron 格式", "language: 「en」"}},
		{"bad deadline", ConfigFile, func(s string) string {
			return strings.Replace(s, `deadline: "2008-12-05T18:00:00+08:00"`, `deadline: "12月5日"`, 1)
		}, []string{"deadline: 「12月5日」不是完整的時間"}},
		{"period that would climb out of the archive", ConfigFile, func(s string) string {
			return strings.Replace(s, `period: "2008-12"`, `period: "../2008-12"`, 1)
		}, []string{"config.yaml:6: period: 「../2008-12」不能用作報送期"}},
		{"negative memory limit", ConfigFile, func(s string) string {
			return strings.Replace(s, "memory_limit_mb: 48", "memory_limit_mb: -1", 1)
		}, []string{"config.yaml:22: memory_limit_mb: 不能是負數"}},
		{"negative number of names", ConfigFile, func(s string) string {
			return strings.Replace(s, "briefing_names_max: 10", "briefing_names_max: -1", 1)
		}, []string{"config.yaml:27: briefing_names_max: 不能是負數"}},
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
			// In English, only the office's own words stay Chinese.
			for _, p := range ps {
				if p.En == "" || strings.ContainsAny(p.En, "，。；：（）「」") {
					t.Errorf("no English: %s", p.English())
				}
			}
		})
	}
}

// A problem in English reads as the Chinese one does, the office's value
// quoted and on one line.
func TestProblemInEnglish(t *testing.T) {
	dir := t.TempDir()
	if _, err := Init(dir, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, UnitsFile)
	s := strings.Replace(string(mustRead(t, path)), "鄉鎮, members: 333}", "鄉鎮, members: 333, contact: \"王小紅\\n李明\"}", 1)
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	var ps vocab.Problems
	if !errors.As(err, &ps) || len(ps) != 1 {
		t.Fatalf("Load error = %v, want one problem", err)
	}
	zh, en := ps[0].Error(), ps[0].English()
	if want := `units.yaml:11: contact: 「王小紅\n李明」不對`; !strings.Contains(zh, want) {
		t.Errorf("Chinese: %s, want %s", zh, want)
	}
	if want := `units.yaml:11: contact: "王小紅\n李明" is wrong: a contact is one line`; !strings.Contains(en, want) {
		t.Errorf("English: %s, want %s", en, want)
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
		{"report_date, which no longer does anything", func(s string) string {
			return strings.Replace(s, "language: zh-Hant", "report_date: \"2008-12-06\"\nlanguage: zh-Hant", 1)
		}, false, []string{"config.yaml:13: report_date: 警告: 已不再使用", "publish --date"}},
		{"warning beside an error", func(s string) string {
			s = strings.Replace(s, "match_top_level_by_code: false", topLevel, 1)
			return strings.Replace(s, "memory_limit_mb: 48", "memory_limit_mb: -1", 1)
		}, true, []string{"match_top_level_by_code: 警告: ", "memory_limit_mb: 不能是負數"}},
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
				if trusts := strings.Contains(report, "match_top_level_by_code"); ws.Config.MatchTopLevelByCode != trusts {
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

// TestAnyShape: a report of another shape loads — no sections, or
// sections without groups, kinds of its own — and its kinds keep their
// order whether the registry is parsed or read from the cache.
func TestAnyShape(t *testing.T) {
	tests := []struct {
		name, indicators, units string
		wantKinds               string
	}{
		{"no sections, kinds by first appearance",
			"indicators:\n  - {code: checked, label: 檢查企業, measure: 家, type: integer, required: true, aggregate: sum}\n" +
				"  - {code: fixed_rate, label: 整改率, measure: '%', type: decimal, aggregate: ratio, of: checked, per: checked, scale: 100}\n",
			"units:\n  - {code: A1, name: 甲廠, kind: 企業}\n  - {code: B1, name: 乙校, kind: 學校}\n  - {code: A2, name: 丙廠, kind: 企業}\n",
			"企業,學校"},
		{"a section without groups, kinds listed",
			"version: \"2024-01\"\nsections:\n  - {name: 隱患}\n  - {name: 培訓, groups: [線上, 線下]}\n" +
				"indicators:\n  - {code: hazards, label: 發現隱患, section: 隱患, measure: 處, type: integer, required: true, aggregate: max}\n" +
				"  - {code: trained, label: 培訓人次, section: 培訓, group: 線下, measure: 人次, type: integer, required: false, aggregate: mean}\n" +
				"  - {code: training_units, label: 開展培訓的單位, section: 培訓, group: 線上, measure: 個單位, type: integer, aggregate: count_nonzero, of: trained}\n",
			"# 名冊\nkinds:\n  - 學校\n  - 企業\n  - 醫院\nunits:\n  - {code: A1, name: 甲廠, kind: 企業}\n  - {code: B1, name: 乙校, kind: 學校}\n",
			"學校,企業,醫院"},
		{"kinds listed after the units, on a last line without its newline",
			"indicators:\n  - {code: checked, label: 檢查企業, measure: 家, type: integer, required: true, aggregate: sum}\n",
			"units:\n  - {code: A1, name: 甲廠, kind: 企業}\n  - {code: B1, name: 乙校, kind: 學校}\nkinds: [醫院, 學校, 企業]",
			"醫院,學校,企業"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Init(dir, nil); err != nil {
				t.Fatal(err)
			}
			for name, data := range map[string]string{IndicatorsFile: tt.indicators, UnitsFile: tt.units} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, pass := range []string{"parsed", "cached"} {
				ws, err := Load(dir)
				if err != nil {
					t.Fatalf("%s: %v", pass, err)
				}
				if got := strings.Join(ws.Kinds, ","); got != tt.wantKinds {
					t.Errorf("%s: Kinds = %s, want %s", pass, got, tt.wantKinds)
				}
				for _, in := range ws.Catalogue.Indicators {
					if in.Aggregate == AggRatio && in.Scale != 100 {
						t.Errorf("%s scale %v", in.Code, in.Scale)
					}
				}
			}
		})
	}
}

// TestPrefill: a unit's prefill names input indicators with figures that
// fit them, members is shorthand for prefill: {members: N} only where the
// catalogue has that input, and the prefill is the same whether the
// registry is parsed or read from the cache, problems placed at their line
// either way.
func TestPrefill(t *testing.T) {
	const catalogue = "indicators:\n" +
		"  - {code: checked, label: 檢查企業, measure: 家, type: integer, required: true, aggregate: sum}\n" +
		"  - {code: fines, label: 罰款, measure: 萬元, type: decimal, required: false, aggregate: sum}\n" +
		"  - {code: checked_units, label: 有檢查的單位, measure: 個單位, type: integer, aggregate: count_nonzero, of: checked}\n"
	tests := []struct {
		name, indicators, units string
		want                    map[string]map[string]float64 // unit → prefill
		problems                []string
	}{
		{"campaign: members prefills members", "", "", map[string]map[string]float64{"Z01": {"members": 333}, "J05": {"members": 61}}, nil},
		{"prefill of any input, members only a registry number here", catalogue,
			"units:\n  - {code: A1, name: 甲廠, kind: 企業, members: 30, prefill: {checked: 12, fines: 0.5}}\n  - {code: A2, name: 乙廠, kind: 企業}\n",
			map[string]map[string]float64{"A1": {"checked": 12, "fines": 0.5}, "A2": nil}, nil},
		{"prefill problems at their lines", catalogue,
			"units:\n  - {code: A1, name: 甲廠, kind: 企業}\n" +
				"  - code: A2\n    name: 乙廠\n    kind: 企業\n    prefill:\n      checked: 1.5\n      nope: 3\n      checked_units: 1\n      fines: -2\n",
			nil, []string{
				"units.yaml:7: prefill: checked: 1.5 不對：「檢查企業」是整數指標",
				"units.yaml:8: prefill: 「nope」不是表上填報的指標",
				"units.yaml:9: prefill: 「checked_units」不是表上填報的指標",
				"units.yaml:10: prefill: fines: -2 不對：預填的數不能是負數",
			}},
		{"members written twice and differently", "",
			"units:\n  - {code: Z01, name: 洋川鎮, kind: 鄉鎮, members: 333, prefill: {members: 300}}\n",
			nil, []string{"units.yaml:2: prefill: members: 300 與本單位的 members: 333 不同"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Init(dir, nil); err != nil {
				t.Fatal(err)
			}
			for name, data := range map[string]string{IndicatorsFile: tt.indicators, UnitsFile: tt.units} {
				if data == "" {
					continue
				}
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, pass := range []string{"parsed", "cached"} {
				ws, err := Load(dir)
				if len(tt.problems) > 0 {
					for _, p := range tt.problems {
						if err == nil || !strings.Contains(err.Error(), p) {
							t.Errorf("%s: error %v lacks %q", pass, err, p)
						}
					}
					// A registry whose prefill is wrong parsed cleanly, so
					// the second pass reads it from the cache.
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", pass, err)
				}
				for code, want := range tt.want {
					if u, _ := ws.Unit(code); !reflect.DeepEqual(u.Prefill, want) {
						t.Errorf("%s: %s prefill %v, want %v", pass, code, u.Prefill, want)
					}
				}
			}
		})
	}
}

// TestRequote: what the office prints comes out in one quote style, the
// script's convention unless config.yaml's quotes: says otherwise; an
// apostrophe stays one.
func TestRequote(t *testing.T) {
	tests := []struct {
		lang, quotes, in, want string
	}{
		{Traditional, "", "開展“四個一”活動，即‘讀一本好書’", "開展「四個一」活動，即『讀一本好書』"},
		{Simplified, "", "开展「四个一」活动，即『读一本好书』", "开展“四个一”活动，即‘读一本好书’"},
		{Traditional, CurlyQuotes, "「四個一」與“四個一”", "“四個一”與“四個一”"},
		{Simplified, CornerQuotes, "“四个一”", "「四个一」"},
		{Traditional, "", "Women’s Federation 的“婦聯”", "Women’s Federation 的「婦聯」"},
		{Traditional, "", "沒有引號", "沒有引號"},
		// Marks of the same first two bytes that are not quotes.
		{Traditional, "", "破折號——與省略號……", "破折號——與省略號……"},
		{Simplified, "", "顿号、句号。书名号〈〉", "顿号、句号。书名号〈〉"},
		{Simplified, "", "、「四个一」。", "、“四个一”。"},
	}
	for _, tc := range tests {
		c := &Config{Language: tc.lang, Quotes: tc.quotes}
		if got := c.Requote(tc.in); got != tc.want {
			t.Errorf("%s quotes %q: Requote(%q) = %q, want %q", tc.lang, tc.quotes, tc.in, got, tc.want)
		}
	}
}

// TestQuotesSetting: quotes: takes the two styles or nothing, and a
// Simplified workspace's files are laid out in its own style, the quotes
// setting's comment intact.
func TestQuotesSetting(t *testing.T) {
	for _, tc := range []struct {
		value string
		ok    bool
	}{{`""`, true}, {"corner", true}, {"curly", true}, {`"“”"`, false}} {
		dir := t.TempDir()
		if _, err := Init(dir, nil); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, ConfigFile)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(strings.Replace(string(data), `quotes: ""`, "quotes: "+tc.value, 1))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = Load(dir)
		if (err == nil) != tc.ok || err != nil && !strings.Contains(err.Error(), "quotes") {
			t.Errorf("quotes: %s: err %v, want ok %v", tc.value, err, tc.ok)
		}
	}
	conv, err := Converter(Simplified)
	if err != nil {
		t.Fatal(err)
	}
	got := string(InScript(conv, Simplified, TemplatesDir+"/briefing.tmpl", []byte("開展「四個一」活動")))
	if got != "开展“四个一”活动" {
		t.Errorf("Simplified template: %q, want 开展“四个一”活动", got)
	}
	dir := t.TempDir()
	ws, err := InitIn(dir, nil, Simplified)
	if err != nil {
		t.Fatal(err)
	}
	if ws.Config.QuoteStyle() != CurlyQuotes {
		t.Errorf("a Simplified workspace quotes %s, want %s", ws.Config.QuoteStyle(), CurlyQuotes)
	}
	data, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "corner 直角引号") || !strings.Contains(string(data), "curly 弯引号") {
		t.Errorf("the Simplified config.yaml lost the quotes setting's values:\n%s", data)
	}
}

// TestAreaSetting: area: names the whole area, 全縣 when unset; a
// sentence or a line break is a problem on its line.
func TestAreaSetting(t *testing.T) {
	for _, tc := range []struct {
		value, want string
		ok          bool
	}{{"", "全縣", true}, {"全市", "全市", true}, {"全自治州", "全自治州", true},
		{"全市各縣區鄉鎮街道", "", false}, {`"全市\n合計"`, "", false}} {
		dir := t.TempDir()
		if _, err := Init(dir, nil); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, ConfigFile)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if tc.value != "" {
			data = append(data, "\narea: "+tc.value+"\n"...)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ws, err := Load(dir)
		if (err == nil) != tc.ok || err != nil && !strings.Contains(err.Error(), "area") {
			t.Errorf("area: %s: err %v, want ok %v", tc.value, err, tc.ok)
			continue
		}
		if err == nil && ws.Config.AreaWord() != tc.want {
			t.Errorf("area: %s: AreaWord %q, want %q", tc.value, ws.Config.AreaWord(), tc.want)
		}
	}
}

// BenchmarkRequoteName is Requote of a unit's name without quote marks,
// as a draft converts every unit's name.
func BenchmarkRequoteName(b *testing.B) {
	for _, lang := range []string{Traditional, Simplified} {
		c := &Config{Language: lang}
		b.Run(lang, func(b *testing.B) {
			for b.Loop() {
				_ = c.Requote("洋川鎮第十二村（社區）民兵連")
			}
		})
	}
}
