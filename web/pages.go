package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/workspace"
)

//go:embed templates/*.html static/*
var assets embed.FS

// pages are the parsed templates, in one script.
type pages struct {
	byName map[string]*template.Template
	conv   func(string) string
}

// loadPages parses every page with the layout, its Traditional text
// converted to the workspace's script first, so that a Simplified office
// pays for the conversion once, not per request. The converter also turns
// the program's own words the pages show (state labels, self-check notes).
func loadPages(lang string) (*pages, error) {
	raw, err := workspace.Converter(lang)
	if err != nil {
		return nil, err
	}
	// The converter's dictionary is not documented as safe for concurrent
	// use; requests share it.
	var mu sync.Mutex
	conv := func(s string) string {
		mu.Lock()
		defer mu.Unlock()
		return raw(s)
	}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	// Files named _*.html (the layout, shared parts) go into every page.
	var shared []string
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), "_") {
			b, err := fs.ReadFile(assets, name)
			if err != nil {
				return nil, err
			}
			shared = append(shared, conv(string(b)))
		}
	}
	p := &pages{byName: map[string]*template.Template{}, conv: conv}
	funcs := template.FuncMap{
		"zh":    conv,
		"bars":  bars,
		"inc":   func(i int) int { return i + 1 },
		"bytes": humanBytes,
	}
	for _, name := range names {
		short := strings.TrimSuffix(path.Base(name), ".html")
		if strings.HasPrefix(short, "_") {
			continue
		}
		body, err := fs.ReadFile(assets, name)
		if err != nil {
			return nil, err
		}
		t := template.New(short).Funcs(funcs)
		for _, text := range append(shared, conv(string(body))) {
			if _, err := t.Parse(text); err != nil {
				return nil, fmt.Errorf("page %s: %w", short, err)
			}
		}
		p.byName[short] = t
	}
	return p, nil
}

// page is what the layout shows around every page's own data.
type page struct {
	Title   string
	Account *ledger.Account
	CSRF    string
	Office  string
	// Area is config.yaml's word for the whole area (全縣, 全市 at a city),
	// in the workspace's script.
	Area string
	Data any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, st *loaded, status int, name string, p page) {
	t, ok := st.pages.byName[name]
	if !ok {
		s.fail(w, r, fmt.Errorf("no page %s", name))
		return
	}
	p.Office = st.ws.Config.Office
	p.Area = st.pages.conv(st.ws.Config.AreaWord())
	p.Title = st.pages.conv(p.Title)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// refuse answers a request the desk will not do, in words for the clerk.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	st := s.current()
	s.render(w, r, st, status, "message", page{Title: "不能這樣做", Data: map[string]any{"Message": st.pages.conv(msg)}})
}

// fail answers an error of the machine, logged in full and told briefly.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Log.WithError(err).WithFields(logrus.Fields{"path": r.URL.Path, "remote": remote(r)}).Error("web request failed")
	// Plain text: the page templates may be what failed.
	http.Error(w, s.current().pages.conv("出錯了，請稍後再試；一直出錯請告訴活動辦。"), http.StatusInternalServerError)
}

// securityHeaders keep pages out of frames and scripts of other origins
// out of pages, and keep pages with figures and names out of caches; under
// TLS, the browser is told to come back over HTTPS only.
func securityHeaders(h http.Handler, tls bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		if tls {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// bar is one bar of an inline SVG chart.
type bar struct {
	Label string
	Value int
	Class string
}

// barChart is what the bars template draws.
type barChart struct {
	Height int
	Rows   []barRow
}

type barRow struct {
	Y, Width     int
	TextY        int
	ValueX       int
	Label, Class string
	Value        int
}

// bars lays out a horizontal bar chart 700 wide: labels left, bars scaled
// to the largest value.
func bars(in []bar) barChart {
	const rowH, width = 28, 300
	maxV := 1
	for _, b := range in {
		maxV = max(maxV, b.Value)
	}
	c := barChart{Height: rowH*len(in) + 4}
	for i, b := range in {
		w := int(math.Round(float64(width) * float64(b.Value) / float64(maxV)))
		if b.Value > 0 {
			w = max(w, 2)
		}
		c.Rows = append(c.Rows, barRow{Y: i*rowH + 4, Width: w, TextY: i*rowH + 22, ValueX: 336 + w, Label: b.Label, Class: b.Class, Value: b.Value})
	}
	return c
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// countdown says how long until the deadline, or that it has passed, in
// Traditional words (the page converts).
func countdown(deadline, now time.Time) string {
	if deadline.IsZero() {
		return "沒有設截止時間"
	}
	d := deadline.Sub(now)
	past := d < 0
	if past {
		d = -d
	}
	days, hours, mins := int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60
	var s string
	switch {
	case days > 0:
		s = fmt.Sprintf("%d天%d小時", days, hours)
	case hours > 0:
		s = fmt.Sprintf("%d小時%d分", hours, mins)
	default:
		s = fmt.Sprintf("%d分", mins)
	}
	if past {
		return "已過截止時間 " + s
	}
	return "距截止還有 " + s
}
