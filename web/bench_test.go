package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/ledger"
)

// BenchmarkPages renders the pages of a region of 7,300 units after a
// batch: the office's county page, a unit's page, the login form, and a
// unit's upload with its check (which the issue wants within a second),
// beside pipeline.Status, which the county and unit pages call.
// The aim is under 100 ms a page: go test -bench Pages -run ^$ ./web/
func BenchmarkPages(b *testing.B) {
	ctx := context.Background()
	ws, _, err := demo.Build(b.TempDir(), demo.Options{Seed: 1, Units: 7300, Init: pipeline.Init})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pipeline.Run(ctx, ws, pipeline.Options{}); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	u := ws.Units[len(ws.Units)/2]
	if _, err := AddUnitAccounts(ctx, ws, []string{u.Code}, now); err != nil {
		b.Fatal(err)
	}
	if _, err := AddOfficeAccount(ctx, ws, "office", now); err != nil {
		b.Fatal(err)
	}
	srv, err := New(ws, Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	for token, account := range map[string]string{"office-token": "office", "unit-token": u.Code} {
		s := ledger.Session{TokenHash: tokenHash(token), Account: account, CSRF: "csrf-" + token, Created: now, Expires: now.Add(24 * time.Hour)}
		if err := srv.led.AddSession(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		b.Fatal(err)
	}
	cur, err := led.Current(ctx, ws.Config.Period)
	led.Close()
	if err != nil || len(cur) == 0 {
		b.Fatalf("no accepted files: %v", err)
	}
	var form []byte
	for _, r := range cur {
		if r.UnitCode == u.Code {
			if form, err = os.ReadFile(ws.Path(r.ArchivePath)); err != nil {
				b.Fatal(err)
			}
		}
	}
	upload := func() (*bytes.Buffer, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField(csrfField, "csrf-unit-token")
		fw, _ := mw.CreateFormFile("file", "form.xlsx")
		fw.Write(form)
		mw.Close()
		return &buf, mw.FormDataContentType()
	}
	// The comparison: the one read every page of the desk builds on.
	b.Run("status", func(b *testing.B) {
		for b.Loop() {
			if _, err := pipeline.Status(ctx, ws, ws.Config.Period, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, p := range []struct {
		name, method, path, token string
	}{
		{"office", "GET", "/office/", "office-token"},
		{"unit", "GET", "/u/" + u.Code + "/", "unit-token"},
		{"login", "GET", "/login", ""},
		{"check", "POST", "/u/" + u.Code + "/check", "unit-token"},
	} {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(p.method, p.path, nil)
				if p.method == "POST" {
					body, ctype := upload()
					req = httptest.NewRequest(p.method, p.path, body)
					req.Header.Set("Content-Type", ctype)
				}
				if p.token != "" {
					req.AddCookie(&http.Cookie{Name: sessionCookie, Value: p.token})
				}
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s %s: %d\n%.500s", p.method, p.path, rec.Code, rec.Body.String())
				}
			}
		})
	}
}
