package rollup

import (
	"bytes"
	"testing"

	"countybrief/pipeline/form"
	"countybrief/pipeline/internal/zipfloor"
	"countybrief/pipeline/workspace"
)

// BenchmarkFormThrough: what reading a unit's form through the Reader
// costs beside the form reader alone (IsReport opens the zip's directory
// and its workbook part once more), and what a 上報 workbook of 73 units
// costs.
func BenchmarkFormThrough(b *testing.B) {
	cat := catalogue()
	var buf bytes.Buffer
	u := workspace.Unit{Code: "Z01", Name: "洋川鎮", Kind: "鄉鎮"}
	if err := form.WriteFilled(&buf, cat, u, "2008-12", form.Identity{UnitCode: "Z01", UnitName: "洋川鎮", Period: "2008-12"}, map[string]float64{"members": 3, "notes": 9}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	big := sample()
	for i := range 71 {
		big.Units = append(big.Units, Unit{Code: string(rune('A'+i%26)) + string(rune('a'+i/26)), Kind: "鄉鎮", SHA256: big.Units[0].SHA256, Values: map[string]float64{"members": 0, "notes": 0}})
	}
	report := write(b, big)
	forms, reports := form.NewReader(cat, form.Limits{}), NewReader(cat, form.Limits{})
	b.ReportAllocs()
	b.Run("form reader", func(b *testing.B) {
		for b.Loop() {
			forms.ReadBytes("f.xlsx", data)
		}
	})
	b.Run("rollup reader", func(b *testing.B) {
		for b.Loop() {
			reports.ReadBytes("f.xlsx", data)
		}
	})
	b.Run("IsReport of a form", func(b *testing.B) {
		for b.Loop() {
			IsReport(data)
		}
	})
	book := totalsBook(b)
	b.Run("write a 上報 workbook of 73 units", func(b *testing.B) {
		for b.Loop() {
			var out bytes.Buffer
			if err := Write(&out, book, big, func(s string) string { return s }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("上報 workbook of 73 units", func(b *testing.B) {
		for b.Loop() {
			reports.ReadBytes("f.xlsx", report)
		}
	})
	// The floors: each file's zip directory read and every part inflated,
	// nothing else, which no reader beats without leaving parts unread.
	for _, f := range []struct {
		name string
		data []byte
	}{{"floor of the form", data}, {"floor of the 上報 workbook", report}} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := zipfloor.InflateAll(f.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
