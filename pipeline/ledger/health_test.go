package ledger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// fillAndClose records enough files that the ledger spans many pages, and
// closes it so that everything is in the main file.
func fillAndClose(t *testing.T) string {
	t.Helper()
	l, path := openTemp(t)
	var rs []Record
	for i := range 300 {
		r := sub(fmt.Sprintf("c%03d", i), fmt.Sprintf("U%03d", i), "2008-12", acc, i, float64(i))
		r.Values = bigValues(i)
		rs = append(rs, r)
	}
	mustRecord(t, l, rs...)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// overwrite writes junk over length bytes of the file at offset.
func overwrite(t *testing.T, path string, offset int64, length int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, length)
	for i := range junk {
		junk[i] = byte(0x5a ^ i)
	}
	if _, err := f.WriteAt(junk, offset); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestQuickCheck(t *testing.T) {
	ctx := context.Background()
	t.Run("a sound ledger passes", func(t *testing.T) {
		l, _ := openTemp(t)
		mustRecord(t, l, sub("a", "U01", "2008-12", acc, 0, 1))
		if err := l.QuickCheck(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("damaged pages fail with ErrCorrupt", func(t *testing.T) {
		path := fillAndClose(t)
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		// The pages an empty ledger has (the schema, spread among the
		// tables' first pages as the migrations made them) stay, so the
		// file still opens.
		empty, emptyPath := openTemp(t)
		if err := empty.Close(); err != nil {
			t.Fatal(err)
		}
		schema, err := os.Stat(emptyPath)
		if err != nil {
			t.Fatal(err)
		}
		keep := schema.Size()
		overwrite(t, path, keep, int(info.Size()-keep)-4096)
		l, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open: %v (the schema pages were left whole)", err)
		}
		defer l.Close()
		err = l.QuickCheck(ctx)
		if !errors.Is(err, ErrCorrupt) || !IsCorrupt(err) {
			t.Fatalf("QuickCheck = %v, want ErrCorrupt", err)
		}
	})
	t.Run("a damaged header fails to open as corrupt", func(t *testing.T) {
		path := fillAndClose(t)
		overwrite(t, path, 0, 100)
		l, err := Open(ctx, path)
		if err == nil {
			l.Close()
			t.Fatal("a file without a database header opened")
		}
		if !IsCorrupt(err) {
			t.Fatalf("open error %v is not recognised as corruption", err)
		}
	})
	t.Run("a missing folder is not corruption", func(t *testing.T) {
		_, err := Open(ctx, t.TempDir()+"/no/such/folder/ledger.db")
		if err == nil || IsCorrupt(err) {
			t.Fatalf("open error %v: want a plain failure", err)
		}
	})
}

func TestHasSubmissions(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		if has, err := l.HasSubmissions(ctx); err != nil || has {
			t.Fatalf("new ledger: %v, %v; want false", has, err)
		}
		mustRecord(t, l, sub("a", "U01", "2008-12", rej, 0, 1))
		if has, err := l.HasSubmissions(ctx); err != nil || !has {
			t.Fatalf("after a record: %v, %v; want true", has, err)
		}
	})
}

func TestRestoreIssue(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		at := t0.Add(time.Hour)
		if err := l.RestoreIssue(ctx, 7, "2008-12", "outbox/2008-12/簡報第7期.pdf", at); err != nil {
			t.Fatal(err)
		}
		if err := l.RestoreIssue(ctx, 7, "2008-12", "outbox/2008-12/簡報第7期.pdf", at); err == nil {
			t.Error("the same issue restored twice")
		}
		last, err := l.LastIssue(ctx)
		if err != nil || last == nil || last.Issue != 7 || last.Period != "2008-12" || last.Path != "outbox/2008-12/簡報第7期.pdf" || !last.At.Equal(at) {
			t.Fatalf("last issue %+v, %v", last, err)
		}
		// Numbering goes on from the restored issue, and a batch's inputs never
		// match an issue whose inputs are unknown.
		issue, err := l.PublishIssue(ctx, Publication{Issue: Issue{Period: "2008-12", InputsHash: "0123abcd", Path: "p", At: at}})
		if err != nil || issue != 8 {
			t.Errorf("published as 第%d期 (%v) after a restored 第7期, want 第8期", issue, err)
		}
	})
}

func TestTrimArchivePrefix(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		a := sub("a", "U01", "2008-12", acc, 0, 1)
		a.ArchivePath = "/srv/縣委/ws/archive/accepted/2008-12/U01/a.xlsx"
		b := sub("b", "U02", "2008-12", acc, 1, 2)
		b.ArchivePath = "archive/accepted/2008-12/U02/b.xlsx"
		c := sub("c", "U03", "2008-12", acc, 2, 3)
		c.ArchivePath = "/srv/縣委/ws-old/archive/c.xlsx" // shares the prefix's text but not its folder
		mustRecord(t, l, a, b, c)
		for round, want := range []int64{1, 0} {
			n, err := l.TrimArchivePrefix(ctx, "/srv/縣委/ws/")
			if err != nil || n != want {
				t.Fatalf("round %d: changed %d, %v; want %d", round, n, err, want)
			}
		}
		got := map[string]string{}
		for _, u := range []string{"U01", "U02", "U03"} {
			h, err := l.History(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			got[u] = h[0].ArchivePath
		}
		want := map[string]string{"U01": "archive/accepted/2008-12/U01/a.xlsx", "U02": b.ArchivePath, "U03": c.ArchivePath}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("paths %v, want %v", got, want)
		}
	})
}
