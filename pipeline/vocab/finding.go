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
}

// HasError reports whether any finding rejects the file.
func HasError(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}
