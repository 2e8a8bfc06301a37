package inbox

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReclaimRenamesWithinClaimed: a claim given a new name (the ledger
// holds its old one for another machine's file) is the same file under
// the new name, in the flat layout and the folder layout, the old name is
// gone, and Recover finds it under the new name alone.
func TestReclaimRenamesWithinClaimed(t *testing.T) {
	long := strings.Repeat("縣財政局", 18) + ".xlsx" // too long for the flat layout
	for _, tt := range []struct{ layout, file string }{
		{"flat", "Z01/報表.xlsx"},
		{"folder", "Z01/" + long},
	} {
		t.Run(tt.layout, func(t *testing.T) {
			ws := newWorkspace(t, 0)
			data := workbook(t, tt.layout)
			write(t, filepath.Join(ws.InboxDir(), filepath.FromSlash(tt.file)), data)
			in := New(ws, (&clock{t: t0}).now)
			ready, _, err := in.Scan(context.Background())
			if err != nil || len(ready) != 1 {
				t.Fatalf("scan: %v %v", ready, err)
			}
			old, err := claimOne(in, ready[0])
			if err != nil {
				t.Fatal(err)
			}
			c, _, err := in.Reclaim(old, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name == old.Name || c.Folder != old.Folder || c.OrigName != old.OrigName || !c.ReceivedAt.Equal(old.ReceivedAt) {
				t.Fatalf("reclaimed %+v, want %+v under a new name", c, old)
			}
			if got, err := os.ReadFile(c.Path); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read %s: %v; want the claimed file", c.Path, err)
			}
			if _, err := os.Lstat(old.Path); !os.IsNotExist(err) {
				t.Errorf("old claim %s still there: %v", old.Path, err)
			}
			claims, err := in.Recover(context.Background())
			if err != nil || len(claims) != 1 || claims[0] != c {
				t.Errorf("Recover = %+v, %v; want %+v alone", claims, err, c)
			}
		})
	}
}
