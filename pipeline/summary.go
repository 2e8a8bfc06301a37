package pipeline

import (
	"time"

	"countybrief/pipeline/vocab"
)

// FileResult is what a batch did with one file.
type FileResult struct {
	Name        string           `json:"name"`
	Unit        string           `json:"unit"`
	Period      string           `json:"period"`
	SHA256      string           `json:"sha256"`
	Status      vocab.FileStatus `json:"status"`
	ArchivePath string           `json:"archive_path"`
	ReturnPath  string           `json:"return_path,omitempty"`
	Findings    []vocab.Finding  `json:"findings,omitempty"`
	Recovered   bool             `json:"recovered,omitempty"`
}

// Summary is the outcome of one batch, printed by `run --json` and kept in
// the ledger.
type Summary struct {
	RunID      int64        `json:"run_id"`
	Period     string       `json:"period"`
	Started    time.Time    `json:"started"`
	Finished   time.Time    `json:"finished"`
	Files      []FileResult `json:"files"`
	Accepted   int          `json:"accepted"`
	Rejected   int          `json:"rejected"`
	Duplicates int          `json:"duplicates"`
	Waiting    int          `json:"waiting"`
	// Reported is how many units' figures are in the totals; Counts is
	// how many units are in each state (see classify). Missing (missing
	// or overdue), Returned (nothing accepted, latest file rejected) and
	// KeptAfterReturn (latest file rejected, an earlier one counts) are
	// the unit codes of those states, so no unit is in two lists.
	Reported        int                 `json:"reported"`
	Counts          map[vocab.State]int `json:"counts"`
	Missing         []string            `json:"missing"`
	Returned        []string            `json:"returned"`
	KeptAfterReturn []string            `json:"kept_after_return"`
	CountyFindings  []vocab.Finding     `json:"county_findings,omitempty"`
	// BrokenRules are rules that failed when they ran, once each: the
	// office must fix them; they rejected no file.
	BrokenRules []BrokenRule `json:"broken_rules,omitempty"`
	// Unreadable are the inbox folders and files (relative to the
	// workspace) that the scan could not read: their units' files wait
	// until the office fixes the permissions or the disk.
	Unreadable []string `json:"unreadable,omitempty"`
	// ChangedAfterJudging are files that a unit went on writing after
	// they were judged: the judged bytes are archived and the changed
	// file is back in the inbox, at these paths, to be judged anew.
	ChangedAfterJudging []string `json:"changed_after_judging,omitempty"`
	// ArchiveErrors are files that could not be moved to the archive;
	// they stay in work/ and the next batch finishes them.
	ArchiveErrors []string `json:"archive_errors,omitempty"`
	// Stopped is true when a stop request ended the taking of files
	// early: what was claimed was finished, the rest waits in the inbox.
	Stopped bool `json:"stopped,omitempty"`
	// Rendered is true when this batch wrote a new draft. Draft,
	// DraftText, TotalsWorkbook and AuditReport are the current draft's
	// files under outbox/<period>/草稿/ (new or kept); ChaseList is
	// outbox/<period>/催報退回名單.txt. A batch never numbers an issue.
	Rendered       bool   `json:"rendered"`
	Draft          string `json:"draft,omitempty"`
	DraftText      string `json:"draft_text,omitempty"`
	TotalsWorkbook string `json:"totals_workbook,omitempty"`
	ChaseList      string `json:"chase_list,omitempty"`
	AuditReport    string `json:"audit_report,omitempty"`
	// Fonts says, in the office's words and in English, each font role
	// set in another face than its own and what to install, and, when no
	// font could be used, that the PDF waits while the other files were
	// written.
	Fonts []vocab.Text `json:"fonts,omitempty"`
	// Stages is the time spent in each stage, in seconds (see stages.go).
	Stages map[string]float64 `json:"stages"`
}

// BrokenRule is a rule that failed when it ran, where it is written, and
// how it failed.
type BrokenRule struct {
	Rule  string `json:"rule"`
	Where string `json:"where"`
	Err   string `json:"error"`
}

func (s *Summary) add(r FileResult) {
	s.Files = append(s.Files, r)
	switch r.Status {
	case vocab.FileAccepted:
		s.Accepted++
	case vocab.FileRejected:
		s.Rejected++
	case vocab.FileDuplicate:
		s.Duplicates++
	}
}
