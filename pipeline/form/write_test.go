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
