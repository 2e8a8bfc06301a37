package pipeline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
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

// Summary is the outcome of one batch, printed by `run --json` (WriteJSON)
// and kept in the ledger's run row without Files (runJSON).
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

	// taken holds Files packed while the batch runs; unpack sets Files.
	taken packedFiles
}

// runJSON is the summary as the ledger's run row keeps it: without the
// per-file list, which is the ledger's own rows of the run (submissions
// by run_id) and at 73,000 files was 20 MB a busy run added to the ledger.
// Status reads the row's unreadable folders.
func (s *Summary) runJSON() []byte {
	head := *s
	head.Files = nil
	return mustJSON(head)
}

// WriteJSON writes the summary as an indented JSON document, exactly as
// json.Encoder with two-space indentation would, but one file result at a
// time: at 73,000 files the document is 29 MB, which encoding it whole
// held twice over, under the memory limit of the process once the batch
// has given its own back.
func (s *Summary) WriteJSON(w io.Writer) error {
	head := *s
	head.Files = []FileResult{}
	doc, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	before, after, ok := bytes.Cut(doc, []byte(`"files": [],`))
	if !ok {
		return fmt.Errorf("encode summary: no files list in %.40q", doc)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(before)
	if len(s.Files) == 0 {
		bw.WriteString(`"files": [],`)
	} else {
		bw.WriteString(`"files": [`)
		for i := range s.Files {
			one, err := json.MarshalIndent(&s.Files[i], "    ", "  ")
			if err != nil {
				return fmt.Errorf("encode summary: %w", err)
			}
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString("\n    ")
			bw.Write(one)
		}
		bw.WriteString("\n  ],")
	}
	bw.Write(after)
	bw.WriteByte('\n')
	return bw.Flush()
}

// BrokenRule is a rule that failed when it ran, where it is written, and
// how it failed.
type BrokenRule struct {
	Rule  string `json:"rule"`
	Where string `json:"where"`
	Err   string `json:"error"`
}

// add counts a file done. Its result is packed until the batch ends
// (unpack): at 73,000 files the results as FileResults were some 30 MB of
// strings and pointers held, and scanned by every collection, through the
// draft, the batch's peak.
func (s *Summary) add(r FileResult) {
	s.taken.add(r)
	switch r.Status {
	case vocab.FileAccepted:
		s.Accepted++
	case vocab.FileRejected:
		s.Rejected++
	case vocab.FileDuplicate:
		s.Duplicates++
	}
}

// done is how many files the batch has done.
func (s *Summary) done() int { return len(s.Files) + len(s.taken.files) }

// unpack appends the files packed so far to Files, in the order they were
// done.
func (s *Summary) unpack() {
	s.Files = s.taken.unpack(s.Files)
	s.taken = packedFiles{}
}

// packedFiles is a list of FileResults as bytes: each result's strings
// one after another in text, an archive path without the part it shares
// with the path before it (a unit's folder, the archive's), and the few
// findings apart.
type packedFiles struct {
	text     []byte
	files    []packedFile
	findings [][]vocab.Finding
	// lastArchive is the archive path of the last result added.
	lastArchive string
}

// packedFile is where one result's strings end in text, as lengths in
// the order of packedFields.
type packedFile struct {
	lens [packedFields]uint32
	// shared is how many leading bytes the archive path shares with the
	// previous result's, which are not in text again.
	shared uint32
	// findings is 1 + the index of the result's findings, 0 for none.
	findings  int32
	recovered bool
}

const packedFields = 7

func (p *packedFiles) add(r FileResult) {
	archive := r.ArchivePath
	var shared int
	if len(p.files) > 0 {
		shared = commonPrefix(p.lastArchive, archive)
	}
	f := packedFile{shared: uint32(shared), recovered: r.Recovered}
	for i, s := range [packedFields]string{r.Name, r.Unit, r.Period, r.SHA256, string(r.Status), archive[shared:], r.ReturnPath} {
		p.text = append(p.text, s...)
		f.lens[i] = uint32(len(s))
	}
	if len(r.Findings) > 0 {
		p.findings = append(p.findings, r.Findings)
		f.findings = int32(len(p.findings))
	}
	p.files = append(p.files, f)
	p.lastArchive = archive
}

// unpack appends the results to files. Their strings are cut from one
// string, as few allocations as there are results.
func (p *packedFiles) unpack(files []FileResult) []FileResult {
	// The text again with every archive path whole.
	size := len(p.text)
	for _, f := range p.files {
		size += int(f.shared)
	}
	var b strings.Builder
	b.Grow(size)
	at, archive := 0, ""
	for _, f := range p.files {
		for i, l := range f.lens {
			s := p.text[at : at+int(l)]
			at += int(l)
			if i == archiveField {
				start := b.Len()
				b.WriteString(archive[:f.shared])
				b.Write(s)
				archive = b.String()[start:] // bytes written are never changed

				continue
			}
			b.Write(s)
		}
	}
	all := b.String()
	files = append(make([]FileResult, 0, len(files)+len(p.files)), files...)
	at = 0
	for _, f := range p.files {
		var v [packedFields]string
		for i, l := range f.lens {
			if i == archiveField {
				l += f.shared
			}
			v[i] = all[at : at+int(l)]
			at += int(l)
		}
		r := FileResult{Name: v[0], Unit: v[1], Period: v[2], SHA256: v[3], Status: vocab.FileStatus(v[4]),
			ArchivePath: v[archiveField], ReturnPath: v[6], Recovered: f.recovered}
		if f.findings > 0 {
			r.Findings = p.findings[f.findings-1]
		}
		files = append(files, r)
	}
	return files
}

// archiveField is the archive path's place in packedFile.lens.
const archiveField = 5

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
