package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// UnitState is one unit's standing for a period: one line of `countybrief
// status`, of the run summary and of every list the briefing makes.
type UnitState struct {
	Code  string      `json:"code"`
	Name  string      `json:"name"`
	Kind  string      `json:"kind"`
	State vocab.State `json:"state"`
	// Label is State as the office reads it.
	Label string `json:"label"`
	// File and ReceivedAt are the unit's latest file (duplicates aside),
	// accepted or not.
	File       string    `json:"file,omitempty"`
	ReceivedAt time.Time `json:"received_at,omitzero"`
	// Counted is the file whose figures are in the totals, when one is.
	Counted           string    `json:"counted,omitempty"`
	CountedReceivedAt time.Time `json:"counted_received_at,omitzero"`
	// Late is true when the counted file came after the deadline, or when
	// the deadline has passed and the unit still owes a file.
	Late bool `json:"late"`
}

// StatusReport is the reporting status of every unit for a period.
type StatusReport struct {
	Period   string              `json:"period"`
	Deadline time.Time           `json:"deadline"`
	Units    []UnitState         `json:"units"`
	Counts   map[vocab.State]int `json:"counts"`
	Late     int                 `json:"late"`
	// Unreadable are the inbox folders and files the last batch could not
	// read: the units there may have sent files that nobody has seen.
	Unreadable []string `json:"unreadable,omitempty"`
	// PeriodState is whether the period is open or closed, with every
	// close and reopen and its reason.
	PeriodState PeriodInfo `json:"period_state"`
	// LateFiles (逾期補報) are the files that came while the period was
	// closed: kept and recorded, never in Units' states or the totals.
	LateFiles []LateFile `json:"late_files,omitempty"`
	// Unknown is a period that config.yaml does not name and the ledger
	// has never heard of: most likely mistyped, so no unit is listed,
	// rather than every unit as 逾期未報.
	Unknown bool `json:"unknown,omitempty"`
}

// LateFile is one file kept for a closed period.
type LateFile struct {
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	File       string    `json:"file"`
	ReceivedAt time.Time `json:"received_at"`
	SHA256     string    `json:"sha256"`
	Archive    string    `json:"archive"`
}

// Status reads the ledger and tells, in registry order, where each unit
// stands for period at time now.
func Status(ctx context.Context, ws *workspace.Workspace, period string, now time.Time) (*StatusReport, error) {
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	defer led.Close()
	current, returned, err := led.HeadsWithout(ctx, period, ruleLate)
	if err != nil {
		return nil, fmt.Errorf("read status: %w", err)
	}
	state, err := readPeriod(ctx, led, period)
	if err != nil {
		return nil, fmt.Errorf("read status: %w", err)
	}
	late, err := led.WithFinding(ctx, period, ruleLate)
	if err != nil {
		return nil, fmt.Errorf("read status: %w", err)
	}
	if !ws.Config.PeriodOpen(period) && len(current)+len(returned)+len(late)+len(state.History) == 0 {
		return &StatusReport{Period: period, Units: []UnitState{}, Counts: map[vocab.State]int{}, PeriodState: state, Unknown: true}, nil
	}
	// The ledger keeps UTC; the office reads its own zone, also in --json.
	loc := ws.Config.Location()
	rep := classify(ws, period, current, returned, now)
	for i := range rep.Units {
		u := &rep.Units[i]
		u.ReceivedAt, u.CountedReceivedAt = u.ReceivedAt.In(loc), u.CountedReceivedAt.In(loc)
	}
	state.Since = state.Since.In(loc)
	for i := range state.History {
		state.History[i].At = state.History[i].At.In(loc)
	}
	rep.PeriodState = state
	for _, rec := range late {
		lf := LateFile{Code: rec.UnitCode, File: rec.OrigName, ReceivedAt: rec.ReceivedAt.In(loc), SHA256: rec.SHA256, Archive: rec.ArchivePath}
		if u, ok := ws.Unit(rec.UnitCode); ok {
			lf.Name = u.Name
		}
		rep.LateFiles = append(rep.LateFiles, lf)
	}
	last, err := led.LastRun(ctx)
	if err != nil {
		return nil, fmt.Errorf("read status: %w", err)
	}
	if last != nil && len(last.Summary) > 0 {
		// Only the folders it could not read: a region's summary lists
		// every file of the run, which status does not need decoded.
		var sum struct {
			Unreadable []string `json:"unreadable"`
		}
		if err := json.Unmarshal(last.Summary, &sum); err != nil {
			return nil, fmt.Errorf("read the last run's summary: %w", err)
		}
		rep.Unreadable = sum.Unreadable
	}
	return rep, nil
}

// classify is the StatusReport of every unit's state (eachState).
func classify(ws *workspace.Workspace, period string, current, returned []ledger.Record, now time.Time) *StatusReport {
	rep := &StatusReport{Period: period, Deadline: ws.Config.DeadlineTime(), Units: make([]UnitState, 0, len(ws.Units)), Counts: map[vocab.State]int{}}
	eachState(ws, current, returned, now, func(_ int, st UnitState) {
		rep.Counts[st.State]++
		if st.Late {
			rep.Late++
		}
		rep.Units = append(rep.Units, st)
	})
	return rep
}

// eachState is the one definition of the reporting states: every unit of
// the registry gets exactly one, from its latest accepted file (current)
// and, when its latest file was rejected, that file (returned), given to
// each with the unit's index in registry order. Files of codes not in the
// registry count for no unit. A draft keeps the states as the briefing's
// lines, not as the list status shows: at 73,000 units that list was 12
// MB, held from the tally to the briefing.
func eachState(ws *workspace.Workspace, current, returned []ledger.Record, now time.Time, each func(i int, st UnitState)) {
	counted, _ := registryOrder(ws, current)
	rejected, _ := registryOrder(ws, returned)
	deadline := ws.Config.DeadlineTime()
	past := !deadline.IsZero() && now.After(deadline)
	for i, u := range ws.Units {
		hasAccepted, latestRejected := counted[i] >= 0, rejected[i] >= 0
		st := UnitState{Code: u.Code, Name: u.Name, Kind: u.Kind, State: vocab.Classify(hasAccepted, latestRejected, past)}
		st.Label = st.State.Label()
		if hasAccepted {
			acc := &current[counted[i]]
			st.File, st.ReceivedAt = acc.OrigName, acc.ReceivedAt
			st.Counted, st.CountedReceivedAt = acc.OrigName, acc.ReceivedAt
			st.Late = !deadline.IsZero() && acc.ReceivedAt.After(deadline)
		} else {
			st.Late = past
		}
		if latestRejected {
			rej := &returned[rejected[i]]
			st.File, st.ReceivedAt = rej.OrigName, rej.ReceivedAt
		}
		each(i, st)
	}
}

// registryOrder places recs (at most one a unit) by the registry: at[i]
// is the index in recs of the record of ws.Units[i], or -1, and unknown
// the indices of the records of codes not in the registry, in recs' order.
// One index of the records serves every list a draft makes of them: a
// map a list, of copies of the records, was a region's draft's most. The
// registry's own index places them, not a map of the records' codes
// (6 MB at 73,000 units, made twice a draft).
func registryOrder(ws *workspace.Workspace, recs []ledger.Record) (at []int32, unknown []int32) {
	at = make([]int32, len(ws.Units))
	for i := range at {
		at[i] = -1
	}
	for i := range recs {
		if j, ok := ws.UnitAt(recs[i].UnitCode); ok {
			at[j] = int32(i)
		} else {
			unknown = append(unknown, int32(i))
		}
	}
	return at, unknown
}
