package ledger

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAccountLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, path := open(t)
		if err := l.AddAccount(ctx, Account{Name: "office", Hash: "h0", Created: t0}); err != nil {
			t.Fatal(err)
		}
		if err := l.AddAccount(ctx, Account{Name: "u01", Unit: "U01", Hash: "h1", Created: t0}); err != nil {
			t.Fatal(err)
		}
		if err := l.AddAccount(ctx, Account{Name: "u01", Unit: "U02", Hash: "other", Created: t0}); !errors.Is(err, ErrAccountExists) {
			t.Fatalf("a second u01: %v, want ErrAccountExists", err)
		}
		a, err := l.Account(ctx, "u01")
		if err != nil || a.Unit != "U01" || a.Hash != "h1" || a.Office() || !a.Created.Equal(t0) {
			t.Fatalf("u01 = %+v, %v", a, err)
		}
		if _, err := l.Account(ctx, "nobody"); !errors.Is(err, ErrNoAccount) {
			t.Fatalf("nobody: %v", err)
		}
		all, err := l.Accounts(ctx)
		if err != nil || len(all) != 2 || !all[0].Office() || all[1].Name != "u01" {
			t.Fatalf("accounts = %+v, %v", all, err)
		}

		s := Session{TokenHash: "tok", Account: "u01", CSRF: "c", Remote: "10.0.0.5", Created: t0, Expires: t0.Add(time.Hour)}
		if err := l.AddSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		got, acc, ok, err := l.SessionOf(ctx, "tok", t0.Add(time.Minute))
		if err != nil || !ok || got.CSRF != "c" || acc.Unit != "U01" {
			t.Fatalf("session = %+v %+v %v %v", got, acc, ok, err)
		}
		for _, c := range []struct {
			name  string
			token string
			at    time.Time
		}{
			{"expired", "tok", t0.Add(time.Hour)},
			{"unknown token", "other", t0.Add(time.Minute)},
		} {
			if _, _, ok, err := l.SessionOf(ctx, c.token, c.at); ok || err != nil {
				t.Errorf("%s: ok=%v err=%v, want no session", c.name, ok, err)
			}
		}

		// A failed-login lock is kept, and a reset clears it and ends sessions.
		lock := t0.Add(15 * time.Minute)
		if err := l.SetLoginFailures(ctx, "u01", 5, lock); err != nil {
			t.Fatal(err)
		}
		if a, _ := l.Account(ctx, "u01"); a.Failures != 5 || !a.LockedUntil.Equal(lock) {
			t.Fatalf("after failures: %+v", a)
		}
		if err := l.SetPassword(ctx, "u01", "h2", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if a, _ := l.Account(ctx, "u01"); a.Failures != 0 || !a.LockedUntil.IsZero() || a.Hash != "h2" {
			t.Fatalf("after reset: %+v", a)
		}
		if _, _, ok, _ := l.SessionOf(ctx, "tok", t0.Add(time.Minute)); ok {
			t.Fatal("a reset left the account's session valid")
		}

		// Disabling ends sessions and refuses new ones.
		if err := l.AddSession(ctx, Session{TokenHash: "tok2", Account: "u01", CSRF: "c", Created: t0, Expires: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := l.DisableAccount(ctx, "u01", t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, _, ok, _ := l.SessionOf(ctx, "tok2", t0.Add(3*time.Minute)); ok {
			t.Fatal("a disabled account's session is still valid")
		}
		if err := l.DisableAccount(ctx, "ghost", t0); !errors.Is(err, ErrNoAccount) {
			t.Fatalf("disable ghost: %v", err)
		}

		// A second process reads the same accounts from the file.
		l2, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer l2.Close()
		if a, err := l2.Account(ctx, "u01"); err != nil || !a.Disabled {
			t.Fatalf("u01 read by a second opener = %+v, %v", a, err)
		}
	})
}

func TestAccountWebActions(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		for i, a := range []WebAction{
			{Account: "u01", Remote: "10.0.0.5", Action: "login", Unit: "U01", OK: true},
			{Account: "u02", Remote: "10.0.0.6", Action: "send", Unit: "U02", Detail: "a.xlsx", OK: true},
			{Account: "u01", Remote: "10.0.0.5", Action: "download", Unit: "U02", OK: false},
		} {
			a.At = t0.Add(time.Duration(i) * time.Minute)
			if err := l.RecordWebAction(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		all, err := l.WebActions(ctx, "", 10)
		if err != nil || len(all) != 3 || all[0].Action != "download" || all[0].OK {
			t.Fatalf("all = %+v, %v", all, err)
		}
		u2, err := l.WebActions(ctx, "U02", 1)
		if err != nil || len(u2) != 1 || u2[0].Action != "download" || u2[0].Remote != "10.0.0.5" {
			t.Fatalf("U02 = %+v, %v", u2, err)
		}
	})
}
