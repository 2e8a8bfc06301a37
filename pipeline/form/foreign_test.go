package form

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var foreignDir = filepath.Join(repoTestdata, "foreign")

// TestForeignWriters reads forms filled or re-saved by LibreOffice and
// openpyxl (made by testdata/foreign/make.sh) and wants exactly what the
// excelize-written form reads to. With -update it writes the sources
// make.sh starts from.
func TestForeignWriters(t *testing.T) {
	ws := loadWorkspace(t)
	if *update {
		var blank bytes.Buffer
		if err := WriteBlank(&blank, ws.Catalogue, unit(t, ws, "Z01"), "2008-12"); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(foreignDir, "blank.xlsx"), blank.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		writeFilledFile(t, filepath.Join(foreignDir, "excelize.xlsx"), ws, sampleIdentity(), sampleValues())
		id := sampleIdentity()
		spec, err := json.MarshalIndent(map[string]any{
			"values":   sampleValues(),
			"identity": map[string]string{"filled_by": id.FilledBy, "phone": id.Phone, "date": id.Date},
		}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(foreignDir, "values.json"), append(spec, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	ref, fs, err := Read(filepath.Join(foreignDir, "excelize.xlsx"), ws.Catalogue, DefaultLimits())
	if err != nil || len(fs) > 0 {
		t.Fatalf("excelize.xlsx: %v %+v", err, fs)
	}
	if !maps.Equal(ref.Values, sampleValues()) {
		t.Fatalf("excelize.xlsx reads %v, want %v", ref.Values, sampleValues())
	}
	for _, name := range []string{"libreoffice.xlsx", "libreoffice-via-ods.xlsx", "openpyxl.xlsx", "openpyxl-then-libreoffice.xlsx"} {
		t.Run(name, func(t *testing.T) {
			sub, fs, err := Read(filepath.Join(foreignDir, name), ws.Catalogue, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				t.Errorf("finding %s %s!%s %s", f.Rule, f.Sheet, f.Cell, f.Message)
			}
			if sub == nil {
				t.Fatal("no submission")
			}
			for code, v := range ref.Values {
				if sub.Values[code] != v {
					t.Errorf("%s = %v, want %v", code, sub.Values[code], v)
				}
			}
			if sub.Identity != ref.Identity {
				t.Errorf("identity %+v, want %+v", sub.Identity, ref.Identity)
			}
			if !maps.Equal(sub.Cells, ref.Cells) {
				t.Errorf("cells %v, want %v", sub.Cells, ref.Cells)
			}
			// The hidden MetaSheet came through: under a catalogue of
			// another version the form says which one it was made from.
			next := *ws.Catalogue
			next.Version += "-next"
			_, fs, err = Read(filepath.Join(foreignDir, name), &next, DefaultLimits())
			if err != nil || len(fs) != 1 || fs[0].Rule != RuleCatalogue || !strings.Contains(fs[0].Message, versionName(ws.Catalogue.Version)) {
				t.Errorf("under version %s: %v %+v, want one %s warning naming %s", next.Version, err, fs, RuleCatalogue, ws.Catalogue.Version)
			}
		})
	}
}
