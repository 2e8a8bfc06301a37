package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"countybrief/pipeline"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/lock"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// listMax bounds each list of units the office page shows; a region of
// thousands has the counts, the chase list and the 審核報告 for the rest.
const listMax = 300

type officeView struct {
	Period      string
	Deadline    string
	Countdown   string
	PeriodLabel string
	Closed      bool
	History     []pipeline.PeriodChange
	Units       int
	Reported    int
	Late        int
	Chart       []bar
	Owed        []pipeline.UnitState
	OwedMore    int
	Returned    []returnedUnit
	ReturnMore  int
	LateFiles   int
	Unreadable  []string
	Draft       bool
	DraftText   string
	Indicators  []workspace.Indicator
	LastIssue   *ledger.Issue
	Actions     []actionRow
	Result      string
}

type returnedUnit struct {
	pipeline.UnitState
	Findings []vocab.Finding
}

type actionRow struct {
	ledger.WebAction
	When string
}

func (s *Server) officeView(r *http.Request, req *request) (*officeView, error) {
	ctx := r.Context()
	ws := req.ws
	loc := ws.Config.Location()
	now := s.cfg.Now()
	period := ws.Config.Period
	st, err := pipeline.Status(ctx, ws, period, now)
	if err != nil {
		return nil, err
	}
	v := &officeView{Period: period, Countdown: countdown(ws.Config.DeadlineTime(), now), PeriodLabel: st.PeriodState.Label,
		Closed: st.PeriodState.State == ledger.PeriodClosed, History: st.PeriodState.History, Units: len(st.Units), Late: st.Late,
		LateFiles: len(st.LateFiles), Unreadable: st.Unreadable, Indicators: ws.Catalogue.Indicators}
	if d := ws.Config.DeadlineTime(); !d.IsZero() {
		v.Deadline = d.In(loc).Format("2006-01-02 15:04")
	}
	for i := range v.History {
		v.History[i].At = v.History[i].At.In(loc)
	}
	for _, state := range vocab.States() {
		v.Chart = append(v.Chart, bar{Label: state.Label(), Value: st.Counts[state], Class: string(state)})
		if state.Counted() {
			v.Reported += st.Counts[state]
		}
	}
	returned, err := s.led.Returned(ctx, period)
	if err != nil {
		return nil, err
	}
	reasons := make(map[string][]vocab.Finding, len(returned))
	for _, rec := range returned {
		reasons[rec.UnitCode] = rec.Findings
	}
	for _, u := range st.Units {
		switch u.State {
		case vocab.Missing, vocab.Overdue:
			if len(v.Owed) < listMax {
				v.Owed = append(v.Owed, u)
			} else {
				v.OwedMore++
			}
		case vocab.Returned, vocab.AcceptedLatestReturned:
			if len(v.Returned) < listMax {
				v.Returned = append(v.Returned, returnedUnit{UnitState: u, Findings: reasons[u.Code]})
			} else {
				v.ReturnMore++
			}
		}
	}
	draft := pipeline.Draft(ws, period)
	if text, err := readCapped(draft.Text, 1<<20); err == nil {
		v.Draft, v.DraftText = true, text
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if v.LastIssue, err = s.led.LastIssue(ctx); err != nil {
		return nil, err
	}
	acts, err := s.led.WebActions(ctx, "", 30)
	if err != nil {
		return nil, err
	}
	for _, a := range acts {
		v.Actions = append(v.Actions, actionRow{WebAction: a, When: a.At.In(loc).Format("01-02 15:04:05")})
	}
	return v, nil
}

func readCapped(path string, limit int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit))
	return string(b), err
}

func (s *Server) showOffice(w http.ResponseWriter, r *http.Request, req *request, status int, result string) {
	v, err := s.officeView(r, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Result = result
	s.render(w, r, req.loaded, status, "office", page{Title: req.loaded.ws.Config.AreaWord() + "報送情況", Account: &req.account, CSRF: req.session.CSRF, Data: v})
}

func (s *Server) officePage(w http.ResponseWriter, r *http.Request, req *request) {
	s.showOffice(w, r, req, http.StatusOK, "")
}

// draftFile serves one file of the current draft, chosen by a fixed word.
func (s *Server) draftFile(w http.ResponseWriter, r *http.Request, req *request) {
	d := pipeline.Draft(req.ws, req.ws.Config.Period)
	what := r.PathValue("what")
	path, name, ctype, disposition := "", "", xlsxType, "attachment"
	switch what {
	case "pdf":
		// Read in the browser's own viewer.
		path, name, ctype, disposition = d.PDF, filepath.Base(d.PDF), "application/pdf", "inline"
	case "audit":
		path, name = d.Audit, filepath.Base(d.Audit)
	case "totals":
		path, name = d.Totals, filepath.Base(d.Totals)
	default:
		http.NotFound(w, r)
		return
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		s.refuse(w, r, http.StatusNotFound, "還沒有草稿：收件箱處理一次（countybrief run）後才有。")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.record(r, req.account.Name, "download", "", "draft "+what, true)
	download(w, disposition, req.pages.conv(name), ctype)
	w.Write(data)
}

type explainView struct {
	Ex         *pipeline.Explanation
	Indicators []workspace.Indicator
	Problem    string
}

func (s *Server) explain(w http.ResponseWriter, r *http.Request, req *request) {
	code := r.URL.Query().Get("code")
	ex, err := pipeline.Explain(r.Context(), req.ws, code, pipeline.ExplainOptions{})
	v := &explainView{Ex: ex, Indicators: req.ws.Catalogue.Indicators}
	status := http.StatusOK
	switch {
	case errors.Is(err, pipeline.ErrUnknownName):
		v.Ex, v.Problem, status = nil, err.Error(), http.StatusNotFound
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.render(w, r, req.loaded, status, "explain", page{Title: "數從哪裡來", Account: &req.account, CSRF: req.session.CSRF, Data: v})
}

// officeAction runs one of the office's commands without the request's
// cancellation (a closed tab must not stop a publish half-way), records
// who pressed it and shows the county page with the outcome.
func (s *Server) officeAction(w http.ResponseWriter, r *http.Request, req *request, action string, do func(context.Context) (string, error)) {
	msg, err := do(context.WithoutCancel(r.Context()))
	status := http.StatusOK
	var held *lock.HeldError
	switch {
	case errors.As(err, &held):
		msg, status = "批處理正在運行，請過幾分鐘再試。", http.StatusConflict
	case errors.Is(err, pipeline.ErrNothingToPublish), errors.Is(err, pipeline.ErrNoReason), errors.Is(err, pipeline.ErrPeriodUnchanged),
		errors.Is(err, pipeline.ErrLedgerLost):
		msg, status = err.Error(), http.StatusConflict
		switch {
		case errors.Is(err, pipeline.ErrPeriodUnchanged):
			msg = "報送期已經是這個狀態，未做改動。"
		case errors.Is(err, pipeline.ErrNoReason):
			msg = "重新開放報送期必須寫明原因。"
		}
	case err != nil:
		s.record(r, req.account.Name, action, "", err.Error(), false)
		s.fail(w, r, err)
		return
	}
	s.record(r, req.account.Name, action, "", msg, err == nil)
	// A reopen may have added the period to config.yaml.
	req.loaded = s.current()
	s.showOffice(w, r, req, status, req.pages.conv(msg))
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request, req *request) {
	s.officeAction(w, r, req, "publish", func(ctx context.Context) (string, error) {
		p, err := pipeline.Publish(ctx, req.ws, pipeline.PublishOptions{Now: s.cfg.Now, Log: s.cfg.Log})
		if err != nil {
			return "", err
		}
		if p.NothingNew {
			return fmt.Sprintf("與第%d期相比沒有新的報表，未發布新的一期。", p.Issue), nil
		}
		return fmt.Sprintf("已發布第%d期（計入 %d 個單位）。", p.Issue, p.Counted), nil
	})
}

func (s *Server) closePeriod(w http.ResponseWriter, r *http.Request, req *request) {
	period := req.ws.Config.Period
	s.officeAction(w, r, req, "close", func(ctx context.Context) (string, error) {
		if err := pipeline.ClosePeriod(ctx, req.ws, period, s.cfg.Now()); err != nil {
			return "", err
		}
		return fmt.Sprintf("報送期 %s 已關閉。之後收到的該期表格會存檔登記為逾期補報，不計入匯總。", period), nil
	})
}

func (s *Server) reopenPeriod(w http.ResponseWriter, r *http.Request, req *request) {
	period := req.ws.Config.Period
	reason := r.PostFormValue("reason")
	s.officeAction(w, r, req, "reopen", func(ctx context.Context) (string, error) {
		done, err := pipeline.ReopenPeriod(ctx, req.ws, period, reason, s.cfg.Now())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("報送期 %s 已重新開放（原因：%s）；%d 份逾期補報的文件放回了收件箱，下次處理時審核。", period, strings.TrimSpace(reason), len(done.Requeued)), nil
	})
}
