package render

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// domainFigures are the county totals of DOMAIN.md's table, as raw sums.
var domainFigures = map[string]float64{
	"typical_sites": 73, "case_reports": 73, "problems_found": 149, "problems_solved": 79,
	"deeds_done": 32, "households_benefited": 1536, "people_benefited": 7208, "mechanisms": 11,
	"tutoring_sessions": 227, "topics_revised_twice": 73, "topics_revised_thrice": 17,
	"research_reports": 241, "enterprises_linked": 37, "industries_guided": 35,
	"projects_planned": 79, "projects_followed": 90, "innovation_plans": 241,
	"opinions_collected": 152, "suggestions": 470, "help_pairs": 1954, "help_funds": 113000,
	"help_problems_solved": 57,
}

// figureStrings are DOMAIN.md's figures as the default template's prose
// carries them, each with its measure word and enough context to be the
// right figure and not just the same digits elsewhere.
var figureStrings = []string{
	"選定73個村", "材料73份", "突出問題149個", "已解決79個", "辦實事32件", "1500餘戶", "7000餘人",
	"工作機制11項", "227場次", "遍及15個鄉鎮", "全縣73個課題經過兩次修改", "其中17個經過三次修改",
	"調研報告241個", "企業37家", "產業發展35項", "擬引進項目79個", "在建項目90項", "創新方案241個",
	"讀書筆記5000字以上", "學習心得1篇以上", "意見建議152條", "意見建議470條", "幫扶對子1954個",
	"幫扶資金11.3萬元", "實際問題57個",
}

// testWorkspace is a fresh workspace with the shipped defaults.
func testWorkspace(t testing.TB, lang string) *workspace.Workspace {
	t.Helper()
	dir := t.TempDir()
	ws, err := workspace.Init(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lang != "" {
		ws.Config.Language = lang
	}
	return ws
}

// domainBriefing spreads DOMAIN.md's county totals over the counted
// units, with every state occurring among the county organs at the end
// of the registry: J54 未報送, J55 已接收 with its latest file returned,
// J56 退回待重報, J57 逾期未報. Every township reports, so county leaders
// reached all 15.
func domainBriefing(t testing.TB, ws *workspace.Workspace) Briefing {
	t.Helper()
	units := ws.Units
	n := len(units)
	state := map[string]vocab.State{
		units[n-5].Code: vocab.Missing, units[n-4].Code: vocab.AcceptedLatestReturned,
		units[n-3].Code: vocab.Returned, units[n-2].Code: vocab.Overdue,
	}
	received := time.Date(2008, 12, 5, 9, 30, 0, 0, ws.Config.Location())
	var reporting []workspace.Unit
	var lines []UnitLine
	var rejected, counted []FileReport
	for _, u := range units {
		st, ok := state[u.Code]
		if !ok {
			st = vocab.Accepted
		} else if u.Kind != "縣直" {
			t.Fatalf("the default units should end with county organs")
		}
		line := UnitLine{Unit: &u, State: st, Late: st == vocab.Overdue}
		if st.Counted() {
			reporting = append(reporting, u)
			line.Counted = u.Name + "-2008-12.xlsx"
			line.File, line.ReceivedAt = line.Counted, received
			fr := FileReport{Unit: &u, File: line.Counted, ReceivedAt: received}
			if len(counted) == 0 {
				fr.Findings = []vocab.Finding{{Rule: "unit.solved_share", Severity: vocab.Warning, Sheet: "活動數據", Cell: "C8",
					Message: "已解決的問題不到查找問題的一成", Fix: "請核對已解決數"}}
			}
			counted = append(counted, fr)
		}
		if st == vocab.Returned || st == vocab.AcceptedLatestReturned {
			line.File, line.ReceivedAt = u.Name+"-2008-12-更正.xlsx", received.Add(time.Hour)
			rejected = append(rejected, FileReport{Unit: &u, File: line.File, ReceivedAt: line.ReceivedAt, Findings: []vocab.Finding{
				{Rule: "unit.solved_le_found", Severity: vocab.Error, Sheet: "活動數據", Cell: "C8", Message: "查找突出問題（C7）少於其中已解決（C8）。", Fix: "請核對兩個數"},
				{Rule: "form.required", Severity: vocab.Error, Sheet: "活動數據", Cell: "C11", Message: "受益群眾人數（C11）未填", Fix: "請填寫人數；沒有的填 0。"},
				{Rule: "unit.note", Severity: vocab.Warning, Sheet: "活動數據", Cell: "C12", Message: "機制數比上期少", Fix: "請核對"},
			}})
		}
		lines = append(lines, line)
	}
	values := map[string]map[string]float64{}
	for _, u := range reporting {
		values[u.Code] = map[string]float64{"members": float64(u.Members)}
	}
	codes := make([]string, 0, len(domainFigures))
	for c := range domainFigures {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, code := range codes {
		total := int(domainFigures[code])
		n := len(reporting)
		for i, u := range reporting {
			v := total / n
			if i < total%n {
				v++
			}
			values[u.Code][code] = float64(v)
		}
	}
	for i, u := range reporting {
		// Notes a little over 5000 characters and a reflection or two per member.
		values[u.Code]["reading_note_chars"] = float64(u.Members*5000 + 37*i)
		values[u.Code]["reflections"] = float64(u.Members + u.Members/4)
		v := 0.0
		if u.Kind == "鄉鎮" {
			v = float64(1 + i%3)
		}
		values[u.Code]["county_leader_visits"] = v
	}
	totals := merge.Merge(ws.Catalogue, ws.Units, values)
	prev := merge.Merge(ws.Catalogue, ws.Units, values)
	prev.All["problems_found"] -= 12
	var reported []UnitValues
	for _, u := range reporting {
		reported = append(reported, UnitValues{Unit: &u, Figures: merge.FiguresOf(merge.Codes(ws.Catalogue), values[u.Code])})
	}
	return Briefing{
		Issue:    3,
		Date:     time.Date(2008, 12, 6, 0, 0, 0, 0, ws.Config.Location()),
		Period:   "2008-12",
		Totals:   totals,
		Previous: &prev,
		Units:    lines,
		Reported: reported,
		CountyFindings: []vocab.Finding{{Rule: "county.solved_ratio", Severity: vocab.Warning,
			Message: "全縣問題解決率低於六成，請督促各單位加快整改", Fix: "請各單位加快整改"}},
		Rejected: rejected,
		Counted:  counted,
	}
}

var (
	fontsOnce sync.Once
	fontsVal  *Fonts
	fontsErr  error
)

// testFonts loads the fonts once for the whole test binary, as a process
// would.
func testFonts(t testing.TB) *Fonts {
	t.Helper()
	fontsOnce.Do(func() { fontsVal, fontsErr = LoadFonts(&workspace.Config{}) })
	if fontsErr != nil {
		t.Fatalf("load fonts: %v", fontsErr)
	}
	return fontsVal
}

// tool finds a poppler tool or fails naming the package.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: apt-get install poppler-utils", name)
	}
	return p
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
