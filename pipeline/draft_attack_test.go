package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/render"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// TestDraftOfUnitsTheRegistryDoesNotHave drafts a period whose counted
// files include a unit the registry no longer lists, a code it never
// listed and a unit whose accepted file has no figures at all, and checks
// that the unit sheet lists the registry's counted units alone, in its
// order, the one without figures as zeros, that the county total counts
// every counted file, and that the draft from what the last draft kept is
// byte for byte the one drafted from the ledger alone.
func TestDraftOfUnitsTheRegistryDoesNotHave(t *testing.T) {
	ws := campaign(t)
	ws.Config.SettleSeconds = 0
	ctx := context.Background()
	now := func() time.Time { return time.Date(2008, 12, 5, 9, 0, 0, 0, ws.Config.Location()) }
	units := slices.Clone(ws.Units[:4])
	for _, u := range units {
		sendForm(t, ws, u, cleanFigures(ws, u), "a.xlsx")
	}
	if _, err := Run(ctx, ws, Options{Now: now}); err != nil {
		t.Fatal(err)
	}
	// Files no form reading makes, as a ledger restored or edited by hand
	// may hold them: a code the registry never had, and an accepted file
	// of the fourth unit with no figures.
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	at := now().Add(time.Minute) // after the forms the batch took
	if _, err := led.RecordBatch(ctx, []ledger.Record{
		{ClaimName: "X99.xlsx", UnitCode: "X99", Period: ws.Config.Period, Status: vocab.FileAccepted, OrigName: "X99.xlsx",
			SHA256: strings.Repeat("9", 64), ReceivedAt: at, Values: map[string]float64{"suggestions": 5}},
		{ClaimName: "none.xlsx", UnitCode: units[3].Code, Period: ws.Config.Period, Status: vocab.FileAccepted, OrigName: "none.xlsx",
			SHA256: strings.Repeat("8", 64), ReceivedAt: at, Values: map[string]float64{}},
	}); err != nil {
		t.Fatal(err)
	}
	led.Close()
	// The second unit leaves the registry; its file stays counted.
	path := filepath.Join(ws.Dir, workspace.UnitsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, "code: "+units[1].Code+",") {
			kept = append(kept, line)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if ws, err = workspace.Load(ws.Dir); err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	sum, err := Run(ctx, ws, Options{Now: now})
	if err != nil || !sum.Rendered {
		t.Fatalf("draft: %v", err)
	}
	f, err := excelize.OpenFile(sum.TotalsWorkbook)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(render.SheetUnits, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, r := range rows[1:] {
		codes = append(codes, r[0])
	}
	if want := []string{units[0].Code, units[2].Code, units[3].Code}; !slices.Equal(codes, want) {
		t.Fatalf("unit sheet lists %v, want %v", codes, want)
	}
	for k, v := range rows[3][3:] {
		if v != "0" {
			t.Errorf("the unit without figures shows %q in column %d, want 0", v, 4+k)
		}
	}
	totals, err := f.GetRows(render.SheetTotals, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	suggestions := cleanFigures(ws, units[0])["suggestions"]
	for _, r := range totals[1:] {
		if r[2] != "suggestions" {
			continue
		}
		// Three units of the registry's (the fourth's has none), the one it lost, and X99.
		if got, err := strconv.ParseFloat(r[5], 64); err != nil || got != 3*suggestions+5 {
			t.Errorf("county suggestions %q, want %v", r[5], 3*suggestions+5)
		}
	}
	sameAsFullDraft(t, ws, now, sum, "a unit left the registry", draftRowsFile, draftChunksFile, draftHeadsFile)
}

// TestHeadsHash tells the files a briefing is made of apart: a file's
// content, its unit, and whether it counts or was returned each change
// the fingerprint, and the same files give the same one.
func TestHeadsHash(t *testing.T) {
	rec := func(unit, sha string) ledger.Record { return ledger.Record{UnitCode: unit, SHA256: sha} }
	recs := func(rs ...ledger.Record) []ledger.Record { return rs }
	base := headsHash(recs(rec("A", "1"), rec("B", "2")), recs(rec("C", "3")))
	tests := []struct {
		name              string
		current, returned []ledger.Record
		same              bool
	}{
		{"the same files", recs(rec("A", "1"), rec("B", "2")), recs(rec("C", "3")), true},
		{"another content", recs(rec("A", "1"), rec("B", "9")), recs(rec("C", "3")), false},
		{"another unit's file", recs(rec("A", "1"), rec("D", "2")), recs(rec("C", "3")), false},
		{"the returned file counted", recs(rec("A", "1"), rec("B", "2"), rec("C", "3")), nil, false},
		{"a file fewer", recs(rec("A", "1")), recs(rec("C", "3")), false},
		{"the same text cut elsewhere", recs(rec("A", "1"), rec("B=2", "")), recs(rec("C", "3")), false},
	}
	for _, tt := range tests {
		if got := headsHash(tt.current, tt.returned); (got == base) != tt.same {
			t.Errorf("%s: same fingerprint %v, want %v", tt.name, got == base, tt.same)
		}
	}
}
