package ledger

import (
	"context"
	"countybrief/pipeline/vocab"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
)

// A catch-up run records up to 7,300 submissions (73 units × 100 periods)
// of 30 values each.
const benchUnits = 7300

func benchRecord(i int) Record {
	r := sub(fmt.Sprintf("claim-%07d", i), fmt.Sprintf("U%04d", i%benchUnits), "2008-12", acc, i, 0)
	r.Values = bigValues(i)
	if i%10 == 0 {
		r.Findings = []vocab.Finding{{Rule: "change.members", Severity: vocab.Warning, Sheet: "表一", Cell: "C7",
			Values: map[string]float64{"members": 12, "prev": 30}, Message: "黨員人數比上期少六成", Fix: "請核對人數"}}
	}
	return r
}

// A whole catch-up run in one transaction.
func BenchmarkRecordBatch(b *testing.B) {
	ctx := context.Background()
	l, _ := openTemp(b)
	next := 0
	for b.Loop() {
		b.StopTimer()
		batch := make([]Record, benchUnits)
		for j := range batch {
			batch[j] = benchRecord(next)
			next++
		}
		b.StartTimer()
		if _, err := l.RecordBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchUnits)/b.Elapsed().Seconds(), "records/s")
}

// Current over 7,300 units, each with an older accepted version, a later
// rejected one and a duplicate that must all be passed over.
func BenchmarkCurrent(b *testing.B) {
	ctx := context.Background()
	l := currentLedger(b)
	for b.Loop() {
		cur, err := l.Current(ctx, "2008-12")
		if err != nil {
			b.Fatal(err)
		}
		if len(cur) != benchUnits || len(cur[0].Values) != 30 {
			b.Fatalf("Current = %d units", len(cur))
		}
	}
}

// CurrentRows is Current with each unit's figures as a row by code
// position instead of a map: what a draft reads.
func BenchmarkCurrentRows(b *testing.B) {
	ctx := context.Background()
	l := currentLedger(b)
	cur, err := l.Current(ctx, "2008-12")
	if err != nil {
		b.Fatal(err)
	}
	codes := slices.Sorted(maps.Keys(cur[0].Values))
	for b.Loop() {
		recs, rows, err := l.CurrentRows(ctx, "2008-12", codes)
		if err != nil {
			b.Fatal(err)
		}
		if len(recs) != benchUnits || len(rows[0]) != 30 {
			b.Fatalf("CurrentRows = %d units", len(recs))
		}
	}
}

// Several readers at once (the batch, a status command, a clerk's query):
// the read pool lets them run side by side.
func BenchmarkCurrentParallel(b *testing.B) {
	ctx := context.Background()
	l := currentLedger(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if cur, err := l.Current(ctx, "2008-12"); err != nil || len(cur) != benchUnits {
				b.Errorf("Current = %d units, %v", len(cur), err)
				return
			}
		}
	})
}

func currentLedger(b *testing.B) *Ledger {
	b.Helper()
	ctx := context.Background()
	l, _ := openTemp(b)
	var all []Record
	for u := range benchUnits {
		unit := fmt.Sprintf("U%04d", u)
		for k, st := range []vocab.FileStatus{acc, acc, rej, dup} {
			r := sub(fmt.Sprintf("%s-%d", unit, k), unit, "2008-12", st, k, float64(k))
			r.Values = bigValues(u)
			all = append(all, r)
		}
	}
	if _, err := l.RecordBatch(ctx, all); err != nil {
		b.Fatal(err)
	}
	return l
}

// The figures of one realistic form: 28 indicators, counts and a few
// amounts with cents, as the batch records them.
func formValues(seed int) map[string]float64 {
	vs := make(map[string]float64, 28)
	for i := range 28 {
		v := float64((seed*7+i*13)%500 + i)
		if i%9 == 4 {
			v += 0.5 * float64(seed%3)
		}
		vs[fmt.Sprintf("indicator_code_%02d", i)] = v
	}
	vs["indicator_code_27"] = float64(100000 + seed*31)
	return vs
}

// batchLedger is a ledger as a 7,300-unit batch leaves it: each unit has
// one accepted submission for 2008-12; every 50th unit also has an older
// rejected file, every 100th a later rejected one (so it is on the 退回
// list) and every 70th a duplicate re-drop.
func batchLedger(b *testing.B) *Ledger {
	b.Helper()
	l, _ := batchLedgerFile(b)
	return l
}

func batchLedgerFile(b *testing.B) (*Ledger, string) {
	b.Helper()
	ctx := context.Background()
	l, path := openTemp(b)
	var all []Record
	for u := range benchUnits {
		unit := fmt.Sprintf("U%04d", u)
		acc := sub(unit+"-acc", unit, "2008-12", vocab.FileAccepted, 10, 0)
		acc.Values = formValues(u)
		all = append(all, acc)
		if u%50 == 0 {
			all = append(all, sub(unit+"-old-rej", unit, "2008-12", vocab.FileRejected, 5, 0))
		}
		if u%100 == 0 {
			all = append(all, sub(unit+"-new-rej", unit, "2008-12", vocab.FileRejected, 20, 0))
		}
		if u%70 == 0 {
			d := sub(unit+"-dup", unit, "2008-12", vocab.FileDuplicate, 30, 0)
			d.SHA256, d.Values = acc.SHA256, nil
			all = append(all, d)
		}
	}
	if _, err := l.RecordBatch(ctx, all); err != nil {
		b.Fatal(err)
	}
	return l, path
}

func BenchmarkBatchHeads(b *testing.B) {
	ctx := context.Background()
	l := batchLedger(b)
	b.ReportAllocs()
	for b.Loop() {
		cur, ret, err := l.Heads(ctx, "2008-12")
		if err != nil || len(cur) != benchUnits || len(ret) != benchUnits/100 {
			b.Fatalf("Heads = %d, %d, %v", len(cur), len(ret), err)
		}
	}
}

// Heads as a batch calls it: once, on a freshly opened ledger whose page
// cache is empty (the file itself is in the OS's cache).
func BenchmarkBatchHeadsCold(b *testing.B) {
	ctx := context.Background()
	_, path := batchLedgerFile(b)
	b.ReportAllocs()
	for b.Loop() {
		l, err := Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		cur, ret, err := l.Heads(ctx, "2008-12")
		if err != nil || len(cur) != benchUnits || len(ret) != benchUnits/100 {
			b.Fatalf("Heads = %d, %d, %v", len(cur), len(ret), err)
		}
		if err := l.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBatchCurrent(b *testing.B) {
	ctx := context.Background()
	l := batchLedger(b)
	b.ReportAllocs()
	for b.Loop() {
		cur, err := l.Current(ctx, "2008-12")
		if err != nil || len(cur) != benchUnits || len(cur[0].Values) != 28 {
			b.Fatalf("Current = %d, %v", len(cur), err)
		}
	}
}

// What a region's draft reads: every unit's figures as rows.
func BenchmarkBatchCurrentRows(b *testing.B) {
	ctx := context.Background()
	l := batchLedger(b)
	codes := slices.Sorted(maps.Keys(formValues(0)))
	b.ReportAllocs()
	for b.Loop() {
		recs, rows, err := l.CurrentRows(ctx, "2008-12", codes)
		if err != nil || len(recs) != benchUnits || len(rows) != benchUnits || len(rows[0]) != 28 {
			b.Fatalf("CurrentRows = %d, %d, %v", len(recs), len(rows), err)
		}
	}
}

func BenchmarkBatchReturned(b *testing.B) {
	ctx := context.Background()
	l := batchLedger(b)
	b.ReportAllocs()
	for b.Loop() {
		ret, err := l.Returned(ctx, "2008-12")
		if err != nil || len(ret) != benchUnits/100 || len(ret[0].Findings) != 1 {
			b.Fatalf("Returned = %d, %v", len(ret), err)
		}
	}
}

// One group of the batch: 256 files of the next period recorded in one
// transaction, as the batch does after reading them, on each backend (the
// PostgreSQL server is a local one, so a round trip is the least it costs).
func BenchmarkBatchRecordBatch256(b *testing.B) {
	for _, be := range []struct {
		name     string
		open     opener
		prepared bool
	}{{"sqlite", openTemp, false}, {"sqlite/prepared", openTemp, true},
		{"postgres", openPostgresTemp, false}, {"postgres/prepared", openPostgresTemp, true}} {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			l, _ := be.open(b)
			seed := make([]Record, 0, benchUnits)
			for u := range benchUnits {
				unit := fmt.Sprintf("U%04d", u)
				r := sub(unit+"-acc", unit, "2008-12", vocab.FileAccepted, 10, 0)
				r.Values = formValues(u)
				seed = append(seed, r)
			}
			if _, err := l.RecordBatch(ctx, seed); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			next := 0
			for b.Loop() {
				b.StopTimer()
				group := make([]Record, 256)
				for j := range group {
					u := next % benchUnits
					r := sub(fmt.Sprintf("next-%07d", next), fmt.Sprintf("U%04d", u), "2009-01", vocab.FileAccepted, 60, 0)
					r.Values = formValues(next)
					if j%10 == 0 {
						r.Findings = []vocab.Finding{{Rule: "change.members", Severity: vocab.Warning, Sheet: "表一", Cell: "C7",
							Values: map[string]float64{"members": 12, "prev": 30}, Message: "黨員人數比上期少六成", Fix: "請核對人數"}}
					}
					group[j] = r
					next++
				}
				if be.prepared {
					// What the writer does when the batch prepared the
					// rows on the judging goroutines.
					ps, err := prepared(group...)
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if _, err := l.RecordPrepared(ctx, ps); err != nil {
						b.Fatal(err)
					}
					continue
				}
				b.StartTimer()
				if _, err := l.RecordBatch(ctx, group); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*256)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// A group of the batch when every unit sends its file again: 2,048
// hashes, each with an accepted file.
func BenchmarkBatchOrigins2048(b *testing.B) {
	ctx := context.Background()
	l := batchLedger(b)
	shas := make([]string, 2048)
	for i := range shas {
		shas[i] = fmt.Sprintf("sha-U%04d-acc", i*3)
	}
	b.ReportAllocs()
	for b.Loop() {
		got, err := l.Origins(ctx, shas)
		if err != nil || len(got) != len(shas) {
			b.Fatalf("Origins = %d, %v", len(got), err)
		}
	}
}

func BenchmarkBatchPreviousFor256(b *testing.B) {
	ctx := context.Background()
	l := batchLedger(b)
	units := make([]string, 256)
	for i := range units {
		units[i] = fmt.Sprintf("U%04d", i*28)
	}
	b.ReportAllocs()
	for b.Loop() {
		got, err := l.PreviousFor(ctx, "2009-01", units)
		if err != nil || len(got) != len(units) {
			b.Fatalf("PreviousFor = %d, %v", len(got), err)
		}
	}
}

func BenchmarkBatchSetArchivePaths256(b *testing.B) {
	ctx := context.Background()
	l := batchLedger(b)
	paths := make(map[int64]string, 256)
	for i := range 256 {
		paths[int64(i*28+1)] = fmt.Sprintf("archive/2008-12/U%04d/form.xlsx", i*28)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := l.SetArchivePaths(ctx, paths); err != nil {
			b.Fatal(err)
		}
	}
}

// ledger copy of a region's catch-up run (7,300 submissions, a tenth with
// a finding) from SQLite into an empty PostgreSQL ledger.
func BenchmarkCopyToPostgres(b *testing.B) {
	ctx := context.Background()
	from, _ := openTemp(b)
	batch := make([]Record, benchUnits)
	for i := range batch {
		batch[i] = benchRecord(i)
	}
	if _, err := from.RecordBatch(ctx, batch); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		to, _ := openPostgresTemp(b)
		b.StartTimer()
		if _, err := Copy(ctx, from, to); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenNew creates a ledger, as a workspace's first batch does.
func BenchmarkOpenNew(b *testing.B) {
	dir := b.TempDir()
	n := 0
	for b.Loop() {
		n++
		l, err := Open(context.Background(), filepath.Join(dir, fmt.Sprintf("%d.db", n)))
		if err != nil {
			b.Fatal(err)
		}
		l.Close()
	}
}
