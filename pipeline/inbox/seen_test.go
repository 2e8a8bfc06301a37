package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestSeenRoundTrip(t *testing.T) {
	for _, seen := range []map[string]sighting{
		{},
		{"Z01/報表.xlsx": {Size: 10, ModTime: t0.UnixNano(), First: t0.UnixNano()}},
		{
			"a":             {Size: 0, ModTime: -1, First: 0}, // a file stamped before 1970
			"Z02/sub/b.csv": {Size: 1 << 40, ModTime: 1<<62 + 7, First: -(1 << 62)},
			"/top.xlsx":     {Size: 3, ModTime: 5, First: 5},
		},
	} {
		got, err := decodeSeen(encodeSeen(seen))
		if err != nil || !maps.Equal(got, seen) {
			t.Errorf("decode(encode(%v)) = %v, %v", seen, got, err)
		}
	}
}

// A damaged sightings file reads as none: every file starts settling
// again, which delays it and loses nothing.
func TestSeenDamaged(t *testing.T) {
	good := encodeSeen(map[string]sighting{"Z01/a.xlsx": {Size: 1, ModTime: 2, First: 3}, "Z01/b.xlsx": {Size: 4, ModTime: 5, First: 6}})
	flip := append([]byte(nil), good...)
	flip[len(seenMagic)+3] ^= 1
	for name, data := range map[string][]byte{
		"empty":       nil,
		"json":        []byte(`{"Z01/a.xlsx":{"size":1}}`),
		"other magic": append([]byte("cbseen\x02"), good[len(seenMagic):]...),
		"bit flipped": flip,
		"cut short":   good[:len(good)-5],
	} {
		t.Run(name, func(t *testing.T) {
			if got, err := decodeSeen(data); !errors.Is(err, errSeenDamaged) {
				t.Errorf("decoded %v, %v; want damaged", got, err)
			}
		})
	}
}

// Sightings an earlier version kept as JSON still count after an upgrade,
// and the JSON file goes once the new one is written.
func TestSeenFromEarlierVersion(t *testing.T) {
	ws := newWorkspace(t, 10)
	write(t, filepath.Join(ws.InboxDir(), "Z01", "a.xls"), []byte("x"))
	info, err := os.Stat(filepath.Join(ws.InboxDir(), "Z01", "a.xls"))
	if err != nil {
		t.Fatal(err)
	}
	old, err := json.Marshal(map[string]sighting{"Z01/a.xls": {Size: 1, ModTime: info.ModTime().UnixNano(), First: t0.UnixNano()}})
	if err != nil {
		t.Fatal(err)
	}
	legacy := filepath.Join(ws.WorkDir(), legacySeenFile)
	write(t, legacy, old)
	c := &clock{t: t0.Add(10 * time.Second)}
	in := New(ws, c.now)
	if ready, waiting, err := in.Scan(context.Background()); err != nil || len(ready) != 1 || waiting != 0 {
		t.Fatalf("ready %v, waiting %d, err %v; want the file settled since the earlier version saw it", names(ready), waiting, err)
	}
	write(t, filepath.Join(ws.InboxDir(), "Z01", "b.xls"), []byte("y"))
	if _, waiting, err := in.Scan(context.Background()); err != nil || waiting != 1 {
		t.Fatalf("waiting %d, err %v", waiting, err)
	}
	if _, err := os.Stat(legacy); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("JSON sightings kept after the new file was written: %v", err)
	}
	seen := in.loadSeen()
	if s, ok := seen["Z01/a.xls"]; !ok || s.First != t0.UnixNano() {
		t.Errorf("sightings %v: a.xls lost its first sighting", seen)
	}
}

// decodeSeen never fails but with errSeenDamaged, and what it decodes
// encodes to a file that decodes the same.
func FuzzDecodeSeen(f *testing.F) {
	f.Add(encodeSeen(map[string]sighting{"Z01/a.xlsx": {Size: 1, ModTime: -2, First: 3}}))
	f.Add([]byte(seenMagic + "\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		seen, err := decodeSeen(data)
		if err != nil {
			if !errors.Is(err, errSeenDamaged) {
				t.Fatal(err)
			}
			return
		}
		again, err := decodeSeen(encodeSeen(seen))
		if err != nil || !maps.Equal(again, seen) {
			t.Errorf("re-encoded %v as %v, %v", seen, again, err)
		}
	})
}

// TestForgetClaimed: once every ready file went to ClaimAll, the
// sightings keep only the files still waiting and those ClaimAll could
// not take (with the receive time the scan gave them); without a call,
// or after a scan with nothing ready, they stay as the scan left them.
func TestForgetClaimed(t *testing.T) {
	tests := []struct {
		name string
		// spoil acts on the ready candidates before they are claimed.
		spoil  func(t *testing.T, ready []Candidate)
		forget bool
		want   []string // keys of the sightings kept
	}{
		{name: "all claimed", forget: true, want: []string{"Z03/new.xlsx"}},
		{name: "not called", forget: false, want: []string{"Z01/a.xlsx", "Z02/b.xlsx", "Z03/new.xlsx"}},
		{name: "one changed before its claim", forget: true, want: []string{"Z02/b.xlsx", "Z03/new.xlsx"},
			spoil: func(t *testing.T, ready []Candidate) {
				for _, c := range ready {
					if c.Folder == "Z02" {
						if err := os.Chtimes(c.Path, t0, t0.Add(time.Hour)); err != nil {
							t.Fatal(err)
						}
					}
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, 60)
			clk := &clock{t: t0}
			in := New(ws, clk.now)
			for _, p := range []string{"Z01/a.xlsx", "Z02/b.xlsx"} {
				write(t, filepath.Join(ws.InboxDir(), filepath.FromSlash(p)), workbook(t, p))
			}
			if ready, _, err := in.Scan(context.Background()); err != nil || len(ready) != 0 {
				t.Fatalf("first scan: %d ready, %v", len(ready), err)
			}
			first := in.loadSeen()["Z02/b.xlsx"]
			clk.set(t0.Add(5 * time.Minute))
			write(t, filepath.Join(ws.InboxDir(), "Z03", "new.xlsx"), workbook(t, "new"))
			ready, waiting, err := in.Scan(context.Background())
			if err != nil || len(ready) != 2 || waiting != 1 {
				t.Fatalf("second scan: %d ready, %d waiting, %v", len(ready), waiting, err)
			}
			if tt.spoil != nil {
				tt.spoil(t, ready)
			}
			if _, _, err := in.ClaimAll(ready); err != nil {
				t.Fatal(err)
			}
			if tt.forget {
				if err := in.ForgetClaimed(); err != nil {
					t.Fatal(err)
				}
			}
			seen := in.loadSeen()
			if got := slices.Sorted(maps.Keys(seen)); !slices.Equal(got, tt.want) {
				t.Errorf("sightings %v, want %v", got, tt.want)
			}
			if s, ok := seen["Z02/b.xlsx"]; ok && s.First != first.First {
				t.Errorf("Z02/b.xlsx first seen %v, want %v as the scan saw it", time.Unix(0, s.First), time.Unix(0, first.First))
			}
			// Nothing ready since: nothing to forget, the sightings stay.
			if _, _, err := in.Scan(context.Background()); err != nil {
				t.Fatal(err)
			}
			before := in.loadSeen()
			if err := in.ForgetClaimed(); err != nil {
				t.Fatal(err)
			}
			if after := in.loadSeen(); !maps.Equal(before, after) {
				t.Errorf("a scan with nothing ready, then ForgetClaimed: sightings %v, were %v", after, before)
			}
		})
	}
}
