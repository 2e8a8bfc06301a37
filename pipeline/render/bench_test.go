package render

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/workspace"
)

// regionWorkspace is a workspace whose registry holds n units: the
// county's own, then copies named for other counties, as `countybrief demo
// --units n` lays it out.
func regionWorkspace(t testing.TB, lang string, n int) *workspace.Workspace {
	t.Helper()
	ws := testWorkspace(t, lang)
	var sb strings.Builder
	sb.WriteString("units:\n")
	for k, i := 0, 0; i < n; k++ {
		for _, u := range ws.Units {
			if i == n {
				break
			}
			if k > 0 {
				u.Code = fmt.Sprintf("C%03d%s", k+1, u.Code)
				u.Name = fmt.Sprintf("示例%d縣%s", k+1, u.Name)
			}
			fmt.Fprintf(&sb, "  - {code: %s, name: %s, kind: %s, members: %d}\n", u.Code, u.Name, u.Kind, u.Members)
			i++
		}
	}
	if err := os.WriteFile(filepath.Join(ws.Dir, workspace.UnitsFile), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	big, err := workspace.Load(ws.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(big.Units) != n {
		t.Fatalf("region has %d units, want %d", len(big.Units), n)
	}
	if lang != "" {
		big.Config.Language = lang
	}
	return big
}

// regionBriefing is DOMAIN.md's briefing repeated for every county of the
// region: each copy of a unit reports what the unit reports, in a row of
// its own as the batch gives it.
func regionBriefing(t testing.TB, ws *workspace.Workspace) Briefing {
	t.Helper()
	county := testWorkspace(t, ws.Config.Language)
	b := domainBriefing(t, county)
	byCode := map[string]map[string]float64{}
	for _, u := range b.Reported {
		byCode[u.Unit.Code] = u.Figures.Map(merge.Codes(county.Catalogue))
	}
	n := len(county.Units)
	values := map[string]map[string]float64{}
	var reported []UnitValues
	codes := merge.Codes(ws.Catalogue)
	for i, u := range ws.Units {
		vs, ok := byCode[county.Units[i%n].Code]
		if !ok {
			continue
		}
		vs = maps.Clone(vs)
		values[u.Code] = vs
		reported = append(reported, UnitValues{Unit: &u, Figures: merge.FiguresOf(codes, vs)})
	}
	b.Totals = merge.Merge(ws.Catalogue, ws.Units, values)
	b.Reported = reported
	return b
}

// BenchmarkLoadFontsNew is what a batch pays before it renders: finding
// the fonts and trial-running the templates over the region's registry.
func BenchmarkLoadFontsNew(b *testing.B) {
	for _, n := range benchUnits {
		b.Run(fmt.Sprintf("units=%d", n), func(b *testing.B) {
			ws := regionWorkspace(b, "", n)
			b.ReportAllocs()
			for b.Loop() {
				fonts, err := LoadFonts(ws.Config)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := New(ws, fonts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLoadFonts(b *testing.B) {
	ws := testWorkspace(b, "")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadFonts(ws.Config); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBriefingHeap reports the heap a region's Briefing holds: the
// reported units' figures, a map per unit as the batch builds them.
func BenchmarkBriefingHeap(b *testing.B) {
	for _, n := range benchUnits {
		b.Run(fmt.Sprintf("units=%d", n), func(b *testing.B) {
			ws := regionWorkspace(b, "", n)
			var held uint64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				br := regionBriefing(b, ws)
				runtime.GC()
				runtime.ReadMemStats(&after)
				held = after.HeapAlloc - before.HeapAlloc
				runtime.KeepAlive(br)
			}
			b.ReportMetric(float64(held), "heap-bytes")
			b.ReportMetric(float64(held)/float64(n), "heap-bytes/unit")
		})
	}
}
