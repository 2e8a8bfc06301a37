package pipeline_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/form"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// reload reads the workspace again after a command edited config.yaml.
func reload(t *testing.T, dir string) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	return ws
}

// lateForm writes a form of unit u for period with the figures of its
// accepted file scaled by k, so that its content is new.
func lateForm(t *testing.T, ws *workspace.Workspace, u workspace.Unit, period, name string, k float64) {
	t.Helper()
	acc, _ := filepath.Glob(filepath.Join(ws.ArchiveDir(), "accepted", period, u.Code+"@*.xlsx"))
	if len(acc) == 0 {
		t.Fatalf("no accepted form of %s for %s", u.Code, period)
	}
	sub, _, err := form.NewReader(ws.Catalogue, form.DefaultLimits()).Read(acc[0])
	if err != nil || sub == nil {
		t.Fatalf("read %s: %v", acc[0], err)
	}
	vals := map[string]float64{}
	for c, v := range sub.Values {
		vals[c] = v * k
	}
	var buf bytes.Buffer
	if err := form.WriteFilled(&buf, ws.Catalogue, u, period, form.Identity{UnitCode: u.Code, UnitName: u.Name, Period: period}, vals); err != nil {
		t.Fatal(err)
	}
	writeInbox(t, ws, u.Code, name, buf.Bytes())
}

// counted is the SHA-256 of each unit's counted file of period.
func counted(t *testing.T, ws *workspace.Workspace, period string) map[string]string {
	t.Helper()
	led, err := ledger.Open(context.Background(), ws.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	cur, err := led.Current(context.Background(), period)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range cur {
		out[r.UnitCode] = r.SHA256
	}
	return out
}

// A county through two periods: the office rolls to the next month, a
// unit sends a corrected form for the closed month, which is kept,
// recorded and listed as 逾期補報 but counted nowhere; the office reopens
// the month with a reason, and the next batch counts the file.
func TestLateFileForAClosedPeriod(t *testing.T) {
	ctx := context.Background()
	ws, _ := safetyDemo(t)
	ws.Config.SettleSeconds = 0
	first := ws.Config.Period
	run(t, ws)
	before := counted(t, ws, first)
	statusBefore, err := pipeline.Status(ctx, ws, first, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if statusBefore.PeriodState.State != ledger.PeriodOpen || statusBefore.PeriodState.Label != "開放" {
		t.Errorf("a period never closed: %+v", statusBefore.PeriodState)
	}

	closedAt := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	rolled, err := pipeline.NextPeriod(ctx, ws, "", "2027-01-05T18:00:00+08:00", closedAt)
	if err != nil {
		t.Fatal(err)
	}
	if rolled.From != first || rolled.To != "2026-12" || !rolled.Closed || rolled.Backup == "" {
		t.Fatalf("rolled %+v", rolled)
	}
	ws = reload(t, ws.Dir)
	if ws.Config.Period != "2026-12" || ws.Config.Deadline != "2027-01-05T18:00:00+08:00" {
		t.Fatalf("config after next-period: period %s, deadline %s", ws.Config.Period, ws.Config.Deadline)
	}

	u := ws.Units[0]
	lateForm(t, ws, u, first, "補報.xlsx", 2)
	sum := run(t, ws)
	late := result(t, sum, "補報.xlsx")
	if late.Status != vocab.FileRejected || late.Period != first || !hasRule(late.Findings, "inbox.late") || hasRule(late.Findings, "inbox.period") {
		t.Fatalf("late file: status %s, period %s, findings %+v", late.Status, late.Period, late.Findings)
	}
	if !strings.Contains(filepath.ToSlash(late.ArchivePath), "/rejected/"+first+"/"+u.Code+"@") || late.ReturnPath == "" {
		t.Errorf("late file archived at %s, 退回 %q", late.ArchivePath, late.ReturnPath)
	}
	if got := counted(t, ws, first); !equalMaps(got, before) {
		t.Errorf("a late file changed what %s counts", first)
	}
	if got := counted(t, ws, "2026-12"); len(got) != 0 {
		t.Errorf("a late file counted in the new period: %v", got)
	}
	st, err := pipeline.Status(ctx, ws, first, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if st.PeriodState.State != ledger.PeriodClosed || st.PeriodState.Label != "已關閉" || !st.PeriodState.Since.Equal(closedAt) {
		t.Errorf("closed period: %+v", st.PeriodState)
	}
	if len(st.LateFiles) != 1 || st.LateFiles[0].Code != u.Code || st.LateFiles[0].File != "補報.xlsx" {
		t.Errorf("逾期補報 %+v, want the one late file", st.LateFiles)
	}
	if !equalCounts(st.Counts, statusBefore.Counts) || st.Units[0].State != statusBefore.Units[0].State {
		t.Errorf("states of the closed period changed: %v → %v", statusBefore.Counts, st.Counts)
	}

	if _, err := pipeline.ReopenPeriod(ctx, ws, first, "  ", time.Now()); err == nil {
		t.Error("reopened without a reason")
	}
	reason := "該單位更正數據，縣委同意計入下一期"
	reopened, err := pipeline.ReopenPeriod(ctx, ws, first, reason, closedAt.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !reopened.OpenPeriods || len(reopened.Requeued) != 1 {
		t.Fatalf("reopen %+v, want the period added to open_periods and the late file back in the inbox", reopened)
	}
	ws = reload(t, ws.Dir)
	st, err = pipeline.Status(ctx, ws, first, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h := st.PeriodState.History
	if st.PeriodState.State != ledger.PeriodOpen || len(h) != 2 || h[1].Reason != reason || !h[1].At.Equal(closedAt.Add(time.Hour)) {
		t.Errorf("reopened period %+v, want its reason in the history", st.PeriodState)
	}
	sum = run(t, ws)
	again := result(t, sum, "補報.xlsx")
	if again.Status != vocab.FileAccepted || again.Period != first {
		t.Fatalf("the late file after reopening: %s for %s, findings %+v", again.Status, again.Period, again.Findings)
	}
	if got := counted(t, ws, first); got[u.Code] != again.SHA256 || got[u.Code] == before[u.Code] {
		t.Errorf("after reopening %s counts %s for %s, want the late file %s", first, got[u.Code], u.Code, again.SHA256)
	}
}

// A bad --to changes nothing: config.yaml is byte for byte as it was, no
// backup is left, and the current period stays open.
func TestNextPeriodRefusesABadName(t *testing.T) {
	ctx := context.Background()
	ws := county(t, t.TempDir())
	path := filepath.Join(ws.Dir, workspace.ConfigFile)
	old, _ := os.ReadFile(path)
	for _, to := range []string{"../2009-01", "2009 01", ws.Config.Period} {
		if _, err := pipeline.NextPeriod(ctx, ws, to, "", time.Now()); err == nil {
			t.Errorf("next period %q accepted", to)
		}
	}
	if _, err := pipeline.NextPeriod(ctx, ws, "2009-01", "tomorrow", time.Now()); err == nil {
		t.Error("a bad deadline accepted")
	}
	now, _ := os.ReadFile(path)
	backups, _ := filepath.Glob(path + ".bak-*")
	if !bytes.Equal(now, old) || len(backups) != 0 {
		t.Errorf("config.yaml changed or backed up (%v)", backups)
	}
	st, err := pipeline.Status(ctx, ws, ws.Config.Period, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if st.PeriodState.State != ledger.PeriodOpen {
		t.Errorf("a refused roll closed the period: %+v", st.PeriodState)
	}
}

func TestNextPeriodName(t *testing.T) {
	for in, want := range map[string]string{"2008-12": "2009-01", "2026-03": "2026-04", "2026Q4": "2027Q1", "2026q2": "2026q3", "第一批": "", "2026-13": "", "2026": ""} {
		got, ok := pipeline.NextPeriodName(in)
		if got != want || ok != (want != "") {
			t.Errorf("NextPeriodName(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func equalCounts(a, b map[vocab.State]int) bool {
	for _, s := range vocab.States() {
		if a[s] != b[s] {
			return false
		}
	}
	return true
}

// A period closed while config.yaml still names it: a late file for it is
// kept, and the draft's states and the run summary stand as they stood
// when the period closed.
func TestLateFileLeavesTheDraftOfAClosedPeriod(t *testing.T) {
	ctx := context.Background()
	ws, _ := safetyDemo(t)
	ws.Config.SettleSeconds = 0
	first := run(t, ws)
	if err := pipeline.ClosePeriod(ctx, ws, ws.Config.Period, time.Now()); err != nil {
		t.Fatal(err)
	}
	lateForm(t, ws, ws.Units[0], ws.Config.Period, "補報.xlsx", 2)
	sum := run(t, ws)
	if late := result(t, sum, "補報.xlsx"); !hasRule(late.Findings, "inbox.late") {
		t.Fatalf("late file: %+v", late.Findings)
	}
	if !equalCounts(sum.Counts, first.Counts) || sum.Reported != first.Reported || len(sum.KeptAfterReturn) != len(first.KeptAfterReturn) {
		t.Errorf("states after a late file: %v (kept after return %v); before %v", sum.Counts, sum.KeptAfterReturn, first.Counts)
	}
}
