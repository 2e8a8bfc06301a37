package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/workspace"
)

const (
	sessionCookie = "countybrief_session"
	// loginCookie carries the login form's token before there is a
	// session (double submit): a page of another site cannot read it.
	loginCookie = "countybrief_login"
	csrfField   = "csrf"
)

// request is what a handler behind a login gets.
type request struct {
	*loaded
	account ledger.Account
	session ledger.Session
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Server) cookie(name, value string, expires time.Time) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.cfg.TLS, SameSite: http.SameSiteStrictMode}
	if expires.IsZero() {
		c.MaxAge = -1
	} else {
		c.Expires = expires
	}
	return c
}

// sessionOf is the request's valid session, if it has one.
func (s *Server) sessionOf(r *http.Request) (ledger.Session, ledger.Account, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return ledger.Session{}, ledger.Account{}, false
	}
	sess, acc, ok, err := s.led.SessionOf(r.Context(), tokenHash(c.Value), s.cfg.Now())
	if err != nil {
		s.cfg.Log.WithError(err).Error("cannot read a session")
		return ledger.Session{}, ledger.Account{}, false
	}
	return sess, acc, ok
}

// role says who may use a page.
type role int

const (
	anyone role = iota // any logged-in account
	office             // office accounts only
)

// auth wraps a handler that needs a login: without a valid session a page
// redirects to the login form and anything else is refused. A POST must
// carry the session's form token, except an upload, whose handler checks
// it once the form is read within the upload cap.
func (s *Server) auth(who role, h func(http.ResponseWriter, *http.Request, *request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, acc, ok := s.sessionOf(r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			s.refuse(w, r, http.StatusUnauthorized, "請先登錄（登錄可能已經過期）。")
			return
		}
		req := &request{loaded: s.current(), account: acc, session: sess}
		if who == office && !acc.Office() {
			s.record(r, acc.Name, "refused", acc.Unit, r.Method+" "+r.URL.Path, false)
			s.refuse(w, r, http.StatusForbidden, "這一頁只有活動辦的賬號能看。")
			return
		}
		if r.Method == http.MethodPost && !isUpload(r) {
			if !s.csrfOK(r, sess) {
				s.record(r, acc.Name, "refused", acc.Unit, "bad form token: "+r.URL.Path, false)
				s.refuse(w, r, http.StatusForbidden, "表單已過期或不是從本頁提交的，請刷新頁面再試。")
				return
			}
		}
		h(w, r, req)
	}
}

// csrfOK compares the form's token with the session's in constant time.
// The body it parses is capped by capForms.
func (s *Server) csrfOK(r *http.Request, sess ledger.Session) bool {
	return sameToken(r.PostFormValue(csrfField), sess.CSRF)
}

func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// unitFor is the registry's unit of code when the account may see it: a
// unit account only its own, the office every one. A refusal is answered
// and recorded here, and ok is false.
func (s *Server) unitFor(w http.ResponseWriter, r *http.Request, req *request, code string) (workspace.Unit, bool) {
	u, known := req.ws.Unit(code)
	if !known || !req.account.Office() && req.account.Unit != u.Code {
		// An unknown code and another unit's code get the same answer, so
		// that a unit cannot learn which codes exist.
		s.record(r, req.account.Name, "refused", req.account.Unit, r.Method+" "+r.URL.Path, false)
		s.refuse(w, r, http.StatusNotFound, "沒有這個頁面，或本賬號不能看它。")
		return workspace.Unit{}, false
	}
	return u, true
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, acc, ok := s.sessionOf(r); ok {
		http.Redirect(w, r, home(acc), http.StatusSeeOther)
		return
	}
	s.showLogin(w, r, http.StatusOK, "")
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, problem string) {
	token, err := randomToken(24)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, s.cookie(loginCookie, token, s.cfg.Now().Add(time.Hour)))
	st := s.current()
	s.render(w, r, st, status, "login", page{Title: "登錄", CSRF: token, Data: map[string]any{"Problem": st.pages.conv(problem)}})
}

// home is where an account lands after logging in.
func home(acc ledger.Account) string {
	if acc.Office() {
		return "/office/"
	}
	return "/u/" + acc.Unit + "/"
}

// limiter is the rate limiter of key ("login 10.0.0.5", "upload Z01"),
// made with burst and every when new.
func (s *Server) limiter(key string, burst int, every time.Duration) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.limiters[key]
	if !ok {
		if len(s.limiters) > 10000 {
			// A flood of addresses: forget those that have refilled.
			for k, l := range s.limiters {
				if l.Tokens() >= float64(l.Burst()) {
					delete(s.limiters, k)
				}
			}
		}
		l = rate.NewLimiter(rate.Every(every), burst)
		s.limiters[key] = l
	}
	return l
}

// dummyHash is compared against when the account does not exist, so that
// a wrong name takes as long as a wrong password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Now()
	name := strings.TrimSpace(r.PostFormValue("account"))
	if len(name) > 64 {
		name = name[:64]
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostFormValue(csrfField), c.Value) {
		s.record(r, name, "refused", "", "bad login form token", false)
		s.showLogin(w, r, http.StatusForbidden, "登錄表單已過期，請再輸入一次。")
		return
	}
	if !s.limiter("login "+remote(r), s.cfg.LoginBurst, s.cfg.LoginEvery).Allow() {
		s.record(r, name, "login", "", "rate limited", false)
		w.Header().Set("Retry-After", "60")
		s.showLogin(w, r, http.StatusTooManyRequests, "登錄嘗試太頻繁，請一分鐘後再試。")
		return
	}
	acc, err := s.led.Account(r.Context(), name)
	if err != nil && !errors.Is(err, ledger.ErrNoAccount) {
		s.fail(w, r, err)
		return
	}
	hash := acc.Hash
	if err != nil {
		hash = dummyHash
	}
	match, herr := checkPassword(hash, r.PostFormValue("password"))
	switch {
	case err != nil || herr != nil || acc.Disabled:
		s.record(r, name, "login", acc.Unit, "no such account or disabled", false)
		s.showLogin(w, r, http.StatusUnauthorized, "賬號或密碼不對。")
		return
	case now.Before(acc.LockedUntil):
		s.record(r, name, "login", acc.Unit, "locked", false)
		s.showLogin(w, r, http.StatusUnauthorized, "這個賬號連續輸錯密碼，已暫時鎖定，請過一刻鐘再試，或請活動辦重設密碼。")
		return
	case !match:
		failures, until := acc.Failures+1, time.Time{}
		if failures >= s.cfg.LockAfter {
			until = now.Add(s.cfg.LockFor)
		}
		if err := s.led.SetLoginFailures(r.Context(), name, failures, until); err != nil {
			s.fail(w, r, err)
			return
		}
		s.record(r, name, "login", acc.Unit, "wrong password", false)
		s.showLogin(w, r, http.StatusUnauthorized, "賬號或密碼不對。")
		return
	}
	if acc.Failures > 0 || !acc.LockedUntil.IsZero() {
		if err := s.led.SetLoginFailures(r.Context(), name, 0, time.Time{}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	token, err := randomToken(32)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	csrf, err := randomToken(32)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sess := ledger.Session{TokenHash: tokenHash(token), Account: acc.Name, CSRF: csrf, Remote: remote(r), Created: now, Expires: now.Add(s.cfg.SessionTTL)}
	if err := s.led.AddSession(r.Context(), sess); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, s.cookie(sessionCookie, token, sess.Expires))
	http.SetCookie(w, s.cookie(loginCookie, "", time.Time{}))
	s.record(r, acc.Name, "login", acc.Unit, "", true)
	http.Redirect(w, r, home(acc), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, req *request) {
	if err := s.led.EndSession(r.Context(), req.session.TokenHash); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, s.cookie(sessionCookie, "", time.Time{}))
	s.record(r, req.account.Name, "logout", req.account.Unit, "", true)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
