package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/safefile"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// pendingFile is a unit's latest upload that passed its check, kept under
// work/web/pending/ until the unit sends it.
type pendingFile struct {
	ID     string
	Path   string
	Name   string // as the browser named it, for the page and the log only
	SHA256 string
}

func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/u/") && strings.HasSuffix(r.URL.Path, "/check")
}

// unitView is what the unit page shows.
type unitView struct {
	Unit      workspace.Unit
	Period    string
	Deadline  string
	Countdown string
	State     pipeline.UnitState
	Closed    bool
	CanSend   bool // a unit account on its own page
	History   []historyRow
	Returns   []returnFile
	Check     *checkView
	Sent      string
	MaxUpload int64
}

type historyRow struct {
	At       string
	Period   string
	File     string
	Status   string
	Counted  bool
	Findings []vocab.Finding
}

type returnFile struct {
	Name string
	At   string
}

// checkView is one upload's verdict.
type checkView struct {
	File string
	OK   bool
	// Catalogue and Rules are the versions judged by, as check prints them.
	Catalogue string
	Rules     string
	Notes     []string
	Findings  []vocab.Finding
	Errors    int
	Warnings  int
	Pending   string // the id to send it with, when it may be sent
	Problem   string // why the file could not be checked at all
}

func (s *Server) unitView(r *http.Request, req *request, u workspace.Unit) (*unitView, error) {
	ws := req.ws
	loc := ws.Config.Location()
	now := s.cfg.Now()
	v := &unitView{Unit: u, Period: ws.Config.Period, Countdown: countdown(ws.Config.DeadlineTime(), now),
		CanSend: !req.account.Office() && req.account.Unit == u.Code, MaxUpload: ws.Config.MaxFileBytes}
	if d := ws.Config.DeadlineTime(); !d.IsZero() {
		v.Deadline = d.In(loc).Format("2006-01-02 15:04")
	}
	st, err := pipeline.Status(r.Context(), ws, ws.Config.Period, now)
	if err != nil {
		return nil, err
	}
	for _, us := range st.Units {
		if us.Code == u.Code {
			v.State = us
		}
	}
	v.Closed = st.PeriodState.State == "closed"
	// The unit's own rows only: pipeline.History reads every unit's counted
	// files of each period, 0.1 s in a region of 7,300 units. The file a
	// period counts is the unit's latest accepted one (ledger.Current).
	hist, err := s.led.History(r.Context(), u.Code)
	if err != nil {
		return nil, err
	}
	counted := map[string]bool{}
	for i, h := range hist {
		if i == 50 {
			break
		}
		row := historyRow{At: h.ReceivedAt.In(loc).Format("2006-01-02 15:04"), Period: h.Period, File: h.OrigName,
			Status: string(h.Status), Findings: h.Findings}
		if h.Status == vocab.FileAccepted && !counted[h.Period] {
			counted[h.Period], row.Counted = true, true
		}
		v.History = append(v.History, row)
	}
	if v.Returns, err = returnFiles(ws, u, loc); err != nil {
		return nil, err
	}
	return v, nil
}

// returnsDir is where the batch writes a unit's 退回 workbooks.
func returnsDir(ws *workspace.Workspace, u workspace.Unit) string {
	return filepath.Join(ws.OutboxDir(), "returns", u.Code)
}

// returnFiles lists a unit's 退回 workbooks, newest first.
func returnFiles(ws *workspace.Workspace, u workspace.Unit, loc *time.Location) ([]returnFile, error) {
	entries, err := os.ReadDir(returnsDir(ws, u))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	type dated struct {
		returnFile
		t time.Time
	}
	var out []dated
	for _, e := range entries {
		if e.IsDir() || safefile.IsTemp(e.Name()) || filepath.Ext(e.Name()) != ".xlsx" {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, dated{returnFile{Name: e.Name(), At: info.ModTime().In(loc).Format("2006-01-02 15:04")}, info.ModTime()})
	}
	slices.SortFunc(out, func(a, b dated) int { return b.t.Compare(a.t) })
	files := make([]returnFile, len(out))
	for i, d := range out {
		files[i] = d.returnFile
	}
	return files, nil
}

func (s *Server) showUnit(w http.ResponseWriter, r *http.Request, req *request, u workspace.Unit, status int, edit func(*unitView)) {
	v, err := s.unitView(r, req, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if edit != nil {
		edit(v)
	}
	s.render(w, r, req.loaded, status, "unit", page{Title: u.Name, Account: &req.account, CSRF: req.session.CSRF, Data: v})
}

func (s *Server) unitPage(w http.ResponseWriter, r *http.Request, req *request) {
	u, ok := s.unitFor(w, r, req, r.PathValue("code"))
	if !ok {
		return
	}
	s.showUnit(w, r, req, u, http.StatusOK, nil)
}

// download sets the headers of a file named name, shown as disposition
// (attachment: saved; inline: in the browser's own viewer).
func download(w http.ResponseWriter, disposition, name, ctype string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) blankForm(w http.ResponseWriter, r *http.Request, req *request) {
	u, ok := s.unitFor(w, r, req, r.PathValue("code"))
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := pipeline.WriteBlankForm(&buf, req.ws, u); err != nil {
		s.fail(w, r, err)
		return
	}
	s.record(r, req.account.Name, "download", u.Code, "blank form", true)
	download(w, "attachment", u.Code+"-"+u.Name+"-"+req.ws.Config.Period+".xlsx", xlsxType)
	w.Write(buf.Bytes())
}

func (s *Server) returnFile(w http.ResponseWriter, r *http.Request, req *request) {
	u, ok := s.unitFor(w, r, req, r.PathValue("code"))
	if !ok {
		return
	}
	files, err := returnFiles(req.ws, u, time.UTC)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The name only chooses among the folder's listing; the path is made
	// from the listing's entry.
	want := r.PathValue("name")
	i := slices.IndexFunc(files, func(f returnFile) bool { return f.Name == want })
	if i < 0 {
		s.record(r, req.account.Name, "download", u.Code, "no such return workbook", false)
		s.refuse(w, r, http.StatusNotFound, "沒有這份退回的表格。")
		return
	}
	data, err := os.ReadFile(filepath.Join(returnsDir(req.ws, u), files[i].Name))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.record(r, req.account.Name, "download", u.Code, files[i].Name, true)
	download(w, "attachment", files[i].Name, xlsxType)
	w.Write(data)
}

// readUpload reads the multipart form of an upload within limit bytes of
// file: the form token and the file, with the name the browser gave it.
// tooBig is set when the file is over the limit.
func readUpload(r *http.Request, limit int64) (csrf, name string, data []byte, tooBig bool, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", "", nil, false, err
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return csrf, name, data, tooBig, nil
		}
		if err != nil {
			return "", "", nil, false, err
		}
		switch part.FormName() {
		case csrfField:
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				return "", "", nil, false, err
			}
			csrf = string(b)
		case "file":
			name = part.FileName()
			if data, err = io.ReadAll(io.LimitReader(part, limit+1)); err != nil {
				return "", "", nil, false, err
			}
			if int64(len(data)) > limit {
				tooBig, data = true, nil
				if _, err := io.Copy(io.Discard, part); err != nil {
					return "", "", nil, true, err
				}
			}
		}
		part.Close()
	}
}

// displayName is a browser's file name made fit to show and log: its last
// element, at most 80 characters. It never becomes a path.
func displayName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	if r := []rune(name); len(r) > 80 {
		name = string(r[:80])
	}
	if name == "." || name == ".." || name == "/" {
		return ""
	}
	return name
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, req *request) {
	u, ok := s.unitFor(w, r, req, r.PathValue("code"))
	if !ok {
		return
	}
	acc := req.account
	if !s.limiter("upload "+acc.Name, s.cfg.UploadBurst, s.cfg.UploadEvery).Allow() {
		s.record(r, acc.Name, "upload", u.Code, "rate limited", false)
		w.Header().Set("Retry-After", "60")
		s.refuse(w, r, http.StatusTooManyRequests, "上傳太頻繁，請過一分鐘再試。")
		return
	}
	limit := req.ws.Config.MaxFileBytes
	r.Body = http.MaxBytesReader(w, r.Body, limit+maxFormBytes)
	csrf, name, data, tooBig, err := readUpload(r, limit)
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr) || tooBig:
		s.record(r, acc.Name, "upload", u.Code, "over the size cap", false)
		s.refuse(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("文件太大：上限是 %s。請確認選的是本單位的填報表。", humanBytes(limit)))
		return
	case err != nil:
		s.record(r, acc.Name, "upload", u.Code, "unreadable form: "+err.Error(), false)
		s.refuse(w, r, http.StatusBadRequest, "上傳沒有完成，請再試一次。")
		return
	case !sameToken(csrf, req.session.CSRF):
		s.record(r, acc.Name, "refused", u.Code, "bad form token: upload", false)
		s.refuse(w, r, http.StatusForbidden, "表單已過期或不是從本頁提交的，請刷新頁面再試。")
		return
	case acc.Office():
		s.record(r, acc.Name, "refused", u.Code, "office upload", false)
		s.refuse(w, r, http.StatusForbidden, "活動辦的賬號不能替單位報送；請單位用自己的賬號報送，或把文件放進收件箱。")
		return
	case len(data) == 0:
		s.record(r, acc.Name, "upload", u.Code, "empty", false)
		s.showUnit(w, r, req, u, http.StatusBadRequest, func(v *unitView) {
			v.Check = &checkView{File: displayName(name), Problem: "沒有選文件，或文件是空的。"}
		})
		return
	}
	shown := displayName(name)
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	p, view, err := s.check(req, u, shown, sha, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	verdict := "ok"
	if !view.OK {
		verdict = "errors"
	}
	s.record(r, acc.Name, "upload", u.Code, fmt.Sprintf("%s sha256=%s %s", shown, sha, verdict), true)
	s.mu.Lock()
	old, had := s.pending[u.Code]
	delete(s.pending, u.Code)
	if p != nil {
		s.pending[u.Code] = *p
	}
	s.mu.Unlock()
	if had {
		os.Remove(old.Path)
	}
	s.showUnit(w, r, req, u, http.StatusOK, func(v *unitView) { v.Check = view })
}

// check judges an upload as `countybrief check --unit` does, from a file
// under work/web/pending/ named by a random id. A file that may be sent
// stays there (the pendingFile); any other is removed.
func (s *Server) check(req *request, u workspace.Unit, shown, sha string, data []byte) (*pendingFile, *checkView, error) {
	dir := s.pendingDir(req.ws)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	id, err := randomToken(18)
	if err != nil {
		return nil, nil, err
	}
	path := filepath.Join(dir, id+".xlsx")
	if err := safefile.WriteNew(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}); err != nil {
		return nil, nil, err
	}
	sc, err := pipeline.CheckOwnFile(path, u.Code, req.ws)
	if err != nil {
		os.Remove(path)
		return nil, nil, err
	}
	view := &checkView{File: shown, OK: !vocab.HasError(sc.Findings), Catalogue: sc.CatalogueVersion, Rules: sc.RulesVersion, Notes: sc.Notes, Findings: sc.Findings}
	for _, f := range sc.Findings {
		if f.Severity == vocab.Error {
			view.Errors++
		} else {
			view.Warnings++
		}
	}
	if !view.OK {
		os.Remove(path)
		return nil, view, nil
	}
	view.Pending = id
	return &pendingFile{ID: id, Path: path, Name: shown, SHA256: sha}, view, nil
}

// send puts the unit's checked upload into its inbox folder the way a
// dropped file arrives: written whole under a hidden temporary name and
// given its name in one step (safefile), under a name the server makes.
func (s *Server) send(w http.ResponseWriter, r *http.Request, req *request) {
	u, ok := s.unitFor(w, r, req, r.PathValue("code"))
	if !ok {
		return
	}
	acc := req.account
	if acc.Office() || acc.Unit != u.Code {
		s.record(r, acc.Name, "refused", u.Code, "send by another account", false)
		s.refuse(w, r, http.StatusForbidden, "只有本單位的賬號能報送本單位的表格。")
		return
	}
	s.mu.Lock()
	p, had := s.pending[u.Code]
	if had && sameToken(r.PostFormValue("file"), p.ID) {
		delete(s.pending, u.Code)
	} else {
		had = false
	}
	s.mu.Unlock()
	if !had {
		s.record(r, acc.Name, "send", u.Code, "nothing pending", false)
		s.refuse(w, r, http.StatusConflict, "沒有可以報送的文件：請先上傳並自查，沒有錯誤後再報送。（頁面若打開太久，請重新上傳。）")
		return
	}
	defer os.Remove(p.Path)
	data, err := os.ReadFile(p.Path)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, err := dropInInbox(req.ws, u, data, s.cfg.Now(), req.pages.conv)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.record(r, acc.Name, "send", u.Code, fmt.Sprintf("%s sha256=%s as %s", p.Name, p.SHA256, name), true)
	s.showUnit(w, r, req, u, http.StatusOK, func(v *unitView) { v.Sent = name })
}

// dropInInbox writes data into the unit's inbox folder as a new file and
// returns its name: <code>-網上報送-<time>.xlsx, with (2), (3)… when the
// unit sent twice within a second. Nothing there is ever replaced.
func dropInInbox(ws *workspace.Workspace, u workspace.Unit, data []byte, now time.Time, conv func(string) string) (string, error) {
	dir := filepath.Join(ws.InboxDir(), u.Code)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create inbox folder: %w", err)
	}
	stem := u.Code + conv("-網上報送-") + now.In(ws.Config.Location()).Format("20060102-150405")
	name := stem + ".xlsx"
	for i := 2; ; i++ {
		err := safefile.WriteNew(filepath.Join(dir, name), func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		})
		if err == nil {
			return name, safefile.SyncDir(dir)
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("put the file in the inbox: %w", err)
		}
		name = fmt.Sprintf("%s (%d).xlsx", stem, i)
	}
}
