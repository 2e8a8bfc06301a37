package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/sirupsen/logrus"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/render"
	"countybrief/pipeline/safefile"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
	"countybrief/rules"
)

// tally fills the summary's counts and lists from the one definition of
// the reporting states, and keeps the states as the briefing's lines.
func (b *batch) tally(current, returned []ledger.Record) {
	b.sum.Counts = map[vocab.State]int{}
	b.lines = make([]render.UnitLine, 0, len(b.ws.Units))
	eachState(b.ws, current, returned, b.opts.Now(), func(i int, st UnitState) {
		b.sum.Counts[st.State]++
		switch st.State {
		case vocab.Accepted:
		case vocab.AcceptedLatestReturned:
			b.sum.KeptAfterReturn = append(b.sum.KeptAfterReturn, st.Code)
		case vocab.Returned:
			b.sum.Returned = append(b.sum.Returned, st.Code)
		default:
			b.sum.Missing = append(b.sum.Missing, st.Code)
		}
		if st.State.Counted() {
			b.sum.Reported++
		}
		b.lines = append(b.lines, render.UnitLine{Unit: &b.ws.Units[i], State: st.State, Late: st.Late,
			File: st.File, ReceivedAt: st.ReceivedAt, Counted: st.Counted})
	})
}

// assemble merges the figures and gathers what the briefing and the
// office's lists say about each unit: its one state from tally, and the
// files behind it, the county rules' findings and the peers' outliers.
// rows are current's figures by catalogue input (see merge.Figures): the
// briefing keeps them as they are, and the county rules read them so too
// (rules.CountyFigures). The steps go in the order that lets each list a
// unit go before the next is made: at 73,000 units every one is
// megabytes, and the county rules' rows (some 290 bytes a unit) are the
// most.
func (b *batch) assemble(ctx context.Context, current []ledger.Record, rows [][]float64, returned []ledger.Record) (brief render.Briefing, err error) {
	ws := b.ws
	at, unknown := registryOrder(ws, current)
	brief = render.Briefing{Period: ws.Config.Period, Totals: mergeCurrent(ws, current, rows)}
	retAt, retUnknown := registryOrder(ws, returned)
	brief.Rejected = fileReports(ws, returned, retAt, retUnknown, func(rec *ledger.Record) []vocab.Finding { return rec.Findings }, false)
	if brief.Counted, err = b.countedReports(ctx, current, at, unknown); err != nil {
		return render.Briefing{}, err
	}
	brief.Units, b.lines = b.lines, nil
	// Every list is one line a unit: made to size, since growing them
	// was a quarter of what a region's draft allocated.
	inputs := rules.CountyFigures{Codes: merge.Codes(ws.Catalogue),
		Units: make([]*workspace.Unit, 0, len(current)), Figures: make([][]float64, 0, len(current))}
	brief.Reported = make([]render.UnitValues, 0, len(current))
	for i := range ws.Units {
		if j := at[i]; j >= 0 {
			inputs.Units = append(inputs.Units, &ws.Units[i])
			inputs.Figures = append(inputs.Figures, rows[j])
			brief.Reported = append(brief.Reported, render.UnitValues{Unit: &ws.Units[i], Figures: rows[j]})
		}
	}
	// The peers' medians and the county rules read the same figures and
	// nothing else: each goes on its own core (some 0.05 s each at 73,000
	// units, in a draft's serial part).
	outliers := make(chan []render.Outlier, 1)
	go func() { outliers <- peerOutliers(ws, brief.Reported) }()
	var broken []rules.RuleFailure
	b.sum.CountyFindings, broken = b.checker.CountyFigures(inputs, brief.Totals.All)
	b.noteBroken(broken)
	brief.CountyFindings = b.sum.CountyFindings
	brief.Outliers = <-outliers
	return brief, nil
}

// mergeCurrent is the county totals of current's figures rows, added in
// current's order (the ledger's, by unit code).
func mergeCurrent(ws *workspace.Workspace, current []ledger.Record, rows [][]float64) merge.Totals {
	codes := make([]string, len(current))
	figures := make([]merge.Figures, len(current))
	for i := range current {
		codes[i], figures[i] = current[i].UnitCode, rows[i]
	}
	return merge.MergeFigures(ws.Catalogue, ws.Units, codes, figures)
}

// pastIssues are the issues numbered before issue, oldest first, for
// the briefing's charts over periods. An issue whose totals do not read
// (one restored after the ledger was lost has none) keeps its period
// with no figures, which the charts draw as gaps.
func (b *batch) pastIssues(ctx context.Context, issue int) ([]render.PastIssue, error) {
	all, err := b.ledger.Issues(ctx)
	if err != nil {
		return nil, fmt.Errorf("earlier issues: %w", err)
	}
	var out []render.PastIssue
	for _, is := range all {
		if is.Issue >= issue {
			break
		}
		p := render.PastIssue{Issue: is.Issue, Period: is.Period}
		if json.Unmarshal(is.Totals, &p.Totals) != nil {
			p.Totals = merge.Totals{}
		}
		out = append(out, p)
	}
	return out, nil
}

// countedReports are the counted files (current, placed by at and
// unknown as registryOrder places them) that have findings, with them:
// only the 審核報告 shows a counted file, and only when it has a finding
// to list, so a region's tens of thousands of files without one are not
// made into reports at all (5 MB at 73,000 units). The ledger loads
// values only; the findings are read here for every counted file.
func (b *batch) countedReports(ctx context.Context, current []ledger.Record, at, unknown []int32) ([]render.FileReport, error) {
	ids := make([]int64, len(current))
	for i := range current {
		ids[i] = current[i].ID
	}
	found, err := b.ledger.Findings(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("findings of the counted files: %w", err)
	}
	if len(found) == 0 {
		return nil, nil
	}
	return fileReports(b.ws, current, at, unknown, func(rec *ledger.Record) []vocab.Finding { return found[rec.ID] }, true), nil
}

// fileReports are the files of recs in registry order of their units (at
// and unknown, from registryOrder), a code not in the registry last under
// its own code, with their findings as findings gives them; with
// withFindings, a file that has none is left out.
func fileReports(ws *workspace.Workspace, recs []ledger.Record, at, unknown []int32, findings func(*ledger.Record) []vocab.Finding, withFindings bool) []render.FileReport {
	var out []render.FileReport
	report := func(u *workspace.Unit, j int32) {
		rec := &recs[j]
		fs := findings(rec)
		if withFindings && len(fs) == 0 {
			return
		}
		out = append(out, render.FileReport{Unit: u, File: rec.OrigName, ReceivedAt: rec.ReceivedAt, Findings: fs})
	}
	for i := range ws.Units {
		if j := at[i]; j >= 0 {
			report(&ws.Units[i], j)
		}
	}
	for _, j := range unknown {
		report(&workspace.Unit{Code: recs[j].UnitCode}, j)
	}
	return out
}

// draftRowsFile, under work/, keeps the figures of the files the last
// draft counted, so that the next draft reads from the ledger only the
// figures of the files that came since. At 73,000 units reading every
// counted file's figures was the most of a draft that one changed file
// makes. A submission is never changed once recorded, so a row kept under
// its id and SHA-256 stays its figures; the file is kept for one layout
// of the rows (the catalogue's codes, in the workspace files' fingerprint)
// and one period, and any other key, or a file that does not read whole,
// is no cache at all.
const draftRowsFile = "draft.rows"

// rowsMagic begins the file; a new layout of it takes a new version.
const rowsMagic = "countybrief draft rows 1\n"

// rowsFetchLimit is how many files' figures are read one by one, a query
// a file, before one pass over every counted file's is taken instead
// (that pass cost some 5 µs a file at 73,000 units; the limit is a guess
// on the safe side, not measured).
func rowsFetchLimit(heads int) int { return max(8, heads/64) }

// rowCache is a read draftRowsFile: the row of each submission by id.
type rowCache struct {
	index map[int64]int32
	shas  [][sha256.Size]byte
	rows  [][]float64
}

// row is the cached row of rec, if its id and content are the cached ones.
func (c *rowCache) row(rec *ledger.Record) ([]float64, bool) {
	i, ok := c.index[rec.ID]
	if !ok {
		return nil, false
	}
	if sha, ok := shaBytes(rec.SHA256); !ok || sha != c.shas[i] {
		return nil, false
	}
	return c.rows[i], true
}

// shaBytes is a hex SHA-256 as bytes; false when it is not one.
func shaBytes(s string) (sha [sha256.Size]byte, ok bool) {
	n, err := hex.Decode(sha[:], []byte(s))
	return sha, err == nil && n == sha256.Size && len(s) == 2*sha256.Size
}

// rowsKey is what a cache's rows are valid for: the workspace files
// (config, registry, catalogue, rules and templates, workspaceHash), the
// period and the codes the rows are laid out by.
func rowsKey(files, period string, codes []string) [sha256.Size]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", files, period)
	for _, c := range codes {
		fmt.Fprintf(h, "%s\n", c)
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key
}

// readRowCache reads path, or reports false when it is missing, kept
// under another key or damaged (its checksum, over everything before it,
// does not match).
func readRowCache(path string, key [sha256.Size]byte, width int) (*rowCache, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	sum := crc32.New(castagnoli)
	r := io.TeeReader(bufio.NewReaderSize(f, 64<<10), sum)
	head := make([]byte, len(rowsMagic)+sha256.Size+8)
	if _, err := io.ReadFull(r, head); err != nil || string(head[:len(rowsMagic)]) != rowsMagic ||
		!bytes.Equal(head[len(rowsMagic):len(rowsMagic)+sha256.Size], key[:]) {
		return nil, false
	}
	n := binary.LittleEndian.Uint32(head[len(head)-8:])
	if int(binary.LittleEndian.Uint32(head[len(head)-4:])) != width || n > 1<<24 {
		return nil, false
	}
	c := &rowCache{index: make(map[int64]int32, n), shas: make([][sha256.Size]byte, n), rows: make([][]float64, n)}
	flat := make([]float64, int(n)*width)
	entry := make([]byte, 8+sha256.Size+8*width)
	for i := range int(n) {
		if _, err := io.ReadFull(r, entry); err != nil {
			return nil, false
		}
		c.index[int64(binary.LittleEndian.Uint64(entry))] = int32(i)
		copy(c.shas[i][:], entry[8:])
		row := flat[i*width : (i+1)*width : (i+1)*width]
		for k := range row {
			row[k] = math.Float64frombits(binary.LittleEndian.Uint64(entry[8+sha256.Size+8*k:]))
		}
		c.rows[i] = row
	}
	want := sum.Sum32()
	var tail [4]byte
	if _, err := io.ReadFull(r, tail[:]); err != nil || binary.LittleEndian.Uint32(tail[:]) != want {
		return nil, false
	}
	if _, err := r.Read(tail[:1]); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return c, true
}

// rowKey is what a kept row is kept under: its submission's id and
// SHA-256.
type rowKey struct {
	id  int64
	sha [sha256.Size]byte
	ok  bool // false: the SHA-256 is not hex, and the row is not kept
}

// rowKeys are the keys of recs' rows: a draft holds them, and not the
// records, while the rows are written beside the rendering.
func rowKeys(recs []ledger.Record) []rowKey {
	keys := make([]rowKey, len(recs))
	for i, rec := range recs {
		keys[i].id = rec.ID
		keys[i].sha, keys[i].ok = shaBytes(rec.SHA256)
	}
	return keys
}

// writeRowCache writes rows (rows[i] is keys[i]'s) to path under key.
func writeRowCache(path string, key [sha256.Size]byte, width int, keys []rowKey, rows [][]float64) error {
	n := 0
	for i, k := range keys {
		if k.ok && len(rows[i]) == width {
			n++
		}
	}
	return safefile.WriteFile(path, func(w io.Writer) error {
		sum := crc32.New(castagnoli)
		mw := io.MultiWriter(w, sum)
		buf := make([]byte, 0, 8+sha256.Size+8*width)
		buf = append(buf, rowsMagic...)
		buf = append(buf, key[:]...)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(n))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(width))
		if _, err := mw.Write(buf); err != nil {
			return err
		}
		for i, k := range keys {
			if !k.ok || len(rows[i]) != width {
				continue
			}
			buf = binary.LittleEndian.AppendUint64(buf[:0], uint64(k.id))
			buf = append(buf, k.sha[:]...)
			for _, v := range rows[i] {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			}
			if _, err := mw.Write(buf); err != nil {
				return err
			}
		}
		_, err := w.Write(binary.LittleEndian.AppendUint32(nil, sum.Sum32()))
		return err
	})
}

// readDraftRows reads the rows the last draft kept for period and the
// workspace files' fingerprint files on another goroutine, which needs
// nothing of the heads: at 73,000 units it takes as long as a third of
// reading them, beside which it runs. The channel gives nil for no rows.
func (b *batch) readDraftRows(period, files string) <-chan *rowCache {
	codes := merge.Codes(b.ws.Catalogue)
	path := filepath.Join(b.ws.WorkDir(), draftRowsFile)
	kept := make(chan *rowCache, 1)
	go func() {
		cache, ok := readRowCache(path, rowsKey(files, period, codes), len(codes))
		if !ok {
			cache = nil
		}
		kept <- cache
	}()
	return kept
}

// forgetSHAs empties recs' SHA-256s: once the draft's fingerprint and
// its rows' keys are made, no briefing shows them, and at 73,000 units
// they were 4.7 MB of text held until the briefing was assembled.
func forgetSHAs(recs []ledger.Record) []ledger.Record {
	for i := range recs {
		recs[i].SHA256 = ""
	}
	return recs
}

// draftRows are the counted records of heads (the ledger's current
// heads of period, as HeadsWithout reads them) with their figures by
// merge.Codes, as CurrentRows gives them: the rows kept by the last draft
// (draftRowsFile, as readDraftRows gives them in kept) for the files it
// counted too, the ledger's for the
// others. Many new files, or no cache under this key, read every row
// from the ledger for the heads (RowsOf), or with the records again when
// the ledger changed since the heads were read. The records come back without their SHA-256s
// (forgetSHAs). save writes the cache for the next draft, when it
// changed; it may run beside the rendering.
func (b *batch) draftRows(ctx context.Context, period, files string, heads []ledger.Record, kept <-chan *rowCache) (current []ledger.Record, rows [][]float64, save func() error, err error) {
	codes := merge.Codes(b.ws.Catalogue)
	path := filepath.Join(b.ws.WorkDir(), draftRowsFile)
	key := rowsKey(files, period, codes)
	save = func() error { return nil }
	cache := <-kept
	ok := cache != nil
	var missing []int
	if ok {
		rows = make([][]float64, len(heads))
		for i := range heads {
			var hit bool
			if rows[i], hit = cache.row(&heads[i]); !hit {
				missing = append(missing, i)
			}
		}
		ok = len(missing) <= rowsFetchLimit(len(heads))
	}
	for _, i := range missing {
		if !ok {
			break
		}
		// A record that is not the head (the ledger changed between the
		// two reads) sends every row to be read with all the others.
		rec, err := b.ledger.ByID(ctx, heads[i].ID)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("current submissions: %w", err)
		}
		if ok = rec != nil && rec.SHA256 == heads[i].SHA256 && rec.UnitCode == heads[i].UnitCode; ok {
			rows[i] = merge.FiguresOf(codes, rec.Values)
		}
	}
	cached := ok
	var keys []rowKey
	switch {
	case ok:
		current = heads
	default:
		// Every row is read for the heads, which are keyed and let go of
		// their SHA-256s first: the keys are smaller, and the figures
		// read beside them are a draft's peak.
		keys = rowKeys(heads)
		if rows, ok, err = b.ledger.RowsOf(ctx, period, codes, forgetSHAs(heads)); err != nil {
			return nil, nil, nil, fmt.Errorf("current submissions: %w", err)
		}
		if ok {
			current = heads
			break
		}
		if current, rows, err = b.ledger.CurrentRows(ctx, period, codes); err != nil {
			return nil, nil, nil, fmt.Errorf("current submissions: %w", err)
		}
		keys = rowKeys(current)
	}
	b.log.WithFields(logrus.Fields{"counted": len(current), "cached": cached, "read": len(missing)}).Debug("draft rows")
	if cached && len(missing) == 0 && len(cache.rows) == len(current) {
		return forgetSHAs(current), rows, save, nil
	}
	if keys == nil {
		keys = rowKeys(current)
	}
	forgetSHAs(current)
	save = func() error {
		if err := writeRowCache(path, key, len(codes), keys, rows); err != nil {
			return fmt.Errorf("keep the draft's rows: %w", err)
		}
		return nil
	}
	return current, rows, save, nil
}

// draftChunksFile, under work/, keeps the deflated chunks of the draft
// totals workbook's streamed sheets (render.Chunks), so that the next
// draft deflates only the chunks whose rows changed: one changed file at
// 73,000 units changes one chunk of a sheet, while deflating every row
// was most of the draft's rendering. A chunk is kept under the SHA-256 of
// its XML, which is all its deflated bytes depend on, so that the file
// needs no other key; each chunk carries a checksum, and one that does
// not match, or a file that does not read, is deflated again.
const draftChunksFile = "draft.chunks"

// chunksMagic begins the file; a new layout of it takes a new version.
// Each chunk follows as its key, its length and CRC-32C (little endian
// uint32s) and its deflated bytes.
const chunksMagic = "countybrief workbook chunks 1\n"

// chunkHead is the length of a chunk's key, length and checksum.
const chunkHead = sha256.Size + 8

// keptChunks are the last draft's chunks (read from old as they are
// asked for) and this draft's, written to next.
type keptChunks struct {
	old   *os.File
	index map[[sha256.Size]byte]keptChunk
	buf   []byte
	next  io.Writer
	kept  map[[sha256.Size]byte]bool // written to next already
}

type keptChunk struct {
	at  int64
	n   uint32
	sum uint32
}

// openChunks indexes the chunks kept at path: as many as read whole
// before the first that does not, none when the file is missing or not
// one of ours.
func openChunks(path string) *keptChunks {
	k := &keptChunks{index: map[[sha256.Size]byte]keptChunk{}, kept: map[[sha256.Size]byte]bool{}}
	f, err := os.Open(path)
	if err != nil {
		return k
	}
	k.old = f
	r := bufio.NewReaderSize(f, 64<<10)
	magic := make([]byte, len(chunksMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != chunksMagic {
		return k
	}
	at := int64(len(chunksMagic))
	var head [chunkHead]byte
	for {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return k
		}
		var key [sha256.Size]byte
		copy(key[:], head[:])
		c := keptChunk{at: at + chunkHead, n: binary.LittleEndian.Uint32(head[sha256.Size:]), sum: binary.LittleEndian.Uint32(head[sha256.Size+4:])}
		if _, err := r.Discard(int(c.n)); err != nil {
			return k
		}
		k.index[key] = c
		at = c.at + int64(c.n)
	}
}

// Deflated is the chunk kept under key, when its bytes are the ones kept.
func (k *keptChunks) Deflated(key [sha256.Size]byte) ([]byte, bool) {
	c, ok := k.index[key]
	if !ok {
		return nil, false
	}
	if cap(k.buf) < int(c.n) {
		k.buf = make([]byte, c.n)
	}
	buf := k.buf[:c.n]
	if _, err := k.old.ReadAt(buf, c.at); err != nil || crc32.Checksum(buf, castagnoli) != c.sum {
		return nil, false
	}
	return buf, true
}

// Keep writes a chunk of this draft's workbook to the next file, once.
func (k *keptChunks) Keep(key [sha256.Size]byte, deflated []byte) error {
	if k.kept[key] {
		return nil
	}
	k.kept[key] = true
	head := make([]byte, 0, chunkHead)
	head = append(head, key[:]...)
	head = binary.LittleEndian.AppendUint32(head, uint32(len(deflated)))
	head = binary.LittleEndian.AppendUint32(head, crc32.Checksum(deflated, castagnoli))
	if _, err := k.next.Write(head); err != nil {
		return err
	}
	_, err := k.next.Write(deflated)
	return err
}

// keptTotals writes the draft's totals workbook through r with the
// chunks kept by the last draft, and keeps this one's for the next.
// The kept file is replaced before the workbook: it holds only chunks
// under their own keys, so it serves whether or not the workbook's
// write then succeeds.
func keptTotals(ws *workspace.Workspace, r *render.Renderer) func(io.Writer, render.Briefing) error {
	path := filepath.Join(ws.WorkDir(), draftChunksFile)
	return func(w io.Writer, brief render.Briefing) error {
		k := openChunks(path)
		err := safefile.WriteFile(path, func(next io.Writer) error {
			// Closed before the new file takes its name, which a
			// system that keeps open files from being replaced needs.
			defer func() {
				if k.old != nil {
					k.old.Close()
				}
			}()
			k.next = next
			if _, err := io.WriteString(next, chunksMagic); err != nil {
				return err
			}
			return r.KeptTotalsWorkbook(k)(w, brief)
		})
		if err != nil {
			return fmt.Errorf("keep the workbook's chunks: %w", err)
		}
		return nil
	}
}
