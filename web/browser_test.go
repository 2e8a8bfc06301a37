package web

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"countybrief/pipeline"
)

const chromium = "/usr/bin/chromium"

// browser starts a headless Chromium for the test, with the flags this
// network needs (no sandbox as root, no calls home) and a new, empty
// profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("the browser tests need %s (Debian's chromium package; .ci/install-deps installs it): %v", chromium, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Starts the browser; a timeout here would stop the whole browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	return ctx
}

// person is one browser profile (its own cookies) on the desk; every
// step is bounded so that a page that never comes fails the test rather
// than hanging it.
func person(t *testing.T, browserCtx context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelT)
	return ctx
}

func (d *desk) browserLogin(t *testing.T, ctx context.Context, account string, landing string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(d.ts.URL+"/login"),
		chromedp.SendKeys(chromedp.ID("account"), account),
		chromedp.SendKeys(chromedp.ID("password"), d.pw[account]),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID(landing)),
	)
	if err != nil {
		t.Fatalf("log in as %s: %v", account, err)
	}
}

func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
	if err != nil {
		t.Fatalf("read #%s: %v", id, err)
	}
	return s
}

// A unit logs in, uploads a faulty form, reads the problems, uploads the
// fixed one and sends it; another unit tries the first's pages and files
// and is refused; the office reads the county and publishes.
func TestInTheBrowser(t *testing.T) {
	d := newDesk(t, Config{})
	bctx := browser(t)
	files := t.TempDir()
	faulty, fixed := filepath.Join(files, "faulty.xlsx"), filepath.Join(files, "fixed.xlsx")
	if err := os.WriteFile(faulty, d.blank(d.a), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fixed, d.accepted(d.a), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("unit", func(t *testing.T) {
		ctx := person(t, bctx)
		d.browserLogin(t, ctx, d.a.Code, "state")
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("file"), []string{faulty})); err != nil {
			t.Fatal(err)
		}
		// The progress indicator shows on submit (a submit held back here, so
		// that the page stays to be read).
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
			var f = document.getElementById("upload"), p = document.getElementById("progress");
			f.addEventListener("submit", function (e) { e.preventDefault(); }, {once: true});
			f.requestSubmit();
			var shown = !p.hidden;
			p.hidden = true;
			document.getElementById("check-button").disabled = false;
			return shown;
		})()`))
		if err != nil || !shown {
			t.Errorf("no progress indicator on upload (%v)", err)
		}
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.ID("check-button")),
			chromedp.WaitVisible(chromedp.ID("verdict")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if v := text(t, ctx, "verdict"); !strings.Contains(v, "處錯誤") {
			t.Fatalf("verdict on the blank form: %q", v)
		}
		problems, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#check table.findings")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(problems, "怎樣改") || !strings.Contains(problems, "!") {
			t.Errorf("the problems lack a cell or a fix:\n%s", problems)
		}
		err = chromedp.Do(ctx,
			chromedp.SetUploadFiles(chromedp.ID("file"), []string{fixed}),
			chromedp.Click(chromedp.ID("check-button")),
			chromedp.WaitVisible(chromedp.ID("send")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if v := text(t, ctx, "verdict"); !strings.Contains(v, "沒有錯誤") {
			t.Fatalf("verdict on the fixed form: %q", v)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("send")), chromedp.WaitVisible(chromedp.ID("sent"))); err != nil {
			t.Fatal(err)
		}
		if got := d.inboxFiles(d.a); len(got) != 1 {
			t.Errorf("A's inbox after sending: %v", got)
		}
	})

	t.Run("another unit", func(t *testing.T) {
		ctx := person(t, bctx)
		d.browserLogin(t, ctx, d.b.Code, "state")
		returns, err := returnFiles(d.ws, d.a, time.UTC)
		if err != nil || len(returns) == 0 {
			t.Fatalf("A has no return workbook: %v", err)
		}
		for _, path := range []string{
			"/u/" + d.a.Code + "/",
			"/u/" + d.a.Code + "/form",
			"/u/" + d.a.Code + "/returns/" + url.PathEscape(returns[0].Name),
			"/u/" + d.b.Code + "/returns/" + url.PathEscape(returns[0].Name),
			"/office/",
		} {
			if err := chromedp.Do(ctx, chromedp.Navigate(d.ts.URL+path), chromedp.WaitVisible(chromedp.ID("message"))); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(html, d.a.Name) {
				t.Errorf("%s shows unit A's name to unit B", path)
			}
		}
	})

	t.Run("office", func(t *testing.T) {
		ctx := person(t, bctx)
		d.browserLogin(t, ctx, d.office, "reported")
		st, err := pipeline.Status(context.Background(), d.ws, d.ws.Config.Period, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		counted := 0
		for _, u := range st.Units {
			if u.State.Counted() {
				counted++
			}
		}
		if got := text(t, ctx, "reported"); got != strconv.Itoa(counted) {
			t.Errorf("the dashboard says %s units reported, status %d", got, counted)
		}
		if _, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("svg.chart"))); err != nil {
			t.Errorf("no chart: %v", err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("publish")), chromedp.WaitVisible(chromedp.ID("result"))); err != nil {
			t.Fatal(err)
		}
		if r := text(t, ctx, "result"); !strings.Contains(r, "已發布第1期") {
			t.Errorf("publish says %q", r)
		}
		last, err := d.srv.led.LastIssue(context.Background())
		if err != nil || last == nil || last.Issue != 1 {
			t.Errorf("the ledger's last issue: %+v, %v", last, err)
		}
	})
}
