package ledger

import (
	"context"
	"testing"
)

func TestUnarchivedUntilThePathIsSet(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	moved := sub("c1", "Z01", "2008-12", StatusAccepted, 0, 1)
	pending := sub("c2", "Z02", "2008-12", StatusRejected, 1, 2)
	pending.ArchivePath = ""
	ids := mustRecord(t, l, moved, pending)

	got, err := l.Unarchived(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != ids[1] || len(got[0].Findings) != 1 {
		t.Fatalf("Unarchived = %+v, want only c2 with its finding", got)
	}
	if err := l.SetArchivePath(ctx, ids[1], "archive/rejected/c2.xlsx"); err != nil {
		t.Fatal(err)
	}
	if got, err = l.Unarchived(ctx); err != nil || len(got) != 0 {
		t.Fatalf("after SetArchivePath: %v, %v; want none", got, err)
	}
}
