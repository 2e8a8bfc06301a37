package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"time"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/workspace"
)

// Credential is an account with the password it was just given, for the
// sheet handed to its holder; the password is nowhere else.
type Credential struct {
	Account  string
	Unit     string // "" for an office account
	UnitName string
	Password string
}

// ErrUnknownUnit: a unit account was asked for a code the registry lacks.
var ErrUnknownUnit = errors.New("unit not in the registry")

// NamesError is a refusal of the account calls with the codes or
// account names it concerns, so that a caller says it in its own
// language rather than printing the error's English.
type NamesError struct {
	Err   error // ErrUnknownUnit, ErrAccountExists or ErrNoAccount
	Names []string
}

func (e *NamesError) Error() string { return fmt.Sprintf("%v: %v", e.Err, e.Names) }
func (e *NamesError) Unwrap() error { return e.Err }

// named gives an account-exists or no-account error its account name.
func named(err error, name string) error {
	if errors.Is(err, ErrAccountExists) || errors.Is(err, ErrNoAccount) {
		kind := ErrAccountExists
		if errors.Is(err, ErrNoAccount) {
			kind = ErrNoAccount
		}
		return &NamesError{Err: kind, Names: []string{name}}
	}
	return err
}

// ErrAccountExists and ErrNoAccount are the ledger's, for callers that
// import only this package.
var (
	ErrAccountExists = ledger.ErrAccountExists
	ErrNoAccount     = ledger.ErrNoAccount
)

func withLedger[T any](ctx context.Context, ws *workspace.Workspace, f func(*ledger.Ledger) (T, error)) (T, error) {
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		var zero T
		return zero, err
	}
	defer led.Close()
	return f(led)
}

// AddUnitAccounts gives each unit of codes an account named by its code,
// with a new password; with no codes, every unit of the registry that has
// no account yet. A unit that has one already is left alone (reset it to
// give it a new password) and is not among the credentials returned.
func AddUnitAccounts(ctx context.Context, ws *workspace.Workspace, codes []string, now time.Time) ([]Credential, error) {
	units := ws.Units
	if len(codes) > 0 {
		units = nil
		var missing []string
		for _, c := range codes {
			u, ok := ws.Unit(c)
			if !ok {
				missing = append(missing, c)
				continue
			}
			units = append(units, u)
		}
		if len(missing) > 0 {
			return nil, &NamesError{Err: ErrUnknownUnit, Names: missing}
		}
	}
	return withLedger(ctx, ws, func(led *ledger.Ledger) ([]Credential, error) {
		var out []Credential
		for _, u := range units {
			pw, hash, err := newHashedPassword()
			if err != nil {
				return out, err
			}
			err = led.AddAccount(ctx, ledger.Account{Name: u.Code, Unit: u.Code, Hash: hash, Created: now})
			if errors.Is(err, ledger.ErrAccountExists) && len(codes) == 0 {
				continue
			}
			if err != nil {
				return out, named(err, u.Code)
			}
			out = append(out, Credential{Account: u.Code, Unit: u.Code, UnitName: u.Name, Password: pw})
		}
		return out, nil
	})
}

// AddOfficeAccount gives the office a new account, which sees every unit
// and may publish, close and reopen.
func AddOfficeAccount(ctx context.Context, ws *workspace.Workspace, name string, now time.Time) (Credential, error) {
	if name == "" {
		return Credential{}, fmt.Errorf("empty account name")
	}
	if _, ok := ws.Unit(name); ok {
		// A unit's code is its account's name; an office account of the same
		// name would shadow it.
		return Credential{}, &NamesError{Err: ErrAccountExists, Names: []string{name}}
	}
	return withLedger(ctx, ws, func(led *ledger.Ledger) (Credential, error) {
		pw, hash, err := newHashedPassword()
		if err != nil {
			return Credential{}, err
		}
		if err := led.AddAccount(ctx, ledger.Account{Name: name, Hash: hash, Created: now}); err != nil {
			return Credential{}, named(err, name)
		}
		return Credential{Account: name, Password: pw}, nil
	})
}

// ResetPassword gives an account a new password, enables it, lifts a
// lock-out and ends its sessions.
func ResetPassword(ctx context.Context, ws *workspace.Workspace, name string, now time.Time) (Credential, error) {
	return withLedger(ctx, ws, func(led *ledger.Ledger) (Credential, error) {
		a, err := led.Account(ctx, name)
		if err != nil {
			return Credential{}, named(err, name)
		}
		pw, hash, err := newHashedPassword()
		if err != nil {
			return Credential{}, err
		}
		if err := led.SetPassword(ctx, name, hash, now); err != nil {
			return Credential{}, named(err, name)
		}
		c := Credential{Account: name, Unit: a.Unit, Password: pw}
		if u, ok := ws.Unit(a.Unit); ok {
			c.UnitName = u.Name
		}
		return c, nil
	})
}

// DisableAccount refuses the account's later logins and ends its sessions.
func DisableAccount(ctx context.Context, ws *workspace.Workspace, name string, now time.Time) error {
	_, err := withLedger(ctx, ws, func(led *ledger.Ledger) (struct{}, error) {
		return struct{}{}, named(led.DisableAccount(ctx, name, now), name)
	})
	return err
}

// Accounts lists every account, the office's first.
func Accounts(ctx context.Context, ws *workspace.Workspace) ([]ledger.Account, error) {
	return withLedger(ctx, ws, func(led *ledger.Ledger) ([]ledger.Account, error) {
		return led.Accounts(ctx)
	})
}

func newHashedPassword() (pw, hash string, err error) {
	if pw, err = newPassword(); err != nil {
		return "", "", err
	}
	if hash, err = hashPassword(pw); err != nil {
		return "", "", err
	}
	return pw, hash, nil
}

// WritePasswordSheet writes the credentials as one printable HTML page
// per account, for the office to print, hand out and delete. It goes to
// work/web/ (never the outbox, which units may read) readable by its owner
// only, under a new name each time, and its path is returned. url, when
// not "", is the web desk's address printed on every page.
func WritePasswordSheet(ws *workspace.Workspace, creds []Credential, url string, now time.Time) (string, error) {
	conv, err := workspace.Converter(ws.Config.Language)
	if err != nil {
		return "", err
	}
	t, err := template.New("sheet").Parse(conv(sheetTemplate))
	if err != nil {
		return "", fmt.Errorf("password sheet template: %w", err)
	}
	var buf bytes.Buffer
	err = t.Execute(&buf, map[string]any{
		"County": ws.Config.County, "Office": ws.Config.Office, "URL": url, "Creds": creds,
		"Date": now.In(ws.Config.Location()).Format(time.DateOnly),
	})
	if err != nil {
		return "", fmt.Errorf("password sheet: %w", err)
	}
	dir := filepath.Join(ws.WorkDir(), "web")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("password sheet: %w", err)
	}
	stamp := now.In(ws.Config.Location()).Format("20060102-150405")
	for i := 1; ; i++ {
		name := conv("初始密碼-") + stamp + ".html"
		if i > 1 {
			name = fmt.Sprintf("%s%s-%d.html", conv("初始密碼-"), stamp, i)
		}
		path := filepath.Join(dir, name)
		// O_EXCL and 0600 from the first byte: the sheet is never readable by
		// others, not even for the instant a rename would take.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("password sheet: %w", err)
		}
		_, err = f.Write(buf.Bytes())
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return "", fmt.Errorf("password sheet: %w", err)
		}
		return path, nil
	}
}

// sheetTemplate is one A4 page per account, in Traditional script (the
// sheet is converted as a whole for a Simplified workspace).
const sheetTemplate = `<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{{.County}} 網上報送賬號</title>
<style>
body { font-family: serif; margin: 0; }
section { page-break-after: always; break-after: page; padding: 3cm 2.5cm; }
section:last-child { page-break-after: auto; break-after: auto; }
h1 { font-size: 20pt; } table { font-size: 16pt; border-collapse: collapse; margin: 1.5em 0; }
td { padding: .4em 1em; border: 1px solid #000; } .pw { font-family: monospace; font-size: 20pt; letter-spacing: .1em; }
p { font-size: 12pt; line-height: 1.7; }
</style></head><body>
{{range .Creds}}<section>
<h1>{{$.County}}{{$.Office}} 網上報送賬號</h1>
<table>
<tr><td>單位</td><td>{{if .Unit}}{{.UnitName}}（{{.Unit}}）{{else}}活動辦{{end}}</td></tr>
<tr><td>賬號</td><td class="pw">{{.Account}}</td></tr>
<tr><td>初始密碼</td><td class="pw">{{.Password}}</td></tr>
{{if $.URL}}<tr><td>網址</td><td class="pw">{{$.URL}}</td></tr>{{end}}
</table>
<p>請妥善保管，不要轉給別的單位。密碼區分大小寫，不含容易看錯的 0、O、1、l、I。</p>
<p>忘記密碼或懷疑被別人知道時，請聯繫活動辦重設；重設後舊密碼立即失效。</p>
<p>發放日期：{{$.Date}}</p>
</section>
{{end}}</body></html>
`
