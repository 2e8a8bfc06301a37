package ledger

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"net/url"
	"strings"
)

// copyTables are the ledger's tables in an order that respects their
// foreign keys, each with the key that orders its rows the same on
// either backend (text keys sort by bytes on both). submission_values is
// a view over submissions and ledger_schema the version, neither copied.
var copyTables = []struct{ name, order string }{
	{"runs", "id"},
	{"submissions", "id"},
	{"findings", "submission_id, seq"},
	{"briefings", "issue"},
	{"issue_counted", "issue, unit_code"},
	{"issue_files", "issue, name"},
	{"period_changes", "id"},
	{"accounts", "name"},
	{"web_sessions", "token_hash"},
	{"web_actions", "id"},
}

// ErrTargetNotEmpty: Copy writes only into a ledger that holds nothing,
// so that it can never mix two offices' records or overwrite one.
var ErrTargetNotEmpty = errors.New("the target ledger is not empty")

// TableCopy is what Copy found of one table in both ledgers.
type TableCopy struct {
	Table string
	Rows  int64
	// SHA256 is the hash of every row, in key order, of the table; it is
	// the same in both ledgers or Copy fails.
	SHA256 string
}

// Copy copies every row of every table of from into to, in one
// transaction on to, and then reads both again and compares each table's
// row count and a hash of all its rows. to must be empty (ErrTargetNotEmpty)
// and at the same schema version as from, which Open has made it. The
// caller keeps other writers off from (the batch lock).
func Copy(ctx context.Context, from, to *Ledger) ([]TableCopy, error) {
	for _, t := range copyTables {
		var n int64
		if err := to.r.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name).Scan(&n); err != nil {
			return nil, fmt.Errorf("copy ledger: count %s in the target: %w", t.name, err)
		}
		if n > 0 {
			return nil, fmt.Errorf("copy ledger: %w (%s holds %d rows)", ErrTargetNotEmpty, t.name, n)
		}
	}
	src, err := from.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("copy ledger: %w", err)
	}
	defer src.Rollback()
	dst, err := to.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("copy ledger: %w", err)
	}
	defer dst.Rollback()
	for _, t := range copyTables {
		if err := copyTable(ctx, src, dst, t.name, t.order); err != nil {
			return nil, fmt.Errorf("copy ledger: %s: %w", t.name, err)
		}
	}
	if to.pg != nil {
		// Rows copied with their ids leave the identity columns'
		// sequences at 1; the next run or file would take a used id.
		if err := advanceIdentities(ctx, dst); err != nil {
			return nil, fmt.Errorf("copy ledger: advance the id sequences: %w", err)
		}
	}
	if err := dst.Commit(); err != nil {
		return nil, fmt.Errorf("copy ledger: commit: %w", err)
	}
	src.Rollback()

	want, err := from.TableHashes(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy ledger: verify: %w", err)
	}
	got, err := to.TableHashes(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy ledger: verify: %w", err)
	}
	for i := range want {
		if got[i] != want[i] {
			return nil, fmt.Errorf("copy ledger: verify %s: the target has %d rows hashing to %s, the source %d rows hashing to %s",
				want[i].Table, got[i].Rows, got[i].SHA256, want[i].Rows, want[i].SHA256)
		}
	}
	return want, nil
}

func copyTable(ctx context.Context, src, dst *sql.Tx, table, order string) error {
	rows, err := src.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY `+order)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	// Rows go in by many to a statement, as RecordBatch writes them: one
	// statement per row was one round trip per row to a server.
	per := max(1, copyParams/len(cols))
	colList := strings.Join(cols, ", ")
	args := make([]any, 0, per*len(cols))
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := dst.ExecContext(ctx, insertSQL(table, colList, len(cols), len(args)/len(cols), ""), args...)
		args = args[:0]
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		// Scan into an any copies a []byte, so a row may be held until
		// its statement is sent.
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			// SQLite hands an empty blob over as a nil slice, which
			// PostgreSQL's driver would store as NULL.
			if b, ok := v.([]byte); ok && b == nil {
				vals[i] = []byte{}
			}
		}
		args = append(args, vals...)
		if len(args) >= per*len(cols) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	return flush()
}

// copyParams bounds the parameters of one statement of Copy.
const copyParams = 4096

// advanceIdentities sets each identity column's sequence past the
// largest id its table holds.
func advanceIdentities(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name`)
	if err != nil {
		return err
	}
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			rows.Close()
			return err
		}
		cols = append(cols, c)
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	for _, c := range cols {
		// The names come from the catalogue, the ledger's own tables.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', '%[2]s'),
			COALESCE((SELECT max(%[2]s) FROM %[1]s), 0) + 1, false)`, c[0], c[1])); err != nil {
			return fmt.Errorf("%s.%s: %w", c[0], c[1], err)
		}
	}
	return nil
}

// TableHashes counts and hashes the rows of every table, in key order,
// in one snapshot. A value's hash depends on its kind and content, never
// on the backend: two ledgers that hold the same records give the same
// hashes.
func (l *Ledger) TableHashes(ctx context.Context) ([]TableCopy, error) {
	tx, err := l.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := make([]TableCopy, 0, len(copyTables))
	for _, t := range copyTables {
		tc, err := hashTable(ctx, tx, t.name, t.order)
		if err != nil {
			return nil, fmt.Errorf("hash %s: %w", t.name, err)
		}
		out = append(out, tc)
	}
	return out, nil
}

func hashTable(ctx context.Context, tx *sql.Tx, table, order string) (TableCopy, error) {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY `+order)
	if err != nil {
		return TableCopy{}, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return TableCopy{}, err
	}
	h := sha256.New()
	// The column names are part of the hash: a column one side lacks
	// cannot hash the same.
	writeField(h, 's', []byte(strings.Join(cols, ",")))
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	tc := TableCopy{Table: table}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return TableCopy{}, err
		}
		for _, v := range vals {
			switch v := v.(type) {
			case nil:
				writeField(h, 'n', nil)
			case int64:
				writeField(h, 'i', binary.BigEndian.AppendUint64(nil, uint64(v)))
			case float64:
				writeField(h, 'f', binary.BigEndian.AppendUint64(nil, math.Float64bits(v)))
			case string:
				writeField(h, 's', []byte(v))
			case []byte:
				writeField(h, 'b', v)
			default:
				return TableCopy{}, fmt.Errorf("column value of type %T", v)
			}
		}
		tc.Rows++
	}
	if err := closeRows(rows); err != nil {
		return TableCopy{}, err
	}
	tc.SHA256 = hex.EncodeToString(h.Sum(nil))
	return tc, nil
}

// writeField writes a value with its kind and length, so that no two
// rows' fields run together into the same bytes.
func writeField(h hash.Hash, kind byte, b []byte) {
	h.Write([]byte{kind})
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
	h.Write(b)
}

// Redacted is a ledger setting fit to print: a URL's password is
// replaced by xxxxx; a file path is returned as it is.
func Redacted(setting string) string {
	if !IsPostgres(setting) {
		return setting
	}
	u, err := url.Parse(setting)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}
