package pipeline_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	_ "modernc.org/sqlite"

	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/form"
	"countybrief/pipeline/inbox"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/render"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// paperFigures are the county figures of DOMAIN.md as the briefing must
// print them, each with its measure word so that a stray number elsewhere
// cannot pass for it.
var paperFigures = []string{
	"73個", "149個", "79個", "32件", "1500餘戶", "7000餘人", "11項", "227場次", "15個鄉鎮",
	"17個", "241個", "37家", "35項", "90項", "5000字以上", "1篇以上", "152條", "470條",
	"1954個", "11.3萬元", "57個",
}

// buildDemo makes the sample county (units 0) or a region of that many
// units in a temporary folder and runs one batch over it, as `countybrief
// demo` does.
func buildDemo(t *testing.T, units int) (*workspace.Workspace, []demo.Fault, *pipeline.Summary) {
	t.Helper()
	ws, faults, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Units: units, Init: pipeline.Init})
	if err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ws, faults, sum
}

func TestDemoEndToEnd(t *testing.T) {
	ws, faults, sum := buildDemo(t, 0)

	t.Run("every file ends in exactly one place with one ledger row", func(t *testing.T) {
		inboxFiles := listFiles(t, ws.InboxDir())
		if len(inboxFiles) != 0 {
			t.Errorf("files left in the inbox: %v", inboxFiles)
		}
		if left := listFiles(t, filepath.Join(ws.WorkDir(), "claimed")); len(left) != 0 {
			t.Errorf("files left in work: %v", left)
		}
		archived := listFiles(t, ws.ArchiveDir())
		if want := len(ws.Units) + len(faults); len(archived) != want || len(sum.Files) != want {
			t.Errorf("archived %d files, summary lists %d, want %d", len(archived), len(sum.Files), want)
		}
		led, err := ledger.Open(context.Background(), ws.LedgerPath())
		if err != nil {
			t.Fatal(err)
		}
		defer led.Close()
		rows := 0
		for _, u := range ws.Units {
			h, err := led.History(context.Background(), u.Code)
			if err != nil {
				t.Fatal(err)
			}
			rows += len(h)
		}
		if rows != len(archived) {
			t.Errorf("ledger has %d rows for %d archived files", rows, len(archived))
		}
	})

	t.Run("every 退回 copy is the copy of its archived file", func(t *testing.T) {
		if copies := checkCopiesOfArchive(t, ws, sum); copies != len(faults) {
			t.Errorf("%d 退回 copies, want one a faulty file (%d)", copies, len(faults))
		}
	})

	t.Run("faulty files are rejected with the finding named", func(t *testing.T) {
		byName := map[string]pipeline.FileResult{}
		for _, f := range sum.Files {
			byName[f.Name] = f
		}
		for _, fault := range faults {
			r, ok := byName[filepath.Base(fault.File)]
			if !ok {
				t.Errorf("%s: not in the run summary", fault.File)
				continue
			}
			if r.Status != vocab.FileRejected {
				t.Errorf("%s: status %s, want rejected", r.Name, r.Status)
			}
			if !hasRule(r.Findings, fault.Rule) {
				t.Errorf("%s: findings %v lack rule %s", r.Name, r.Findings, fault.Rule)
			}
			if r.ReturnPath == "" || !fileExists(r.ReturnPath) {
				t.Errorf("%s: no 退回 workbook (%q)", r.Name, r.ReturnPath)
			}
		}
		if sum.Accepted != len(ws.Units) || sum.Rejected != len(faults) {
			t.Errorf("accepted %d, rejected %d; want %d and %d", sum.Accepted, sum.Rejected, len(ws.Units), len(faults))
		}
		if len(sum.Missing) != 0 {
			t.Errorf("missing units: %v", sum.Missing)
		}
	})

	t.Run("briefing carries every figure of the paper", func(t *testing.T) {
		text := pdfText(t, sum.Draft)
		for _, fig := range paperFigures {
			if !strings.Contains(text, fig) {
				t.Errorf("briefing lacks %q", fig)
			}
		}
	})

	t.Run("totals workbook equals the sum of the accepted files", func(t *testing.T) {
		want := map[string]float64{}
		accepted := listFiles(t, filepath.Join(ws.ArchiveDir(), "accepted"))
		if len(accepted) != len(ws.Units) {
			t.Fatalf("%d accepted files, want %d", len(accepted), len(ws.Units))
		}
		for _, path := range accepted {
			sub, findings, err := form.Read(path, ws.Catalogue, form.DefaultLimits())
			if err != nil || sub == nil || vocab.HasError(findings) {
				t.Fatalf("re-read %s: %v %v", path, err, findings)
			}
			for code, v := range sub.Values {
				want[code] += v
			}
		}
		got := readTotals(t, sum.TotalsWorkbook)
		for _, in := range ws.Catalogue.Inputs() {
			if in.Aggregate != workspace.AggSum {
				continue
			}
			if got[in.Code] != want[in.Code] {
				t.Errorf("%s: workbook %v, files sum to %v", in.Code, got[in.Code], want[in.Code])
			}
		}
	})

	t.Run("a second batch with nothing new renders nothing", func(t *testing.T) {
		again, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Files) != 0 || again.Rendered || again.Draft != sum.Draft {
			t.Errorf("second batch: %d files, rendered %v, draft %q (first %q)", len(again.Files), again.Rendered, again.Draft, sum.Draft)
		}
	})
}

// A region's batch spans several groups (and so overlaps one group's moves
// with the next group's reading); every file must still end in one place,
// counted once.
func TestRegionInGroups(t *testing.T) {
	const units = 600
	ws, faults, sum := buildDemo(t, units)
	if sum.Accepted != units || sum.Rejected != len(faults) || len(sum.Files) != units+len(faults) {
		t.Errorf("accepted %d, rejected %d of %d files; want %d and %d", sum.Accepted, sum.Rejected, len(sum.Files), units, len(faults))
	}
	if n := len(listFiles(t, ws.ArchiveDir())); n != units+len(faults) {
		t.Errorf("archive holds %d files, want %d", n, units+len(faults))
	}
	if left := listFiles(t, ws.InboxDir()); len(left) != 0 {
		t.Errorf("left in the inbox: %v", left)
	}
	got := readTotals(t, sum.TotalsWorkbook)
	if got["typical_sites"] != units {
		t.Errorf("typical sites total %v, want one per unit (%d)", got["typical_sites"], units)
	}
}

// A batch killed after moving a file but before noting where leaves a
// ledger row without an archive path; the next batch must find the copy.
func TestFinishesAMoveTheLedgerMissed(t *testing.T) {
	ws, _, sum := buildDemo(t, 0)
	want := sum.Files[0]
	db, err := sql.Open("sqlite", ws.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE submissions SET archive_path = '' WHERE sha256 = ?`, want.SHA256); err != nil {
		t.Fatal(err)
	}
	db.Close()
	again, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Files) != 1 || again.Files[0].ArchivePath != want.ArchivePath || !again.Files[0].Recovered {
		t.Fatalf("second batch files = %+v, want %s recovered at %s", again.Files, want.Name, want.ArchivePath)
	}
	if n := len(listFiles(t, ws.ArchiveDir())); n != len(sum.Files) {
		t.Errorf("archive holds %d files, want %d", n, len(sum.Files))
	}
}

func hasRule(fs []vocab.Finding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

// readTotals reads the county column of the totals sheet by indicator code.
func readTotals(t *testing.T, path string) map[string]float64 {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(render.SheetTotals, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	codeCol, totalCol := -1, -1
	for i, h := range rows[0] {
		switch h {
		case "代碼":
			codeCol = i
		case "全縣":
			totalCol = i
		}
	}
	if codeCol < 0 || totalCol < 0 {
		t.Fatalf("totals sheet header %v lacks 代碼 or 全縣", rows[0])
	}
	out := map[string]float64{}
	for _, r := range rows[1:] {
		if len(r) > totalCol {
			var v float64
			if _, err := fmt.Sscan(r[totalCol], &v); err != nil {
				t.Fatalf("total of %s: %q: %v", r[codeCol], r[totalCol], err)
			}
			out[r[codeCol]] = v
		}
	}
	return out
}

var pageNumber = regexp.MustCompile(`(?m)^\s*— \d+ —\s*$`)

// pdfText is the briefing's text with page numbers and all white space
// removed, so that a figure split across lines or pages is still found.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext not found: install the Debian package poppler-utils")
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	text := pageNumber.ReplaceAllString(string(out), "")
	return strings.Join(strings.Fields(text), "")
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// A file over max_file_bytes is hashed whole, not read, and rejected with
// the size finding; the rest of the batch is unaffected.
func TestFileOverTheSizeCap(t *testing.T) {
	ws, faults, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Init: pipeline.Init})
	if err != nil {
		t.Fatal(err)
	}
	var big string
	var bigSize int64
	for _, path := range listFiles(t, ws.InboxDir()) {
		if st, err := os.Stat(path); err == nil && st.Size() > bigSize && filepath.Ext(path) == ".xlsx" {
			big, bigSize = path, st.Size()
		}
	}
	data, err := os.ReadFile(big)
	if err != nil {
		t.Fatal(err)
	}
	// Half: the file is well over the cap, not one byte over, which
	// reading one byte past the cap would take whole.
	ws.Config.SettleSeconds, ws.Config.MaxFileBytes = 0, bigSize/2
	sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantSHA := fmt.Sprintf("%x", sha256.Sum256(data))
	found := false
	for _, f := range sum.Files {
		if f.SHA256 != wantSHA {
			continue
		}
		found = true
		if f.Status != vocab.FileRejected || !hasRule(f.Findings, form.RuleLimit) {
			t.Errorf("%s (%d bytes, cap %d): %s %v, want rejected for its size", f.Name, bigSize, bigSize/2, f.Status, f.Findings)
		}
	}
	if !found {
		t.Fatalf("no file with the SHA-256 of the whole of %s in %+v", big, sum.Files)
	}
	if len(sum.Files) != len(ws.Units)+len(faults) || len(listFiles(t, ws.InboxDir())) != 0 {
		t.Errorf("%d files handled, %d left in the inbox", len(sum.Files), len(listFiles(t, ws.InboxDir())))
	}
}

// A file that repeats one of the group before it is a duplicate, although
// that group may still be on its way into the ledger when this one is
// looked up.
func TestRepeatOfTheGroupBefore(t *testing.T) {
	ws, faults, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Units: 300, Init: pipeline.Init})
	if err != nil {
		t.Fatal(err)
	}
	// Files are taken in the order the inbox first saw them, then by path:
	// the first accepted file by path is in the first group of 256, and a
	// copy the inbox first sees a second later is last, in the second.
	faulty := map[string]bool{}
	for _, f := range faults {
		faulty[f.File] = true
	}
	files := listFiles(t, ws.InboxDir())
	slices.Sort(files)
	first := files[slices.IndexFunc(files, func(p string) bool { return !faulty[p] })]
	if _, _, err := inbox.New(ws, time.Now).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	data, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(filepath.Dir(first), "再次報送.xlsx")
	if err := os.WriteFile(copyPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Files) != 300+len(faults)+1 || sum.Duplicates != 1 {
		t.Fatalf("%d files, %d duplicates; want %d and 1", len(sum.Files), sum.Duplicates, 300+len(faults)+1)
	}
	at := slices.IndexFunc(sum.Files, func(f pipeline.FileResult) bool { return f.Name == "再次報送.xlsx" })
	if at < 256 || sum.Files[at].Status != vocab.FileDuplicate {
		t.Errorf("the copy is file %d of the batch; want a duplicate in the second group", at)
	}
}

// checkCopiesOfArchive checks that every 退回 copy the batch wrote is what
// form.WriteReturn makes of its archived file and recorded findings: the
// batch makes most of them from the bytes it judged, beside their
// recording (makeCopies), and the rest from the archive. It returns how
// many there are.
func checkCopiesOfArchive(t *testing.T, ws *workspace.Workspace, sum *pipeline.Summary) int {
	t.Helper()
	conv, err := ws.Config.Converter()
	if err != nil {
		t.Fatal(err)
	}
	copies := 0
	for _, r := range sum.Files {
		if r.ReturnPath == "" {
			continue
		}
		copies++
		sub, _, _ := form.Read(r.ArchivePath, ws.Catalogue, form.DefaultLimits())
		var want strings.Builder
		if err := form.WriteReturn(&want, r.ArchivePath, sub, r.Findings, conv); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(r.ReturnPath)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want.String() {
			t.Errorf("%s: the 退回 copy (%d bytes) is not the copy of %s (%d bytes)", r.Name, len(got), r.ArchivePath, want.Len())
		}
	}
	return copies
}

// TestEveryFileRejected runs a county whose every file a rule rejects:
// more 退回 copies than the batch holds made ahead (64), so that some are
// made from the bytes judged and the others from the archive, in one
// batch; each must be the copy of its archived file.
func TestEveryFileRejected(t *testing.T) {
	ws, faults, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Init: pipeline.Init})
	if err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	rule := "rules:\n  - id: test.every_file\n    description: 每份都退回\n    expr: members < 0\n    severity: error\n    message: 每份都退回。\n    fix: 不用改。\n"
	if err := os.WriteFile(filepath.Join(ws.RulesDir(), "every.yaml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(ws.Units) + len(faults); sum.Rejected != want {
		t.Fatalf("%d files rejected, want every one of %d", sum.Rejected, want)
	}
	if copies := checkCopiesOfArchive(t, ws, sum); copies <= 64 {
		t.Errorf("%d 退回 copies; the test needs more than the 64 made ahead", copies)
	}
}
