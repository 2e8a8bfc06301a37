package form

import (
	"path/filepath"
	"testing"
)

// BenchmarkRead reads one filled form, as a batch does 7,300 times.
func BenchmarkRead(b *testing.B) {
	ws := loadWorkspace(b)
	for _, name := range []string{"excelize.xlsx", "libreoffice.xlsx", "openpyxl.xlsx"} {
		path := filepath.Join(foreignDir, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sub, fs, err := Read(path, ws.Catalogue, DefaultLimits())
				if err != nil || sub == nil || len(fs) > 0 {
					b.Fatalf("%v %v", err, fs)
				}
			}
		})
	}
}
