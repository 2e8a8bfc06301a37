package rollup_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/form"
	"countybrief/pipeline/rollup"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// countyOf is one county of the test city: its workspace, the code the
// city knows it by, and its published 上報 workbook.
type countyOf struct {
	ws     *workspace.Workspace
	code   string
	report string
	totals string // the totals workbook
	audit  string // the draft's 審核報告
}

// buildCounty makes a sample county with figures drawn from seed, runs
// its batch and publishes its first issue.
func buildCounty(t *testing.T, seed uint64, name, code string) countyOf {
	t.Helper()
	dir := t.TempDir()
	if _, _, err := demo.Build(dir, demo.Options{Seed: seed, Init: pipeline.Init, Generic: true}); err != nil {
		t.Fatal(err)
	}
	edit(t, filepath.Join(dir, workspace.ConfigFile), "county: 綏陽縣\n", fmt.Sprintf("county: %s\ncounty_code: %s\n", name, code))
	ws := load(t, dir)
	sum := batch(t, ws)
	pub := publish(t, ws)
	return countyOf{ws: ws, code: code, report: pub.Rollup, totals: pub.TotalsWorkbook, audit: sum.AuditReport}
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s lacks %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func load(t *testing.T, dir string) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	return ws
}

func batch(t *testing.T, ws *workspace.Workspace) *pipeline.Summary {
	t.Helper()
	sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func publish(t *testing.T, ws *workspace.Workspace) *pipeline.Published {
	t.Helper()
	pub, err := pipeline.Publish(context.Background(), ws, pipeline.PublishOptions{Date: time.Date(2008, 12, 6, 0, 0, 0, 0, ws.Config.Location())})
	if err != nil {
		t.Fatal(err)
	}
	if pub.Rollup == "" || filepath.Dir(pub.Rollup) != filepath.Dir(pub.TotalsWorkbook) {
		t.Fatalf("publish wrote no 上報 workbook beside the totals workbook: %+v", pub)
	}
	return pub
}

// city lays out the shipped city example with the counties as its units,
// the i-th of kind kinds[i % len(kinds)].
func city(t *testing.T, counties []countyOf, kinds []string) *workspace.Workspace {
	t.Helper()
	dir := t.TempDir()
	if _, err := pipeline.InitExample(dir, "city"); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	listed := []string{}
	for _, k := range kinds {
		if !slices.Contains(listed, k) {
			listed = append(listed, k)
		}
	}
	fmt.Fprintf(&b, "kinds: [%s]\nunits:\n", strings.Join(listed, ", "))
	for i, c := range counties {
		fmt.Fprintf(&b, "  - {code: %s, name: %s, kind: %s}\n", c.code, c.ws.Config.County, kinds[i%len(kinds)])
	}
	if err := os.WriteFile(filepath.Join(dir, workspace.UnitsFile), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return load(t, dir)
}

// drop puts data into the city's inbox folder of code as name.
func drop(t *testing.T, ws *workspace.Workspace, code, name string, data []byte) {
	t.Helper()
	dir := filepath.Join(ws.InboxDir(), code)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// totalsSheet reads the county column (全縣) of a totals workbook by code.
func totalsSheet(t *testing.T, path string) map[string]float64 {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The first sheet: 匯總, or 汇总 in a Simplified workspace.
	rows, err := f.GetRows(f.GetSheetList()[0], excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, r := range rows[1:] {
		if len(r) > 5 && r[5] != "" {
			var v float64
			if _, err := fmt.Sscan(r[5], &v); err != nil {
				t.Fatalf("%s: %q: %v", r[2], r[5], err)
			}
			out[r[2]] = v
		}
	}
	return out
}

// firstSheetCell is a cell of a workbook's first sheet.
func firstSheetCell(t *testing.T, path, cell string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := f.GetCellValue(f.GetSheetList()[0], cell)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func sheetList(t *testing.T, path string) []string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return f.GetSheetList()
}

// archivedForms reads every file a county accepted, by sha256.
func archivedForms(t *testing.T, ws *workspace.Workspace) map[string]*form.Submission {
	t.Helper()
	out := map[string]*form.Submission{}
	err := filepath.WalkDir(filepath.Join(ws.ArchiveDir(), "accepted"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data := readFile(t, path)
		sum := sha256.Sum256(data)
		sub, _, err := form.Read(path, ws.Catalogue, form.DefaultLimits())
		out[hex.EncodeToString(sum[:])] = sub
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(a)) }

// TestCityMergesCounties: three sample counties with figures of their own
// publish; their 上報 workbooks, dropped in a city's inbox, are accepted
// as the counties' forms, and the city's totals are the sum of the
// counties' and of every unit they counted, each unit's values being
// those of the file whose sha256 the workbook gives; explain walks from
// the city's figure to the counties and their units. The city publishes
// on to a province, whose totals are the same and whose explain lists
// the counties under the city.
func TestCityMergesCounties(t *testing.T) {
	counties := []countyOf{
		buildCounty(t, 11, "甲縣", "C01"),
		buildCounty(t, 22, "乙縣", "C02"),
		buildCounty(t, 33, "丙區", "C03"),
	}
	cws := city(t, counties, []string{"縣", "縣", "區"})
	for _, c := range counties {
		drop(t, cws, c.code, filepath.Base(c.report), readFile(t, c.report))
	}
	sum := batch(t, cws)
	if sum.Accepted != 3 || sum.Rejected != 0 {
		t.Fatalf("city batch: %d accepted, %d rejected: %+v", sum.Accepted, sum.Rejected, sum.Files)
	}
	got := totalsSheet(t, sum.TotalsWorkbook)
	// The whole area's column is named by config.yaml's area: (全市 in the
	// city example), 全縣 where unset.
	for path, want := range map[string]string{sum.TotalsWorkbook: "全市", counties[0].totals: "全縣"} {
		if head := firstSheetCell(t, path, "F1"); head != want {
			t.Errorf("%s: the totals column is %q, want %q", filepath.Base(path), head, want)
		}
	}
	for path, want := range map[string]string{sum.AuditReport: "全市審核提示", counties[0].audit: "全縣審核提示"} {
		if sheets := sheetList(t, path); !slices.Contains(sheets, want) {
			t.Errorf("%s: sheets %v, want one named %s", filepath.Base(path), sheets, want)
		}
	}
	cat := cws.Catalogue
	wantCounties, wantUnits := map[string]float64{}, map[string]float64{}
	for _, c := range counties {
		rep, fs := rollup.Parse(readFile(t, c.report), form.DefaultLimits())
		if rep == nil || len(fs) > 0 {
			t.Fatalf("%s: %v", c.code, fs)
		}
		published := totalsSheet(t, c.totals)
		forms := archivedForms(t, c.ws)
		for _, in := range cat.Inputs() {
			wantCounties[in.Code] += published[in.Code]
		}
		for _, u := range rep.Units {
			sub := forms[u.SHA256]
			if sub == nil || sub.UnitCode != u.Code {
				t.Fatalf("%s: unit %s's sha256 %s is no file the county accepted", c.code, u.Code, u.SHA256)
			}
			for _, in := range cat.Inputs() {
				if sub.Values[in.Code] != u.Values[in.Code] {
					t.Errorf("%s/%s %s: workbook %v, the unit's file %v", c.code, u.Code, in.Code, u.Values[in.Code], sub.Values[in.Code])
				}
				wantUnits[in.Code] += sub.Values[in.Code]
			}
		}
	}
	differ := 0
	for _, in := range cat.Inputs() {
		if !near(got[in.Code], wantCounties[in.Code]) || !near(got[in.Code], wantUnits[in.Code]) {
			t.Errorf("%s: city %v, counties %v, units %v", in.Code, got[in.Code], wantCounties[in.Code], wantUnits[in.Code])
		}
		if counties[0].ws != nil && wantCounties[in.Code] != 3*totalsSheet(t, counties[0].totals)[in.Code] {
			differ++
		}
	}
	if differ == 0 {
		t.Error("the three counties have the same figures: the test would not tell a sum from a copy")
	}
	// explain walks down from the city's figure to each county's value,
	// and from it to the county's units.
	ex, err := pipeline.Explain(context.Background(), cws, "deeds_done", pipeline.ExplainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Lines) != 3 || !near(ex.Value, wantUnits["deeds_done"]) || ex.Area != "全市" {
		t.Fatalf("explain: %s %v from %d lines", ex.Area, ex.Value, len(ex.Lines))
	}
	for _, l := range ex.Lines {
		if !strings.HasPrefix(l.Cell, rollup.Sheet+"!") || len(l.Below) == 0 {
			t.Errorf("%s: cell %s, %d units below", l.Unit, l.Cell, len(l.Below))
		}
		var below float64
		for _, b := range l.Below {
			below += b.Value
		}
		if !near(below, l.Value) {
			t.Errorf("%s: units below sum to %v, the county's value is %v", l.Unit, below, l.Value)
		}
	}
	for _, in := range cat.Indicators {
		if in.Aggregate == workspace.AggRatio {
			if want := wantUnits[in.Of] / wantUnits[in.Per] * in.Scale; !near(got[in.Code], want) {
				t.Errorf("%s: city %v, ratio of the units' sums %v", in.Code, got[in.Code], want)
			}
		}
	}

	// The city reports on to a province in the same way: its 上報
	// workbook carries the counties as its units.
	edit(t, filepath.Join(cws.Dir, workspace.ConfigFile), "county: 遵義市\n", "county: 遵義市\ncounty_code: S03\n")
	cws = load(t, cws.Dir)
	up := publish(t, cws).Rollup
	pws := city(t, []countyOf{{ws: cws, code: "S03"}}, []string{"市"})
	drop(t, pws, "S03", filepath.Base(up), readFile(t, up))
	psum := batch(t, pws)
	if psum.Accepted != 1 {
		t.Fatalf("province batch: %+v", psum.Files)
	}
	province := totalsSheet(t, psum.TotalsWorkbook)
	for _, in := range cat.Inputs() {
		if !near(province[in.Code], wantUnits[in.Code]) {
			t.Errorf("%s: province %v, the counties' units %v", in.Code, province[in.Code], wantUnits[in.Code])
		}
	}
	pex, err := pipeline.Explain(context.Background(), pws, "deeds_done", pipeline.ExplainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pex.Lines) != 1 || len(pex.Lines[0].Below) != 3 {
		t.Errorf("province explain: %+v", pex.Lines)
	}
}

// cityWithCounties is a city that has accepted the first issue of each
// of two counties.
func cityWithCounties(t *testing.T) (*workspace.Workspace, []countyOf) {
	t.Helper()
	counties := []countyOf{buildCounty(t, 11, "甲縣", "C01"), buildCounty(t, 22, "乙縣", "C02")}
	cws := city(t, counties, []string{"縣"})
	for _, c := range counties {
		drop(t, cws, c.code, filepath.Base(c.report), readFile(t, c.report))
	}
	if sum := batch(t, cws); sum.Accepted != 2 {
		t.Fatalf("city batch: %+v", sum.Files)
	}
	return cws, counties
}

// setHidden edits cells of a workbook's data sheet as a clerk who
// unhid it would, and returns the file.
func setHidden(t *testing.T, data []byte, cells map[string]any) []byte {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cell, v := range cells {
		if err := f.SetCellValue(rollup.Sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rewrite writes a county's report again, sealed, after change: what a
// county would send had it published with another setting.
func rewrite(t *testing.T, c countyOf, change func(*rollup.Report)) []byte {
	t.Helper()
	rep, fs := rollup.Parse(readFile(t, c.report), form.DefaultLimits())
	if rep == nil {
		t.Fatal(fs)
	}
	change(rep)
	var buf strings.Builder
	totals := readFile(t, c.totals)
	if err := rollup.Write(&buf, totals, rep, func(s string) string { return s }); err != nil {
		t.Fatal(err)
	}
	return []byte(buf.String())
}

// cellOf finds the cell of the data sheet that holds a figure.
func cellOf(t *testing.T, data []byte, rowKind, code string) string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(rollup.Sheet)
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range rows[9] {
		if h == code {
			col = i + 1
		}
	}
	for n, r := range rows {
		if len(r) > 0 && r[0] == rowKind && col > 0 {
			name, _ := excelize.CoordinatesToCellName(col, n+1)
			return name
		}
	}
	t.Fatalf("no %s row with %s", rowKind, code)
	return ""
}

// TestTamperedReportsAreReturned: a 上報 workbook edited after
// publishing, for another period, of another county or of another
// catalogue is rejected with a 退回 note that names the file, the sheet,
// the cell and the problem, and its review sheet the rule; the county's
// accepted workbook still counts. A corrected resubmission replaces it.
func TestTamperedReportsAreReturned(t *testing.T) {
	cws, counties := cityWithCounties(t)
	a, b := counties[0], counties[1]
	genuine := readFile(t, a.report)
	total := cellOf(t, genuine, "全縣", "deeds_done")
	before := totalsSheet(t, batch(t, cws).TotalsWorkbook)
	cases := []struct {
		name   string
		folder string
		data   []byte
		rules  []string
		cell   string
	}{
		{"figure edited", a.code, setHidden(t, genuine, map[string]any{total: 99999}), []string{rollup.RuleSeal, rollup.RuleSum}, total},
		{"sha256 swapped", a.code, setHidden(t, genuine, map[string]any{"F" + strings.TrimLeft(cellOf(t, genuine, "單位", "members"), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"): strings.Repeat("ab", 32)}), []string{rollup.RuleSeal}, "B8"},
		{"period edited", a.code, setHidden(t, genuine, map[string]any{"B4": "2008-11"}), []string{rollup.RuleSeal, "inbox.period"}, "B4"},
		{"published for another period", a.code, rewrite(t, a, func(r *rollup.Report) { r.Period = "2008-11" }), []string{"inbox.period"}, "B4"},
		{"another county's report", a.code, readFile(t, b.report), []string{"inbox.identity"}, "B2"},
		{"another catalogue", a.code, rewrite(t, a, func(r *rollup.Report) { r.Catalogue = "2007版" }), []string{rollup.RuleVersion}, "B6"},
		{"units do not make the total", a.code, rewrite(t, a, func(r *rollup.Report) { r.Totals["deeds_done"]++ }), []string{rollup.RuleSum}, total},
		{"the totals workbook sent in its place", a.code, readFile(t, a.totals), []string{rollup.RuleFormat}, ""},
		{"a city rule the county's figures break", a.code, rewrite(t, a, breakSolved), []string{"county.solved_le_found"}, cellOf(t, genuine, "全縣", "problems_solved")},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("上報表%d.xlsx", i)
			drop(t, cws, tc.folder, name, tc.data)
			sum := batch(t, cws)
			var res *pipeline.FileResult
			for j := range sum.Files {
				if sum.Files[j].Name == name {
					res = &sum.Files[j]
				}
			}
			if res == nil || res.Status != vocab.FileRejected {
				t.Fatalf("want %s rejected: %+v", name, sum.Files)
			}
			for _, rule := range tc.rules {
				if !hasRule(res.Findings, rule) {
					t.Errorf("findings lack %s: %+v", rule, res.Findings)
				}
			}
			note := string(readFile(t, strings.TrimSuffix(res.ReturnPath, ".xlsx")+".txt"))
			wants := []string{name, "上報表"}
			if tc.cell != "" {
				wants = append(wants, rollup.Sheet+"!"+tc.cell)
			}
			for _, want := range wants {
				if !strings.Contains(note, want) {
					t.Errorf("退回 note lacks %q:\n%s", want, note)
				}
			}
			review := reviewRules(t, res.ReturnPath)
			for _, rule := range tc.rules {
				if !strings.Contains(review, rule) {
					t.Errorf("review sheet lacks rule %s:\n%s", rule, review)
				}
			}
			if now := totalsSheet(t, sum.TotalsWorkbook); now["deeds_done"] != before["deeds_done"] {
				t.Errorf("a returned report changed the city's figure: %v, was %v", now["deeds_done"], before["deeds_done"])
			}
		})
	}

	// The county corrects a unit's figure, runs, publishes 第2期 and
	// sends it: it replaces the first.
	u := a.ws.Units[0]
	forms, _ := filepath.Glob(filepath.Join(a.ws.ArchiveDir(), "accepted", "*", u.Code+"@*.xlsx"))
	sub, _, err := form.Read(forms[len(forms)-1], a.ws.Catalogue, form.DefaultLimits())
	if err != nil || sub == nil {
		t.Fatal(err)
	}
	sub.Values["deeds_done"] += 5
	var fixed strings.Builder
	if err := form.WriteFilled(&fixed, a.ws.Catalogue, u, a.ws.Config.Period, sub.Identity, sub.Values); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a.ws.InboxDir(), u.Code, "更正.xlsx"), []byte(fixed.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	batch(t, a.ws)
	second := publish(t, a.ws).Rollup
	if filepath.Base(second) != a.ws.Config.Names().Report(2) {
		t.Fatalf("second issue's 上報 workbook %s", second)
	}
	drop(t, cws, a.code, filepath.Base(second), readFile(t, second))
	sum := batch(t, cws)
	if sum.Accepted != 1 {
		t.Fatalf("resubmission: %+v", sum.Files)
	}
	after := totalsSheet(t, sum.TotalsWorkbook)
	if after["deeds_done"] != before["deeds_done"]+5 {
		t.Errorf("after the resubmission the city has %v, want %v", after["deeds_done"], before["deeds_done"]+5)
	}
}

// breakSolved makes a county whose first unit solved more problems than
// the county found, its totals and subtotal consistent with it.
func breakSolved(r *rollup.Report) {
	d := r.Totals["problems_found"] - r.Totals["problems_solved"] + 1
	r.Totals["problems_solved"] += d
	u := &r.Units[0]
	u.Values["problems_solved"] += d
	for _, g := range r.Kinds {
		if g.Kind == u.Kind {
			g.Values["problems_solved"] += d
		}
	}
}

func hasRule(fs []vocab.Finding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule && f.Severity == vocab.Error {
			return true
		}
	}
	return false
}

// reviewRules is the text of a 退回 copy's review sheet.
func reviewRules(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(form.ReviewSheet)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, " ") + "\n")
	}
	return b.String()
}

// TestSimplifiedCountyAndCity: a county and a city that write Simplified
// exchange a 上報 workbook: its note sheet is in the county's script, its
// data sheet keeps the fixed labels the reader knows, and the city counts
// it.
func TestSimplifiedCountyAndCity(t *testing.T) {
	dir := t.TempDir()
	initHans := func(d string) (*workspace.Workspace, error) {
		return pipeline.InitExampleIn(d, "campaign", workspace.Simplified)
	}
	if _, _, err := demo.Build(dir, demo.Options{Seed: 5, Init: initHans, Generic: true}); err != nil {
		t.Fatal(err)
	}
	edit(t, filepath.Join(dir, workspace.ConfigFile), "county: 绥阳县\n", "county: 绥阳县\ncounty_code: C05\n")
	ws := load(t, dir)
	batch(t, ws)
	pub := publish(t, ws)
	report := pub.Rollup
	f, err := excelize.OpenFile(report)
	if err != nil {
		t.Fatal(err)
	}
	sheets := f.GetSheetList()
	f.Close()
	if !slices.Contains(sheets, "上报说明") || !slices.Contains(sheets, rollup.Sheet) {
		t.Errorf("sheets %v: want the note in Simplified and the data sheet as the reader knows it", sheets)
	}

	cdir := t.TempDir()
	if _, err := pipeline.InitExampleIn(cdir, "city", workspace.Simplified); err != nil {
		t.Fatal(err)
	}
	cws := load(t, cdir)
	drop(t, cws, "C05", filepath.Base(report), readFile(t, report))
	sum := batch(t, cws)
	if sum.Accepted != 1 {
		t.Fatalf("city batch: %+v", sum.Files)
	}
	county := totalsSheet(t, pub.TotalsWorkbook)
	city := totalsSheet(t, sum.TotalsWorkbook)
	for _, in := range cws.Catalogue.Inputs() {
		if city[in.Code] != county[in.Code] {
			t.Errorf("%s: city %v, county %v", in.Code, city[in.Code], county[in.Code])
		}
	}
}

// TestNoCountyCodeNoReport: a county that reports to no one (no
// county_code) publishes as before, without a 上報 workbook.
func TestNoCountyCodeNoReport(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := demo.Build(dir, demo.Options{Seed: 1, Init: pipeline.Init}); err != nil {
		t.Fatal(err)
	}
	ws := load(t, dir)
	batch(t, ws)
	pub, err := pipeline.Publish(context.Background(), ws, pipeline.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if up, _ := filepath.Glob(filepath.Join(filepath.Dir(pub.Briefing), "上報表*")); pub.Rollup != "" || len(up) > 0 {
		t.Errorf("a county without county_code wrote %q %v", pub.Rollup, up)
	}
}
