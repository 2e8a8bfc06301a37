package pipeline

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"countybrief/internal/plainjson"
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
		// One encoder and buffer for every result: MarshalIndent made a
		// kilobyte of garbage a result, 200 MB at 204,000 files, which the
		// collector chased back to back once the batch had given back its
		// memory limit and the results still took twice the caller's.
		var one bytes.Buffer
		enc := json.NewEncoder(&one)
		enc.SetIndent(resultPrefix, resultIndent)
		for i := range s.Files {
			one.Reset()
			if !appendPlainResult(&one, &s.Files[i]) {
				if err := enc.Encode(&s.Files[i]); err != nil {
					return fmt.Errorf("encode summary: %w", err)
				}
			}
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString("\n    ")
			bw.Write(bytes.TrimSuffix(one.Bytes(), []byte("\n")))
		}
		bw.WriteString("\n  ],")
	}
	bw.Write(after)
	bw.WriteByte('\n')
	return bw.Flush()
}

// A file result sits in the summary's files list, one level in: its
// lines start with resultPrefix, its fields one resultIndent further.
const resultPrefix, resultIndent = "    ", "  "

// appendPlainResult writes r to buf as the encoder of WriteJSON would, and
// reports true, when r has no findings and none of its texts needs an
// escape; it writes nothing and reports false otherwise. Encoding by
// reflection was 130 ms of a 73,000-file summary, written on one core
// after everything else is done.
func appendPlainResult(buf *bytes.Buffer, r *FileResult) bool {
	if len(r.Findings) > 0 {
		return false
	}
	fields := [...]struct{ key, value string }{
		{"name", r.Name}, {"unit", r.Unit}, {"period", r.Period}, {"sha256", r.SHA256},
		{"status", string(r.Status)}, {"archive_path", r.ArchivePath}, {"return_path", r.ReturnPath},
	}
	for _, f := range fields {
		if !plainjson.Plain(f.value) {
			return false
		}
	}
	buf.WriteByte('{')
	for i, f := range fields {
		if f.key == "return_path" && f.value == "" {
			continue // omitempty
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n" + resultPrefix + resultIndent + `"`)
		buf.WriteString(f.key)
		buf.WriteString("\": \"")
		buf.WriteString(f.value)
		buf.WriteByte('"')
	}
	if r.Recovered {
		buf.WriteString(",\n" + resultPrefix + resultIndent + `"recovered": true`)
	}
	buf.WriteString("\n" + resultPrefix + "}")
	return true
}

// BrokenRule is a rule that failed when it ran, where it is written, and
// how it failed.
type BrokenRule struct {
	Rule  string `json:"rule"`
	Where string `json:"where"`
	Err   string `json:"error"`
}

// add counts a file done. Its result is packed until the batch ends
// (unpack), and spilled to the work folder as it goes (see spillFile).
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
func (s *Summary) done() int { return len(s.Files) + s.taken.n }

// unpack appends the files packed so far to Files, in the order they were
// done, and closes the spill file. An error means the spilled results
// could not be read back whole: the files themselves are done and in the
// ledger, but this summary's list of them is not.
func (s *Summary) unpack() error {
	files, err := s.taken.unpack(s.Files)
	s.Files = files
	s.taken.close()
	s.taken = packedFiles{}
	return err
}

// packedFiles is a list of FileResults as bytes, encoded one after
// another (appendResult) in blocks that are spilled to a file once they
// reach spillBlock; the few findings stay in memory apart. As FileResults
// the results of 73,000 files were some 30 MB of strings and pointers
// held, and scanned by every collection, through the draft, the batch's
// peak; packed in memory, 18 MB, some 250 bytes a file, that grew with
// the batch while it took its files.
type packedFiles struct {
	// block holds the results not spilled, n counts them all.
	block []byte
	n     int
	// lastArchive is the archive path of the last result added.
	lastArchive string
	findings    [][]vocab.Finding
	spill       *spillFile
}

// spillBlock is how many bytes of results are held before they are
// written to the spill file: some thousand results, one write a group.
const spillBlock = 256 << 10

func (p *packedFiles) add(r FileResult) {
	findings := 0
	if len(r.Findings) > 0 {
		p.findings = append(p.findings, r.Findings)
		findings = len(p.findings)
	}
	p.block = appendResult(p.block, r, p.lastArchive, findings)
	p.lastArchive = r.ArchivePath
	p.n++
	if len(p.block) >= spillBlock && p.spill != nil && p.spill.write(p.block) {
		p.block = p.block[:0]
	}
}

// appendResult encodes r after b: its findings' number (1 + index, 0 for
// none) and whether it was recovered, how many leading bytes its archive
// path shares with prev, the archive path before it, which are not
// written again, and its strings, each after its length.
func appendResult(b []byte, r FileResult, prev string, findings int) []byte {
	flags := uint64(findings) << 1
	if r.Recovered {
		flags |= 1
	}
	shared := commonPrefix(prev, r.ArchivePath)
	b = binary.AppendUvarint(b, flags)
	b = binary.AppendUvarint(b, uint64(shared))
	for _, s := range [...]string{r.Name, r.Unit, r.Period, r.SHA256, string(r.Status), r.ArchivePath[shared:], r.ReturnPath} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// decodeResults appends the results encoded in data (appendResult) to
// files; prev is the archive path of the result before the first, and
// findings those the results number. Their strings are cut from one
// string. It also returns the archive path of the last result.
func decodeResults(data []byte, prev string, findings [][]vocab.Finding, files []FileResult) ([]FileResult, string, error) {
	// The first pass checks the encoding and sizes the text, with every
	// archive path whole.
	size, n, last := 0, 0, len(prev)
	for rest := data; len(rest) > 0; n++ {
		var f packedResult
		var err error
		if rest, err = f.parse(rest, last, len(findings)); err != nil {
			return files, prev, err
		}
		for _, s := range f.strs {
			size += len(s)
		}
		size += f.shared
		last = f.shared + len(f.strs[archiveField])
	}
	var b strings.Builder
	b.Grow(size)
	files = slices.Grow(files, n)
	for rest := data; len(rest) > 0; {
		var f packedResult
		rest, _ = f.parse(rest, len(prev), len(findings))
		var v [packedFields]string
		for i, s := range f.strs {
			from := b.Len()
			if i == archiveField {
				b.WriteString(prev[:f.shared])
			}
			b.Write(s)
			v[i] = b.String()[from:] // bytes written are never changed
		}
		prev = v[archiveField]
		r := FileResult{Name: v[0], Unit: v[1], Period: v[2], SHA256: v[3], Status: vocab.FileStatus(v[4]),
			ArchivePath: v[archiveField], ReturnPath: v[6], Recovered: f.flags&1 == 1}
		if k := f.flags >> 1; k > 0 {
			r.Findings = findings[k-1]
		}
		files = append(files, r)
	}
	return files, prev, nil
}

// packedFields is how many strings a result has; archiveField is the
// archive path's place among them.
const (
	packedFields = 7
	archiveField = 5
)

// packedResult is one result as appendResult wrote it, its strings still
// in the encoded bytes, the archive path without its shared part.
type packedResult struct {
	flags  uint64
	shared int
	strs   [packedFields][]byte
}

var errDamagedList = errors.New("damaged file list")

// parse reads one result from the front of b and returns the rest; prev
// is the length of the archive path before it, and findings how many
// findings lists there are.
func (f *packedResult) parse(b []byte, prev, findings int) ([]byte, error) {
	uvarint := func() (uint64, bool) {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	var ok bool
	if f.flags, ok = uvarint(); !ok || f.flags>>1 > uint64(findings) {
		return nil, errDamagedList
	}
	shared, ok := uvarint()
	if !ok || shared > uint64(prev) {
		return nil, errDamagedList
	}
	f.shared = int(shared)
	for i := range f.strs {
		l, ok := uvarint()
		if !ok || l > uint64(len(b)) {
			return nil, errDamagedList
		}
		f.strs[i], b = b[:l], b[l:]
	}
	return b, nil
}

// unpack appends the results to files: those spilled, then those held.
func (p *packedFiles) unpack(files []FileResult) ([]FileResult, error) {
	files = slices.Grow(files, p.n)
	prev := ""
	if p.spill != nil {
		var err error
		if files, prev, err = p.spill.readBack(files, p.findings); err != nil {
			return files, err
		}
	}
	files, _, err := decodeResults(p.block, prev, p.findings, files)
	return files, err
}

func (p *packedFiles) close() {
	if p.spill != nil {
		p.spill.close()
	}
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// spillFile holds the results of a batch's files done so far, in blocks,
// so that what a batch holds while it takes its files does not grow with
// them: packed in memory they were 18 MB at 73,000 files and would have
// been 50 at 204,000. It lives in the work folder and only as long as the
// batch: it is removed as soon as it is made where the system allows (the
// batch reads it back through the open file), else when the batch ends,
// and a batch killed before that leaves one that the next truncates.
// Each block carries its length and CRC-32C: a block damaged in between
// is an error, never a wrong list.
type spillFile struct {
	f    *os.File
	path string
	// size is the end of the last block written whole; after a failed
	// write the file is not used again and the results stay in memory.
	size   int64
	failed bool
}

// spillName is the spill file, in the work folder.
const spillName = "run-files.tmp"

// spillMagic starts the file; a new layout gets a new magic.
var spillMagic = []byte("countybrief run files 1\n")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// openSpill makes the spill file in dir; nil when it cannot, and the
// results stay in memory.
func openSpill(dir string) *spillFile {
	path := filepath.Join(dir, spillName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil
	}
	s := &spillFile{f: f, path: path}
	if os.Remove(path) == nil {
		s.path = ""
	}
	if _, err := f.Write(spillMagic); err != nil {
		s.close()
		return nil
	}
	s.size = int64(len(spillMagic))
	return s
}

// write appends block to the file and reports whether it is there.
func (s *spillFile) write(block []byte) bool {
	if s.failed {
		return false
	}
	head := binary.AppendUvarint(nil, uint64(len(block)))
	head = binary.LittleEndian.AppendUint32(head, crc32.Checksum(block, castagnoli))
	if _, err := s.f.WriteAt(slices.Concat(head, block), s.size); err != nil {
		s.failed = true
		return false
	}
	s.size += int64(len(head) + len(block))
	return true
}

// readBack appends the results in the file to files and returns the
// archive path of the last.
func (s *spillFile) readBack(files []FileResult, findings [][]vocab.Finding) ([]FileResult, string, error) {
	prev := ""
	r := bufio.NewReaderSize(io.NewSectionReader(s.f, 0, s.size), 64<<10)
	magic := make([]byte, len(spillMagic))
	if _, err := io.ReadFull(r, magic); err != nil || !bytes.Equal(magic, spillMagic) {
		return files, prev, fmt.Errorf("read back the file list: %w", errDamagedList)
	}
	var block []byte
	for {
		n, err := binary.ReadUvarint(r)
		if err == io.EOF {
			return files, prev, nil
		}
		var sum [4]byte
		if err == nil && n <= spillBlock*2 {
			_, err = io.ReadFull(r, sum[:])
		} else if err == nil {
			err = errDamagedList
		}
		if err == nil {
			block = slices.Grow(block[:0], int(n))[:n]
			_, err = io.ReadFull(r, block)
		}
		if err == nil && crc32.Checksum(block, castagnoli) != binary.LittleEndian.Uint32(sum[:]) {
			err = errDamagedList
		}
		if err == nil {
			files, prev, err = decodeResults(block, prev, findings, files)
		}
		if err != nil {
			return files, prev, fmt.Errorf("read back the file list: %w", err)
		}
	}
}

func (s *spillFile) close() {
	s.f.Close()
	if s.path != "" {
		os.Remove(s.path)
	}
}
