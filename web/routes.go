package web

import (
	"net/http"
)

// maxFormBytes caps a form that is not an upload: a reopen reason is the
// longest thing typed.
const maxFormBytes = 64 << 10

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.root)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.auth(anyone, s.logout))
	mux.HandleFunc("GET /static/{name}", s.static)

	mux.HandleFunc("GET /u/{code}/{$}", s.auth(anyone, s.unitPage))
	mux.HandleFunc("GET /u/{code}/form", s.auth(anyone, s.blankForm))
	mux.HandleFunc("POST /u/{code}/check", s.auth(anyone, s.upload))
	mux.HandleFunc("POST /u/{code}/send", s.auth(anyone, s.send))
	mux.HandleFunc("GET /u/{code}/returns/{name}", s.auth(anyone, s.returnFile))

	mux.HandleFunc("GET /office/{$}", s.auth(office, s.officePage))
	mux.HandleFunc("GET /office/draft/{what}", s.auth(office, s.draftFile))
	mux.HandleFunc("GET /office/explain", s.auth(office, s.explain))
	mux.HandleFunc("POST /office/publish", s.auth(office, s.publish))
	mux.HandleFunc("POST /office/close", s.auth(office, s.closePeriod))
	mux.HandleFunc("POST /office/reopen", s.auth(office, s.reopenPeriod))

	var h http.Handler = mux
	h = capForms(h)
	h = http.NewCrossOriginProtection().Handler(h)
	return securityHeaders(h, s.cfg.TLS)
}

// capForms bounds every body before anything reads it: an upload to the
// largest file the batch takes plus the form around it, anything else to
// maxFormBytes.
func capForms(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.URL.Path != "" && !isUpload(r) {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	if _, acc, ok := s.sessionOf(r); ok {
		http.Redirect(w, r, home(acc), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var ctype string
	switch name {
	case "app.css":
		ctype = "text/css; charset=utf-8"
	case "app.js":
		ctype = "text/javascript; charset=utf-8"
	default:
		http.NotFound(w, r)
		return
	}
	data, err := assets.ReadFile("static/" + name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "max-age=3600")
	w.Write(data)
}
