package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/safefile"
	"countybrief/pipeline/workspace"
)

// PeriodInfo is a period's state as status shows it, with every change.
type PeriodInfo struct {
	State ledger.PeriodState `json:"state"`
	// Label is State as the office reads it: 開放 or 已關閉.
	Label string `json:"label"`
	// Since is the last change; zero for a period never closed.
	Since   time.Time      `json:"since,omitzero"`
	History []PeriodChange `json:"history,omitempty"`
}

// PeriodChange is one close or reopen; Reason is required to reopen.
type PeriodChange struct {
	State  ledger.PeriodState `json:"state"`
	Label  string             `json:"label"`
	At     time.Time          `json:"at"`
	Reason string             `json:"reason,omitempty"`
}

func periodLabel(s ledger.PeriodState) string {
	if s == ledger.PeriodClosed {
		return "已關閉"
	}
	return "開放"
}

func readPeriod(ctx context.Context, led *ledger.Ledger, period string) (PeriodInfo, error) {
	hist, err := led.PeriodHistory(ctx, period)
	if err != nil {
		return PeriodInfo{}, err
	}
	info := PeriodInfo{State: ledger.PeriodOpen, Label: periodLabel(ledger.PeriodOpen)}
	for _, c := range hist {
		info.State, info.Label, info.Since = c.State, periodLabel(c.State), c.At
		info.History = append(info.History, PeriodChange{State: c.State, Label: periodLabel(c.State), At: c.At, Reason: c.Reason})
	}
	return info, nil
}

// ErrPeriodUnchanged: closing a closed period, or reopening an open one.
var ErrPeriodUnchanged = ledger.ErrPeriodUnchanged

// ErrNoReason: a period is reopened only with the office's reason.
var ErrNoReason = errors.New("重新開放報送期必須寫明原因（--reason）")

// InputError is a period name or deadline the office gave that cannot be
// used; nothing was changed.
type InputError string

func (e InputError) Error() string { return string(e) }

func badPeriod(p string) error {
	return InputError(fmt.Sprintf("「%s」不能用作報送期：只能用字母、數字、- 和 _（如 2008-12、2026Q4）", p))
}

// periodChange holds the batch lock while it changes a period, so that
// no file is judged against a state that changes before it is recorded.
// A running batch makes it fail with lock.ErrLocked.
func periodChange(ctx context.Context, ws *workspace.Workspace, do func(*ledger.Ledger) error) error {
	led, release, err := holdWorkspace(ctx, ws, false)
	if err != nil {
		return err
	}
	defer release()
	return do(led)
}

// ClosePeriod closes period: files for it that come later are kept and
// recorded as 逾期補報 but not counted. A closed period gives
// ErrPeriodUnchanged.
func ClosePeriod(ctx context.Context, ws *workspace.Workspace, period string, now time.Time) error {
	if !workspace.ValidPeriod(period) {
		return badPeriod(period)
	}
	return periodChange(ctx, ws, func(led *ledger.Ledger) error {
		return led.SetPeriodState(ctx, period, ledger.PeriodClosed, now, "")
	})
}

// Reopened is what ReopenPeriod did.
type Reopened struct {
	// OpenPeriods is true when config.yaml did not name the period and
	// it was added to open_periods, so that the batch takes its forms;
	// Backup is the old config.yaml then.
	OpenPeriods bool
	Backup      string
	// Requeued are the late files put back in their units' inbox folders
	// (one per unit, its latest), to be judged by the next batch.
	Requeued []string
}

// ReopenPeriod opens a closed period again, recording the office's
// reason. The files kept for it while it was closed were rejected so
// that no total could count them; each unit's latest one is copied back
// into the unit's inbox folder, so that the next batch judges it under
// today's rules and counts it when it passes. The archived file and its
// row stay as they are.
func ReopenPeriod(ctx context.Context, ws *workspace.Workspace, period, reason string, now time.Time) (*Reopened, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, ErrNoReason
	}
	if !workspace.ValidPeriod(period) {
		return nil, badPeriod(period)
	}
	out := &Reopened{}
	err := periodChange(ctx, ws, func(led *ledger.Ledger) error {
		if err := led.SetPeriodState(ctx, period, ledger.PeriodOpen, now, reason); err != nil {
			return err
		}
		if !ws.Config.PeriodOpen(period) {
			backup, err := workspace.EditConfig(ws.Dir, now, func(e workspace.ConfigEdit) error {
				e.Add("open_periods", period)
				return nil
			})
			if err != nil {
				return fmt.Errorf("add %s to open_periods: %w", period, err)
			}
			out.OpenPeriods, out.Backup = true, backup
		}
		late, err := led.WithFinding(ctx, period, ruleLate)
		if err != nil {
			return err
		}
		latest := map[string]ledger.Record{}
		for _, rec := range late {
			latest[rec.UnitCode] = rec // oldest first: the last one stays
		}
		for _, u := range ws.Units {
			rec, ok := latest[u.Code]
			if !ok || rec.ArchivePath == "" || rec.ArchivePath == notArchived {
				continue
			}
			path, err := requeue(ws, u.Code, rec)
			if err != nil {
				return err
			}
			out.Requeued = append(out.Requeued, path)
		}
		return nil
	})
	return out, err
}

// requeue copies an archived file into its unit's inbox folder under its
// original name, or name (2), (3)… when the unit has a file of that name
// there: nothing in the inbox is replaced.
func requeue(ws *workspace.Workspace, unit string, rec ledger.Record) (string, error) {
	data, err := os.ReadFile(ws.Path(rec.ArchivePath))
	if err != nil {
		return "", fmt.Errorf("read the kept file %s: %w", rec.ArchivePath, err)
	}
	dir := filepath.Join(ws.InboxDir(), unit)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create inbox folder: %w", err)
	}
	ext := filepath.Ext(rec.OrigName)
	stem := strings.TrimSuffix(filepath.Base(rec.OrigName), ext)
	name := stem + ext
	for i := 2; ; i++ {
		path := filepath.Join(dir, name)
		err := safefile.WriteNew(path, func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		})
		if err == nil {
			return path, safefile.SyncDir(dir)
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("put %s back in the inbox: %w", rec.OrigName, err)
		}
		name = fmt.Sprintf("%s (%d)%s", stem, i, ext)
	}
}

// NextPeriodName derives the period after p when p reads as a month
// (2026-11 → 2026-12) or a quarter (2026Q4 → 2027Q1); ok is false for
// any other name.
func NextPeriodName(p string) (next string, ok bool) {
	if m := monthly.FindStringSubmatch(p); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 {
			return "", false
		}
		if mo == 12 {
			y, mo = y+1, 0
		}
		return fmt.Sprintf("%04d-%02d", y, mo+1), true
	}
	if m := quarterly.FindStringSubmatch(p); m != nil {
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[3])
		if q == 4 {
			y, q = y+1, 0
		}
		return fmt.Sprintf("%04d%s%d", y, m[2], q+1), true
	}
	return "", false
}

var (
	monthly   = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	quarterly = regexp.MustCompile(`^(\d{4})([Qq])([1-4])$`)
)

// Rolled is what NextPeriod did.
type Rolled struct {
	From, To string
	// Closed is false when From was closed already.
	Closed bool
	Backup string
}

// ErrNoNextPeriod: the current period's name says nothing of the next.
var ErrNoNextPeriod error = InputError("無法從當前報送期的名字推出下一期（只認 2026-11 或 2026Q4 這樣的寫法），請用 --to 指定")

// NextPeriod rolls the workspace to the next period: it closes the
// current one (unless closed already) and sets config.yaml's period to
// to (derived by NextPeriodName when ""), and its deadline when one is
// given. Everything given is checked before anything changes; closing
// comes first, so that after a failure the same command finishes the
// roll.
func NextPeriod(ctx context.Context, ws *workspace.Workspace, to, deadline string, now time.Time) (*Rolled, error) {
	from := ws.Config.Period
	if to == "" {
		var ok bool
		if to, ok = NextPeriodName(from); !ok {
			return nil, ErrNoNextPeriod
		}
	}
	if !workspace.ValidPeriod(to) {
		return nil, badPeriod(to)
	}
	if to == from {
		return nil, InputError(fmt.Sprintf("%s 已是當前報送期", to))
	}
	if deadline != "" {
		if _, err := time.Parse(time.RFC3339, deadline); err != nil {
			return nil, InputError(fmt.Sprintf("截止時間「%s」要寫成 2008-12-05T18:00:00+08:00 這樣", deadline))
		}
	}
	out := &Rolled{From: from, To: to}
	err := periodChange(ctx, ws, func(led *ledger.Ledger) error {
		switch err := led.SetPeriodState(ctx, from, ledger.PeriodClosed, now, ""); {
		case err == nil:
			out.Closed = true
		case !errors.Is(err, ledger.ErrPeriodUnchanged):
			return err
		}
		var err error
		out.Backup, err = workspace.EditConfig(ws.Dir, now, func(e workspace.ConfigEdit) error {
			e.Set("period", to)
			if deadline != "" {
				e.Set("deadline", deadline)
			}
			return nil
		})
		return err
	})
	return out, err
}
