package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/workspace"
)

// The office page tells the same states as pipeline.Status, and its
// buttons do what the commands do, recorded with who pressed them.
func TestOfficeDashboardAndActions(t *testing.T) {
	d := newDesk(t, Config{})
	o := d.as(d.office)
	code, body := o.GET("/office/")
	if code != http.StatusOK {
		t.Fatalf("office page: %d", code)
	}
	st, err := pipeline.Status(context.Background(), d.ws, d.ws.Config.Period, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	reported := 0
	for _, u := range st.Units {
		if u.State.Counted() {
			reported++
		}
	}
	if !strings.Contains(body, `<b id="reported">`+strconv.Itoa(reported)+`</b>`) {
		t.Errorf("the page does not count %d reported units", reported)
	}
	for _, want := range []string{"<svg", `id="draft"`, `id="returned"`, "已過截止時間", d.a.Name} {
		if !strings.Contains(body, want) {
			t.Errorf("the office page lacks %q", want)
		}
	}
	// The office reads any unit's page, but sends for none.
	if code, _ := o.GET("/u/" + d.a.Code + "/"); code != http.StatusOK {
		t.Errorf("office on a unit page: %d", code)
	}
	token := o.csrf("/office/")
	if code, _ := o.upload("/u/"+d.a.Code+"/check", token, "x.xlsx", d.accepted(d.a)); code != http.StatusForbidden {
		t.Errorf("office upload for a unit: %d", code)
	}
	if code, _ := o.POST("/u/"+d.a.Code+"/send", url.Values{"csrf": {token}, "file": {"x"}}); code != http.StatusForbidden {
		t.Errorf("office send for a unit: %d", code)
	}

	for _, what := range []string{"pdf", "audit", "totals"} {
		code, body := o.GET("/office/draft/" + what)
		if code != http.StatusOK || len(body) < 100 {
			t.Errorf("draft %s: %d, %d bytes", what, code, len(body))
		}
	}

	code, body = o.POST("/office/publish", url.Values{"csrf": {token}})
	if code != http.StatusOK || !strings.Contains(body, "已發布第1期") {
		t.Fatalf("publish: %d\n%.3000s", code, body)
	}
	if _, err := os.Stat(filepath.Join(d.ws.OutboxDir(), d.ws.Config.Period, "簡報第1期.pdf")); err != nil {
		t.Errorf("the published issue is not in the outbox: %v", err)
	}
	if code, body = o.POST("/office/publish", url.Values{"csrf": {token}}); !strings.Contains(body, "未發布新的一期") {
		t.Errorf("publish again: %d", code)
	}

	if code, body = o.POST("/office/reopen", url.Values{"csrf": {token}, "reason": {"x"}}); code != http.StatusConflict {
		t.Errorf("reopen an open period: %d", code)
	}
	if code, body = o.POST("/office/close", url.Values{"csrf": {token}}); code != http.StatusOK || !strings.Contains(body, "已關閉") {
		t.Errorf("close: %d", code)
	}
	if code, body = o.POST("/office/reopen", url.Values{"csrf": {token}, "reason": {"  "}}); code != http.StatusConflict || !strings.Contains(body, "必須寫明原因") {
		t.Errorf("reopen without a reason: %d", code)
	}
	if code, body = o.POST("/office/reopen", url.Values{"csrf": {token}, "reason": {"縣委同意延期"}}); code != http.StatusOK || !strings.Contains(body, "已重新開放") {
		t.Errorf("reopen: %d", code)
	}
	led := d.srv.led
	hist, err := led.PeriodHistory(context.Background(), d.ws.Config.Period)
	if err != nil || len(hist) != 2 || hist[1].State != ledger.PeriodOpen || hist[1].Reason != "縣委同意延期" {
		t.Errorf("period history = %+v, %v", hist, err)
	}
	var seen []string
	for _, a := range d.actions() {
		if a.Account == d.office && a.Action != "download" && a.Action != "login" {
			seen = append(seen, a.Action+map[bool]string{true: "", false: "!"}[a.OK])
		}
	}
	if got := strings.Join(seen, " "); got != "reopen reopen! close reopen! publish publish refused! refused!" {
		t.Errorf("office actions, newest first: %s", got)
	}
}

func TestExplainPage(t *testing.T) {
	d := newDesk(t, Config{})
	o := d.as(d.office)
	in := d.ws.Catalogue.Indicators[0]
	ex, err := pipeline.Explain(context.Background(), d.ws, in.Code, pipeline.ExplainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	code, body := o.GET("/office/explain?code=" + url.QueryEscape(in.Code))
	if code != http.StatusOK || !strings.Contains(body, `<span id="figure">`+ex.Text+`</span>`) {
		t.Fatalf("explain %s: %d, want the figure %s\n%.2000s", in.Code, code, ex.Text, body)
	}
	if n := strings.Count(body, "<tr><td>"); n != len(ex.Lines) {
		t.Errorf("%d source lines shown, want %d", n, len(ex.Lines))
	}
	if code, _ := o.GET("/office/explain?code=" + url.QueryEscape("<script>")); code != http.StatusNotFound {
		t.Errorf("an unknown indicator: %d", code)
	}
}

// A Simplified workspace gets Simplified pages, its own words and the
// program's.
func TestPagesInTheWorkspaceScript(t *testing.T) {
	d := newDesk(t, Config{})
	cfg := filepath.Join(d.ws.Dir, workspace.ConfigFile)
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lang := regexp.MustCompile(`(?m)^language:.*$`)
	if lang.Match(data) {
		data = lang.ReplaceAll(data, []byte("language: zh-Hans"))
	} else {
		data = append(data, "\nlanguage: zh-Hans\n"...)
	}
	if err := os.WriteFile(cfg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c := d.client()
	_, body := c.GET("/login")
	if !strings.Contains(body, "登录") || strings.Contains(body, "登錄") {
		t.Errorf("login page not in Simplified:\n%s", body)
	}
	if _, body := c.login(d.a.Code, "wrong"); !strings.Contains(body, "账号或密码不对") {
		t.Errorf("the login's problem is not in Simplified")
	}
	o := d.as(d.office)
	_, body = o.GET("/office/")
	if !strings.Contains(body, "已接收") || strings.Contains(body, "發布") || !strings.Contains(body, "发布") {
		t.Errorf("office page not in Simplified")
	}
}

func TestCookies(t *testing.T) {
	for _, tls := range []bool{false, true} {
		d := newDesk(t, Config{TLS: tls})
		c := d.client()
		c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		req, _ := http.NewRequest("POST", d.ts.URL+"/login", strings.NewReader(url.Values{
			"csrf": {c.csrf("/login")}, "account": {d.a.Code}, "password": {d.pw[d.a.Code]}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var session string
		for _, h := range resp.Header.Values("Set-Cookie") {
			if strings.HasPrefix(h, sessionCookie+"=") {
				session = h
			}
		}
		for _, want := range []string{"HttpOnly", "SameSite=Strict", "Expires="} {
			if !strings.Contains(session, want) {
				t.Errorf("tls=%v: the session cookie %q lacks %s", tls, session, want)
			}
		}
		if strings.Contains(session, "Secure") != tls {
			t.Errorf("tls=%v: session cookie %q", tls, session)
		}
		if got := resp.Header.Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors 'none'") {
			t.Errorf("no CSP: %q", got)
		}
		if hsts := resp.Header.Get("Strict-Transport-Security") != ""; hsts != tls {
			t.Errorf("tls=%v: HSTS %v", tls, hsts)
		}
	}
}

func TestAccountsAndPasswordSheet(t *testing.T) {
	ws := copyCounty(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	all, err := AddUnitAccounts(ctx, ws, nil, now)
	if err != nil || len(all) != len(ws.Units) {
		t.Fatalf("accounts for every unit: %d, %v", len(all), err)
	}
	again, err := AddUnitAccounts(ctx, ws, nil, now)
	if err != nil || len(again) != 0 {
		t.Errorf("a second add made %d accounts, %v", len(again), err)
	}
	if _, err := AddUnitAccounts(ctx, ws, []string{ws.Units[0].Code}, now); err == nil {
		t.Error("a unit got a second account")
	}
	if _, err := AddUnitAccounts(ctx, ws, []string{"../x"}, now); err == nil {
		t.Error("an account for a code not in the registry")
	}
	if _, err := AddOfficeAccount(ctx, ws, ws.Units[0].Code, now); err == nil {
		t.Error("an office account named as a unit")
	}
	path, err := WritePasswordSheet(ws, all, "https://10.0.0.1:8443/", now)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("sheet %s: %v, %v", path, fi.Mode(), err)
	}
	if rel, _ := filepath.Rel(ws.Dir, path); !strings.HasPrefix(rel, "work") {
		t.Errorf("the sheet is at %s, outside work/", rel)
	}
	sheet, _ := os.ReadFile(path)
	if n := strings.Count(string(sheet), "<section>"); n != len(ws.Units) {
		t.Errorf("%d pages, want one per unit (%d)", n, len(ws.Units))
	}
	for _, c := range all[:3] {
		if !strings.Contains(string(sheet), c.Password) || !strings.Contains(string(sheet), c.UnitName) {
			t.Errorf("the sheet lacks %s's password or name", c.Account)
		}
	}
	second, err := WritePasswordSheet(ws, all[:1], "", now)
	if err != nil || second == path {
		t.Errorf("a second sheet the same second: %s, %v", second, err)
	}
	// Hashes, never passwords, are in the ledger.
	led, _ := os.ReadFile(ws.LedgerPath())
	if strings.Contains(string(led), all[0].Password) {
		t.Error("a password is in the ledger file")
	}
	accs, err := Accounts(ctx, ws)
	if err != nil || len(accs) != len(ws.Units) || !strings.HasPrefix(accs[0].Hash, "$argon2id$") {
		t.Errorf("accounts: %d, %v", len(accs), err)
	}
	if err := DisableAccount(ctx, ws, "nobody", now); err == nil {
		t.Error("disabling a missing account")
	}
}

func TestPasswords(t *testing.T) {
	pw, err := newPassword()
	if err != nil || len(pw) != 12 || strings.ContainsAny(pw, "0O1lI") {
		t.Fatalf("password %q, %v", pw, err)
	}
	h, err := hashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		hash, pw string
		ok       bool
		err      bool
	}{
		{h, pw, true, false},
		{h, pw + "x", false, false},
		{h, "", false, false},
		{dummyHash, "", false, false},
		{"plain", pw, false, true},
		{"$argon2id$v=19$m=0,t=2,p=1$AAAA$AAAA", pw, false, true},
		{"$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA", pw, false, true},
	} {
		ok, err := checkPassword(c.hash, c.pw)
		if ok != c.ok || (err != nil) != c.err {
			t.Errorf("checkPassword(%.20s…, %q) = %v, %v", c.hash, c.pw, ok, err)
		}
	}
}

func TestWarnings(t *testing.T) {
	ws := copyCounty(t)
	ctx := context.Background()
	if w, err := Warnings(ctx, ws); err != nil || len(w) != 0 {
		t.Fatalf("no accounts: %v, %v", w, err)
	}
	creds, err := AddUnitAccounts(ctx, ws, []string{ws.Units[0].Code}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if w, err := Warnings(ctx, ws); err != nil || len(w) != 1 || !strings.Contains(w[0], "--tls-cert") {
		t.Fatalf("accounts: %v, %v", w, err)
	}
	sheet, err := WritePasswordSheet(ws, creds, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := Warnings(ctx, ws); len(w) != 2 || !strings.Contains(w[1], filepath.Base(sheet)) {
		t.Fatalf("a sheet left: %v", w)
	}
}

// The office page and the explain page's way back name the whole area by
// config.yaml's area: (全市 at init --example city, 全縣 at a county), in
// the workspace's script.
func TestOfficePageNamesTheArea(t *testing.T) {
	tests := []struct{ example, lang, want string }{
		{"campaign", workspace.Traditional, "全縣報送情況"},
		{"city", workspace.Traditional, "全市報送情況"},
		{"campaign", workspace.Simplified, "全县报送情况"},
		{"city", workspace.Simplified, "全市报送情况"},
	}
	for _, tt := range tests {
		t.Run(tt.example+"/"+tt.lang, func(t *testing.T) {
			ws, err := pipeline.InitExampleIn(t.TempDir(), tt.example, tt.lang)
			if err != nil {
				t.Fatal(err)
			}
			d := &desk{t: t, ws: ws, pw: map[string]string{}, office: "office"}
			oc, err := AddOfficeAccount(context.Background(), ws, d.office, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			d.pw[oc.Account] = oc.Password
			if d.srv, err = New(ws, Config{}); err != nil {
				t.Fatal(err)
			}
			d.ts = httptest.NewServer(d.srv)
			t.Cleanup(func() {
				d.ts.Close()
				if err := d.srv.Close(); err != nil {
					t.Error(err)
				}
			})
			o := d.as(d.office)
			code, body := o.GET("/office/")
			if code != http.StatusOK || !strings.Contains(body, "<title>"+tt.want+" · ") || !strings.Contains(body, "<h1>"+tt.want+" ") {
				t.Errorf("office page: %d, want the title and heading %s\n%.1500s", code, tt.want, body)
			}
			in := ws.Catalogue.Indicators[0]
			code, body = o.GET("/office/explain?code=" + url.QueryEscape(in.Code))
			if code != http.StatusOK || !strings.Contains(body, "← "+tt.want+"</a>") {
				t.Errorf("explain page: %d, want the way back to %s\n%.1500s", code, tt.want, body)
			}
		})
	}
}

// The office reads the draft PDF in the browser and saves the workbooks;
// each is the draft's own file.
func TestDraftDownloads(t *testing.T) {
	d := newDesk(t, Config{})
	o := d.as(d.office)
	draft := pipeline.Draft(d.ws, d.ws.Config.Period)
	for _, c := range []struct {
		what, file, ctype, disposition string
	}{
		{"pdf", draft.PDF, "application/pdf", "inline"},
		{"audit", draft.Audit, xlsxType, "attachment"},
		{"totals", draft.Totals, xlsxType, "attachment"},
	} {
		want, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatalf("the sample county has no draft %s: %v", c.what, err)
		}
		req, _ := http.NewRequest("GET", d.ts.URL+"/office/draft/"+c.what, nil)
		resp, err := o.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		disp := resp.Header.Get("Content-Disposition")
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) || resp.Header.Get("Content-Type") != c.ctype || !strings.HasPrefix(disp, c.disposition+";") {
			t.Errorf("GET /office/draft/%s: %d, %d bytes (want %d), %q, %q", c.what, resp.StatusCode, len(got), len(want), resp.Header.Get("Content-Type"), disp)
		}
	}
}
