package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"countybrief/pipeline/safefile"
)

// TestKeptChunksFile reads back the chunks a draft keeps, and reads
// nothing it cannot vouch for: a chunk whose bytes changed, one cut
// short, a file of another layout.
func TestKeptChunksFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), draftChunksFile)
	chunks := [][]byte{[]byte("first chunk"), bytes.Repeat([]byte{7}, 1000), []byte("last")}
	keys := make([][sha256.Size]byte, len(chunks))
	for i, c := range chunks {
		keys[i] = sha256.Sum256(c)
	}
	write := func() []byte {
		t.Helper()
		k := openChunks(path)
		if err := safefile.WriteFile(path, func(w io.Writer) error {
			k.next = w
			if _, err := io.WriteString(w, chunksMagic); err != nil {
				return err
			}
			for i, c := range chunks {
				if err := k.Keep(keys[i], c); err != nil {
					return err
				}
			}
			// A chunk met twice in one workbook is kept once.
			return k.Keep(keys[0], chunks[0])
		}); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	whole := write()
	if want := len(chunksMagic) + 3*chunkHead + len(chunks[0]) + len(chunks[1]) + len(chunks[2]); len(whole) != want {
		t.Fatalf("%d bytes, want %d", len(whole), want)
	}
	second := len(chunksMagic) + chunkHead + len(chunks[0]) + chunkHead // the second chunk's bytes
	tests := []struct {
		name  string
		alter func([]byte) []byte
		found []bool // of each chunk
	}{
		{"as written", func(d []byte) []byte { return d }, []bool{true, true, true}},
		{"a byte of the second chunk changed", func(d []byte) []byte { d[second+10] ^= 1; return d }, []bool{true, false, true}},
		{"the second chunk's length changed", func(d []byte) []byte { d[second-8]++; return d }, []bool{true, false, false}},
		{"cut in the last chunk", func(d []byte) []byte { return d[:len(d)-2] }, []bool{true, true, false}},
		{"cut in a chunk's head", func(d []byte) []byte { return d[:second-3] }, []bool{true, false, false}},
		{"another layout", func(d []byte) []byte { d[len(chunksMagic)-2]++; return d }, []bool{false, false, false}},
		{"empty", func([]byte) []byte { return nil }, []bool{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(path, tt.alter(bytes.Clone(whole)), 0o644); err != nil {
				t.Fatal(err)
			}
			k := openChunks(path)
			defer k.old.Close()
			for i, c := range chunks {
				got, ok := k.Deflated(keys[i])
				if ok != tt.found[i] || ok && !bytes.Equal(got, c) {
					t.Errorf("chunk %d: found %v (%q), want %v", i, ok, got, tt.found[i])
				}
			}
		})
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if k := openChunks(path); len(k.index) != 0 || k.old != nil {
		t.Errorf("a missing file indexed %d chunks", len(k.index))
	}
	if again := write(); !bytes.Equal(again, whole) {
		t.Error("the file written again differs")
	}
}

// TestKeptChunksMakeTheFullWorkbook drafts after the kept chunks were
// damaged and checks that the totals workbook is the one a draft with
// nothing kept writes.
func TestKeptChunksMakeTheFullWorkbook(t *testing.T) {
	ws := campaign(t)
	ws.Config.SettleSeconds = 0
	ctx := context.Background()
	now := func() time.Time { return time.Date(2008, 12, 5, 9, 0, 0, 0, ws.Config.Location()) }
	chunksPath := filepath.Join(ws.WorkDir(), draftChunksFile)
	for _, u := range ws.Units[:5] {
		sendForm(t, ws, u, cleanFigures(ws, u), "a.xlsx")
	}
	if _, err := Run(ctx, ws, Options{Now: now}); err != nil {
		t.Fatal(err)
	}
	for i, damage := range []func([]byte) []byte{
		func(d []byte) []byte { return d },
		func(d []byte) []byte { d[len(d)/2] ^= 0x40; return d },
		func(d []byte) []byte { return d[:len(d)/2] },
		func(d []byte) []byte { return append([]byte("another file"), d...) },
	} {
		data, err := os.ReadFile(chunksPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(chunksPath, damage(data), 0o644); err != nil {
			t.Fatal(err)
		}
		vals := cleanFigures(ws, ws.Units[1])
		vals["suggestions"] += float64(i + 1)
		sendForm(t, ws, ws.Units[1], vals, "b.xlsx")
		sum, err := Run(ctx, ws, Options{Now: now})
		if err != nil || !sum.Rendered {
			t.Fatalf("damage %d: %v, rendered %v", i, err, sum != nil && sum.Rendered)
		}
		made, err := os.ReadFile(sum.TotalsWorkbook)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{draftChunksFile, draftInputs} {
			if err := os.Remove(filepath.Join(ws.WorkDir(), name)); err != nil {
				t.Fatal(err)
			}
		}
		full, err := Run(ctx, ws, Options{Now: now})
		if err != nil || !full.Rendered {
			t.Fatalf("damage %d, full draft: %v", i, err)
		}
		want, err := os.ReadFile(full.TotalsWorkbook)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(made, want) {
			t.Errorf("damage %d: the totals workbook differs from the one drafted with nothing kept", i)
		}
	}
}
