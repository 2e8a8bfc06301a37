package render

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/workspace"
)

// memChunks keeps chunks in memory: last is what the workbook before
// kept, next what this one keeps.
type memChunks struct {
	last, next map[[sha256.Size]byte][]byte
	hits       int
}

func (m *memChunks) Deflated(key [sha256.Size]byte) ([]byte, bool) {
	d, ok := m.last[key]
	if ok {
		m.hits++
	}
	return d, ok
}

func (m *memChunks) Keep(key [sha256.Size]byte, deflated []byte) error {
	m.next[key] = bytes.Clone(deflated)
	return nil
}

// TestKeptTotalsWorkbook writes a draft's totals workbook of more units
// than a chunk holds, each time with the chunks the write before kept,
// and checks that it is byte for byte the workbook written without them,
// that it reads back with the changed figure, and that only the chunks
// whose rows changed were deflated again.
func TestKeptTotalsWorkbook(t *testing.T) {
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	b.Draft = true
	// Some 1,000 units: four chunks of the unit sheet, each unit of the
	// registry reporting many times over under its own name.
	var reported []UnitValues
	var lines []UnitLine
	for len(reported) < 4*chunkRows-10 {
		reported = append(reported, b.Reported...)
		lines = append(lines, b.Units...)
	}
	b.Reported, b.Units = reported, lines
	codes := merge.Codes(ws.Catalogue)
	at := slices.Index(codes, "suggestions")
	setFigure := func(b *Briefing, unit int, v float64) {
		rep := slices.Clone(b.Reported)
		rep[unit].Figures = slices.Clone(rep[unit].Figures)
		rep[unit].Figures[at] = v
		b.Reported = rep
	}
	chunks := func(b Briefing) int { // of the unit and states sheets
		return (len(b.Reported)+chunkRows-1)/chunkRows + (len(b.Units)+chunkRows-1)/chunkRows
	}
	kept := map[[sha256.Size]byte][]byte{}
	tests := []struct {
		name   string
		change func(b *Briefing)
		missed int // chunks deflated again
		unit   int // a unit whose suggestions the unit sheet shows
		want   float64
	}{
		{"nothing kept", func(*Briefing) {}, -1, 0, b.Reported[0].Figures[at]},
		{"nothing changed", func(*Briefing) {}, 0, 0, b.Reported[0].Figures[at]},
		{"one figure of a unit in the third chunk", func(b *Briefing) { setFigure(b, 2*chunkRows+3, 12345) }, 1, 2*chunkRows + 3, 12345},
		{"the figure longer", func(b *Briefing) { setFigure(b, 2*chunkRows+3, 1234567.25) }, 1, 2*chunkRows + 3, 1234567.25},
		{"a unit with no figures", func(b *Briefing) {
			rep := slices.Clone(b.Reported)
			none := make(merge.Figures, len(codes))
			for i := range none {
				none[i] = math.NaN()
			}
			rep[5].Figures = none
			b.Reported = rep
		}, 1, 5, 0},
		{"a unit more at the start", func(b *Briefing) {
			b.Reported = append([]UnitValues{{Unit: &workspace.Unit{Code: "X01", Name: "新單位", Kind: "鄉鎮"}, Figures: b.Reported[0].Figures}}, b.Reported...)
		}, -1, 0, b.Reported[0].Figures[at]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.change(&b)
			var plain, got bytes.Buffer
			if err := r.TotalsWorkbook(&plain, b); err != nil {
				t.Fatal(err)
			}
			m := &memChunks{last: kept, next: map[[sha256.Size]byte][]byte{}}
			if err := r.KeptTotalsWorkbook(m)(&got, b); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), plain.Bytes()) {
				t.Fatal("the workbook from kept chunks differs from the one written without them")
			}
			if tt.missed >= 0 && chunks(b)-m.hits != tt.missed {
				t.Errorf("%d of %d chunks deflated again, want %d", chunks(b)-m.hits, chunks(b), tt.missed)
			}
			if len(m.next) == 0 || len(m.next) > chunks(b) {
				t.Errorf("%d chunks kept for the next, want 1 to %d", len(m.next), chunks(b))
			}
			kept = m.next
			f, err := excelize.OpenReader(&got)
			if err != nil {
				t.Fatalf("open workbook: %v", err)
			}
			defer f.Close()
			rows, err := f.GetRows(SheetUnits, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(b.Reported)+1 {
				t.Fatalf("%d rows, want %d", len(rows), len(b.Reported)+1)
			}
			row := rows[tt.unit+1]
			if v, err := strconv.ParseFloat(row[3+at], 64); err != nil || v != tt.want || row[0] != b.Reported[tt.unit].Unit.Code {
				t.Errorf("row of unit %d = %v, want %s with %v", tt.unit, row[:4], b.Reported[tt.unit].Unit.Code, tt.want)
			}
			states, err := f.GetRows(SheetStates)
			if err != nil || len(states) != len(b.Units)+1 {
				t.Errorf("states sheet: %d rows (%v), want %d", len(states), err, len(b.Units)+1)
			}
		})
	}
}

// failingChunks fails to keep the chunk numbered failAt (from 1).
type failingChunks struct {
	memChunks
	kept, failAt int
}

var errKeepFailed = errors.New("keep failed")

func (f *failingChunks) Keep(key [sha256.Size]byte, deflated []byte) error {
	if f.kept++; f.kept == f.failAt {
		return errKeepFailed
	}
	return f.memChunks.Keep(key, deflated)
}

// cutWriter takes n bytes and then fails, as a full disk does.
type cutWriter struct{ n int }

func (w *cutWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

var errDiskFull = errors.New("disk full")

// TestTotalsWorkbookFailsWhole checks that a chunk that cannot be kept,
// or a file that cannot take the workbook, fails the write with that
// error wherever it strikes in the sheets' chunks, so that the draft
// fails and says why rather than leaving a file cut short.
func TestTotalsWorkbookFailsWhole(t *testing.T) {
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	b.Draft = true
	for len(b.Reported) < 3*chunkRows {
		b.Reported = append(b.Reported, b.Reported...)
		b.Units = append(b.Units, b.Units...)
	}
	chunks := (len(b.Reported)+chunkRows-1)/chunkRows + (len(b.Units)+chunkRows-1)/chunkRows
	var whole bytes.Buffer
	if err := r.TotalsWorkbook(&whole, b); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		failAt int // chunk that cannot be kept; 0: none
		cutAt  int // bytes the file takes; 0: all
		want   error
	}{
		{"first chunk not kept", 1, 0, errKeepFailed},
		{"a middle chunk not kept", 3, 0, errKeepFailed},
		{"the last chunk not kept", chunks, 0, errKeepFailed},
		{"disk full at the start", 0, 10, errDiskFull},
		{"disk full within the unit sheet", 0, whole.Len() / 3, errDiskFull},
		{"disk full at the end", 0, whole.Len() - 10, errDiskFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &failingChunks{memChunks: memChunks{last: map[[sha256.Size]byte][]byte{}, next: map[[sha256.Size]byte][]byte{}}, failAt: tt.failAt}
			var w io.Writer = io.Discard
			if tt.cutAt > 0 {
				w = &cutWriter{n: tt.cutAt}
			}
			err := r.KeptTotalsWorkbook(m)(w, b)
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}
