package workspace

import (
	"fmt"
	"strconv"
	"strings"
)

// The names of what the office gets under outbox/<period>/, each written
// once, here, in Traditional; a Simplified office's are converted (Names).
const (
	// draftFolder holds the current draft: every batch replaces it, and
	// nothing in it carries an issue number.
	draftFolder = "草稿"
	draftStem   = "簡報（草稿）"
	totalsFile  = "匯總表.xlsx"
	// auditFile is the office's own report: every returned file with its
	// reasons, warnings, county-rule findings. It is not sent upward.
	auditFile = "審核報告.xlsx"
	chaseFile = "催報退回名單.txt"
	// The files of a published issue: the number goes where %d is.
	briefingStem    = "簡報第%d期"
	issueTotalsFile = "匯總表第%d期.xlsx"
	reportFile      = "上報表第%d期.xlsx"
)

// Names are the names of the office's output files in one script.
// Whatever finds a published file by name looks in both scripts
// (AllNames): an office that changed script, or published before names
// followed its script, keeps its issues as they were named.
type Names struct{ conv func(string) string }

// Names are the office's names, in the script of its language. OpenCC's
// dictionaries are compiled in and never fail to load; were they to, the
// names stay Traditional, which everything that looks for a file finds.
func (c *Config) Names() Names {
	conv, err := Converter(c.Language)
	if err != nil {
		conv = func(s string) string { return s }
	}
	return Names{conv}
}

// AllNames are the names in every script, the office's first.
func (c *Config) AllNames() []Names {
	other := *c
	other.Language = Simplified
	if c.Language == Simplified {
		other.Language = Traditional
	}
	return []Names{c.Names(), other.Names()}
}

// DraftDir is the draft's folder under outbox/<period>/.
func (n Names) DraftDir() string { return n.conv(draftFolder) }

// Draft is the draft briefing with extension ext (".pdf", ".txt").
func (n Names) Draft(ext string) string { return n.conv(draftStem) + ext }

// Totals is the draft's totals workbook.
func (n Names) Totals() string { return n.conv(totalsFile) }

// Audit is the draft's 審核報告.
func (n Names) Audit() string { return n.conv(auditFile) }

// ChaseList is the period's chase list, beside the draft's folder.
func (n Names) ChaseList() string { return n.conv(chaseFile) }

// Briefing is issue 第N期's briefing with extension ext.
func (n Names) Briefing(issue int, ext string) string {
	return fmt.Sprintf(n.conv(briefingStem), issue) + ext
}

// IssueTotals is issue 第N期's totals workbook.
func (n Names) IssueTotals(issue int) string { return fmt.Sprintf(n.conv(issueTotalsFile), issue) }

// Report is issue 第N期's 上報 workbook for the office above.
func (n Names) Report(issue int) string { return fmt.Sprintf(n.conv(reportFile), issue) }

// BriefingIssue is the issue whose briefing PDF is called file, in these
// names' script: false for any other file, a number written with leading
// zeros or spaces included, which publish never writes.
func (n Names) BriefingIssue(file string) (int, bool) {
	prefix, suffix, _ := strings.Cut(n.conv(briefingStem), "%d")
	digits, ok := strings.CutPrefix(file, prefix)
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, suffix+".pdf"); !ok || len(digits) == 0 || len(digits) > 9 || digits[0] == '0' {
		return 0, false
	}
	issue, err := strconv.Atoi(digits)
	if err != nil || strings.ContainsAny(digits, "+-") {
		return 0, false
	}
	return issue, true
}
