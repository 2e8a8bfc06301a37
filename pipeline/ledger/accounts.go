package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Account is one login of the web desk: a unit's (Unit set), which sees
// and sends that unit's files only, or the office's (Unit ""). The ledger
// stores the password hash it is given; hashing is the web desk's.
type Account struct {
	Name string
	Unit string
	Hash string
	// Disabled accounts cannot log in; their rows stay so that the web
	// actions they did keep a name.
	Disabled bool
	// Failures counts failed logins since the last success or reset;
	// LockedUntil, when in the future, refuses every login.
	Failures    int
	LockedUntil time.Time
	Created     time.Time
	Changed     time.Time
}

// Office tells an office account from a unit's.
func (a Account) Office() bool { return a.Unit == "" }

// ErrAccountExists: AddAccount found the name taken.
var ErrAccountExists = errors.New("account exists")

// ErrNoAccount: the account named does not exist.
var ErrNoAccount = errors.New("no such account")

// AddAccount records a new account; a taken name is ErrAccountExists.
func (l *Ledger) AddAccount(ctx context.Context, a Account) error {
	at, err := nanos("account", a.Created)
	if err != nil {
		return err
	}
	if a.Name == "" || a.Hash == "" {
		return fmt.Errorf("add account: empty name or hash")
	}
	res, err := l.w.ExecContext(ctx, `INSERT INTO accounts (name, unit_code, hash, disabled, failures, locked_until, created_at, changed_at)
		VALUES (?, ?, ?, 0, 0, 0, ?, ?) ON CONFLICT (name) DO NOTHING`, a.Name, a.Unit, a.Hash, at, at)
	if err != nil {
		return fmt.Errorf("add account %s: %w", a.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("add account %s: %w", a.Name, ErrAccountExists)
	}
	return nil
}

// SetPassword gives an account a new hash, enables it, clears its failures
// and lock, and ends its sessions: a reset is also how a lost password or
// a suspected break-in is answered.
func (l *Ledger) SetPassword(ctx context.Context, name, hash string, at time.Time) error {
	return l.changeAccount(ctx, name, at, `UPDATE accounts SET hash = ?, disabled = 0, failures = 0, locked_until = 0, changed_at = ? WHERE name = ?`, hash)
}

// DisableAccount refuses every later login of the account and ends its
// sessions.
func (l *Ledger) DisableAccount(ctx context.Context, name string, at time.Time) error {
	return l.changeAccount(ctx, name, at, `UPDATE accounts SET disabled = 1, changed_at = ? WHERE name = ?`)
}

// changeAccount runs update (whose last two parameters are the change
// time and the name) and deletes the account's sessions in one
// transaction.
func (l *Ledger) changeAccount(ctx context.Context, name string, at time.Time, update string, args ...any) error {
	n, err := nanos("account change", at)
	if err != nil {
		return err
	}
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("account %s: %w", name, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, update, append(args, n, name)...)
	if err != nil {
		return fmt.Errorf("account %s: %w", name, err)
	}
	if rows, _ := res.RowsAffected(); rows == 0 {
		return fmt.Errorf("account %s: %w", name, ErrNoAccount)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE account = ?`, name); err != nil {
		return fmt.Errorf("account %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("account %s: %w", name, err)
	}
	return nil
}

// SetLoginFailures records an account's failed logins since its last
// success and until when it is locked (zero: not locked).
func (l *Ledger) SetLoginFailures(ctx context.Context, name string, failures int, lockedUntil time.Time) error {
	var until int64
	if !lockedUntil.IsZero() {
		var err error
		if until, err = nanos("lock", lockedUntil); err != nil {
			return err
		}
	}
	if _, err := l.w.ExecContext(ctx, `UPDATE accounts SET failures = ?, locked_until = ? WHERE name = ?`, failures, until, name); err != nil {
		return fmt.Errorf("account %s: %w", name, err)
	}
	return nil
}

const accountColumns = `name, unit_code, hash, disabled, failures, locked_until, created_at, changed_at`

type scanner interface{ Scan(...any) error }

func scanAccount(row scanner) (Account, error) {
	var a Account
	var locked, created, changed int64
	if err := row.Scan(&a.Name, &a.Unit, &a.Hash, &a.Disabled, &a.Failures, &locked, &created, &changed); err != nil {
		return Account{}, err
	}
	if locked != 0 {
		a.LockedUntil = fromNanos(locked)
	}
	a.Created, a.Changed = fromNanos(created), fromNanos(changed)
	return a, nil
}

// Account returns the account of that name, or ErrNoAccount.
func (l *Ledger) Account(ctx context.Context, name string) (Account, error) {
	a, err := scanAccount(l.r.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE name = ?`, name))
	switch {
	case isNoRows(err):
		return Account{}, fmt.Errorf("account %s: %w", name, ErrNoAccount)
	case err != nil:
		return Account{}, fmt.Errorf("account %s: %w", name, err)
	}
	return a, nil
}

// Accounts returns every account, office accounts first, then by unit and
// name.
func (l *Ledger) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := l.r.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY unit_code <> '', unit_code, name`)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	return out, nil
}

// Session is one login's record. The ledger keeps a hash of the cookie's
// token, never the token, so that a copy of the ledger logs nobody in.
type Session struct {
	TokenHash string
	Account   string
	// CSRF is the token every form of the session carries.
	CSRF    string
	Remote  string
	Created time.Time
	Expires time.Time
}

// AddSession records a session and forgets the sessions that have expired.
func (l *Ledger) AddSession(ctx context.Context, s Session) error {
	created, err := nanos("session", s.Created)
	if err != nil {
		return err
	}
	expires, err := nanos("session expiry", s.Expires)
	if err != nil {
		return err
	}
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("add session: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE expires_at <= ?`, created); err != nil {
		return fmt.Errorf("add session: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO web_sessions (token_hash, account, csrf, remote, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		s.TokenHash, s.Account, s.CSRF, s.Remote, created, expires); err != nil {
		return fmt.Errorf("add session: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("add session: %w", err)
	}
	return nil
}

// SessionOf returns the session whose token has that hash, with its
// account, while both are valid at time now; ok is false otherwise (no
// such session, expired, or its account disabled).
func (l *Ledger) SessionOf(ctx context.Context, tokenHash string, now time.Time) (Session, Account, bool, error) {
	n, err := nanos("now", now)
	if err != nil {
		return Session{}, Account{}, false, err
	}
	var s Session
	var created, expires int64
	row := l.r.QueryRowContext(ctx, `SELECT s.token_hash, s.account, s.csrf, s.remote, s.created_at, s.expires_at, a.name, a.unit_code, a.hash, a.disabled, a.failures, a.locked_until, a.created_at, a.changed_at
		FROM web_sessions s JOIN accounts a ON a.name = s.account
		WHERE s.token_hash = ? AND s.expires_at > ? AND a.disabled = 0`, tokenHash, n)
	var a Account
	var locked, aCreated, aChanged int64
	err = row.Scan(&s.TokenHash, &s.Account, &s.CSRF, &s.Remote, &created, &expires,
		&a.Name, &a.Unit, &a.Hash, &a.Disabled, &a.Failures, &locked, &aCreated, &aChanged)
	switch {
	case isNoRows(err):
		return Session{}, Account{}, false, nil
	case err != nil:
		return Session{}, Account{}, false, fmt.Errorf("session: %w", err)
	}
	s.Created, s.Expires = fromNanos(created), fromNanos(expires)
	if locked != 0 {
		a.LockedUntil = fromNanos(locked)
	}
	a.Created, a.Changed = fromNanos(aCreated), fromNanos(aChanged)
	return s, a, true, nil
}

// EndSession forgets a session (a logout).
func (l *Ledger) EndSession(ctx context.Context, tokenHash string) error {
	if _, err := l.w.ExecContext(ctx, `DELETE FROM web_sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// WebAction is one thing done on the web desk, or refused there: a login,
// a failed login, an upload, a send, a download, a publish, a close or a
// reopen. Rows are never updated or deleted.
type WebAction struct {
	At      time.Time
	Account string // as typed, for a failed login of an unknown name
	Remote  string
	Action  string
	Unit    string // the unit the action concerned, if any
	Detail  string
	OK      bool
}

// RecordWebAction appends one action.
func (l *Ledger) RecordWebAction(ctx context.Context, a WebAction) error {
	at, err := nanos("web action", a.At)
	if err != nil {
		return err
	}
	if _, err := l.w.ExecContext(ctx, `INSERT INTO web_actions (at, account, remote, action, unit_code, detail, ok) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		at, a.Account, a.Remote, a.Action, a.Unit, a.Detail, a.OK); err != nil {
		return fmt.Errorf("record web action %s: %w", a.Action, err)
	}
	return nil
}

// WebActions returns the latest actions, newest first, at most limit; of
// one unit only when unit is not "".
func (l *Ledger) WebActions(ctx context.Context, unit string, limit int) ([]WebAction, error) {
	q := `SELECT at, account, remote, action, unit_code, detail, ok FROM web_actions`
	args := []any{}
	if unit != "" {
		q += ` WHERE unit_code = ?`
		args = append(args, unit)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	rows, err := l.r.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("web actions: %w", err)
	}
	var out []WebAction
	for rows.Next() {
		var a WebAction
		var at int64
		if err := rows.Scan(&at, &a.Account, &a.Remote, &a.Action, &a.Unit, &a.Detail, &a.OK); err != nil {
			rows.Close()
			return nil, fmt.Errorf("web actions: %w", err)
		}
		a.At = fromNanos(at)
		out = append(out, a)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("web actions: %w", err)
	}
	return out, nil
}
