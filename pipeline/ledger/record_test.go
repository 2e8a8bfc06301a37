package ledger

import (
	"context"
	"countybrief/pipeline/vocab"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRecordRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		run, err := l.StartRun(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		want := sub("c-1", "U01", "2008-12", vocab.FileRejected, 3, 7.25)
		want.RunID = run
		want.Findings = append(want.Findings, vocab.Finding{Rule: "change.members", Severity: vocab.Warning, Message: "人數變動過大"})
		want.ID = mustRecord(t, l, want)[0]

		got, err := l.ByClaim(ctx, "c-1")
		if err != nil {
			t.Fatal(err)
		}
		if got == nil {
			t.Fatal("ByClaim found nothing")
		}
		if !got.ReceivedAt.Equal(want.ReceivedAt) {
			t.Errorf("ReceivedAt = %v, want %v", got.ReceivedAt, want.ReceivedAt)
		}
		got.ReceivedAt = want.ReceivedAt
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", *got, want)
		}
		if none, err := l.ByClaim(ctx, "never"); err != nil || none != nil {
			t.Errorf("ByClaim(absent) = %+v, %v; want nil, nil", none, err)
		}
	})
}

// Money and ratios must come back bit for bit: the totals and the
// comparison with the previous issue are computed from them.
func TestValuesRoundTripExactly(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		values := map[string]float64{
			"tenth":       0.1,
			"cents":       1234567.89,
			"neg_cents":   -0.07,
			"third":       1.0 / 3,
			"tiny":        1e-300,
			"denormal":    math.SmallestNonzeroFloat64,
			"max":         math.MaxFloat64,
			"above_1":     math.Nextafter(1, 2),
			"int_2_53":    1 << 53,
			"big_cents":   9007199254740.99,
			"zero":        0,
			"whole":       42,
			"huge_whole":  1e300,
			"neg_integer": -17,
		}
		r := sub("v", "U01", "2008-12", vocab.FileAccepted, 0, 1)
		r.Values = values
		r.Findings = []vocab.Finding{{Rule: "r", Severity: vocab.Warning, Message: "m", Values: values}}
		mustRecord(t, l, r)
		got, err := l.ByClaim(ctx, "v")
		if err != nil {
			t.Fatal(err)
		}
		for name, fromDB := range map[string]map[string]float64{"values": got.Values, "finding values": got.Findings[0].Values} {
			if len(fromDB) != len(values) {
				t.Errorf("%s: %d came back, want %d", name, len(fromDB), len(values))
			}
			for code, v := range values {
				if math.Float64bits(fromDB[code]) != math.Float64bits(v) {
					t.Errorf("%s: %s = %v (%#x), want %v (%#x)", name, code, fromDB[code], math.Float64bits(fromDB[code]), v, math.Float64bits(v))
				}
			}
		}
	})
}

func TestRecordIdempotentByClaim(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		first := sub("claim-1", "U01", "2008-12", vocab.FileAccepted, 0, 1)
		id1 := mustRecord(t, l, first)[0]
		// A recovered batch records the claim again, possibly judged differently.
		again := sub("claim-1", "U01", "2008-12", vocab.FileRejected, 9, 2)
		if id2 := mustRecord(t, l, again)[0]; id2 != id1 {
			t.Errorf("second record returned id %d, want the first's %d", id2, id1)
		}
		// Within one batch too.
		ids := mustRecord(t, l, sub("claim-2", "U02", "2008-12", vocab.FileAccepted, 1, 3), sub("claim-2", "U02", "2008-12", vocab.FileAccepted, 2, 4))
		if ids[0] != ids[1] {
			t.Errorf("batch with a repeated claim gave ids %v", ids)
		}
		h, err := l.History(ctx, "U01")
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 1 || h[0].Status != vocab.FileAccepted || h[0].Values["marker"] != 1 || len(h[0].Findings) != 0 {
			t.Errorf("History after a repeated claim = %+v, want the first record alone", h)
		}
		// A repeat right after a record whose findings were written (the last
		// statement changed a row) still writes nothing.
		ids = mustRecord(t, l, sub("claim-3", "U03", "2008-12", vocab.FileRejected, 1, 5), sub("claim-3", "U03", "2008-12", vocab.FileRejected, 2, 6))
		if ids[0] != ids[1] {
			t.Errorf("batch with a repeated rejected claim gave ids %v", ids)
		}
		if h, err = l.History(ctx, "U03"); err != nil {
			t.Fatal(err)
		}
		if len(h) != 1 || h[0].Values["marker"] != 5 || len(h[0].Findings) != 1 {
			t.Errorf("History after a repeated rejected claim = %+v, want the first record alone", h)
		}
	})
}

// A claim name is one file's: the same name arriving with another file
// or for another unit must stop the group, never keep one row for two
// files, whether the first was recorded earlier, earlier in the same
// group, or in an earlier statement of a group larger than one INSERT.
func TestRecordRefusesClaimOfAnotherFile(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		otherSHA := func(r Record) Record { r.SHA256 = "sha-another-file"; return r }
		otherUnit := func(r Record) Record { r.UnitCode = "U99"; return r }
		filler := func(n int) []Record {
			rs := make([]Record, n)
			for i := range rs {
				rs[i] = sub(fmt.Sprintf("filler-%04d", i), "U50", "2008-12", vocab.FileAccepted, i, 0)
			}
			return rs
		}
		first := sub("claim-1", "U01", "2008-12", vocab.FileRejected, 0, 1)
		for _, tc := range []struct {
			name  string
			prior []Record // recorded before
			group []Record
		}{
			{"recorded before, another sha256", []Record{first}, []Record{sub("new-1", "U02", "2008-12", acc, 1, 2), otherSHA(first)}},
			{"recorded before, another unit", []Record{first}, []Record{otherUnit(first)}},
			{"same group, another sha256", nil, []Record{first, sub("new-1", "U02", "2008-12", acc, 1, 2), otherSHA(first)}},
			{"same group, another unit", nil, []Record{first, otherUnit(first)}},
			{"same group, later statement", nil, append(append([]Record{first}, filler(rowsPerInsert)...), otherSHA(first))},
		} {
			t.Run(tc.name, func(t *testing.T) {
				l, _ := open(t)
				if len(tc.prior) > 0 {
					mustRecord(t, l, tc.prior...)
				}
				before, err := l.TableHashes(ctx)
				if err != nil {
					t.Fatal(err)
				}
				ids, err := l.RecordBatch(ctx, tc.group)
				if !errors.Is(err, ErrClaimTaken) {
					t.Fatalf("RecordBatch = %v, %v; want ErrClaimTaken", ids, err)
				}
				after, err := l.TableHashes(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(before, after) {
					t.Errorf("a refused group changed the ledger: %v, then %v", before, after)
				}
				// A true replay of what was recorded is still idempotent.
				if len(tc.prior) > 0 {
					if id := mustRecord(t, l, tc.prior...)[0]; id == 0 {
						t.Errorf("replay gave id 0")
					}
				}
			})
		}
	})
}

func TestRecordRefusesBadInput(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		for _, tc := range []struct {
			name string
			edit func(*Record)
			want string
		}{
			{"no claim", func(r *Record) { r.ClaimName = "" }, "empty claim name"},
			{"no unit", func(r *Record) { r.UnitCode = "" }, "empty unit code"},
			{"no period", func(r *Record) { r.Period = "" }, "empty period"},
			{"no hash", func(r *Record) { r.SHA256 = "" }, "empty sha256"},
			{"status", func(r *Record) { r.Status = "ok" }, `unknown status "ok"`},
			{"NaN", func(r *Record) { r.Values["x"] = math.NaN() }, "value x is NaN"},
			{"Inf", func(r *Record) { r.Values["x"] = math.Inf(-1) }, "value x is -Inf"},
			{"zero time", func(r *Record) { r.ReceivedAt = time.Time{} }, "not a usable time"},
			{"severity", func(r *Record) { r.Findings[0].Severity = "info" }, `unknown severity "info"`},
			{"finding NaN", func(r *Record) { r.Findings[0].Values["members"] = math.NaN() }, "finding form.number"},
			{"unknown run", func(r *Record) { r.RunID = 99 }, "FOREIGN KEY"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				l, _ := open(t)
				good := sub("good", "U01", "2008-12", vocab.FileAccepted, 0, 1)
				bad := sub("bad", "U01", "2008-12", vocab.FileRejected, 1, 2)
				tc.edit(&bad)
				_, err := l.RecordBatch(ctx, []Record{good, bad})
				// SQLite says FOREIGN KEY, PostgreSQL foreign key.
				if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.want)) {
					t.Fatalf("RecordBatch error = %v, want one containing %q", err, tc.want)
				}
				// All or nothing: the good record went with the bad one.
				if h, err := l.History(ctx, "U01"); err != nil || len(h) != 0 {
					t.Errorf("after a failed batch History = %d records, %v; want none", len(h), err)
				}
			})
		}
	})
}

func TestSetArchivePaths(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		id := mustRecord(t, l, sub("a", "U01", "2008-12", vocab.FileAccepted, 0, 1))[0]
		const path = `archive/accepted/2008-12/U01/台帳 (1).xlsx`
		if err := l.SetArchivePaths(ctx, map[int64]string{id: path}); err != nil {
			t.Fatal(err)
		}
		if r, err := l.ByClaim(ctx, "a"); err != nil || r.ArchivePath != path {
			t.Errorf("ArchivePath = %+v, %v; want %q", r, err, path)
		}
		if err := l.SetArchivePaths(ctx, map[int64]string{id + 1: path}); err == nil {
			t.Error("SetArchivePath of a missing submission succeeded")
		}
		// Across the seam of its statements: every path lands on its own
		// row, and one missing submission leaves every path as it was.
		var rs []Record
		for i := range archivePathsPerUpdate + 3 {
			rs = append(rs, sub(fmt.Sprintf("many-%d", i), fmt.Sprintf("M%03d", i), "2008-12", vocab.FileAccepted, i, 1))
		}
		ids := mustRecord(t, l, rs...)
		paths := map[int64]string{}
		for i, id := range ids {
			paths[id] = fmt.Sprintf("archive/accepted/2008-12/M%03d/%d.xlsx", i, i)
		}
		if err := l.SetArchivePaths(ctx, paths); err != nil {
			t.Fatal(err)
		}
		moved := map[int64]string{}
		for i, id := range ids {
			moved[id] = "archive/moved/" + paths[id]
			if i == archivePathsPerUpdate+1 {
				moved[id+1000] = "archive/none.xlsx"
			}
		}
		if err := l.SetArchivePaths(ctx, moved); err == nil {
			t.Error("SetArchivePaths with one missing submission among many succeeded")
		}
		for i, id := range ids {
			r, err := l.ByClaim(ctx, fmt.Sprintf("many-%d", i))
			if err != nil || r == nil || r.ID != id || r.ArchivePath != paths[id] {
				t.Fatalf("submission %d after SetArchivePaths = %+v, %v; want path %q", id, r, err, paths[id])
			}
		}
		// Its commit does not wait for the disk; every later commit of
		// the writer must again.
		setting, want := `PRAGMA synchronous`, "2"
		if l.pg != nil {
			setting, want = `SHOW synchronous_commit`, "on"
		}
		var got string
		if err := l.w.QueryRowContext(ctx, setting).Scan(&got); err != nil || got != want {
			t.Errorf("after SetArchivePaths the writer's %s = %q, %v; want %q", setting, got, err, want)
		}
	})
}

// TestFullInsertsOnlyWhenFilled: the inserts of rowsPerInsert rows are
// prepared only for records that can fill one (a county's group of 73
// forms fills neither), and records that do fill them are all written.
func TestFullInsertsOnlyWhenFilled(t *testing.T) {
	cases := []struct {
		name                          string
		accepted, rejected            int
		wantSubmissions, wantFindings bool
	}{
		{"a county's group", 70, 3, false, false},
		{"full submissions, few findings", rowsPerInsert, 0, true, false},
		{"full findings", 0, rowsPerInsert, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, _ := openTemp(t)
			var rs []Record
			for i := range c.accepted + c.rejected {
				status := acc
				if i >= c.accepted {
					status = vocab.FileRejected
				}
				rs = append(rs, sub(fmt.Sprintf("c%04d", i), fmt.Sprintf("U%04d", i), "2008-12", status, i, float64(i)))
			}
			ids := mustRecord(t, l, rs...)
			if got := l.insertSubmissions.stmt != nil; got != c.wantSubmissions {
				t.Errorf("full submissions insert prepared = %v, want %v", got, c.wantSubmissions)
			}
			if got := l.insertFindings.stmt != nil; got != c.wantFindings {
				t.Errorf("full findings insert prepared = %v, want %v", got, c.wantFindings)
			}
			var subs, finds int
			if err := l.r.QueryRow(`SELECT (SELECT count(*) FROM submissions), (SELECT count(*) FROM findings)`).Scan(&subs, &finds); err != nil {
				t.Fatal(err)
			}
			if len(ids) != len(rs) || subs != len(rs) || finds != c.rejected {
				t.Errorf("recorded %d ids, %d rows, %d findings; want %d, %d, %d", len(ids), subs, finds, len(rs), len(rs), c.rejected)
			}
		})
	}
}
