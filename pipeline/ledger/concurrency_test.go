package ledger

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// Two handles on one file stand for the batch and the status command
// running at once. Every read must succeed and see whole records only.
func TestReadersWhileWriterWrites(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		w, r := openTwo(t, open)

		const n = 150
		done := make(chan struct{})
		errs := make(chan error, 100)
		go func() {
			defer close(done)
			for i := range n {
				rec := sub(fmt.Sprintf("c%03d", i), fmt.Sprintf("U%03d", i), "2008-12", acc, i, float64(i))
				rec.Values = bigValues(i)
				if _, err := w.RecordBatch(ctx, []Record{rec}); err != nil {
					errs <- fmt.Errorf("write %d: %w", i, err)
					return
				}
			}
		}()
		var wg sync.WaitGroup
		reads := make([]int, 3)
		for g := range reads {
			wg.Go(func() {
				last := 0
				for {
					select {
					case <-done:
						return
					default:
					}
					cur, err := r.Current(ctx, "2008-12")
					if err != nil {
						errs <- fmt.Errorf("reader %d: %w", g, err)
						return
					}
					if len(cur) < last {
						errs <- fmt.Errorf("reader %d: %d units after %d", g, len(cur), last)
					}
					last = len(cur)
					for _, rec := range cur {
						if len(rec.Values) != 30 {
							errs <- fmt.Errorf("reader %d: unit %s has %d values, want 30", g, rec.UnitCode, len(rec.Values))
						}
					}
					if _, err := r.Status(ctx, "2008-12"); err != nil {
						errs <- fmt.Errorf("reader %d status: %w", g, err)
						return
					}
					reads[g]++
				}
			})
		}
		<-done
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		cur, err := r.Current(ctx, "2008-12")
		if err != nil || len(cur) != n {
			t.Errorf("after the writes Current = %d units, %v; want %d", len(cur), err, n)
		}
		t.Logf("reads per reader while writing: %v", reads)
	})
}

// Two processes' writers (two handles) queue on the busy timeout rather
// than failing with SQLITE_BUSY.
func TestTwoWritersQueue(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		a, b := openTwo(t, open)
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for h, l := range []*Ledger{a, b} {
			wg.Go(func() {
				for i := range 20 {
					batch := make([]Record, 10)
					for j := range batch {
						batch[j] = sub(fmt.Sprintf("h%d-%02d-%d", h, i, j), fmt.Sprintf("U%d%02d%d", h, i, j), "2008-12", acc, i, 1)
					}
					if _, err := l.RecordBatch(ctx, batch); err != nil {
						errs <- fmt.Errorf("handle %d batch %d: %w", h, i, err)
						return
					}
					if _, err := l.PublishIssue(ctx, Publication{Issue: Issue{Period: "2008-12", InputsHash: fmt.Sprintf("h%d-%d", h, i), Path: "p", At: t0}}); err != nil {
						errs <- fmt.Errorf("handle %d publish %d: %w", h, i, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		cur, err := a.Current(ctx, "2008-12")
		if err != nil || len(cur) != 400 {
			t.Errorf("Current = %d units, %v; want 400", len(cur), err)
		}
		// Issue numbers were handed out under the write lock: 1..40, no gaps.
		last, err := b.LastIssue(ctx)
		if err != nil || last == nil || last.Issue != 40 {
			t.Errorf("LastIssue = %+v, %v; want issue 40", last, err)
		}
	})
}

// A reader sees the last committed state while a write transaction is open
// elsewhere, and the new state once it commits.
func TestReaderSeesOnlyCommitted(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		w, r := openTwo(t, open)
		mustRecord(t, w, sub("old", "U01", "2008-12", acc, 0, 1))

		ps, err := prepared(sub("new", "U01", "2008-12", acc, 5, 2), sub("other", "U02", "2008-12", acc, 5, 3))
		if err != nil {
			t.Fatal(err)
		}
		full, err := w.fullInserts(ctx, ps)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := w.w.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := w.insert(ctx, tx, ps, full); err != nil {
			t.Fatal(err)
		}
		markers := func() map[string]float64 {
			t.Helper()
			cur, err := r.Current(ctx, "2008-12")
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]float64{}
			for _, rec := range cur {
				m[rec.UnitCode] = rec.Values["marker"]
			}
			return m
		}
		if got := markers(); len(got) != 1 || got["U01"] != 1 {
			t.Errorf("during the write Current = %v, want U01 at its old value only", got)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := markers(); len(got) != 2 || got["U01"] != 2 || got["U02"] != 3 {
			t.Errorf("after commit Current = %v, want both new records", got)
		}
	})
}

// The status command opens the ledger while the batch is inside a write
// transaction; an up-to-date file must open without the write lock.
func TestOpenDuringAWrite(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		w, path := open(t)
		ps, err := prepared(sub("a", "U01", "2008-12", acc, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		full, err := w.fullInserts(ctx, ps)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := w.w.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := w.insert(ctx, tx, ps, full); err != nil {
			t.Fatal(err)
		}
		r, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open while another handle writes: %v", err)
		}
		defer r.Close()
		if st, err := r.Status(ctx, "2008-12"); err != nil || len(st) != 0 {
			t.Errorf("Status during the write = %v, %v; want nothing yet", st, err)
		}
	})
}
