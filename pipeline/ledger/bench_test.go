package ledger

import (
	"context"
	"fmt"
	"testing"

	"countybrief/rules"
)

// A catch-up run records up to 7,300 submissions (73 units × 100 periods)
// of 30 values each.
const benchUnits = 7300

func benchRecord(i int) Record {
	r := sub(fmt.Sprintf("claim-%07d", i), fmt.Sprintf("U%04d", i%benchUnits), "2008-12", acc, i, 0)
	r.Values = bigValues(i)
	if i%10 == 0 {
		r.Findings = []rules.Finding{{Rule: "change.members", Severity: rules.Warning, Sheet: "表一", Cell: "C7",
			Values: map[string]float64{"members": 12, "prev": 30}, Message: "黨員人數比上期少六成", Fix: "請核對人數"}}
	}
	return r
}

// One transaction (one fsync) per file: what the batch does by default.
func BenchmarkRecord(b *testing.B) {
	ctx := context.Background()
	l, _ := openTemp(b)
	i := 0
	for b.Loop() {
		if _, err := l.Record(ctx, benchRecord(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
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
		for k, st := range []string{acc, acc, rej, dup} {
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
