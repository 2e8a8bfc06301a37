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
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"

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
// rows are counted's figures by catalogue input (see merge.Figures): the
// briefing keeps them as they are, and the county rules read them so too
// (rules.CountyFigures). The steps go in the order that lets each list a
// unit go before the next is made: at 73,000 units every one is
// megabytes, and the county rules' rows (some 290 bytes a unit) are the
// most.
func (b *batch) assemble(ctx context.Context, counted countedFiles, rows [][]float64, returned []ledger.Record) (brief render.Briefing, err error) {
	ws := b.ws
	at, unknown := counted.registryOrder(ws)
	brief = render.Briefing{Period: ws.Config.Period, Totals: mergeCurrent(ws, counted, rows)}
	retAt, retUnknown := registryOrder(ws, returned)
	brief.Rejected = fileReports(ws, retAt, retUnknown, func(j int32) *ledger.Record { return &returned[j] },
		func(rec *ledger.Record) []vocab.Finding { return rec.Findings }, false)
	if brief.Counted, err = b.countedReports(ctx, counted, at, unknown); err != nil {
		return render.Briefing{}, err
	}
	brief.Units, b.lines = b.lines, nil
	// Every list is one line a unit: made to size, since growing them
	// was a quarter of what a region's draft allocated.
	brief.Reported = make([]render.UnitValues, 0, len(counted.files))
	for i := range ws.Units {
		if j := at[i]; j >= 0 {
			brief.Reported = append(brief.Reported, render.UnitValues{Unit: &ws.Units[i], Figures: rows[j]})
		}
	}
	inputs := rules.CountyFigures{Codes: merge.Codes(ws.Catalogue), N: len(brief.Reported),
		At: func(k int) (*workspace.Unit, []float64) { return brief.Reported[k].Unit, brief.Reported[k].Figures }}
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

// mergeCurrent is the county totals of counted's figures rows, added in
// counted's order (the ledger's, by unit code).
func mergeCurrent(ws *workspace.Workspace, counted countedFiles, rows [][]float64) merge.Totals {
	unit := make([]int32, len(counted.files))
	figures := make([]merge.Figures, len(rows))
	for i := range counted.files {
		unit[i], figures[i] = counted.files[i].unit, rows[i]
	}
	return merge.MergeUnits(ws.Catalogue, ws.Units, unit, figures)
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

// countedReports are the counted files (counted, placed by at and
// unknown as registryOrder places them) that have findings, with them:
// only the 審核報告 shows a counted file, and only when it has a finding
// to list, so a region's tens of thousands of files without one are not
// made into reports at all (5 MB at 73,000 units). The ledger loads
// values only; the findings are read here for every counted file, and
// the names and times of receipt for those that have some.
func (b *batch) countedReports(ctx context.Context, counted countedFiles, at, unknown []int32) ([]render.FileReport, error) {
	ids := make([]int64, len(counted.files))
	for i := range counted.files {
		ids[i] = counted.files[i].id
	}
	found, err := b.ledger.Findings(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("findings of the counted files: %w", err)
	}
	if len(found) == 0 {
		return nil, nil
	}
	ids = slices.Collect(maps.Keys(found))
	recs, err := b.ledger.ByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("the counted files with findings: %w", err)
	}
	byID := make(map[int64]*ledger.Record, len(recs))
	for i := range recs {
		byID[recs[i].ID] = &recs[i]
	}
	return fileReports(b.ws, at, unknown, func(j int32) *ledger.Record { return byID[counted.files[j].id] },
		func(rec *ledger.Record) []vocab.Finding { return found[rec.ID] }, true), nil
}

// fileReports are the files rec gives for the places at and unknown (from
// registryOrder), in registry order of their units, a code not in the
// registry last under its own code, with their findings as findings
// gives them; with withFindings, a file that has none is left out, as is
// a place rec gives no file for.
func fileReports(ws *workspace.Workspace, at, unknown []int32, rec func(j int32) *ledger.Record, findings func(*ledger.Record) []vocab.Finding, withFindings bool) []render.FileReport {
	var out []render.FileReport
	report := func(u *workspace.Unit, r *ledger.Record) {
		if r == nil {
			return
		}
		fs := findings(r)
		if withFindings && len(fs) == 0 {
			return
		}
		out = append(out, render.FileReport{Unit: u, File: r.OrigName, ReceivedAt: r.ReceivedAt, Findings: fs})
	}
	for i := range ws.Units {
		if j := at[i]; j >= 0 {
			report(&ws.Units[i], rec(j))
		}
	}
	for _, j := range unknown {
		if r := rec(j); r != nil {
			report(&workspace.Unit{Code: r.UnitCode}, r)
		}
	}
	return out
}

// countedFile is a counted file as a draft holds it once tally has read
// the states: what its figures' row is kept under (its id and SHA-256,
// see draftRowsFile) and its unit's place. At 204,000 units the records
// (some 250 bytes each with their text) held beside the figures were a
// fifth of the draft's peak; this is 48 bytes.
type countedFile struct {
	id  int64
	sha [sha256.Size]byte
	// unit is the place of the file's unit in the registry or, below 0,
	// of its code among countedFiles.other.
	unit  int32
	shaOK bool // false: the SHA-256 is not hex, and the row is not kept
}

// countedFiles are the counted files in the ledger's order (by unit
// code), and the codes of their units that are not in the registry.
type countedFiles struct {
	files []countedFile
	other []string
}

// countedOf is recs (the ledger's counted records, one a unit) as a
// draft holds them.
func countedOf(ws *workspace.Workspace, recs []ledger.Record) countedFiles {
	c := countedFiles{files: make([]countedFile, len(recs))}
	for i := range recs {
		f := &c.files[i]
		f.id = recs[i].ID
		f.sha, f.shaOK = shaBytes(recs[i].SHA256)
		if j, ok := ws.UnitAt(recs[i].UnitCode); ok {
			f.unit = int32(j)
		} else {
			c.other = append(c.other, recs[i].UnitCode)
			f.unit = -int32(len(c.other))
		}
	}
	return c
}

// code is the unit code of the i-th file.
func (c countedFiles) code(ws *workspace.Workspace, i int) string {
	if u := c.files[i].unit; u < 0 {
		return c.other[-u-1]
	}
	return ws.Units[c.files[i].unit].Code
}

// same tells whether the i-th file is the submission id of unit, for
// ledger.RowsOf.
func (c countedFiles) same(ws *workspace.Workspace) func(i int, id int64, unit string) bool {
	return func(i int, id int64, unit string) bool {
		return c.files[i].id == id && c.code(ws, i) == unit
	}
}

// is tells whether the i-th file is rec (its id, unit and content).
func (c countedFiles) is(ws *workspace.Workspace, i int, rec *ledger.Record) bool {
	sha, ok := shaBytes(rec.SHA256)
	f := &c.files[i]
	return ok && f.shaOK && sha == f.sha && f.id == rec.ID && c.code(ws, i) == rec.UnitCode
}

// registryOrder is registryOrder (of status.go) of the files.
func (c countedFiles) registryOrder(ws *workspace.Workspace) (at []int32, unknown []int32) {
	at = make([]int32, len(ws.Units))
	for i := range at {
		at[i] = -1
	}
	for j := range c.files {
		if u := c.files[j].unit; u >= 0 {
			at[u] = int32(j)
		} else {
			unknown = append(unknown, int32(j))
		}
	}
	return at, unknown
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

// row is the cached row of f, if its id and content are the cached ones.
func (c *rowCache) row(f *countedFile) ([]float64, bool) {
	i, ok := c.index[f.id]
	if !ok || !f.shaOK || f.sha != c.shas[i] {
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

// writeRowCache writes rows (rows[i] is files[i]'s) to path under key.
func writeRowCache(path string, key [sha256.Size]byte, width int, files []countedFile, rows [][]float64) error {
	n := 0
	for i, k := range files {
		if k.shaOK && len(rows[i]) == width {
			n++
		}
	}
	// Unsynced: a file cut short by a power cut fails its checksum and
	// is no cache, and a stale one keeps rows under ids and SHA-256s,
	// which never change.
	return safefile.WriteUnsynced(path, func(w io.Writer) error {
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
		for i := range files {
			k := &files[i]
			if !k.shaOK || len(rows[i]) != width {
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

// draftRows are the figures of counted (the ledger's current heads of
// period, as HeadsWithout reads them, as countedOf keeps them) by
// merge.Codes, as CurrentRows gives them: the rows kept by the last draft
// (draftRowsFile, as readDraftRows gives them in kept) for the files it
// counted too, the ledger's for the others. Many new files, or no cache
// under this key, read every row from the ledger for the heads (RowsOf),
// or with the records again when the ledger changed since the heads were
// read; the files counted come back with the rows. save writes the cache
// for the next draft, when it changed; it may run beside the rendering.
func (b *batch) draftRows(ctx context.Context, period, files string, heads countedFiles, kept <-chan *rowCache) (counted countedFiles, rows [][]float64, save func() error, err error) {
	codes := merge.Codes(b.ws.Catalogue)
	path := filepath.Join(b.ws.WorkDir(), draftRowsFile)
	key := rowsKey(files, period, codes)
	save = func() error { return nil }
	cache := <-kept
	ok := cache != nil
	var missing []int
	if ok {
		rows = make([][]float64, len(heads.files))
		for i := range heads.files {
			var hit bool
			if rows[i], hit = cache.row(&heads.files[i]); !hit {
				missing = append(missing, i)
			}
		}
		ok = len(missing) <= rowsFetchLimit(len(heads.files))
	}
	for _, i := range missing {
		if !ok {
			break
		}
		// A record that is not the head (the ledger changed between the
		// two reads) sends every row to be read with all the others.
		rec, err := b.ledger.ByID(ctx, heads.files[i].id)
		if err != nil {
			return countedFiles{}, nil, nil, fmt.Errorf("current submissions: %w", err)
		}
		if ok = rec != nil && heads.is(b.ws, i, rec); ok {
			rows[i] = merge.FiguresOf(codes, rec.Values)
		}
	}
	cached := ok
	switch {
	case ok:
		counted = heads
	default:
		if rows, ok, err = b.ledger.RowsOf(ctx, period, codes, len(heads.files), heads.same(b.ws)); err != nil {
			return countedFiles{}, nil, nil, fmt.Errorf("current submissions: %w", err)
		}
		if ok {
			counted = heads
			break
		}
		recs, all, err := b.ledger.CurrentRows(ctx, period, codes)
		if err != nil {
			return countedFiles{}, nil, nil, fmt.Errorf("current submissions: %w", err)
		}
		counted, rows = countedOf(b.ws, recs), all
	}
	b.log.WithFields(logrus.Fields{"counted": len(counted.files), "cached": cached, "read": len(missing)}).Debug("draft rows")
	if cached && len(missing) == 0 && len(cache.rows) == len(counted.files) {
		return counted, rows, save, nil
	}
	save = func() error {
		if err := writeRowCache(path, key, len(codes), counted.files, rows); err != nil {
			return fmt.Errorf("keep the draft's rows: %w", err)
		}
		return nil
	}
	return counted, rows, save, nil
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
		// Unsynced: each chunk is checked against its key and checksum
		// when it is read, whatever a power cut left of the file.
		err := safefile.WriteUnsynced(path, func(next io.Writer) error {
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
