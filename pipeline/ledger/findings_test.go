package ledger

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"countybrief/pipeline/vocab"
)

func TestFindings(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		l, _ := open(t)
		// More rejected files than one IN list holds, so the chunks must be
		// joined; each carries two findings whose order, and the unit's
		// explanation of the warning, must survive.
		n := maxParams + 7
		var rs []Record
		want := map[int64][]vocab.Finding{}
		for i := range n {
			r := sub(fmt.Sprintf("r%04d", i), fmt.Sprintf("U%04d", i), "2008-12", rej, i, float64(i))
			r.Findings = append(r.Findings, vocab.Finding{
				Rule: "form.sum", Severity: vocab.Warning, Sheet: "表二", Cell: fmt.Sprintf("D%d", i),
				Message: fmt.Sprintf("合計不符 %d", i), Fix: "請重新加總", Explanation: fmt.Sprintf("第%d個說明", i),
			})
			rs = append(rs, r)
		}
		rs = append(rs, sub("clean", "U9999", "2008-12", acc, 0, 1))
		ids := mustRecord(t, l, rs...)
		for i, id := range ids[:n] {
			want[id] = rs[i].Findings
		}
		ask := append(ids, 999999) // an id not in the ledger is simply absent

		got, err := l.Findings(context.Background(), ask)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("findings for %d submissions, want %d", len(got), len(want))
		}
		for id, fs := range want {
			if !reflect.DeepEqual(got[id], fs) {
				t.Fatalf("submission %d: %+v, want %+v", id, got[id], fs)
			}
		}

		got, err = l.Findings(context.Background(), nil)
		if err != nil || len(got) != 0 {
			t.Errorf("no ids: %v, %v; want an empty map", got, err)
		}
	})
}
