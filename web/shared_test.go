package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"countybrief/internal/pgtest"
	"countybrief/pipeline"
	"countybrief/pipeline/workspace"
)

// Two web desks on two machines (two workspaces) share one ledger on
// PostgreSQL: the county's ledger moved there with CopyLedger, an account
// made through one logs in at the other, and what a unit does at the
// second is in the ledger the first reads.
func TestTwoDesksShareALedger(t *testing.T) {
	ctx := context.Background()
	url := pgtest.New(t).Database(t)
	var wss [2]*workspace.Workspace
	for i := range wss {
		dir := filepath.Join(t.TempDir(), "ws")
		if err := os.CopyFS(dir, os.DirFS(county(t))); err != nil {
			t.Fatal(err)
		}
		ws, err := workspace.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := pipeline.CopyLedger(ctx, ws, url); err != nil {
				t.Fatal(err)
			}
		}
		cfg := filepath.Join(dir, "config.yaml")
		data, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		edited := strings.Replace(string(data), "ledger: ledger.db", "ledger: "+url, 1)
		if edited == string(data) {
			t.Fatal("config.yaml has no paths.ledger line to edit")
		}
		if err := os.WriteFile(cfg, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(ws.LedgerPath()); err != nil {
			t.Fatal(err)
		}
		if wss[i], err = workspace.Load(dir); err != nil {
			t.Fatal(err)
		}
	}

	unit := wss[0].Units[0]
	creds, err := AddUnitAccounts(ctx, wss[0], []string{unit.Code}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	d := &desk{t: t, ws: wss[1], pw: map[string]string{creds[0].Account: creds[0].Password}, a: unit}
	if d.srv, err = New(wss[1], Config{}); err != nil {
		t.Fatal(err)
	}
	d.ts = httptest.NewServer(d.srv)
	t.Cleanup(func() {
		d.ts.Close()
		if err := d.srv.Close(); err != nil {
			t.Error(err)
		}
	})
	c := d.as(creds[0].Account)
	page := "/u/" + unit.Code + "/"
	if code, body := c.GET(page); code != http.StatusOK || !strings.Contains(body, "接收（計入匯總）") {
		t.Errorf("the unit's page at the second desk: %d, without the counted file the copied ledger holds", code)
	}
	accs, err := Accounts(ctx, wss[0])
	if err != nil || len(accs) != 1 || accs[0].Name != creds[0].Account {
		t.Errorf("accounts through the first workspace = %v, %v", accs, err)
	}
	// The login at the second desk is recorded in the ledger both read.
	first := &desk{t: t, ws: wss[0]}
	found := false
	for _, a := range first.actions() {
		found = found || (a.Account == creds[0].Account && a.OK)
	}
	if !found {
		t.Errorf("the first workspace's ledger lacks the login made at the second desk: %+v", first.actions())
	}
}
