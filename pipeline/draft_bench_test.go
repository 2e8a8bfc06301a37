package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// BenchmarkDraft73000 is the draft of a batch among a province's 73,000
// units: every unit's figures loaded (full) or one unit's besides those
// the draft before kept (one changed), merged, judged by the county rules
// and the peers, and the briefing, totals workbook, 審核報告 and chase
// list written.
func BenchmarkDraft73000(b *testing.B) {
	const units = 73000
	ctx := context.Background()
	ws, err := Init(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	var reg strings.Builder
	reg.WriteString("kinds: [鄉鎮, 縣直]\nunits:\n")
	for u := range units {
		kind := "鄉鎮"
		if u%3 == 0 {
			kind = "縣直"
		}
		fmt.Fprintf(&reg, "  - {code: U%05d, name: 單位%05d, kind: %s, members: %d}\n", u, u, kind, 20+u%400)
	}
	if err := os.WriteFile(filepath.Join(ws.Dir, workspace.UnitsFile), []byte(reg.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	if ws, err = workspace.Load(ws.Dir); err != nil {
		b.Fatal(err)
	}
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		b.Fatal(err)
	}
	defer led.Close()
	at := time.Date(2008, 12, 4, 9, 0, 0, 0, time.UTC)
	recs := make([]ledger.Record, 0, 1000)
	for i, u := range ws.Units {
		vs := cleanValues(ws, u)
		for j, in := range ws.Catalogue.Inputs() {
			if in.Code != "members" {
				vs[in.Code] += float64((i*7 + j*13) % 50)
			}
		}
		recs = append(recs, ledger.Record{
			ClaimName: u.Code + ".xlsx", UnitCode: u.Code, Period: ws.Config.Period, Status: vocab.FileAccepted,
			OrigName: u.Code + ".xlsx", ArchivePath: "archive/" + u.Code + ".xlsx",
			SHA256: fmt.Sprintf("%064d", i), ReceivedAt: at, Values: vs,
		})
		if len(recs) == cap(recs) || i == len(ws.Units)-1 {
			if _, err := led.RecordBatch(ctx, recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	checker, err := NewChecker(ws)
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Now: func() time.Time { return at.Add(time.Hour) }}
	callerDefaults(&opts.Now, &opts.Log)
	if opts.Renderer, err = (&batch{ws: ws}).renderer(); err != nil {
		b.Fatal(err)
	}
	// full drafts from the ledger alone; one changed, as a batch with one
	// corrected file does, from the rows the draft before kept and that
	// file's figures.
	for _, mode := range []string{"full", "one changed"} {
		b.Run(mode, func(b *testing.B) {
			draft := func() {
				bt := &batch{ws: ws, opts: opts, log: opts.Log, ledger: led, checker: checker, sum: &Summary{}}
				if err := bt.draft(ctx); err != nil {
					b.Fatal(err)
				}
				if !bt.sum.Rendered {
					b.Fatal("no draft")
				}
			}
			if mode != "full" {
				// The rows for the first changed file to be drafted from.
				if err := os.Remove(filepath.Join(ws.WorkDir(), draftInputs)); err != nil && !os.IsNotExist(err) {
					b.Fatal(err)
				}
				draft()
			}
			b.ReportAllocs()
			for n := 0; b.Loop(); n++ {
				remove := []string{draftInputs}
				if mode == "full" {
					remove = append(remove, draftRowsFile)
				} else {
					u := ws.Units[n%len(ws.Units)]
					vs := cleanValues(ws, u)
					vs["suggestions"] += float64(n + 1)
					at := at.Add(time.Duration(n+1) * time.Second)
					if _, err := led.RecordBatch(ctx, []ledger.Record{{
						ClaimName: fmt.Sprintf("%s-%d.xlsx", u.Code, n), UnitCode: u.Code, Period: ws.Config.Period, Status: vocab.FileAccepted,
						OrigName: u.Code + "-更正.xlsx", ArchivePath: fmt.Sprintf("archive/%s-%d.xlsx", u.Code, n),
						SHA256: fmt.Sprintf("%064x", 1<<40+n), ReceivedAt: at, Values: vs,
					}}); err != nil {
						b.Fatal(err)
					}
				}
				for _, name := range remove {
					if err := os.Remove(filepath.Join(ws.WorkDir(), name)); err != nil && !os.IsNotExist(err) {
						b.Fatal(err)
					}
				}
				draft()
			}
		})
	}
}

// cleanValues are figures of u that no unit rule of the campaign flags.
func cleanValues(ws *workspace.Workspace, u workspace.Unit) map[string]float64 {
	vals := map[string]float64{}
	for _, in := range ws.Catalogue.Inputs() {
		vals[in.Code] = 10
	}
	for k, v := range map[string]float64{
		"members": float64(u.Members), "reflections": 400, "reading_note_chars": 2000000,
		"households_benefited": 10, "people_benefited": 100, "help_funds": 3000,
	} {
		vals[k] = v
	}
	return vals
}
