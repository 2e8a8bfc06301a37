package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"countybrief/pipeline"
)

// TestRebuildUnderARunningDesk: `ledger rebuild` while the desk runs. The
// accounts are carried, so the same password logs in, on the same desk,
// which has opened the rebuilt ledger (the login is recorded there, not in
// the file renamed aside); the sessions are not, so a browser logged in
// before logs in again.
func TestRebuildUnderARunningDesk(t *testing.T) {
	d := newDesk(t, Config{})
	before := d.as(d.a.Code)
	unitPage := "/u/" + d.a.Code + "/"
	if code, body := before.GET(unitPage); code != http.StatusOK || strings.Contains(body, `name="password"`) {
		t.Fatalf("before the rebuild: %d\n%s", code, body)
	}

	rep, err := pipeline.RebuildLedger(context.Background(), d.ws, pipeline.RebuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accounts != 3 || rep.AccountsLost != "" {
		t.Fatalf("carried %d accounts (lost: %q), want 3", rep.Accounts, rep.AccountsLost)
	}

	if _, body := before.GET(unitPage); !strings.Contains(body, `name="password"`) {
		t.Errorf("a session from before the rebuild still opens the unit's page:\n%s", body)
	}
	after := d.as(d.a.Code)
	if code, body := after.GET(unitPage); code != http.StatusOK || strings.Contains(body, `name="password"`) {
		t.Errorf("after the rebuild: %d\n%s", code, body)
	}
	acts := d.actions()
	logins := 0
	for _, a := range acts {
		if a.Action == "login" && a.Account == d.a.Code && a.OK {
			logins++
		}
	}
	if logins != 2 {
		t.Errorf("the rebuilt ledger holds %d logins of %s, want the one carried and the one after: %+v", logins, d.a.Code, acts)
	}
}
