// Package vocab holds the words every stage of countybrief shares. It
// imports nothing of this module, so that any stage may import it and no
// import cycle can pass through it.
package vocab

// State is where one unit of the registry stands for a period. Every unit
// is in exactly one state, so that every count, chart and list made from
// states adds up to the number of units.
type State string

const (
	// Accepted: the unit's latest file was accepted and counts.
	Accepted State = "accepted"
	// AcceptedLatestReturned: a file of the unit was accepted and counts,
	// but its latest file was rejected; the totals keep the accepted one.
	AcceptedLatestReturned State = "accepted_latest_returned"
	// Returned: nothing of the unit was accepted and its latest file was
	// rejected; it must send a corrected file.
	Returned State = "returned"
	// Missing: nothing received, and the deadline has not passed.
	Missing State = "missing"
	// Overdue: nothing received, and the deadline has passed.
	Overdue State = "overdue"
)

// States lists every state in the order reports show them.
func States() []State {
	return []State{Accepted, AcceptedLatestReturned, Returned, Missing, Overdue}
}

// Label is the state's name as the office reads it (Traditional script;
// the renderer converts a Simplified workspace's output).
func (s State) Label() string {
	switch s {
	case Accepted:
		return "已接收"
	case AcceptedLatestReturned:
		return "已接收（最新一份被退回，仍按上一份計入）"
	case Returned:
		return "退回待重報"
	case Missing:
		return "未報送"
	case Overdue:
		return "逾期未報"
	}
	return string(s)
}

// Counted reports whether the unit's figures are in the totals.
func (s State) Counted() bool { return s == Accepted || s == AcceptedLatestReturned }

// Owed reports whether the office still waits for a file from the unit:
// a corrected one or a first one.
func (s State) Owed() bool { return !s.Counted() }

// Classify decides a unit's state from what the ledger holds for it in
// the period: whether any of its files was accepted, whether its latest
// file (duplicates aside) was rejected, and whether the deadline has
// passed.
func Classify(hasAccepted, latestRejected, pastDeadline bool) State {
	switch {
	case hasAccepted && latestRejected:
		return AcceptedLatestReturned
	case hasAccepted:
		return Accepted
	case latestRejected:
		return Returned
	case pastDeadline:
		return Overdue
	}
	return Missing
}
