package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"countybrief/pipeline"
)

// Reopening a period puts a late file back in its unit's inbox folder; a
// file of the same name the unit sent since is not replaced, and the late
// one comes back beside it as name (2).
func TestReopenKeepsAnInboxFileOfTheSameName(t *testing.T) {
	ctx := context.Background()
	ws, _ := safetyDemo(t)
	ws.Config.SettleSeconds = 0
	first := ws.Config.Period
	run(t, ws)
	closedAt := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	if _, err := pipeline.NextPeriod(ctx, ws, "", "", closedAt); err != nil {
		t.Fatal(err)
	}
	ws = reload(t, ws.Dir)
	u := ws.Units[0]
	lateForm(t, ws, u, first, "補報.xlsx", 2)
	run(t, ws)

	waiting := filepath.Join(ws.InboxDir(), u.Code, "補報.xlsx")
	mine := []byte("the unit's newer file, not yet taken")
	if err := os.WriteFile(waiting, mine, 0o644); err != nil {
		t.Fatal(err)
	}
	reopened, err := pipeline.ReopenPeriod(ctx, ws, first, "更正", closedAt.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(ws.InboxDir(), u.Code, "補報 (2).xlsx")
	if len(reopened.Requeued) != 1 || reopened.Requeued[0] != want {
		t.Fatalf("requeued %v, want [%s]", reopened.Requeued, want)
	}
	if got, err := os.ReadFile(waiting); err != nil || string(got) != string(mine) {
		t.Errorf("the inbox file of the same name was replaced: %q, %v", got, err)
	}
	if st, err := os.Stat(want); err != nil || st.Size() == 0 {
		t.Errorf("the late file is not back beside it: %v", err)
	}
}
