package vocab

// Severity decides what a finding does to a file, and whether a problem
// in a file the office edits stops the program.
type Severity string

const (
	// Error rejects the file: the unit must correct it and send it again.
	// A problem of this severity stops the workspace from loading.
	Error Severity = "error"
	// Warning accepts the file and flags the value for the office to look
	// at. A problem of this severity is shown, and the workspace loads.
	Warning Severity = "warning"
	// Explain is a rule's severity, never a recorded finding's: the file is
	// accepted only when the unit explained the figure in its row's 說明
	// column. The checker turns such a finding into an explained Warning or
	// an Error before anything records it (the ledger refuses it).
	Explain Severity = "explain"
)

// Finding is one problem found in a submission, located so that a clerk can
// go straight to the cell. Message and Fix are Chinese, for the clerk.
type Finding struct {
	Rule     string             `json:"rule"`
	Severity Severity           `json:"severity"`
	Sheet    string             `json:"sheet,omitempty"`
	Cell     string             `json:"cell,omitempty"`
	Values   map[string]float64 `json:"values,omitempty"`
	Message  string             `json:"message"`
	Fix      string             `json:"fix,omitempty"`
	// Explanation is what the unit wrote in the 說明 column of the
	// figure's row, which accepts a warning as explained; "" for none.
	Explanation string `json:"explanation,omitempty"`
}

// Rule ids of the outlier warnings, which the batch gives and the
// 審核報告 lists apart: the program's, not a rule file's, and only ever
// warnings, since an unusual figure may well be true.
const (
	RuleOutlierJump = "outlier.jump" // against the unit's own previous period
	RuleOutlierPeer = "outlier.peer" // against the units of the same kind
)

// HasError reports whether any finding rejects the file.
func HasError(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}
