package web

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"countybrief/pipeline"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// Every route a unit can reach with another unit's code, and every office
// route, refuses unit A, and shows nothing of unit B.
func TestEveryRouteRefusesAnotherUnit(t *testing.T) {
	d := newDesk(t, Config{})
	a := d.as(d.a.Code)
	token := a.csrf("/u/" + d.a.Code + "/")
	// A has a pending upload, whose id A then tries on B's send.
	code, body := a.upload("/u/"+d.a.Code+"/check", token, "ok.xlsx", d.accepted(d.a))
	if code != http.StatusOK || !strings.Contains(body, `name="file" value="`) {
		t.Fatalf("A's own upload: %d\n%s", code, body)
	}
	pending := strings.SplitN(strings.SplitN(body, `name="file" value="`, 2)[1], `"`, 2)[0]
	returns, err := returnFiles(d.ws, d.a, time.UTC)
	if err != nil || len(returns) == 0 {
		t.Fatalf("unit A has no return workbook: %v", err)
	}
	b := "/u/" + d.b.Code
	for _, c := range []struct {
		name   string
		method string
		path   string
		form   url.Values
		upload bool
		want   int
	}{
		{"B's page", "GET", b + "/", nil, false, http.StatusNotFound},
		{"B's blank form", "GET", b + "/form", nil, false, http.StatusNotFound},
		{"upload as B", "POST", b + "/check", nil, true, http.StatusNotFound},
		{"send as B with A's file", "POST", b + "/send", url.Values{"csrf": {token}, "file": {pending}}, false, http.StatusNotFound},
		{"A's return workbook under B", "GET", b + "/returns/" + url.PathEscape(returns[0].Name), nil, false, http.StatusNotFound},
		{"a code not in the registry", "GET", "/u/NOPE/", nil, false, http.StatusNotFound},
		{"office page", "GET", "/office/", nil, false, http.StatusForbidden},
		{"draft PDF", "GET", "/office/draft/pdf", nil, false, http.StatusForbidden},
		{"audit report", "GET", "/office/draft/audit", nil, false, http.StatusForbidden},
		{"explain", "GET", "/office/explain?code=x", nil, false, http.StatusForbidden},
		{"publish", "POST", "/office/publish", url.Values{"csrf": {token}}, false, http.StatusForbidden},
		{"close", "POST", "/office/close", url.Values{"csrf": {token}}, false, http.StatusForbidden},
		{"reopen", "POST", "/office/reopen", url.Values{"csrf": {token}, "reason": {"x"}}, false, http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(d.actions())
			var code int
			var body string
			switch {
			case c.upload:
				code, body = a.upload(c.path, token, "b.xlsx", d.accepted(d.b))
			case c.method == "POST":
				code, body = a.POST(c.path, c.form)
			default:
				code, body = a.GET(c.path)
			}
			if code != c.want {
				t.Errorf("%s %s: %d, want %d", c.method, c.path, code, c.want)
			}
			if strings.Contains(body, d.b.Name) {
				t.Errorf("%s %s shows unit B's name", c.method, c.path)
			}
			acts := d.actions()
			if len(acts) != before+1 || acts[0].Action != "refused" || acts[0].OK || acts[0].Account != d.a.Code || acts[0].Remote != "127.0.0.1" {
				t.Errorf("the refusal is not recorded: %+v", acts[:min(1, len(acts))])
			}
		})
	}
	if files := d.inboxFiles(d.b); len(files) != 0 {
		t.Errorf("B's inbox got %v", files)
	}
	if st, _, _ := d.srv.led.PeriodStateOf(context.Background(), d.ws.Config.Period); st != ledger.PeriodOpen {
		t.Errorf("a unit closed the period")
	}
	if last, _ := d.srv.led.LastIssue(context.Background()); last != nil {
		t.Errorf("a unit published issue %d", last.Issue)
	}
}

// Without a login, every page sends to the login form and every action is
// refused.
func TestEveryRouteNeedsALogin(t *testing.T) {
	d := newDesk(t, Config{})
	c := d.client()
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	u := "/u/" + d.a.Code
	for _, r := range []struct{ method, path string }{
		{"GET", u + "/"}, {"GET", u + "/form"}, {"GET", u + "/returns/x.xlsx"}, {"GET", "/office/"},
		{"GET", "/office/draft/pdf"}, {"GET", "/office/explain?code=x"},
		{"POST", u + "/check"}, {"POST", u + "/send"}, {"POST", "/office/publish"}, {"POST", "/office/close"},
		{"POST", "/office/reopen"}, {"POST", "/logout"},
	} {
		var code int
		var body string
		if r.method == "GET" {
			code, body = c.GET(r.path)
		} else {
			code, body = c.POST(r.path, url.Values{})
		}
		want := http.StatusSeeOther
		if r.method == "POST" {
			want = http.StatusUnauthorized
		}
		if code != want || strings.Contains(body, d.a.Name) {
			t.Errorf("%s %s without a login: %d, want %d", r.method, r.path, code, want)
		}
	}
}

// The unit's round: a faulty form gets every problem with its cell and
// fix, a correct one can be sent, and the sent file is in the unit's inbox
// folder byte for byte, under a name the server made.
func TestUploadCheckAndSend(t *testing.T) {
	d := newDesk(t, Config{})
	a := d.as(d.a.Code)
	page := "/u/" + d.a.Code + "/"
	token := a.csrf(page)
	if _, body := a.GET(page); strings.Count(body, "接收（計入匯總）") != 1 || !strings.Contains(body, `id="returns"`) {
		t.Errorf("A's page does not mark its one counted file or list its 退回 workbook")
	}
	// A's own files: its blank form and its 退回 workbook, as attachments.
	returns, err := returnFiles(d.ws, d.a, time.UTC)
	if err != nil || len(returns) == 0 {
		t.Fatalf("A has no 退回 workbook: %v", err)
	}
	for _, p := range []string{"/u/" + d.a.Code + "/form", "/u/" + d.a.Code + "/returns/" + url.PathEscape(returns[0].Name)} {
		req, _ := http.NewRequest("GET", d.ts.URL+p, nil)
		resp, err := a.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 2)
		resp.Body.Read(head)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(head) != "PK" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("GET %s: %d %q %q", p, resp.StatusCode, head, resp.Header.Get("Content-Disposition"))
		}
	}

	code, body := a.upload("/u/"+d.a.Code+"/check", token, `..\..\evil/../blank.xlsx`, d.blank(d.a))
	sc, err := pipeline.CheckOwnFile(writeTemp(t, d.blank(d.a)), d.a.Code, d.ws)
	if err != nil {
		t.Fatal(err)
	}
	errs := 0
	for _, f := range sc.Findings {
		if f.Severity == vocab.Error {
			errs++
		}
	}
	// The same verdict `countybrief check --unit` gives: as many problems,
	// each with its cell.
	verdict := body[strings.Index(body, `id="check"`):]
	verdict = verdict[:strings.Index(verdict, "</section>")]
	if code != http.StatusOK || !strings.Contains(verdict, fmt.Sprintf("有 %d 處錯誤", errs)) || strings.Count(verdict, "<tr class=") != len(sc.Findings) {
		t.Fatalf("blank form: %d, want %d errors and %d findings\n%s", code, errs, len(sc.Findings), body)
	}
	if !strings.Contains(verdict, "審核規則 "+sc.RulesVersion+" 版") {
		t.Errorf("the verdict does not name the rules' version %s", sc.RulesVersion)
	}
	for _, f := range sc.Findings {
		if f.Cell != "" && !strings.Contains(verdict, f.Sheet+"!"+f.Cell) {
			t.Errorf("the page lacks the cell %s!%s", f.Sheet, f.Cell)
		}
	}
	for _, want := range []string{`<td class="cell">`, "怎樣改", "blank.xlsx"} {
		if !strings.Contains(body, want) {
			t.Errorf("the verdict lacks %q", want)
		}
	}
	if strings.Contains(body, `id="send"`) {
		t.Error("a form with errors can be sent")
	}
	if strings.Contains(body, "evil") {
		t.Error("the browser's path is shown")
	}

	good := d.accepted(d.a)
	code, body = a.upload("/u/"+d.a.Code+"/check", token, "fixed.xlsx", good)
	if code != http.StatusOK || !strings.Contains(body, "沒有錯誤，可以報送") || !strings.Contains(body, `id="send"`) {
		t.Fatalf("correct form: %d\n%s", code, body)
	}
	pending := strings.SplitN(strings.SplitN(body, `name="file" value="`, 2)[1], `"`, 2)[0]
	code, body = a.POST("/u/"+d.a.Code+"/send", url.Values{"csrf": {token}, "file": {pending}})
	if code != http.StatusOK || !strings.Contains(body, `id="sent"`) {
		t.Fatalf("send: %d\n%s", code, body)
	}
	files := d.inboxFiles(d.a)
	if len(files) != 1 || !strings.HasPrefix(files[0], d.a.Code+"-網上報送-") {
		t.Fatalf("inbox of A = %v", files)
	}
	got, err := os.ReadFile(filepath.Join(d.ws.InboxDir(), d.a.Code, files[0]))
	if err != nil || !bytes.Equal(got, good) {
		t.Fatalf("the sent file differs from the upload (%v)", err)
	}
	// The same id cannot send twice.
	if code, _ := a.POST("/u/"+d.a.Code+"/send", url.Values{"csrf": {token}, "file": {pending}}); code != http.StatusConflict {
		t.Errorf("second send: %d, want %d", code, http.StatusConflict)
	}
	var seen []string
	for _, act := range d.actions() {
		if act.Account == d.a.Code && act.Remote == "127.0.0.1" {
			seen = append(seen, act.Action)
		}
	}
	if got := strings.Join(seen, " "); got != "send send upload upload download download login" {
		t.Errorf("A's actions, newest first: %s", got)
	}
}

// A stale session, a wrong form token and a request from another site are
// refused and change nothing.
func TestStaleSessionsAndForgedForms(t *testing.T) {
	now := time.Now()
	clock := &now
	d := newDesk(t, Config{Now: func() time.Time { return *clock }, SessionTTL: time.Hour})
	a := d.as(d.a.Code)
	page := "/u/" + d.a.Code + "/"
	token := a.csrf(page)

	if code, _ := a.POST("/u/"+d.a.Code+"/send", url.Values{"csrf": {"forged"}, "file": {"x"}}); code != http.StatusForbidden {
		t.Errorf("a send with a forged token: %d", code)
	}
	if code, _ := a.upload("/u/"+d.a.Code+"/check", "forged", "x.xlsx", d.blank(d.a)); code != http.StatusForbidden {
		t.Errorf("an upload with a forged token: %d", code)
	}
	if code, _ := a.POST("/logout", url.Values{"csrf": {"forged"}}); code != http.StatusForbidden {
		t.Errorf("a logout with a forged token: %d", code)
	}

	// Another site's page posting with the unit's cookie.
	req, _ := http.NewRequest("POST", d.ts.URL+"/u/"+d.a.Code+"/send", strings.NewReader(url.Values{"csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "http://evil.example")
	if code, _ := a.do(req); code != http.StatusForbidden {
		t.Errorf("a cross-site post: %d, want 403", code)
	}

	// An expired session is no session.
	*clock = now.Add(time.Hour + time.Second)
	a.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if code, _ := a.GET(page); code != http.StatusSeeOther {
		t.Errorf("an expired session: %d, want a redirect to the login", code)
	}
	*clock = now

	// A password reset ends the sessions of the account.
	fresh := d.as(d.b.Code)
	if _, err := ResetPassword(context.Background(), d.ws, d.b.Code, now); err != nil {
		t.Fatal(err)
	}
	fresh.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if code, _ := fresh.GET("/u/" + d.b.Code + "/"); code != http.StatusSeeOther {
		t.Errorf("a session after a reset: %d", code)
	}
	// After a logout the old cookie is worthless, even replayed.
	o := d.as(d.office)
	cookies := o.hc.Jar.Cookies(mustURL(t, d.ts.URL))
	if code, _ := o.POST("/logout", url.Values{"csrf": {o.csrf("/office/")}}); code != http.StatusOK {
		t.Fatalf("logout: %d", code)
	}
	replay := d.client()
	replay.hc.Jar.SetCookies(mustURL(t, d.ts.URL), cookies)
	replay.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if code, _ := replay.GET("/office/"); code != http.StatusSeeOther {
		t.Errorf("a replayed cookie after logout: %d", code)
	}
}

func writeTemp(t *testing.T, data []byte) string {
	path := filepath.Join(t.TempDir(), "form.xlsx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Codes and names that look like paths reach no file.
func TestPathsFromRequestsReachNothing(t *testing.T) {
	d := newDesk(t, Config{})
	o := d.as(d.office) // the office may see every unit: the widest reach
	secret := "ledger"  // a word of config.yaml's paths section
	for _, p := range []string{
		"/u/..%2F..%2Fconfig.yaml/",
		"/u/%2e%2e/form",
		"/u/" + d.a.Code + "/returns/..%2F..%2F..%2Fconfig.yaml",
		"/u/" + d.a.Code + "/returns/%2e%2e%2fconfig.yaml",
		"/office/draft/..%2F..%2Fconfig.yaml",
		"/static/..%2Fweb.go",
	} {
		code, body := o.GET(p)
		if code == http.StatusOK || strings.Contains(body, secret+":") {
			t.Errorf("GET %s: %d\n%.300s", p, code, body)
		}
	}
}

// An upload over the cap is refused before it is read whole; a zip bomb
// of the right size is judged by the batch's reader limits and refused
// with a reason.
func TestHostileUploads(t *testing.T) {
	d := newDesk(t, Config{})
	a := d.as(d.a.Code)
	token := a.csrf("/u/" + d.a.Code + "/")
	big := bytes.Repeat([]byte("x"), int(d.ws.Config.MaxFileBytes)+1)
	if code, body := a.upload("/u/"+d.a.Code+"/check", token, "big.xlsx", big); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "文件太大") {
		t.Errorf("oversize upload: %d\n%.400s", code, body)
	}
	code, body := a.upload("/u/"+d.a.Code+"/check", token, "bomb.xlsx", zipBomb(t))
	if code != http.StatusOK || !strings.Contains(body, `id="verdict">有 1 處錯誤`) || !strings.Contains(body, "解壓後超過") || strings.Contains(body, `id="send"`) {
		t.Errorf("zip bomb: %d\n%.3000s", code, body)
	}
	if code, body := a.upload("/u/"+d.a.Code+"/check", token, "empty.xlsx", nil); code != http.StatusBadRequest || !strings.Contains(body, "沒有選文件") {
		t.Errorf("empty upload: %d\n%.400s", code, body)
	}
	if files := d.inboxFiles(d.a); len(files) != 0 {
		t.Errorf("hostile uploads reached the inbox: %v", files)
	}
	entries, _ := os.ReadDir(d.srv.pendingDir(d.ws))
	if len(entries) != 0 {
		t.Errorf("rejected uploads are kept: %d files", len(entries))
	}
}

// zipBomb is a small workbook-shaped zip whose sheet unzips to 1 GiB.
func zipBomb(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte(`<?xml version="1.0"?><x/>`))
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range 1024 {
		w.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Guessing passwords locks the account and then the address.
func TestBruteForceLogin(t *testing.T) {
	d := newDesk(t, Config{LockAfter: 3, LoginBurst: 6, LoginEvery: time.Hour})
	c := d.client()
	for i := range 3 {
		if code, _ := c.login(d.a.Code, "guess"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	code, body := c.login(d.a.Code, d.pw[d.a.Code])
	if code != http.StatusUnauthorized || !strings.Contains(body, "已暫時鎖定") {
		t.Fatalf("the right password on a locked account: %d\n%s", code, body)
	}
	// Unknown accounts answer as wrong passwords do.
	code, body = c.login("nobody", "guess")
	if code != http.StatusUnauthorized || !strings.Contains(body, "賬號或密碼不對") {
		t.Errorf("unknown account: %d", code)
	}
	// Two more attempts from the address spend its burst.
	c.login(d.b.Code, "guess")
	if code, _ := c.login(d.b.Code, d.pw[d.b.Code]); code != http.StatusTooManyRequests {
		t.Errorf("the seventh attempt from one address: %d, want 429", code)
	}
	failed := 0
	for _, a := range d.actions() {
		if a.Action == "login" && !a.OK && a.Remote == "127.0.0.1" {
			failed++
		}
	}
	if failed != 7 {
		t.Errorf("failed logins recorded: %d, want 7", failed)
	}
	// A reset lifts the lock.
	cred, err := ResetPassword(context.Background(), d.ws, d.a.Code, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	d.pw[d.a.Code] = cred.Password
	d.srv.limiters = map[string]*rate.Limiter{} // a new minute
	d.as(d.a.Code)
}

// A unit that uploads without pause is slowed before its files are read.
func TestUploadRateLimit(t *testing.T) {
	d := newDesk(t, Config{UploadBurst: 2, UploadEvery: time.Hour})
	a := d.as(d.a.Code)
	token := a.csrf("/u/" + d.a.Code + "/")
	for i, want := range []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests} {
		if code, _ := a.upload("/u/"+d.a.Code+"/check", token, "f.xlsx", d.blank(d.a)); code != want {
			t.Errorf("upload %d: %d, want %d", i+1, code, want)
		}
	}
	// Another unit is not slowed by the first.
	b := d.as(d.b.Code)
	if code, _ := b.upload("/u/"+d.b.Code+"/check", b.csrf("/u/"+d.b.Code+"/"), "f.xlsx", d.blank(d.b)); code != http.StatusOK {
		t.Errorf("the other unit's upload: %d", code)
	}
}

// Two units checking and sending at the same moment, while the office
// reads the county, each get their own verdict and only their own file in
// their own folder.
func TestUnitsAtOnce(t *testing.T) {
	d := newDesk(t, Config{})
	type result struct {
		unit string
		err  string
	}
	done := make(chan result, 3)
	for _, u := range []string{d.a.Code, d.b.Code} {
		c := d.as(u)
		form := d.accepted(map[string]workspace.Unit{d.a.Code: d.a, d.b.Code: d.b}[u])
		go func() {
			token := c.csrf("/u/" + u + "/")
			code, body := c.upload("/u/"+u+"/check", token, u+".xlsx", form)
			if code != http.StatusOK || !strings.Contains(body, `name="file" value="`) {
				done <- result{u, fmt.Sprintf("check: %d", code)}
				return
			}
			pending := strings.SplitN(strings.SplitN(body, `name="file" value="`, 2)[1], `"`, 2)[0]
			if code, _ := c.POST("/u/"+u+"/send", url.Values{"csrf": {token}, "file": {pending}}); code != http.StatusOK {
				done <- result{u, fmt.Sprintf("send: %d", code)}
				return
			}
			done <- result{u, ""}
		}()
	}
	o := d.as(d.office)
	go func() {
		if code, _ := o.GET("/office/"); code != http.StatusOK {
			done <- result{"office", fmt.Sprintf("office page: %d", code)}
			return
		}
		done <- result{"office", ""}
	}()
	for range 3 {
		if r := <-done; r.err != "" {
			t.Errorf("%s: %s", r.unit, r.err)
		}
	}
	for _, u := range []workspace.Unit{d.a, d.b} {
		files := d.inboxFiles(u)
		if len(files) != 1 || !strings.HasPrefix(files[0], u.Code+"-") {
			t.Errorf("inbox of %s = %v", u.Code, files)
			continue
		}
		got, _ := os.ReadFile(filepath.Join(d.ws.InboxDir(), u.Code, files[0]))
		if !bytes.Equal(got, d.accepted(u)) {
			t.Errorf("%s's inbox holds another file", u.Code)
		}
	}
}
