package pipeline

import (
	"context"
	"fmt"
	"time"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/workspace"
)

// Where a unit stands for a period.
const (
	StateAccepted = "accepted" // its latest file was accepted
	StateReturned = "returned" // its latest file was rejected: awaiting resubmission
	StateMissing  = "missing"  // nothing received
)

// UnitState is one line of `countybrief status`.
type UnitState struct {
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	State      string    `json:"state"`
	File       string    `json:"file,omitempty"`
	ReceivedAt time.Time `json:"received_at,omitempty"`
	// Late is true when the file came after the deadline, or when nothing
	// has come and the deadline has passed.
	Late bool `json:"late"`
}

// StatusReport is the reporting status of every unit for a period.
type StatusReport struct {
	Period   string         `json:"period"`
	Deadline time.Time      `json:"deadline"`
	Units    []UnitState    `json:"units"`
	Counts   map[string]int `json:"counts"`
	Late     int            `json:"late"`
}

// Status reads the ledger and tells, in registry order, where each unit
// stands for period at time now.
func Status(ctx context.Context, ws *workspace.Workspace, period string, now time.Time) (*StatusReport, error) {
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	defer led.Close()
	states, err := led.Status(ctx, period)
	if err != nil {
		return nil, fmt.Errorf("read status: %w", err)
	}
	latest := make(map[string]ledger.UnitStatus, len(states))
	for _, s := range states {
		latest[s.UnitCode] = s
	}
	deadline := ws.Config.DeadlineTime()
	rep := &StatusReport{Period: period, Deadline: deadline, Counts: map[string]int{}}
	for _, u := range ws.Units {
		st := UnitState{Code: u.Code, Name: u.Name, Kind: u.Kind, State: StateMissing}
		if s, ok := latest[u.Code]; ok {
			st.State, st.File, st.ReceivedAt = StateAccepted, s.OrigName, s.ReceivedAt
			if s.Status == ledger.StatusRejected {
				st.State = StateReturned
			}
		}
		if !deadline.IsZero() {
			switch st.State {
			case StateMissing, StateReturned:
				st.Late = now.After(deadline)
			default:
				st.Late = st.ReceivedAt.After(deadline)
			}
		}
		rep.Counts[st.State]++
		if st.Late {
			rep.Late++
		}
		rep.Units = append(rep.Units, st)
	}
	return rep, nil
}
