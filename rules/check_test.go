package rules

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

func defaultSet(t testing.TB) (*Set, *workspace.Workspace) {
	t.Helper()
	ws := testWorkspace(t)
	s, err := LoadDir(ws.RulesDir(), ws.Catalogue, ws.Kinds)
	if err != nil {
		t.Fatalf("load shipped rules:\n%v", err)
	}
	return s, ws
}

// saneUnit is a township report as the sample county has them.
func saneUnit() map[string]float64 {
	return map[string]float64{
		"typical_sites": 1, "case_reports": 1, "problems_found": 3, "problems_solved": 2,
		"deeds_done": 1, "households_benefited": 22, "people_benefited": 100, "mechanisms": 1,
		"tutoring_sessions": 4, "county_leader_visits": 1, "topics_revised_twice": 1,
		"topics_revised_thrice": 0, "research_reports": 4, "enterprises_linked": 1,
		"industries_guided": 1, "projects_planned": 2, "projects_followed": 2,
		"innovation_plans": 4, "members": 333, "reading_note_chars": 333 * 5200,
		"reflections": 340, "opinions_collected": 2, "suggestions": 8, "help_pairs": 30,
		"help_funds": 2500, "help_problems_solved": 1,
	}
}

func with(base map[string]float64, kv ...any) map[string]float64 {
	out := maps.Clone(base)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = float64(kv[i+1].(int))
	}
	return out
}

// locate places each indicator on its own row, as the form does.
func locate(cat *workspace.Catalogue) func(string) (string, string) {
	row := map[string]int{}
	for i, in := range cat.Inputs() {
		row[in.Code] = 6 + i
	}
	return func(code string) (string, string) { return "填報表", fmt.Sprintf("D%d", row[code]) }
}

func withFloat(base map[string]float64, code string, v float64) map[string]float64 {
	out := maps.Clone(base)
	out[code] = v
	return out
}

func ids(fs []vocab.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

func TestCheckUnit(t *testing.T) {
	s, ws := defaultSet(t)
	township, _ := ws.Unit("Z01")
	organ, _ := ws.Unit("J01")
	organVals := with(saneUnit(), "members", 28, "reading_note_chars", 28*5100, "reflections", 30, "county_leader_visits", 0)
	tests := []struct {
		name        string
		unit        workspace.Unit
		values      map[string]float64
		prev        map[string]float64
		want        []string
		first       vocab.Finding // compared field by field when Rule is set
		wantMessage string
	}{
		{name: "sane township", unit: township, values: saneUnit()},
		{name: "sane organ", unit: organ, values: organVals},
		{name: "sane with previous period", unit: township, values: saneUnit(),
			prev: with(saneUnit(), "problems_found", 2, "help_funds", 2000)},
		{name: "solved more than found", unit: township, values: with(saneUnit(), "problems_solved", 5),
			want: []string{"unit.solved_le_found"},
			first: vocab.Finding{Rule: "unit.solved_le_found", Severity: vocab.Error, Sheet: "填報表", Cell: "D9",
				Values: map[string]float64{"problems_solved": 5, "problems_found": 3}},
			wantMessage: "已解決問題 5 個，多於查找出的突出問題 3 個。"},
		{name: "negative funds", unit: township, values: with(saneUnit(), "help_funds", -300),
			want: []string{"unit.nonnegative"},
			first: vocab.Finding{Rule: "unit.nonnegative", Severity: vocab.Error, Sheet: "填報表", Cell: "D30",
				Values: map[string]float64{"help_funds": -300}},
			wantMessage: "「投入幫扶資金」填的是 -300，不能是負數。"},
		{name: "no typical site and no case report", unit: township,
			values: with(saneUnit(), "typical_sites", 0, "case_reports", 0),
			want:   []string{"unit.typical_site", "unit.case_report"}},
		{name: "notes per member low", unit: township, values: with(saneUnit(), "reading_note_chars", 1000000),
			want: []string{"unit.notes_per_member"},
			first: vocab.Finding{Rule: "unit.notes_per_member", Severity: vocab.Warning, Sheet: "填報表", Cell: "D25",
				Values: map[string]float64{"members": 333, "notes_per_member": 1000000.0 / 333, "reading_note_chars": 1000000}},
			wantMessage: "人均讀書筆記 3003 字，不足 5000 字（合計 1000000 字，黨員 333 人）。"},
		{name: "cumulative figure fell", unit: township, values: saneUnit(),
			prev: with(saneUnit(), "problems_found", 5, "problems_solved", 2),
			want: []string{"trend.cumulative"},
			first: vocab.Finding{Rule: "trend.cumulative", Severity: vocab.Error, Sheet: "填報表", Cell: "D8",
				Values: map[string]float64{"problems_found": 3, "prev.problems_found": 5}},
			wantMessage: "「查找突出問題」本期填 3，比上期的 5 還少；各項數字是累計數。"},
		{name: "first period never compared", unit: township, values: with(saneUnit(), "members", 40, "reading_note_chars", 40*5000, "reflections", 40),
			want: []string{"unit.members_match_registry"}},
		{name: "tenfold jump", unit: township, values: with(saneUnit(), "help_funds", 26000),
			prev: saneUnit(), want: []string{"trend.jump"}},
		{name: "organ fills township-only figure", unit: organ, values: with(organVals, "county_leader_visits", 2),
			want: []string{"unit.organ_no_county_visits"}},
		{name: "decimal count", unit: township, values: withFloat(saneUnit(), "suggestions", 7.5),
			want: []string{"unit.integer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.CheckUnit(UnitInput{Unit: tt.unit, Values: tt.values, Prev: tt.prev, Locate: locate(ws.Catalogue)})
			if !reflect.DeepEqual(ids(got), tt.want) {
				t.Fatalf("rules %v, want %v; findings: %+v", ids(got), tt.want, got)
			}
			if tt.first.Rule == "" {
				return
			}
			f := got[0]
			if f.Rule != tt.first.Rule || f.Severity != tt.first.Severity || f.Sheet != tt.first.Sheet || f.Cell != tt.first.Cell {
				t.Errorf("got %s %s %s!%s, want %s %s %s!%s", f.Rule, f.Severity, f.Sheet, f.Cell,
					tt.first.Rule, tt.first.Severity, tt.first.Sheet, tt.first.Cell)
			}
			if !reflect.DeepEqual(f.Values, tt.first.Values) {
				t.Errorf("values %v, want %v", f.Values, tt.first.Values)
			}
			if f.Message != tt.wantMessage {
				t.Errorf("message %q, want %q", f.Message, tt.wantMessage)
			}
			if f.Fix == "" {
				t.Error("no fix")
			}
		})
	}
}

// plausibleUnit draws figures in the ranges of the sample county: an error
// rule must never reject such a unit.
func plausibleUnit(r *rand.Rand) map[string]float64 {
	n := func(lo, hi int) float64 { return float64(lo + r.IntN(hi-lo+1)) }
	found := n(0, 6)
	households := n(0, 60)
	members := n(9, 520)
	twice := 1.0
	return map[string]float64{
		"typical_sites": 1, "case_reports": 1, "problems_found": found,
		"problems_solved": float64(r.IntN(int(found) + 1)), "deeds_done": n(0, 2),
		"households_benefited": households, "people_benefited": households * (4 + r.Float64()*1.0),
		"mechanisms": n(0, 1), "tutoring_sessions": n(1, 6), "county_leader_visits": n(0, 2),
		"topics_revised_twice": twice, "topics_revised_thrice": n(0, 1), "research_reports": n(1, 6),
		"enterprises_linked": n(0, 3), "industries_guided": n(0, 3), "projects_planned": n(0, 3),
		"projects_followed": n(0, 3), "innovation_plans": n(1, 6), "members": members,
		"reading_note_chars": members * n(5000, 6000), "reflections": members + n(0, 20),
		"opinions_collected": n(0, 4), "suggestions": n(2, 14), "help_pairs": n(5, 60),
		"help_funds": n(0, 5000), "help_problems_solved": n(0, 2),
	}
}

func TestCheckUnitNeverRejectsPlausibleUnits(t *testing.T) {
	s, ws := defaultSet(t)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		vals := plausibleUnit(r)
		vals["people_benefited"] = float64(int(vals["people_benefited"]))
		u := ws.Units[i%len(ws.Units)]
		u.Members = int(vals["members"])
		var prev map[string]float64
		if i%2 == 1 {
			prev = maps.Clone(vals)
			for k, v := range prev {
				if k != "members" && k != "typical_sites" && k != "case_reports" {
					prev[k] = float64(int(v * 0.8))
				}
			}
		}
		for _, f := range s.CheckUnit(UnitInput{Unit: u, Values: vals, Prev: prev}) {
			if f.Severity == vocab.Error {
				t.Fatalf("unit %s %v: error %s: %s", u.Code, vals, f.Rule, f.Message)
			}
		}
	}
}

// probeSet loads the rules of testdata/probe.bad.yaml, which pass their
// examples but fail at run time on some figures, and names their file.
func probeSet(t *testing.T) (*Set, *workspace.Workspace, string) {
	t.Helper()
	ws := testWorkspace(t)
	dir := testdataDir(t, "probe.bad.yaml")
	s, err := LoadDir(dir, ws.Catalogue, ws.Kinds)
	if err != nil {
		t.Fatal(err)
	}
	return s, ws, filepath.Join(dir, "probe.bad.yaml")
}

func TestCheckUnitReportBrokenRules(t *testing.T) {
	s, ws, _ := probeSet(t)
	township, _ := ws.Unit("Z01")
	organ, _ := ws.Unit("J01")
	sane := map[string]float64{"problems_found": 4, "problems_solved": 2, "typical_sites": 1, "help_funds": 3, "members": 2}
	tests := []struct {
		name         string
		unit         workspace.Unit
		values, prev map[string]float64
		findings     []string
		broken       []string
	}{
		{name: "sane", unit: township, values: sane, prev: sane},
		{name: "divide by zero", unit: township, values: withFloat(sane, "problems_solved", 0), prev: sane,
			broken: []string{"p.modulo"}},
		{name: "kind missing from a map", unit: organ, values: sane, prev: sane,
			broken: []string{"p.kind_map"}},
		{name: "no previous period", unit: township, values: sane,
			broken: []string{"p.no_prev"}},
		{name: "large figure", unit: township, values: withFloat(sane, "help_funds", 1e7), prev: sane,
			broken: []string{"p.large", "p.text"}},
		{name: "each rule listed once", unit: township, values: withFloat(sane, "members", 0), prev: sane,
			broken: []string{"p.each"}},
		{name: "findings beside broken rules", unit: township,
			values: withFloat(withFloat(sane, "problems_solved", 0), "typical_sites", -1), prev: sane,
			findings: []string{"p.kind_map", "p.fine"}, broken: []string{"p.modulo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := UnitInput{Unit: tt.unit, Values: tt.values, Prev: tt.prev, Locate: locate(ws.Catalogue)}
			rep := s.CheckUnitReport(in)
			var broken []string
			for _, f := range rep.Broken {
				broken = append(broken, f.Rule)
			}
			if !reflect.DeepEqual(ids(rep.Findings), tt.findings) || !reflect.DeepEqual(broken, tt.broken) {
				t.Fatalf("findings %v, broken %v; want %v, %v\n%+v", ids(rep.Findings), broken, tt.findings, tt.broken, rep)
			}
			// A rule that cannot be evaluated is the office's mistake: it
			// must never reject the unit's file.
			if got := s.CheckUnit(in); !reflect.DeepEqual(ids(got), tt.findings) {
				t.Errorf("CheckUnit: %v, want %v", ids(got), tt.findings)
			}
		})
	}
}

func TestRuleFailurePlacesTheExpression(t *testing.T) {
	s, ws, file := probeSet(t)
	rep := s.CheckUnitReport(UnitInput{Unit: ws.Units[0], Values: map[string]float64{"problems_found": 4}, Prev: saneUnit()})
	want := RuleFailure{File: file, Line: 6, Col: 11, Rule: "p.modulo", Err: "runtime error: integer divide by zero"}
	if len(rep.Broken) == 0 || rep.Broken[0] != want {
		t.Fatalf("broken %+v, want first %+v", rep.Broken, want)
	}
	if got := want.Error(); got != file+":6:11: 規則 p.modulo: expr: 執行時出錯：runtime error: integer divide by zero" {
		t.Errorf("Error() = %s", got)
	}
}

func TestCheckCountyReportBrokenRules(t *testing.T) {
	s, ws, _ := probeSet(t)
	tests := []struct {
		name     string
		units    []UnitInput
		findings []string
		broken   []string
	}{
		{name: "no unit", broken: []string{"p.first_unit"}},
		{name: "one unit", units: []UnitInput{{Unit: ws.Units[0], Values: map[string]float64{"typical_sites": 1}}}},
		{name: "one unit failing", units: []UnitInput{{Unit: ws.Units[0]}}, findings: []string{"p.first_unit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := s.CheckCountyReport(tt.units, mergedTotals(ws, tt.units))
			var broken []string
			for _, f := range rep.Broken {
				broken = append(broken, f.Rule)
			}
			if !reflect.DeepEqual(ids(rep.Findings), tt.findings) || !reflect.DeepEqual(broken, tt.broken) {
				t.Fatalf("findings %v, broken %v; want %v, %v", ids(rep.Findings), broken, tt.findings, tt.broken)
			}
			if got := s.CheckCounty(tt.units, mergedTotals(ws, tt.units)); !reflect.DeepEqual(ids(got), tt.findings) {
				t.Errorf("CheckCounty: %v, want %v", ids(got), tt.findings)
			}
		})
	}
}

func TestCheckCounty(t *testing.T) {
	s, ws := defaultSet(t)
	var units []UnitInput
	for _, u := range ws.Units {
		vals := saneUnit()
		vals["members"] = float64(u.Members)
		vals["reading_note_chars"] = float64(u.Members * 5200)
		vals["reflections"] = float64(u.Members + 1)
		if u.Kind == "縣直" {
			vals["county_leader_visits"] = 0
		}
		units = append(units, UnitInput{Unit: u, Values: vals})
	}
	if got := s.CheckCounty(units, mergedTotals(ws, units)); len(got) != 0 {
		t.Fatalf("sane county: %+v", got)
	}
	units[3].Values = with(units[3].Values, "typical_sites", 0, "county_leader_visits", 0)
	got := s.CheckCounty(units, mergedTotals(ws, units))
	if want := []string{"county.typical_site_every_unit", "county.township_leader_visits"}; !reflect.DeepEqual(ids(got), want) {
		t.Fatalf("rules %v, want %v", ids(got), want)
	}
	f := got[0]
	wantMsg := fmt.Sprintf("已接收的 %d 個單位中有單位沒有選定典型培育點（全縣共 %d 個）。", len(units), len(units)-1)
	if f.Severity != vocab.Error || f.Message != wantMsg || f.Values["typical_sites"] != float64(len(units)-1) || f.Cell != "" {
		t.Errorf("finding %+v\nwant message %s", f, wantMsg)
	}
}

func TestCheckUnitConcurrent(t *testing.T) {
	s, ws := defaultSet(t)
	r := rand.New(rand.NewPCG(3, 4))
	inputs := make([]UnitInput, 64)
	want := make([][]vocab.Finding, len(inputs))
	for i := range inputs {
		vals := plausibleUnit(r)
		vals["problems_solved"] = vals["problems_found"] + float64(i%3) // some errors too
		inputs[i] = UnitInput{Unit: ws.Units[i%len(ws.Units)], Values: vals, Prev: saneUnit(), Locate: locate(ws.Catalogue)}
		want[i] = s.CheckUnit(inputs[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 50 {
				i := (g*7 + k) % len(inputs)
				if got := s.CheckUnit(inputs[i]); !reflect.DeepEqual(got, want[i]) {
					errs <- fmt.Sprintf("input %d: got %v, want %v", i, ids(got), ids(want[i]))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestCheckUnitUnreadable(t *testing.T) {
	ws := testWorkspace(t)
	s, err := LoadDir(testdataDir(t, "unreadable.good.yaml"), ws.Catalogue, ws.Kinds)
	if err != nil {
		t.Fatal(err)
	}
	township, _ := ws.Unit("Z01")
	organ, _ := ws.Unit("J01")
	sane := map[string]float64{"problems_found": 3, "problems_solved": 2, "members": 2, "reading_note_chars": 12000,
		"help_funds": 100, "help_problems_solved": 1}
	type found struct {
		rule string
		sev  vocab.Severity
		cell string
	}
	tests := []struct {
		name       string
		unit       workspace.Unit
		values     map[string]float64
		unreadable map[string]string
		want       []found
		message    string // of the first finding, when given
	}{
		{name: "nothing unreadable", unit: township, values: sane},
		{name: "read by code", unit: township, unreadable: map[string]string{"problems_found": "「三」不是數字"},
			want:    []found{{"u.solved", vocab.Warning, "D8"}, {"u.each", vocab.Warning, "D8"}},
			message: "規則「已解決不多於查找出的」未檢查：它要用到的「查找突出問題」無法讀取（「三」不是數字）。改正該格後會再檢查。"},
		{name: "read through a per-member figure", unit: township, unreadable: map[string]string{"reading_note_chars": "公式出錯"},
			want: []found{{"u.notes", vocab.Warning, "D25"}}},
		{name: "members read directly and through a per-member figure", unit: township,
			unreadable: map[string]string{"members": "公式出錯"},
			want:       []found{{"u.notes", vocab.Warning, "D24"}, {"u.each_other", vocab.Warning, "D24"}},
			message:    "規則「人均讀書筆記不少於 5000 字」未檢查：它要用到的「本單位黨員人數」無法讀取（公式出錯）。改正該格後會再檢查。"},
		{name: "two cells", unit: township, unreadable: map[string]string{"members": "公式出錯", "reading_note_chars": "「一萬」不是數字"},
			want:    []found{{"u.notes", vocab.Warning, "D24"}, {"u.each_other", vocab.Warning, "D24"}},
			message: "規則「人均讀書筆記不少於 5000 字」未檢查：它要用到的「本單位黨員人數」無法讀取（公式出錯）、「黨員讀書筆記合計字數」無法讀取（「一萬」不是數字）。改正這些格後會再檢查。"},
		{name: "the previous period is not this form", unit: township, unreadable: map[string]string{"help_funds": "「一百」不是數字"},
			want: []found{{"u.each", vocab.Warning, "D30"}, {"u.each_other", vocab.Warning, "D30"}}},
		{name: "each: checks the cells that were read", unit: township, values: withFloat(sane, "problems_found", -1),
			unreadable: map[string]string{"help_funds": "「一百」不是數字"},
			want: []found{{"u.solved", vocab.Error, "D9"}, {"u.each", vocab.Error, "D8"}, {"u.each", vocab.Warning, "D30"},
				{"u.each_other", vocab.Warning, "D30"}}},
		{name: "a code inside another code or in text", unit: township, unreadable: map[string]string{"problems_solved": "「二」不是數字"},
			want: []found{{"u.solved", vocab.Warning, "D9"}}},
		{name: "a rule for another kind", unit: township, unreadable: map[string]string{"county_leader_visits": "「一」不是數字"}},
		{name: "a rule for this kind", unit: organ, unreadable: map[string]string{"county_leader_visits": "「一」不是數字"},
			want: []found{{"u.organ", vocab.Warning, "D15"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := tt.values
			if values == nil {
				values = maps.Clone(sane)
			}
			// The reader gives no value for a cell it could not read.
			for code := range tt.unreadable {
				delete(values, code)
			}
			got := s.CheckUnit(UnitInput{Unit: tt.unit, Values: values, Prev: map[string]float64{"help_funds": 50},
				Locate: locate(ws.Catalogue), Unreadable: tt.unreadable})
			var gotFound []found
			for _, f := range got {
				gotFound = append(gotFound, found{f.Rule, f.Severity, f.Cell})
			}
			if !reflect.DeepEqual(gotFound, tt.want) {
				t.Fatalf("got %v, want %v\n%+v", gotFound, tt.want, got)
			}
			if tt.message != "" && got[0].Message != tt.message {
				t.Errorf("message\n got %s\nwant %s", got[0].Message, tt.message)
			}
		})
	}
}
