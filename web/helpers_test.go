package web

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/workspace"
)

// theCounty is the sample county after one batch, built once per test
// binary on first use (fuzz targets never need it) and copied by every
// test that changes it.
var theCounty struct {
	once sync.Once
	dir  string // the folder holding it, removed by TestMain
	err  error
}

func county(t testing.TB) string {
	t.Helper()
	theCounty.once.Do(func() {
		if theCounty.dir, theCounty.err = os.MkdirTemp("", "countybrief-web-"); theCounty.err != nil {
			return
		}
		dir := filepath.Join(theCounty.dir, "county")
		ws, _, err := demo.Build(dir, demo.Options{Seed: 1, Init: pipeline.Init})
		if err != nil {
			theCounty.err = fmt.Errorf("build the sample county: %w", err)
			return
		}
		if _, err := pipeline.Run(context.Background(), ws, pipeline.Options{}); err != nil {
			theCounty.err = fmt.Errorf("run the sample county: %w", err)
		}
	})
	if theCounty.err != nil {
		t.Fatal(theCounty.err)
	}
	return filepath.Join(theCounty.dir, "county")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if theCounty.dir != "" {
		os.RemoveAll(theCounty.dir)
	}
	os.Exit(code)
}

// desk is a running web desk over a copy of the county, with accounts
// for two units and the office.
type desk struct {
	t      *testing.T
	ws     *workspace.Workspace
	srv    *Server
	ts     *httptest.Server
	pw     map[string]string // account → password
	a, b   workspace.Unit    // two units with accounts
	office string
}

// copyCounty returns a private copy of the sample county's workspace.
func copyCounty(t testing.TB) *workspace.Workspace {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ws")
	if err := os.CopyFS(dir, os.DirFS(county(t))); err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func newDesk(t *testing.T, cfg Config) *desk {
	t.Helper()
	ws := copyCounty(t)
	ctx := context.Background()
	d := &desk{t: t, ws: ws, pw: map[string]string{}, office: "office"}
	// Unit a was returned once, so that it has a 退回 workbook; b is any other.
	for _, u := range ws.Units {
		if files, _ := returnFiles(ws, u, time.UTC); len(files) > 0 && d.a.Code == "" {
			d.a = u
		} else if d.b.Code == "" {
			d.b = u
		}
	}
	creds, err := AddUnitAccounts(ctx, ws, []string{d.a.Code, d.b.Code}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	oc, err := AddOfficeAccount(ctx, ws, d.office, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range append(creds, oc) {
		d.pw[c.Account] = c.Password
	}
	if d.srv, err = New(ws, cfg); err != nil {
		t.Fatal(err)
	}
	d.ts = httptest.NewServer(d.srv)
	t.Cleanup(func() {
		d.ts.Close()
		if err := d.srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

// client is one browser: a cookie jar, redirects followed.
type client struct {
	d   *desk
	hc  *http.Client
	get func(path string) (int, string)
}

func (d *desk) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		d.t.Fatal(err)
	}
	c := &client{d: d, hc: &http.Client{Jar: jar}}
	return c
}

func (c *client) do(req *http.Request) (int, string) {
	c.d.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.d.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.d.t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func (c *client) GET(path string) (int, string) {
	c.d.t.Helper()
	req, err := http.NewRequest("GET", c.d.ts.URL+path, nil)
	if err != nil {
		c.d.t.Fatal(err)
	}
	return c.do(req)
}

func (c *client) POST(path string, form url.Values) (int, string) {
	c.d.t.Helper()
	req, err := http.NewRequest("POST", c.d.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.d.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrf is the form token of the page at path.
func (c *client) csrf(path string) string {
	c.d.t.Helper()
	_, body := c.GET(path)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		c.d.t.Fatalf("no form token on %s:\n%s", path, body)
	}
	return html.UnescapeString(m[1])
}

func (c *client) login(account, password string) (int, string) {
	c.d.t.Helper()
	return c.POST("/login", url.Values{"csrf": {c.csrf("/login")}, "account": {account}, "password": {password}})
}

// as is a client logged in as account.
func (d *desk) as(account string) *client {
	d.t.Helper()
	c := d.client()
	if code, body := c.login(account, d.pw[account]); code != http.StatusOK || strings.Contains(body, `id="problem"`) {
		d.t.Fatalf("login %s: %d\n%s", account, code, body)
	}
	return c
}

// upload posts a file to path as a multipart form with the token given.
func (c *client) upload(path, token, name string, data []byte) (int, string) {
	c.d.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", token)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		c.d.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest("POST", c.d.ts.URL+path, &buf)
	if err != nil {
		c.d.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// blank is unit u's blank form.
func (d *desk) blank(u workspace.Unit) []byte {
	d.t.Helper()
	var buf bytes.Buffer
	if err := pipeline.WriteBlankForm(&buf, d.ws, u); err != nil {
		d.t.Fatal(err)
	}
	return buf.Bytes()
}

// accepted is the bytes of unit u's counted file: a form the checks pass.
func (d *desk) accepted(u workspace.Unit) []byte {
	d.t.Helper()
	led, err := ledger.Open(context.Background(), d.ws.LedgerPath())
	if err != nil {
		d.t.Fatal(err)
	}
	defer led.Close()
	cur, err := led.Current(context.Background(), d.ws.Config.Period)
	if err != nil {
		d.t.Fatal(err)
	}
	for _, r := range cur {
		if r.UnitCode == u.Code {
			data, err := os.ReadFile(d.ws.Path(r.ArchivePath))
			if err != nil {
				d.t.Fatal(err)
			}
			return data
		}
	}
	d.t.Fatalf("unit %s has no accepted file", u.Code)
	return nil
}

// actions are the web actions the ledger holds, newest first.
func (d *desk) actions() []ledger.WebAction {
	d.t.Helper()
	led, err := ledger.Open(context.Background(), d.ws.LedgerPath())
	if err != nil {
		d.t.Fatal(err)
	}
	defer led.Close()
	acts, err := led.WebActions(context.Background(), "", 1000)
	if err != nil {
		d.t.Fatal(err)
	}
	return acts
}

// inboxFiles lists unit u's inbox folder.
func (d *desk) inboxFiles(u workspace.Unit) []string {
	d.t.Helper()
	entries, err := os.ReadDir(filepath.Join(d.ws.InboxDir(), u.Code))
	if err != nil && !os.IsNotExist(err) {
		d.t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
