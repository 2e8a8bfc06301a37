package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"countybrief/pipeline/vocab"
)

func TestCellsRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		layout := map[string]string{"members": "活動數據!C7", "marker": "活動數據!C8"}
		a := sub("a", "U01", "2008-12", vocab.FileAccepted, 0, 1)
		a.Cells = layout
		b := sub("b", "U02", "2008-12", vocab.FileAccepted, 1, 2)
		b.Cells = maps.Clone(layout)
		// The encoder keeps the last cells: a caller changing its map between
		// records must still get each record's own cells stored.
		c := sub("c", "U03", "2008-12", vocab.FileAccepted, 2, 3)
		c.Cells = layout
		old := sub("old", "U04", "2008-12", vocab.FileAccepted, 3, 4)
		ids := mustRecord(t, l, a, b)
		layout["marker"] = "活動數據!D9"
		ids = append(ids, mustRecord(t, l, c, old)...)

		got, err := l.Cells(ctx, append(ids, 999))
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]string{ids[0]: "活動數據!C8", ids[1]: "活動數據!C8", ids[2]: "活動數據!D9"}
		for id, cell := range want {
			if got[id]["marker"] != cell || got[id]["members"] != "活動數據!C7" {
				t.Errorf("cells of %d = %v, want marker at %s", id, got[id], cell)
			}
		}
		if _, ok := got[ids[3]]; ok {
			t.Errorf("a record without cells has %v", got[ids[3]])
		}
		if _, ok := got[999]; ok {
			t.Error("an unknown id has cells")
		}
		if fmt.Sprintf("%p", got[ids[0]]) != fmt.Sprintf("%p", got[ids[1]]) {
			t.Error("submissions with the same cells do not share one map")
		}
	})
}

// A ledger written before cells were kept opens, keeps its rows, and
// says of them that it has no cells.
func TestCellsMigrateAnOldLedger(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db := ledgerBefore(t, path, "ADD COLUMN cells_json")
	if _, err := db.ExecContext(ctx, `INSERT INTO submissions
		(claim_name, unit_code, period, orig_name, archive_path, sha256, status, received_at, values_json)
		VALUES ('x', 'U01', '2008-12', 'x.xlsx', 'archive/x.xlsx', 'abc', 'accepted', 1, '{"members":12}')`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	l, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cur, err := l.Current(ctx, "2008-12")
	if err != nil || len(cur) != 1 || cur[0].Values["members"] != 12 {
		t.Fatalf("old row after migration: %+v, %v", cur, err)
	}
	cells, err := l.Cells(ctx, []int64{cur[0].ID})
	if err != nil || len(cells) != 0 {
		t.Errorf("old row's cells = %v, %v; want none", cells, err)
	}
	r := sub("new", "U02", "2008-12", vocab.FileAccepted, 0, 1)
	r.Cells = map[string]string{"members": "表!C7"}
	id := mustRecord(t, l, r)[0]
	if cells, err := l.Cells(ctx, []int64{id}); err != nil || cells[id]["members"] != "表!C7" {
		t.Errorf("new row's cells = %v, %v", cells, err)
	}
}

// ledgerBefore makes a ledger file at path with every migration before the
// first one that contains marker, as a file written by an older program
// would be, and returns it open on the writer's settings.
func ledgerBefore(t *testing.T, path, marker string) *sql.DB {
	t.Helper()
	steps := migrations()
	before := slices.IndexFunc(steps, func(s string) bool { return strings.Contains(s, marker) })
	if before < 0 {
		t.Fatalf("no migration contains %q", marker)
	}
	db := openRaw(t, path)
	if err := migrate(context.Background(), db, false, steps[:before], ""); err != nil {
		t.Fatal(err)
	}
	return db
}

// The cells column is what encoding/json writes, whatever a sheet's name
// holds.
func TestAppendCellsMatchesEncodingJSON(t *testing.T) {
	for _, cells := range []map[string]string{
		{"members": "表一!C7", "funds": "表二!D9", "a_b": "Sheet 1!A1"},
		{"x": `引號"表!A1`, "y": `斜線\表!B2`},
		{"x": "<表>!A1", "y": "甲&乙!B2"},
		{"x": "換\n行!A1", "y": "\x7f!B2"},
		{"x": "行\u2028分!A1", "y": "段\u2029分!B2"},
		{"x": "壞\xff碼!A1", "\xfe": "A1"},
		{"x": "替\ufffd代!A1"},
	} {
		want, err := json.Marshal(cells)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendCells(nil, cells, sortedKeys(cells))
		if err != nil || string(got) != string(want) {
			t.Errorf("appendCells(%q) = %s, %v; encoding/json writes %s", cells, got, err, want)
		}
	}
}

func FuzzAppendCells(f *testing.F) {
	f.Add("members", "表一!C7", "funds", "表二!D9")
	f.Add("<", "\u2028", "\xff", `"`)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		cells := map[string]string{k1: v1, k2: v2}
		want, err := json.Marshal(cells)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendCells(nil, cells, sortedKeys(cells))
		if err != nil || string(got) != string(want) {
			t.Errorf("appendCells(%q) = %s, %v; encoding/json writes %s", cells, got, err, want)
		}
	})
}

// TestPreparerReuse checks that a Preparer prepares each record of a
// sequence as a new one would, whatever the record before shared with it:
// the same cells, the same cells in another map, other cells, other
// codes, none, and values and findings of other codes.
func TestPreparerReuse(t *testing.T) {
	layout := map[string]string{"members": "活動數據!C7", "marker": "活動數據!C8"}
	rec := func(claim string, cells map[string]string, values map[string]float64) Record {
		r := sub(claim, "U01", "2008-12", vocab.FileAccepted, 0, 1)
		r.Cells, r.Values = cells, values
		return r
	}
	seq := []Record{
		rec("same", layout, map[string]float64{"members": 1, "marker": 2}),
		rec("same again", layout, map[string]float64{"members": 3, "marker": 4}),
		rec("copy of it", maps.Clone(layout), map[string]float64{"members": 5, "marker": 6}),
		rec("other cell", map[string]string{"members": "活動數據!C7", "marker": "活動數據!D9"}, map[string]float64{"members": 7, "marker": 8}),
		rec("other codes", map[string]string{"groups": "活動數據!E1"}, map[string]float64{"groups": 9}),
		rec("none", nil, nil),
		rec("back", layout, map[string]float64{"members": 1, "marker": 2}),
	}
	seq[4].Findings = []vocab.Finding{{Rule: "r", Severity: vocab.Warning, Sheet: "表", Cell: "E1", Values: map[string]float64{"groups": 9, "prev": 1}, Message: "m", Fix: "f"}}
	var reused Preparer
	for i := range seq {
		got, err := reused.Prepare(&seq[i])
		if err != nil {
			t.Fatal(err)
		}
		var fresh Preparer
		want, err := fresh.Prepare(&seq[i])
		if err != nil {
			t.Fatal(err)
		}
		if got.values != want.values || got.cells != want.cells || !slices.Equal(got.findings, want.findings) {
			t.Errorf("%s: prepared after the others as %v %v %v, alone as %v %v %v", seq[i].ClaimName,
				got.values, got.cells, got.findings, want.values, want.cells, want.findings)
		}
	}
}
