package ledger

import (
	"context"
	"countybrief/pipeline/vocab"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// t0 is a fixed receipt time; tests add minutes to order submissions.
var t0 = time.Date(2008, 12, 5, 9, 30, 0, 0, time.UTC)

func openTemp(t testing.TB) (*Ledger, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	l, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	return l, path
}

// sub builds a record whose values carry a marker, so a test can tell
// which version a query returned.
func sub(claim, unit, period string, status vocab.FileStatus, minute int, marker float64) Record {
	r := Record{
		ClaimName: claim, UnitCode: unit, Period: period, Status: status,
		OrigName: claim + ".xlsx", ArchivePath: filepath.Join("archive", claim+".xlsx"),
		SHA256: fmt.Sprintf("sha-%s", claim), ReceivedAt: t0.Add(time.Duration(minute) * time.Minute),
		Values: map[string]float64{"marker": marker, "members": 12},
	}
	if status == vocab.FileRejected {
		r.Findings = []vocab.Finding{{
			Rule: "form.number", Severity: vocab.Error, Sheet: "表一", Cell: "C7",
			Values: map[string]float64{"members": -1}, Message: "黨員人數不可為負數", Fix: "請填寫正確的人數",
		}}
	}
	return r
}

func mustRecord(t testing.TB, l *Ledger, rs ...Record) []int64 {
	t.Helper()
	ids, err := l.RecordBatch(context.Background(), rs)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// prepared prepares records for insert, as RecordBatch does.
func prepared(rs ...Record) ([]Prepared, error) {
	ps := make([]Prepared, len(rs))
	var prep Preparer
	for i := range rs {
		var err error
		if ps[i], err = prep.Prepare(&rs[i]); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// bigValues is a form's worth of figures (30 indicators) with cents.
func bigValues(seed int) map[string]float64 {
	vs := make(map[string]float64, 30)
	for i := range 30 {
		vs[fmt.Sprintf("ind_%02d", i)] = float64(seed*100+i) + 0.01*float64(i)
	}
	return vs
}
