package pipeline

import (
	"strings"
	"testing"
	"time"

	"countybrief/pipeline/form"
)

// The closing time a late file's finding names is the office's clock with
// its offset, whatever zone the time was recorded in.
func TestIdentityLateFindingTimeHasOffset(t *testing.T) {
	ws := campaign(t)
	sub := &form.Submission{Identity: form.Identity{Period: "2026-11"}, Cells: map[string]form.Location{}}
	closed := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	want := closed.In(ws.Config.Location()).Format("2006-01-02 15:04 -07:00")
	if f := lateFinding(ws, sub, closed); !strings.Contains(f.Message, want) {
		t.Errorf("late finding %q, want the closing time %s", f.Message, want)
	}
}
