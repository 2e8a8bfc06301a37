package form

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"countybrief/pipeline/internal/zipfloor"
	"countybrief/pipeline/workspace"
)

var benchForms = []string{"excelize.xlsx", "libreoffice.xlsx", "openpyxl.xlsx"}

// BenchmarkRead reads one filled form, as a batch does 7,300 times: alone,
// and with one Reader for every read as in a batch, where the parts the
// forms of one template share are unzipped once. The openpyxl form holds
// a formula without a cached value and so is read by excelize.
func BenchmarkRead(b *testing.B) {
	ws := loadWorkspace(b)
	for _, name := range benchForms {
		path := filepath.Join(foreignDir, name)
		b.Run(name+"/alone", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sub, fs, err := Read(path, ws.Catalogue, DefaultLimits())
				if err != nil || sub == nil || len(fs) > 0 {
					b.Fatalf("%v %v", err, fs)
				}
			}
		})
		b.Run(name+"/batch", func(b *testing.B) {
			rd := NewReader(ws.Catalogue, DefaultLimits())
			b.ReportAllocs()
			for b.Loop() {
				sub, fs, err := rd.Read(path)
				if err != nil || sub == nil || len(fs) > 0 {
					b.Fatalf("%v %v", err, fs)
				}
			}
		})
	}
}

// BenchmarkReadBatch reads forms of distinct units with distinct figures
// with one Reader, in turn, as a batch does: only the parts the forms of
// one catalogue really share are shared. Each pass over the forms takes a
// new Reader, since a batch meets each file once.
func BenchmarkReadBatch(b *testing.B) {
	ws := loadWorkspace(b)
	forms := batchForms(b, ws)
	var rd *Reader
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%len(forms) == 0 {
			rd = NewReader(ws.Catalogue, DefaultLimits())
		}
		if sub, fs := rd.ReadBytes("form.xlsx", forms[i%len(forms)]); sub == nil {
			b.Fatalf("%v", fs)
		}
		i++
	}
}

// batchForms are one filled form per unit of ws, each with its own figures.
func batchForms(b *testing.B, ws *workspace.Workspace) [][]byte {
	var forms [][]byte
	for i, u := range ws.Units {
		values := sampleValues()
		for code := range values {
			values[code] += float64(i)
		}
		var buf bytes.Buffer
		if err := WriteFilled(&buf, ws.Catalogue, u, "2008-12", sampleIdentity(), values); err != nil {
			b.Fatal(err)
		}
		forms = append(forms, buf.Bytes())
	}
	return forms
}

// BenchmarkFloor is what no reader of the files of BenchmarkRead and
// BenchmarkReadBatch can beat without leaving parts unread: the zip's
// directory parsed and every part inflated through archive/zip's checksum
// check, nothing done with the bytes (bench/goprogs/floor per file). The
// ratio of a Read benchmark to its floor, measured in one run, is what
// the reader adds.
func BenchmarkFloor(b *testing.B) {
	ws := loadWorkspace(b)
	inflateAll := func(b *testing.B, data []byte) {
		if _, err := zipfloor.InflateAll(data); err != nil {
			b.Fatal(err)
		}
	}
	for _, name := range benchForms {
		data, err := os.ReadFile(filepath.Join(foreignDir, name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				inflateAll(b, data)
			}
		})
	}
	forms := batchForms(b, ws)
	b.Run("batch", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			inflateAll(b, forms[i%len(forms)])
			i++
		}
	})
}

// BenchmarkReadFull reads the same forms through excelize only, the
// reader the fast one falls back to.
func BenchmarkReadFull(b *testing.B) {
	ws := loadWorkspace(b)
	for _, name := range benchForms {
		data, err := os.ReadFile(filepath.Join(foreignDir, name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if sub, fs := NewReader(ws.Catalogue, DefaultLimits()).readFull(data); sub == nil || len(fs) > 0 {
					b.Fatalf("%v", fs)
				}
			}
		})
	}
}

// BenchmarkWriteFilled writes one filled form, as the sample generator
// does for each unit.
func BenchmarkWriteFilled(b *testing.B) {
	ws := loadWorkspace(b)
	u := unit(b, ws, "Z01")
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := WriteFilled(&buf, ws.Catalogue, u, "2008-12", sampleIdentity(), sampleValues()); err != nil {
			b.Fatal(err)
		}
	}
}
