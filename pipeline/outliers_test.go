package pipeline

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/form"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/render"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

func campaign(t *testing.T) *workspace.Workspace {
	t.Helper()
	ws, err := Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// cleanFigures are figures of unit u that no unit rule of the campaign
// flags, so that a test sees only the findings it provokes.
func cleanFigures(ws *workspace.Workspace, u workspace.Unit) map[string]float64 {
	vals := map[string]float64{}
	for _, in := range ws.Catalogue.Inputs() {
		vals[in.Code] = 10
	}
	maps.Copy(vals, map[string]float64{
		"members": float64(u.Prefill["members"]), "reflections": 400, "reading_note_chars": 2000000,
		"households_benefited": 10, "people_benefited": 100, "help_funds": 3000,
	})
	return vals
}

// writeForm writes u's form filled with vals, with notes typed into the
// 說明 cells of their rows as a clerk would, and returns its path.
func writeForm(t *testing.T, ws *workspace.Workspace, u workspace.Unit, vals map[string]float64, notes map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := form.WriteFilled(&buf, ws.Catalogue, u, ws.Config.Period, form.Identity{FilledBy: "王明", Phone: "13800000000", Date: "2008-12-04"}, vals); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(form.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	codeCol, noteCol := -1, -1
	for _, r := range rows {
		if i := slices.Index(r, "說明"); i >= 0 {
			codeCol, noteCol = slices.Index(r, "代碼"), i
			break
		}
	}
	for code, text := range notes {
		row := slices.IndexFunc(rows, func(r []string) bool { return codeCol >= 0 && codeCol < len(r) && r[codeCol] == code })
		if row < 0 || noteCol < 0 {
			t.Fatalf("no 說明 cell for %s", code)
		}
		cell, _ := excelize.CoordinatesToCellName(noteCol+1, row+1)
		if err := f.SetCellValue(form.SheetName, cell, text); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), u.Name+".xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := f.Write(out); err != nil {
		t.Fatal(err)
	}
	return path
}

func findingOf(fs []vocab.Finding, rule string) *vocab.Finding {
	for i := range fs {
		if fs[i].Rule == rule {
			return &fs[i]
		}
	}
	return nil
}

// TestExplainedWarnings checks through a real form: a warning on a row
// with a 說明 is explained, one without is not, and a severity: explain
// rule (trend.members_steady) accepts the file only with a 說明.
func TestExplainedWarnings(t *testing.T) {
	ws := campaign(t)
	c, err := NewChecker(ws)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := ws.Unit("Z01")
	before := cleanFigures(ws, u)
	before["tutoring_sessions"] = 0
	prev := func(string, string) (map[string]float64, error) { return before, nil }

	clean := writeForm(t, ws, u, before, nil)
	if _, fs, err := c.Check(clean, u.Code, prev); err != nil || len(fs) != 1 || fs[0].Rule != "unit.tutoring" || fs[0].Explanation != "" {
		t.Fatalf("clean figures: %v %+v, want only the unexplained unit.tutoring", err, fs)
	}

	now := maps.Clone(before)
	now["members"] = 120 // from 333: trend.members_steady (explain) and unit.members_match_registry (warning)
	why := "本期 213 名黨員轉入新設的社區黨委"
	for _, tt := range []struct {
		name     string
		notes    map[string]string
		rejected bool
	}{
		{"no explanation", nil, true},
		{"explained", map[string]string{"members": why}, false},
		{"explained after the form's own words", map[string]string{"members": "必填，沒有填0；" + why}, false},
		{"explained on another row", map[string]string{"reflections": why}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sub, fs, err := c.Check(writeForm(t, ws, u, now, tt.notes), u.Code, prev)
			if err != nil || sub == nil {
				t.Fatal(err)
			}
			if got := vocab.HasError(fs); got != tt.rejected {
				t.Errorf("rejected = %v, want %v: %+v", got, tt.rejected, fs)
			}
			steady, registry, tutoring := findingOf(fs, "trend.members_steady"), findingOf(fs, "unit.members_match_registry"), findingOf(fs, "unit.tutoring")
			if steady == nil || registry == nil || tutoring == nil {
				t.Fatalf("findings %+v, want trend.members_steady, unit.members_match_registry and unit.tutoring", fs)
			}
			if tutoring.Severity != vocab.Warning || tutoring.Explanation != "" {
				t.Errorf("unit.tutoring %+v, want an unexplained warning", tutoring)
			}
			if tt.rejected {
				if steady.Severity != vocab.Error || !strings.Contains(steady.Fix, "請在該行說明欄寫明原因後重新報送") || steady.Explanation != "" {
					t.Errorf("trend.members_steady %+v, want an error asking for the 說明", steady)
				}
				if registry.Severity != vocab.Warning || registry.Explanation != "" {
					t.Errorf("unit.members_match_registry %+v, want an unexplained warning", registry)
				}
				return
			}
			for _, f := range []*vocab.Finding{steady, registry} {
				if f.Severity != vocab.Warning || f.Explanation != why {
					t.Errorf("%s %+v, want a warning explained by %q", f.Rule, f, why)
				}
			}
		})
	}
}

// TestJumpOutlier: a figure six times its last period's is a warning on
// its cell naming both figures and the factor; off with factor 0, and
// left to a rule that already flags the cell (trend.jump, at ten times).
func TestJumpOutlier(t *testing.T) {
	ws := campaign(t)
	u, _ := ws.Unit("Z01")
	before := cleanFigures(ws, u)
	now := maps.Clone(before)
	now["help_funds"] = 18000
	now["deeds_done"] = 200 // 20 times: trend.jump's
	prev := func(string, string) (map[string]float64, error) { return before, nil }
	path := writeForm(t, ws, u, now, nil)
	for _, factor := range []float64{0, 5} {
		ws.Config.Outliers.JumpFactor = factor
		c, err := NewChecker(ws)
		if err != nil {
			t.Fatal(err)
		}
		sub, fs, err := c.Check(path, u.Code, prev)
		if err != nil {
			t.Fatal(err)
		}
		var jumps []vocab.Finding
		for _, f := range fs {
			if f.Rule == vocab.RuleOutlierJump {
				jumps = append(jumps, f)
			}
		}
		if factor == 0 {
			if len(jumps) > 0 {
				t.Errorf("factor 0 gave %+v", jumps)
			}
			continue
		}
		if len(jumps) != 1 {
			t.Fatalf("factor %v: jumps %+v, want one on help_funds", factor, jumps)
		}
		j := jumps[0]
		loc := sub.Cells["help_funds"]
		if j.Severity != vocab.Warning || j.Sheet != loc.Sheet || j.Cell != loc.Cell ||
			j.Values["help_funds"] != 18000 || j.Values["prev.help_funds"] != 3000 {
			t.Errorf("jump %+v, want a warning at %v with 18000 and prev 3000", j, loc)
		}
		for _, want := range []string{"3000", "18000", "6 倍", "5 倍"} {
			if !strings.Contains(j.Message, want) {
				t.Errorf("message %q lacks %q", j.Message, want)
			}
		}
		if vocab.HasError(fs) {
			t.Errorf("a jump rejected the file: %+v", fs)
		}
	}
}

func TestJumpsBothWays(t *testing.T) {
	ws := campaign(t)
	sub := &form.Submission{
		Values: map[string]float64{"members": 40, "help_funds": 3000, "reflections": 0, "deeds_done": 11},
		Cells: map[string]form.Location{"members": {Sheet: "填報表", Cell: "C9"}, "help_funds": {Sheet: "填報表", Cell: "C10"},
			"reflections": {Sheet: "填報表", Cell: "C11"}, "deeds_done": {Sheet: "填報表", Cell: "C12"}},
	}
	prev := map[string]float64{"members": 400, "help_funds": 3000, "reflections": 300, "deeds_done": 2}
	var got []string
	for _, f := range jumps(ws, sub, prev, 5, nil) {
		for code := range f.Values {
			if !strings.Contains(code, ".") {
				got = append(got, code)
			}
		}
	}
	slices.Sort(got)
	// members fell to a tenth, deeds_done grew 5.5 times; reflections
	// fell to zero, which has no ratio.
	if want := []string{"deeds_done", "members"}; !slices.Equal(got, want) {
		t.Errorf("jumps on %v, want %v", got, want)
	}
	if fs := jumps(ws, sub, nil, 5, nil); fs != nil {
		t.Errorf("no previous period gave %+v", fs)
	}
}

// TestPeerOutliers: the robust z-score over the accepted figures of one
// kind, only for a kind with enough units and a MAD above zero.
func TestPeerOutliers(t *testing.T) {
	ws := campaign(t)
	var towns, organs []workspace.Unit
	for _, u := range ws.Units {
		switch u.Kind {
		case "鄉鎮":
			towns = append(towns, u)
		case "縣直":
			organs = append(organs, u)
		}
	}
	reported := func(units []workspace.Unit, xs ...float64) []render.UnitValues {
		var out []render.UnitValues
		for i, x := range xs {
			out = append(out, render.UnitValues{Unit: &units[i], Figures: merge.FiguresOf(merge.Codes(ws.Catalogue), map[string]float64{"reflections": x})})
		}
		return out
	}
	normal := []float64{10, 11, 12, 10, 11, 12, 10}
	tests := []struct {
		name     string
		reported []render.UnitValues
		z        float64
		want     []string // unit codes flagged
	}{
		{"one far out among eight", reported(towns, append(normal, 200)...), 3.5, []string{towns[7].Code}},
		{"eight in line", reported(towns, append(normal, 13)...), 3.5, nil},
		{"MAD zero", reported(towns, 10, 10, 10, 10, 10, 10, 10, 200), 3.5, nil},
		{"too few units", reported(towns, 10, 11, 12, 10, 11, 12, 200), 3.5, nil},
		{"off", reported(towns, append(normal, 200)...), 0, nil},
		{"kinds apart", append(reported(towns, append(normal, 13)...), reported(organs, 5000, 6000)...), 3.5, nil},
		{"below the threshold", reported(towns, append(normal, 16)...), 3.5, nil}, // z = 5/1.4826 = 3.37
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws.Config.Outliers = workspace.Outliers{PeerZ: tt.z, PeerMinUnits: workspace.DefaultPeerMinUnits}
			var got []string
			for _, o := range peerOutliers(ws, tt.reported) {
				got = append(got, o.Unit.Code)
				f := o.Finding
				if f.Rule != vocab.RuleOutlierPeer || f.Severity != vocab.Warning || f.Values["reflections"] != 200 || f.Values["median.reflections"] != 11 {
					t.Errorf("finding %+v, want outlier.peer with 200 and median 11", f)
				}
				for _, want := range []string{o.Unit.Name, "200", "中位數是 11", "鄉鎮"} {
					if !strings.Contains(f.Message, want) {
						t.Errorf("message %q lacks %q", f.Message, want)
					}
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("flagged %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMedianMAD(t *testing.T) {
	// One scratch for every case, as peerOutliers reuses it: a longer
	// case before a shorter one leaves figures behind that must not count.
	var scratch []float64
	for _, tt := range []struct {
		xs       []float64
		med, mad float64
	}{
		{[]float64{4, 1, 3, 2, 100}, 3, 1},
		{[]float64{1, 2, 3}, 2, 1},
		{[]float64{4, 1, 3, 2}, 2.5, 1},
		{[]float64{5, 5, 5, 9}, 5, 0},
	} {
		xs := slices.Clone(tt.xs)
		var med, mad float64
		if med, mad, scratch = medianMAD(xs, scratch); med != tt.med || mad != tt.mad {
			t.Errorf("medianMAD(%v) = %v, %v, want %v, %v", tt.xs, med, mad, tt.med, tt.mad)
		}
		if !slices.Equal(xs, tt.xs) {
			t.Errorf("medianMAD reordered its input: %v", xs)
		}
	}
}
