package form

import (
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"countybrief/pipeline/vocab"
)

// returnsDir holds the files a 730-unit demo batch rejects, as archived,
// and the findings the batch recorded for each (findings.json, by unit).
var returnsDir = filepath.Join("testdata", "returns")

type returnCase struct {
	unit, path string
	sub        *Submission
	findings   []vocab.Finding
}

func returnCases(tb testing.TB) []returnCase {
	tb.Helper()
	ws := loadWorkspace(tb)
	data, err := os.ReadFile(filepath.Join(returnsDir, "findings.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var byUnit map[string][]vocab.Finding
	if err := json.Unmarshal(data, &byUnit); err != nil {
		tb.Fatal(err)
	}
	var out []returnCase
	for _, unit := range slices.Sorted(maps.Keys(byUnit)) {
		path := filepath.Join(returnsDir, unit+".xlsx")
		sub, _, err := Read(path, ws.Catalogue, DefaultLimits())
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, returnCase{unit, path, sub, byUnit[unit]})
	}
	return out
}

// BenchmarkWriteReturn writes the 退回 copy of each file a demo batch of
// 730 units rejects, as the batch does (fast), and through excelize
// alone, as the batch did and does for a workbook the fast path leaves to
// it (excelize); the ratio of the two, measured in one run, is what the
// fast path saves.
func BenchmarkWriteReturn(b *testing.B) {
	for _, c := range returnCases(b) {
		for _, fast := range []bool{true, false} {
			name := c.unit + "/excelize"
			if fast {
				name = c.unit + "/fast"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				start := processCPU(b)
				for b.Loop() {
					if err := writeReturn(io.Discard, c.path, c.sub, c.findings, nil, fast); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// processCPU is the CPU time the process has used, collector included:
// on a shared machine the time per copy is the CPU it takes, not the
// wall time it waits for a core.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
