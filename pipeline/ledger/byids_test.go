package ledger

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// ByIDs reads more ids than one IN list holds, asked in any order, as
// ByID reads each (without values or findings), in id order; an id not
// in the ledger is left out.
func TestByIDs(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		l, _ := open(t)
		ctx := context.Background()
		n := maxParams + 7
		var rs []Record
		for i := range n {
			status := acc
			if i%3 == 0 {
				status = rej
			}
			rs = append(rs, sub(fmt.Sprintf("f%04d", i), fmt.Sprintf("U%04d", i), "2008-12", status, i, float64(i)))
		}
		ids := mustRecord(t, l, rs...)
		backward := slices.Clone(ids)
		slices.Reverse(backward)
		for _, c := range []struct {
			name string
			ask  []int64
			want []int64
		}{
			{"every id, last first", backward, ids},
			{"some, with one not in the ledger", []int64{ids[n-1], 999999, ids[0], ids[maxParams]}, []int64{ids[0], ids[maxParams], ids[n-1]}},
			{"none", nil, nil},
		} {
			got, err := l.ByIDs(ctx, c.ask)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("%s: %d records, want %d", c.name, len(got), len(c.want))
			}
			for i, r := range got {
				one, err := l.ByID(ctx, c.want[i])
				if err != nil {
					t.Fatal(err)
				}
				one.Values, one.Findings = nil, nil
				if r.ID != c.want[i] || fmt.Sprint(r) != fmt.Sprint(*one) {
					t.Errorf("%s: record %d = %+v, want %+v", c.name, i, r, *one)
				}
			}
		}
	})
}
