package form

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"countybrief/pipeline/workspace"
)

var update = flag.Bool("update", false, "rewrite testdata/bad and golden files")

// Namespaces the tests write parts in.
const (
	nsMain    = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRels    = "http://schemas.openxmlformats.org/package/2006/relationships"
	nsOfficeR = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
)

// repoTestdata is the repository's top-level testdata folder.
var repoTestdata = filepath.Join("..", "..", "testdata")

func loadWorkspace(t testing.TB) *workspace.Workspace {
	t.Helper()
	dir := t.TempDir()
	if _, err := workspace.Init(dir, nil); err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func unit(t testing.TB, ws *workspace.Workspace, code string) workspace.Unit {
	t.Helper()
	u, ok := ws.Unit(code)
	if !ok {
		t.Fatalf("unit %s not in the default registry", code)
	}
	return u
}

// sampleValues is a plausible filled form of 洋川鎮 with every input set.
func sampleValues() map[string]float64 {
	return map[string]float64{
		"typical_sites": 1, "case_reports": 1, "problems_found": 4, "problems_solved": 2,
		"deeds_done": 1, "households_benefited": 1536, "people_benefited": 7021, "mechanisms": 1,
		"tutoring_sessions": 5, "county_leader_visits": 1, "topics_revised_twice": 1,
		"topics_revised_thrice": 0, "research_reports": 3, "enterprises_linked": 2,
		"industries_guided": 1, "projects_planned": 3, "projects_followed": 2,
		"innovation_plans": 3, "members": 333, "reading_note_chars": 1700000,
		"reflections": 400, "opinions_collected": 6, "suggestions": 20, "help_pairs": 90,
		"help_funds": 5200.5, "help_problems_solved": 3,
	}
}

func sampleIdentity() Identity {
	return Identity{FilledBy: "王小紅", Phone: "0852-6223001", Date: "2008-12-04"}
}

func writeFilledFile(t testing.TB, path string, ws *workspace.Workspace, id Identity, values map[string]float64) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteFilled(&buf, ws.Catalogue, unit(t, ws, "Z01"), "2008-12", id, values); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// needTool fails (never skips) when a tool the tests rely on is missing.
func needTool(t testing.TB, path, debian string) {
	t.Helper()
	if _, err := exec.LookPath(path); err != nil {
		t.Fatalf("%s not found: install the Debian package %s", path, debian)
	}
}

var loRuns atomic.Int64

// libreoffice converts in to format (csv, xlsx…) in outDir and returns the
// output path. Each run gets its own profile so parallel runs do not clash.
func libreoffice(t testing.TB, in, format, outDir string) string {
	t.Helper()
	needTool(t, "libreoffice", "libreoffice-calc-nogui")
	profile := filepath.Join(t.TempDir(), fmt.Sprintf("lo-%d-%d", os.Getpid(), loRuns.Add(1)))
	args := []string{"-env:UserInstallation=file://" + filepath.ToSlash(profile), "--headless", "--convert-to", format, "--outdir", outDir, in}
	out, err := exec.Command("libreoffice", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("libreoffice %v: %v\n%s", args, err, out)
	}
	ext := format
	if i := strings.IndexByte(ext, ':'); i >= 0 {
		ext = ext[:i]
	}
	res := filepath.Join(outDir, strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))+"."+ext)
	if _, err := os.Stat(res); err != nil {
		t.Fatalf("libreoffice wrote no %s: %v\n%s", res, err, out)
	}
	return res
}

const python = "/usr/bin/python3"

func needOpenpyxl(t testing.TB) {
	t.Helper()
	needTool(t, python, "python3")
	if out, err := exec.Command(python, "-c", "import openpyxl").CombinedOutput(); err != nil {
		t.Fatalf("openpyxl missing for %s: install the Debian package python3-openpyxl: %v\n%s", python, err, out)
	}
}

// unzipAll returns the parts of an XLSX file by name.
func unzipAll(t testing.TB, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	parts := map[string]string{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[zf.Name] = string(b)
	}
	return parts
}
