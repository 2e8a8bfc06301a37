package ledger

import (
	"context"
	"countybrief/pipeline/vocab"
	"fmt"
	"testing"
)

// Origins names, for each hash, the first file with it that was not a
// duplicate, as BySHA does one hash at a time, across the seams of its
// queries.
func TestOrigins(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		l, _ := open(t)
		ctx := context.Background()
		rec := func(claim, unit, period string, status vocab.FileStatus, minute int, sha string) Record {
			r := sub(claim, unit, period, status, minute, 0)
			r.SHA256 = sha
			return r
		}
		mustRecord(t, l,
			// A duplicate recorded before its origin does not count.
			rec("dup-first", "Z01", "2008-12", vocab.FileDuplicate, 0, "sha-a"),
			rec("acc-a", "Z01", "2008-11", vocab.FileAccepted, 1, "sha-a"),
			rec("acc-a-later", "Z02", "2008-12", vocab.FileAccepted, 2, "sha-a"),
			// The earliest is the origin, rejected or not.
			rec("rej-b", "Z03", "2008-12", vocab.FileRejected, 3, "sha-b"),
			rec("acc-b", "Z03", "2008-12", vocab.FileAccepted, 4, "sha-b"),
			// Received earlier, recorded later.
			rec("acc-c-late", "Z05", "2008-12", vocab.FileAccepted, 9, "sha-c"),
			rec("acc-c", "Z04", "2008-10", vocab.FileAccepted, 5, "sha-c"),
			rec("only-dup", "Z06", "2008-12", vocab.FileDuplicate, 6, "sha-d"),
			rec("past-seam", "Z07", "2008-12", vocab.FileAccepted, 7, "sha-past-seam"),
		)
		var shas []string
		for i := range originsPerQuery - 3 {
			shas = append(shas, fmt.Sprintf("sha-none-%d", i))
		}
		shas = append(shas, "sha-a", "sha-b", "sha-c", "sha-d", "sha-past-seam", "sha-none")
		got, err := l.Origins(ctx, shas)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]Origin{
			"sha-a":         {UnitCode: "Z01", Period: "2008-11", Status: vocab.FileAccepted},
			"sha-b":         {UnitCode: "Z03", Period: "2008-12", Status: vocab.FileRejected},
			"sha-c":         {UnitCode: "Z04", Period: "2008-10", Status: vocab.FileAccepted},
			"sha-past-seam": {UnitCode: "Z07", Period: "2008-12", Status: vocab.FileAccepted},
		}
		if len(got) != len(want) {
			t.Errorf("Origins found %d hashes, want %d: %v", len(got), len(want), got)
		}
		for sha, w := range want {
			if got[sha] != w {
				t.Errorf("Origins[%s] = %+v, want %+v", sha, got[sha], w)
			}
			one, err := l.BySHA(ctx, sha)
			if err != nil || one == nil || one.UnitCode != w.UnitCode || one.Status != w.Status {
				t.Errorf("BySHA(%s) = %+v, %v; Origins says %+v", sha, one, err, w)
			}
		}
	})
}
