package inbox

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/workspace"
)

// clock is a settable now for the settle tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var t0 = time.Date(2008, 12, 5, 10, 15, 0, 0, time.UTC)

// newWorkspace lays out a real workspace with the given settle time.
func newWorkspace(t testing.TB, settle int) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Init(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = settle
	return ws
}

// workbook is a small real XLSX file.
func workbook(t testing.TB, text string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetCellValue("Sheet1", "A1", text); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func write(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func names(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, filepath.ToSlash(c.Folder+"/"+c.Name))
	}
	return out
}

// claimOne claims one candidate through ClaimAll, the batch's way.
func claimOne(in *Inbox, c Candidate) (Claim, error) {
	claims, errs, err := in.ClaimAll([]Candidate{c})
	if err != nil {
		return Claim{}, err
	}
	return claims[0], errs[0]
}

// archiveOne archives one claim through ArchiveGroup, the batch's way,
// as a batch that did not read the file asks: by its hash alone.
func archiveOne(in *Inbox, c Claim, accepted bool, period, unit, sha string) (string, error) {
	res, err := in.ArchiveGroup([]ArchiveRequest{{Claim: c, Accepted: accepted, Period: period, Unit: unit, SHA256: sha}})
	if err != nil {
		return "", err
	}
	return res[0].Path, res[0].Err
}
