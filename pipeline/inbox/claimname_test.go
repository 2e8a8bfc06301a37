package inbox

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestClaimNamesNeverRepeat: files of different units, received in the
// same second, whose random parts come out the same, still get claim
// names of their own (the ledger keys a file by its claim name), in the
// flat layout and the folder layout alike, in one ClaimAll call and
// across calls. At 204,000 files a second the random parts did meet.
func TestClaimNamesNeverRepeat(t *testing.T) {
	long := strings.Repeat("縣財政局", 18) + ".xlsx" // too long for the flat layout
	tests := []struct {
		name  string
		files []string // unit folder/file name
		calls int      // ClaimAll calls the files are split over
	}{
		{"flat, one call", []string{"Z01/報表.xlsx", "Z02/報表.xlsx", "Z03/報表.xlsx"}, 1},
		{"flat, a call each", []string{"Z01/報表.xlsx", "Z02/報表.xlsx", "Z03/報表.xlsx"}, 3},
		{"folders and flat", []string{"Z01/" + long, "Z02/報表.xlsx", "Z03/" + long}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, 0)
			for i, f := range tt.files {
				write(t, filepath.Join(ws.InboxDir(), filepath.FromSlash(f)), []byte(fmt.Sprint(i)))
			}
			c := &clock{t: t0}
			in := New(ws, c.now)
			// The same random part, drawn again and again: a collision
			// every time until the source moves on.
			draws := 0
			in.random = func(b []byte) error {
				draws++
				copy(b, []byte{0xca, 0xfe, 0xba, byte(draws / 5)})
				return nil
			}
			ready, _, err := in.Scan(context.Background())
			if err != nil || len(ready) != len(tt.files) {
				t.Fatalf("scan: %v %v", ready, err)
			}
			c.set(t0.Add(time.Hour))
			per := (len(ready) + tt.calls - 1) / tt.calls
			seen := map[string]string{}
			for start := 0; start < len(ready); start += per {
				claims, errs, err := in.ClaimAll(ready[start:min(start+per, len(ready))])
				if err != nil {
					t.Fatal(err)
				}
				for i, cl := range claims {
					if errs[i] != nil {
						t.Fatalf("claim %s: %v", ready[start+i].Path, errs[i])
					}
					if other, dup := seen[cl.Name]; dup {
						t.Errorf("claim name %s given to %s and %s", cl.Name, other, cl.Folder+"/"+cl.OrigName)
					}
					seen[cl.Name] = cl.Folder + "/" + cl.OrigName
					if !cl.ReceivedAt.Equal(t0) {
						t.Errorf("claim %s received %v, want %v", cl.Name, cl.ReceivedAt, t0)
					}
				}
			}
			if len(seen) != len(tt.files) {
				t.Errorf("%d claim names for %d files", len(seen), len(tt.files))
			}
		})
	}
}
