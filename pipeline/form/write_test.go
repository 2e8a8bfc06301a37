package form

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFormIsProtectedWithoutPassword checks the written protection in the
// sheet XML and as LibreOffice takes it: the sheet protected, value cells
// unlocked, the rest locked, and no password to type.
func TestFormIsProtectedWithoutPassword(t *testing.T) {
	ws := loadWorkspace(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "form.xlsx")
	writeFilledFile(t, path, ws, sampleIdentity(), sampleValues())

	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	rc, err := zr.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	prot := regexp.MustCompile(`<sheetProtection [^>]*>`).FindString(string(sheet))
	if !strings.Contains(prot, `sheet="true"`) {
		t.Errorf("sheet not protected: %q", prot)
	}
	for _, attr := range []string{"password=", "hashValue=", "saltValue=", "spinCount="} {
		if strings.Contains(prot, attr) {
			t.Errorf("protection carries %s: %q", attr, prot)
		}
	}

	fods, err := os.ReadFile(libreoffice(t, path, "fods", dir))
	if err != nil {
		t.Fatal(err)
	}
	text := string(fods)
	for _, want := range []string{`table:protected="true"`, `style:cell-protect="none"`, `style:cell-protect="protected"`} {
		if !strings.Contains(text, want) {
			t.Errorf("LibreOffice's reading of the form lacks %s", want)
		}
	}
	if strings.Contains(text, "table:protection-key") {
		t.Error("LibreOffice asks for a password to unprotect the sheet")
	}
}

// TestFormsOfATemplateShareTheirParts writes the forms of two units with
// different figures, several times: apart from the sheet and its strings,
// every part must be the same byte for byte, which is what lets a batch
// unzip those parts once (partCache).
func TestFormsOfATemplateShareTheirParts(t *testing.T) {
	ws := loadWorkspace(t)
	dir := t.TempDir()
	var first map[string]string
	for i, code := range []string{"Z01", "J03", "Z01", "J03", "Z02"} {
		values := sampleValues()
		values["members"] = float64(100 + i)
		path := filepath.Join(dir, code+".xlsx")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteFilled(f, ws.Catalogue, unit(t, ws, code), "2008-12", sampleIdentity(), values); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		parts := unzipAll(t, path)
		if first == nil {
			first = parts
			continue
		}
		for name, text := range first {
			if name == "xl/worksheets/sheet1.xml" || name == "xl/sharedStrings.xml" {
				continue
			}
			if parts[name] != text {
				t.Errorf("form %d (%s): %s differs from the first form's", i, code, name)
			}
		}
	}
}
