package pipeline

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"countybrief/pipeline/inbox"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/safefile"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// ErrLedgerLost is wrapped by CheckLedger's error when the workspace has
// archived files or published briefings but its ledger is missing, empty
// or corrupt. Writing anything then would start a new ledger that numbers
// the next briefing 第1期 again and overwrites the published one; the
// office runs `countybrief ledger rebuild` instead.
var ErrLedgerLost = errors.New("台帳遺失")

// CheckLedger reports, wrapping ErrLedgerLost, a ledger that has lost the
// workspace's history: missing, without a single submission, or corrupt
// (it does not open as a database, or fails SQLite's quick check) while
// archive/ holds a file or outbox/ a published briefing. A new workspace,
// where nothing was ever archived, passes. Commands that write call it
// before they change anything.
//
// SQLite's quick check reads the whole file (0.1 s at 73,000 units, and
// growing with every night), so a file ledger gets it only when its mark
// (work/ledger.checked) does not vouch for it: on the first run of each
// UTC day, and whenever the file's size or modification time is not what
// the last run holding the lock left, so that a file changed, replaced,
// truncated or restored by anything else is checked before it is
// written. Damage that changes neither within a day waits for the next
// day's check; SQLite reports a damaged page it reads meanwhile, and
// every batch reads the period's submissions.
func CheckLedger(ctx context.Context, ws *workspace.Workspace) error {
	path := ws.LedgerPath()
	today := time.Now().UTC().Format(time.DateOnly)
	mark, _, vouches := readLedgerMark(ws)
	full := ledger.IsPostgres(path) || !vouches || mark.Checked != today
	state, damage, err := examineLedger(ctx, path, full)
	if err == nil && state == "" {
		if full && !ledger.IsPostgres(path) {
			return writeLedgerMark(ws, ledgerMark{Checked: today})
		}
		return nil
	}
	if rerr := os.Remove(ledgerMarkPath(ws)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		return fmt.Errorf("forget the ledger check: %w", rerr)
	}
	if err != nil || state == "" {
		return err
	}
	archived, err := firstArchived(ws.ArchiveDir())
	if err != nil {
		return err
	}
	issues, _, err := publishedIssues(ws)
	if err != nil {
		return err
	}
	var found []string
	if archived != "" {
		found = append(found, fmt.Sprintf("存檔裡已有文件（如 %s）", archived))
	}
	if len(issues) > 0 {
		last := issues[len(issues)-1]
		found = append(found, fmt.Sprintf("已發布到第%d期簡報（%s）", last.Issue, last.Path))
	}
	if len(found) == 0 {
		if state == "不存在" && !ledger.IsPostgres(path) {
			// The run makes a new ledger: nothing in it to check or
			// migrate. The mark's stamps are of no file, so it vouches
			// only once the run has restamped it (hold's release), and a
			// run that dies first leaves the next one a full check.
			return writeLedgerMark(ws, ledgerMark{Checked: today, Migrated: true})
		}
		return nil
	}
	kept := ""
	if damage != nil {
		kept = fmt.Sprintf("；損壞的台帳會改名為 %s.broken-<時間> 保留，不會刪除（%v）", filepath.Base(path), damage)
	}
	return fmt.Errorf("%w：台帳 %s %s，但%s。照這個台帳運行，簡報會從第1期重新編號並覆蓋已發布的簡報，所以不能寫入。"+
		"請運行 countybrief ledger rebuild --workspace %s，從存檔重建台帳並接續簡報期號%s",
		ErrLedgerLost, path, state, strings.Join(found, "、"), ws.Dir, kept)
}

// examineLedger says what is wrong with the ledger file, in the words of
// CheckLedger's message, or "" when it holds submissions and, when full,
// passes the quick check. damage is SQLite's complaint about a corrupt
// file. A missing file is not created. err is trouble that a rebuild
// would not cure (a lock held too long, no permission).
func examineLedger(ctx context.Context, path string, full bool) (state string, damage, err error) {
	// A ledger on PostgreSQL is a database, not a file: only what it
	// holds can say it was lost.
	if !ledger.IsPostgres(path) {
		info, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "不存在", nil, nil
		case err != nil:
			return "", nil, fmt.Errorf("examine ledger: %w", err)
		case info.Size() == 0:
			return "是空文件", nil, nil
		}
	}
	led, err := ledger.Open(ctx, path)
	if err != nil {
		if ledger.IsCorrupt(err) {
			return "已損壞", err, nil
		}
		return "", nil, err
	}
	defer led.Close()
	if full {
		if err := led.QuickCheck(ctx); err != nil {
			if ledger.IsCorrupt(err) {
				return "已損壞", err, nil
			}
			return "", nil, err
		}
	}
	has, err := led.HasSubmissions(ctx)
	switch {
	case ledger.IsCorrupt(err):
		return "已損壞", err, nil
	case err != nil:
		return "", nil, err
	case !has:
		return "沒有任何報送記錄", nil, nil
	}
	return "", nil, nil
}

// firstArchived returns the first file found under the archive, or "".
func firstArchived(root string) (string, error) {
	var found string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if !d.IsDir() {
			found = path
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("look in the archive: %w", err)
	}
	return found, nil
}

// RestoredIssue is a published briefing whose number a rebuild put back.
type RestoredIssue struct {
	Issue  int
	Period string
	Path   string
}

// publishedIssues lists the briefings publish wrote (outbox/<period>/
// 簡報第N期.pdf, in either script: an office keeps the issues it published
// before it changed script) by issue, then period. clashes are the
// issues found more than once.
func publishedIssues(ws *workspace.Workspace) (issues []RestoredIssue, clashes []int, err error) {
	paths, err := filepath.Glob(filepath.Join(ws.OutboxDir(), "*", "*.pdf"))
	if err != nil {
		return nil, nil, fmt.Errorf("look for published briefings: %w", err)
	}
	names := ws.Config.AllNames()
	for _, p := range paths {
		for _, nm := range names {
			if n, ok := nm.BriefingIssue(filepath.Base(p)); ok {
				issues = append(issues, RestoredIssue{Issue: n, Period: filepath.Base(filepath.Dir(p)), Path: p})
				break
			}
		}
	}
	slices.SortFunc(issues, func(a, b RestoredIssue) int {
		return cmp.Or(cmp.Compare(a.Issue, b.Issue), strings.Compare(a.Period, b.Period))
	})
	for i := 1; i < len(issues); i++ {
		if issues[i].Issue == issues[i-1].Issue && !slices.Contains(clashes, issues[i].Issue) {
			clashes = append(clashes, issues[i].Issue)
		}
	}
	return issues, clashes, nil
}

// RebuildOptions tune RebuildLedger. The zero value is valid.
type RebuildOptions struct {
	// Now names the kept-aside ledger; time.Now when nil.
	Now func() time.Time
}

// RebuildReport is what RebuildLedger found and restored.
type RebuildReport struct {
	// Ledger is the new ledger's path.
	Ledger string
	// KeptAside are the old ledger's files under their new names.
	KeptAside []string
	// Files counts the restored files by status, Periods by period.
	Files   map[vocab.FileStatus]int
	Periods map[string]int
	// Unchecked are rejected files whose check today finds no error (the
	// rules changed since): they stay rejected, with today's findings.
	Unchecked []string
	Briefings []RestoredIssue
	// Problems are the files that could not be restored (left where they
	// are) and briefing numbers found twice.
	Problems []RebuildProblem
	// Accounts and WebActions count the web desk's accounts and action log
	// carried over from the old ledger: they are nowhere but there, so
	// the archive cannot give them back. Sessions are not carried: every
	// browser logs in again.
	Accounts, WebActions int
	// AccountsLost, when not "", is why the old ledger's accounts could
	// not be read (and so none were carried): they must be made again
	// with users add. ActionsLost is why its action log could not be,
	// when its accounts could.
	AccountsLost, ActionsLost string
}

// RebuildProblem is a file left out of the rebuilt ledger, and why.
type RebuildProblem struct {
	Path    string
	Problem string
}

// archived is one file of the archive as its folders and name describe it.
type archived struct {
	path, stored string
	status       vocab.FileStatus
	period, unit string
	orig         string
	received     time.Time
	sha          string
	rec          *ledger.Record
	problem      string
}

// archivedName is archiveName's <stem>__<received>__<sha8>[-n]<.ext>.
var archivedName = regexp.MustCompile(`^(.+)__([0-9]{8}T[0-9]{6}Z)__([0-9a-f]{8})(?:-[0-9]+)?(\.[A-Za-z0-9]{1,10})?$`)

// RebuildLedger makes a new ledger from the archive, for a workspace whose
// ledger was lost: every archived file with its status, period and unit
// (from its folders), receipt time and content (from its name, checked
// against the full SHA-256), the accepted files' values, the rejected
// files' findings, and the numbers of the published briefings, so that the
// next briefing is numbered on from the last. vocab.FileAccepted files are read, not
// judged again; rejected files are checked again (against their own period)
// to recover the reasons they were returned. A later copy of an accepted
// file, in the same unit's folder, is a duplicate, as the batch would have
// had it. Files that cannot be restored are reported and left where they
// are. The web desk's accounts and action log, which no archive holds,
// are carried over from the old ledger as far as it reads.
//
// It holds the batch lock. The new ledger is built beside the old and
// takes its place only when complete; the old ledger's files, sound or
// not, are renamed to ledger.db.broken-<time>, never deleted.
func RebuildLedger(ctx context.Context, ws *workspace.Workspace, opts RebuildOptions) (*RebuildReport, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	checker, err := NewChecker(ws)
	if err != nil {
		return nil, err
	}
	if ledger.IsPostgres(ws.LedgerPath()) {
		return nil, errors.New("台帳在 PostgreSQL 上，不能就地重建：請把 config.yaml 的 paths.ledger 暫時改回一個台帳文件，重建後用 countybrief ledger copy --to 把它複製到一個新建的空數據庫")
	}
	unlock, err := lockWorkspace(ctx, ws, false)
	if err != nil {
		return nil, err
	}
	defer unlock()

	path := ws.LedgerPath()
	rep := &RebuildReport{Ledger: path, Files: map[vocab.FileStatus]int{}, Periods: map[string]int{}}
	files, err := scanArchive(ws, rep)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create ledger folder: %w", err)
	}
	tmp := path + ".rebuilding"
	// What an interrupted rebuild left is only a partial copy of the archive.
	for _, suffix := range ledgerSuffixes {
		if err := os.Remove(tmp + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("remove an unfinished rebuild: %w", err)
		}
	}
	web := readWeb(ctx, path, rep)
	if err := fillLedger(ctx, ws, checker, tmp, files, web, rep); err != nil {
		return nil, err
	}
	if rep.KeptAside, err = keepAside(path, opts.Now()); err != nil {
		return nil, err
	}
	for _, suffix := range ledgerSuffixes {
		if err := os.Rename(tmp+suffix, path+suffix); err != nil && (suffix == "" || !errors.Is(err, fs.ErrNotExist)) {
			return nil, fmt.Errorf("put the rebuilt ledger in place: %w", err)
		}
	}
	if err := safefile.SyncDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("put the rebuilt ledger in place: %w", err)
	}
	return rep, nil
}

// ledgerSuffixes are the files SQLite keeps beside a database: an old
// write-ahead log left next to a new database would be replayed into it.
var ledgerSuffixes = []string{"", "-wal", "-shm", "-journal"}

// keepAside renames the ledger's files, if any, to <name>.broken-<time>.
func keepAside(path string, now time.Time) ([]string, error) {
	base := path + ".broken-" + now.UTC().Format("20060102T150405Z")
	aside := base
	for n := 2; ; n++ {
		taken := false
		for _, suffix := range ledgerSuffixes {
			if _, err := os.Lstat(aside + suffix); err == nil {
				taken = true
			}
		}
		if !taken {
			break
		}
		aside = fmt.Sprintf("%s-%d", base, n)
	}
	var kept []string
	for _, suffix := range ledgerSuffixes {
		switch err := os.Rename(path+suffix, aside+suffix); {
		case err == nil:
			kept = append(kept, aside+suffix)
		case !errors.Is(err, fs.ErrNotExist):
			return kept, fmt.Errorf("keep the old ledger aside: %w", err)
		}
	}
	return kept, nil
}

// scanArchive lists the archive's files whose place and name parse, in the
// order they were received, with their content hashed; the others go to
// the report's problems.
func scanArchive(ws *workspace.Workspace, rep *RebuildReport) ([]*archived, error) {
	root, stored := ws.ArchiveDir(), storedPaths(ws)
	var files []*archived
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		f, problem := parseArchived(root, path, d)
		if problem != "" {
			rep.Problems = append(rep.Problems, RebuildProblem{Path: path, Problem: problem})
			return nil
		}
		f.stored = stored(path)
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the archive: %w", err)
	}
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, f := range files {
		g.Go(func() error {
			sum, err := hashFile(f.path)
			switch {
			case err != nil:
				f.problem = fmt.Sprintf("讀不出內容：%v", err)
			case !strings.HasPrefix(sum, f.sha):
				f.problem = fmt.Sprintf("內容的 sha256（%.8s…）與文件名中的 %s 不符，文件可能被改過", sum, f.sha)
			}
			f.sha = sum
			return nil
		})
	}
	g.Wait()
	kept := files[:0]
	for _, f := range files {
		if f.problem != "" {
			rep.Problems = append(rep.Problems, RebuildProblem{Path: f.path, Problem: f.problem})
			continue
		}
		kept = append(kept, f)
	}
	// The batch took the files of one second in the order of their inbox
	// paths, <unit>/<name>; the ids it gave them decide which of a unit's
	// files received in the same second is its latest.
	slices.SortFunc(kept, func(a, b *archived) int {
		return cmp.Or(a.received.Compare(b.received), strings.Compare(filepath.Join(a.unit, a.orig), filepath.Join(b.unit, b.orig)),
			strings.Compare(a.stored, b.stored))
	})
	return kept, nil
}

// parseArchived reads archive/<status>/<period>/<unit>@<name>, and
// archive/<status>/<period>/<unit>/<name> as batches before the flat
// layout archived.
func parseArchived(root, path string, d fs.DirEntry) (*archived, string) {
	if !d.Type().IsRegular() {
		return nil, "不是普通文件"
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return nil, err.Error()
	}
	parts := strings.Split(rel, string(filepath.Separator))
	if len(parts) == 3 {
		if unit, name, ok := strings.Cut(parts[2], inbox.UnitSep); ok && unit != "" {
			parts = []string{parts[0], parts[1], unit, name}
		}
	}
	if len(parts) != 4 || (parts[0] != string(vocab.FileAccepted) && parts[0] != string(vocab.FileRejected)) {
		return nil, "不在 accepted/<報送期>/ 或 rejected/<報送期>/ 文件夾裡，或文件名不以「<單位代碼>@」開頭"
	}
	m := archivedName.FindStringSubmatch(parts[3])
	if m == nil {
		return nil, "文件名不是 <原名>__<收到時間>__<sha256前8位>.xlsx 的形式"
	}
	received, err := time.Parse("20060102T150405Z", m[2])
	if err != nil {
		return nil, fmt.Sprintf("文件名中的收到時間 %s 無效", m[2])
	}
	return &archived{path: path, status: vocab.FileStatus(parts[0]), period: parts[1], unit: parts[2],
		orig: m[1] + m[4], received: received, sha: m[3]}, ""
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// storedPaths gives archive paths as the ledger keeps them: relative to
// the workspace when inside it, so that neither the folder the program
// is started from nor a move of the whole workspace breaks them; absolute
// when the archive is configured elsewhere. ws.Path turns one back. The
// working folder is asked for once: filepath.Abs asks the system for it
// with every relative path, two stats each, which were 4 ms of a
// county's cold batch started with a relative --workspace.
func storedPaths(ws *workspace.Workspace) func(path string) string {
	wd, wdErr := os.Getwd()
	abs := func(p string) (string, bool) {
		if filepath.IsAbs(p) {
			return filepath.Clean(p), true
		}
		return filepath.Join(wd, p), wdErr == nil
	}
	absWS, ok := abs(ws.Dir)
	return func(path string) string {
		a, aok := abs(path)
		if !ok || !aok {
			return path
		}
		rel, err := filepath.Rel(absWS, a)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return a
		}
		return filepath.ToSlash(rel)
	}
}

// ledgerMarkFile, under work/, vouches for the SQLite ledger file: the
// day it last passed the full check, and its size and modification time
// (and its write-ahead log's) as the last run holding the lock left it.
const ledgerMarkFile = "ledger.checked"

type ledgerMark struct {
	Checked string       `json:"checked"` // UTC day of the last full check
	Files   [2]fileStamp `json:"files"`   // the ledger and its -wal
	// Migrated says MigrateArchivePaths has run since that check.
	Migrated bool `json:"migrated"`
}

type fileStamp struct {
	Size    int64 `json:"size"`
	ModTime int64 `json:"mod_time"` // Unix nanoseconds; 0 for a missing file
}

func ledgerMarkPath(ws *workspace.Workspace) string {
	return filepath.Join(ws.WorkDir(), ledgerMarkFile)
}

func ledgerStamps(ws *workspace.Workspace) [2]fileStamp {
	var out [2]fileStamp
	for i, p := range []string{ws.LedgerPath(), ws.LedgerPath() + "-wal"} {
		out[i], _ = stampOf(p)
	}
	return out
}

// stampOf is the file at path's size and time; false, and the zero
// stamp, when it cannot be read.
func stampOf(path string) (fileStamp, bool) {
	info, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, false
	}
	return fileStamp{Size: info.Size(), ModTime: info.ModTime().UnixNano()}, true
}

// readLedgerMark returns the mark, whether there is one, and whether it
// vouches for the file as it is now.
func readLedgerMark(ws *workspace.Workspace) (m ledgerMark, present, vouches bool) {
	data, err := os.ReadFile(ledgerMarkPath(ws))
	if err != nil || json.Unmarshal(data, &m) != nil {
		return ledgerMark{}, false, false
	}
	return m, true, m.Files == ledgerStamps(ws)
}

// writeLedgerMark stamps m with the ledger's files as they are now.
//
// It does not wait for the disk: a batch writes the mark at its start and
// at its end, with nothing beside it, and two fsyncs and a folder's each
// time were its critical path's. The mark only spares a check, so a power
// cut can cost at most a full check and one MigrateArchivePaths: the mark
// is then the old one, the new one, missing, or empty or cut short
// (safefile.WriteUnsynced), and readLedgerMark takes any but the new as
// not vouching (an old mark's stamps are not of the ledger any run since
// left, nor is an unreadable one). A new mark that survives vouches for
// the ledger as the disk holds it: it is written at the start after the
// check, before the batch changes anything, and at the end once Close
// has put every commit on disk, so the stamps it holds are those of
// durable files.
func writeLedgerMark(ws *workspace.Workspace, m ledgerMark) error {
	m.Files = ledgerStamps(ws)
	if err := safefile.WriteUnsynced(ledgerMarkPath(ws), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(m)
	}); err != nil {
		return fmt.Errorf("note the ledger check: %w", err)
	}
	return nil
}

// restampLedgerMark is what a run holding the lock does last, once the
// ledger is closed: the mark, if CheckLedger left one, vouches for what
// the run wrote. Failing to write it costs the next run a full check
// and nothing else, so the error is not the caller's concern.
func restampLedgerMark(ws *workspace.Workspace) {
	if m, present, _ := readLedgerMark(ws); present {
		_ = writeLedgerMark(ws, m)
	}
}

// migrateArchivePathsOnce runs MigrateArchivePaths when the mark does not
// say it ran since the last full check: on a file ledger once a day and
// after the file was changed from outside (a ledger restored from an
// older version is migrated), rather than a full-table update each run.
func migrateArchivePathsOnce(ctx context.Context, ws *workspace.Workspace, led *ledger.Ledger) error {
	m, present, _ := readLedgerMark(ws)
	if present && m.Migrated {
		return nil
	}
	if _, err := MigrateArchivePaths(ctx, ws, led); err != nil {
		return err
	}
	if !present {
		return nil
	}
	m.Migrated = true
	return writeLedgerMark(ws, m)
}

// MigrateArchivePaths rewrites archive paths that older batches stored
// relative to the folder they were started from, or absolute, as paths
// relative to the workspace, and returns how many rows changed. Paths
// relative to the start folder are recognised only from the workspace
// folder as given now (ws.Dir): call it from the folder the batches ran
// in, as the nightly service does. Rows already relative to the
// workspace, and archives outside it, are left as they are; calling it
// again changes nothing.
func MigrateArchivePaths(ctx context.Context, ws *workspace.Workspace, led *ledger.Ledger) (int64, error) {
	abs, err := filepath.Abs(ws.Dir)
	if err != nil {
		return 0, fmt.Errorf("migrate archive paths: %w", err)
	}
	sep := string(filepath.Separator)
	prefixes := []string{strings.TrimSuffix(abs, sep) + sep}
	if dir := filepath.Clean(ws.Dir); !filepath.IsAbs(dir) && dir != "." {
		prefixes = append(prefixes, dir+sep)
	}
	var total int64
	for _, p := range prefixes {
		n, err := led.TrimArchivePrefix(ctx, p)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// fillLedger records the files in a new ledger at path, a group at a time
// in the order received, and the published briefings' numbers.
func fillLedger(ctx context.Context, ws *workspace.Workspace, checker *Checker, path string, files []*archived, web webDesk, rep *RebuildReport) (err error) {
	led, err := ledger.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("create the new ledger: %w", err)
	}
	defer func() {
		if cerr := led.Close(); err == nil {
			err = cerr
		}
	}()
	prev := func(unit, period string) (map[string]float64, error) { return led.Previous(ctx, unit, period) }
	origins := map[string]*ledger.Record{}
	for group := range slices.Chunk(files, groupSize) {
		var g errgroup.Group
		g.SetLimit(runtime.GOMAXPROCS(0))
		for _, f := range group {
			if !repeated(origins[f.sha], f) {
				g.Go(func() error {
					restore(ws, checker, f, prev)
					return nil
				})
			}
		}
		g.Wait()
		var recs []ledger.Record
		for _, f := range group {
			switch orig := origins[f.sha]; {
			case repeated(orig, f):
				f.rec = &ledger.Record{Status: vocab.FileDuplicate, UnitCode: orig.UnitCode, Period: orig.Period}
			case f.rec == nil:
				rep.Problems = append(rep.Problems, RebuildProblem{Path: f.path, Problem: f.problem})
				continue
			case orig == nil:
				origins[f.sha] = f.rec
			}
			f.rec.ClaimName = "rebuilt/" + filepath.ToSlash(f.stored)
			f.rec.OrigName, f.rec.ArchivePath, f.rec.SHA256, f.rec.ReceivedAt = f.orig, f.stored, f.sha, f.received
			recs = append(recs, *f.rec)
			rep.Files[f.rec.Status]++
			rep.Periods[f.rec.Period]++
			if f.rec.Status == vocab.FileRejected && !vocab.HasError(f.rec.Findings) {
				rep.Unchecked = append(rep.Unchecked, f.path)
			}
		}
		if _, err := led.RecordBatch(ctx, recs); err != nil {
			return err
		}
	}
	issues, clashes, err := publishedIssues(ws)
	if err != nil {
		return err
	}
	for i, b := range issues {
		if slices.Contains(clashes, b.Issue) {
			rep.Problems = append(rep.Problems, RebuildProblem{Path: b.Path,
				Problem: fmt.Sprintf("第%d期簡報在不止一個報送期裡，沒有恢復這個期號", b.Issue)})
			continue
		}
		info, err := os.Stat(b.Path)
		if err != nil {
			return fmt.Errorf("published briefing: %w", err)
		}
		if err := led.RestoreIssue(ctx, b.Issue, b.Period, b.Path, info.ModTime()); err != nil {
			return err
		}
		rep.Briefings = append(rep.Briefings, issues[i])
	}
	return web.carry(ctx, led, rep)
}

// webDesk is what the old ledger holds of the web desk.
type webDesk struct {
	accounts []ledger.Account
	actions  []ledger.WebAction // newest first
}

// readWeb reads the web desk's accounts and action log from the old
// ledger at path, as much of it as reads: a corrupt ledger often still
// gives its accounts, whose pages are not the damaged ones. What cannot
// be read is said in rep.
func readWeb(ctx context.Context, path string, rep *RebuildReport) webDesk {
	var web webDesk
	switch info, err := os.Stat(path); {
	case errors.Is(err, fs.ErrNotExist):
		rep.AccountsLost = fmt.Sprintf("舊台帳 %s 不存在", path)
		return web
	case err != nil:
		rep.AccountsLost = fmt.Sprintf("讀不出舊台帳：%v", err)
		return web
	case info.Size() == 0:
		rep.AccountsLost = fmt.Sprintf("舊台帳 %s 是空文件", path)
		return web
	}
	// Opening a ledger may write to it (a migration, its write-ahead
	// log); the old one is kept aside exactly as it was, so a copy is read.
	dir, err := os.MkdirTemp(filepath.Dir(path), ".rebuild-read-")
	if err != nil {
		rep.AccountsLost = fmt.Sprintf("讀不出舊台帳：%v", err)
		return web
	}
	defer os.RemoveAll(dir)
	cp := filepath.Join(dir, filepath.Base(path))
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(path+suffix, cp+suffix); err != nil && (suffix == "" || !errors.Is(err, fs.ErrNotExist)) {
			rep.AccountsLost = fmt.Sprintf("讀不出舊台帳：%v", err)
			return web
		}
	}
	led, err := ledger.Open(ctx, cp)
	if err != nil {
		rep.AccountsLost = fmt.Sprintf("讀不出舊台帳：%v", err)
		return web
	}
	defer led.Close()
	if web.accounts, err = led.Accounts(ctx); err != nil {
		rep.AccountsLost = fmt.Sprintf("讀不出舊台帳的賬號：%v", err)
		return webDesk{}
	}
	if web.actions, err = led.WebActions(ctx, "", math.MaxInt); err != nil {
		rep.ActionsLost = fmt.Sprintf("讀不出舊台帳的網頁操作記錄：%v", err)
		web.actions = nil
	}
	return web
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// carry writes the accounts, as they were (hash, disabled, failed logins
// and lock, times), and the action log, oldest first, into led.
func (web webDesk) carry(ctx context.Context, led *ledger.Ledger, rep *RebuildReport) error {
	for _, a := range web.accounts {
		if err := led.AddAccount(ctx, a); err != nil {
			return fmt.Errorf("carry accounts: %w", err)
		}
		// AddAccount stamps the change time with the creation time; both
		// of these set it to the account's own.
		var err error
		if a.Disabled {
			err = led.DisableAccount(ctx, a.Name, a.Changed)
		} else {
			err = led.SetPassword(ctx, a.Name, a.Hash, a.Changed)
		}
		if err != nil {
			return fmt.Errorf("carry accounts: %w", err)
		}
		if err := led.SetLoginFailures(ctx, a.Name, a.Failures, a.LockedUntil); err != nil {
			return fmt.Errorf("carry accounts: %w", err)
		}
	}
	for _, a := range slices.Backward(web.actions) {
		if err := led.RecordWebAction(ctx, a); err != nil {
			return fmt.Errorf("carry web actions: %w", err)
		}
	}
	rep.Accounts, rep.WebActions = len(web.accounts), len(web.actions)
	return nil
}

// repeated reports whether the batch took f as a duplicate of orig, the
// first file with its content: only a copy of an accepted file, in the
// same unit's folder, is one; any other resend was judged again.
func repeated(orig *ledger.Record, f *archived) bool {
	return orig != nil && orig.Status == vocab.FileAccepted && f.status == vocab.FileAccepted && orig.UnitCode == f.unit
}

// restore reads one file that is not a duplicate: an accepted file for its
// values, a rejected one checked again, as of its own period, for the
// reasons it was returned. A file that cannot be read as it was judged is
// left with a problem and no record.
func restore(ws *workspace.Workspace, checker *Checker, f *archived, prev PrevFunc) {
	rec := &ledger.Record{Status: f.status, UnitCode: f.unit, Period: f.period}
	if f.status == vocab.FileAccepted {
		sub, findings, err := checker.read(f.path)
		switch {
		case err != nil:
			f.problem = fmt.Sprintf("讀不出表格：%v", err)
			return
		case sub == nil || vocab.HasError(findings):
			f.problem = "存在「接收」文件夾裡，卻讀不出數值"
			return
		}
		rec.Values, rec.Cells = sub.Values, cellsOf(sub)
		f.rec = rec
		return
	}
	// A file filed under no known unit came from the top of the inbox or
	// a folder outside the registry: judged as from the top, it is told so.
	folder := f.unit
	if folder == unknownUnit {
		folder = ""
	}
	// The period it was judged in: a file filed under 2008-12 was received
	// while 2008-12 was open, whatever the configuration says today.
	cfg := *ws.Config
	cfg.Period, cfg.OpenPeriods = f.period, nil
	then := *ws
	then.Config = &cfg
	c := *checker
	c.ws = &then
	sub, findings, err := c.read(f.path)
	if err == nil && sub != nil {
		rec.Values, rec.Cells = sub.Values, cellsOf(sub)
		findings, _, err = c.verify(sub, folder, prev, findings)
	}
	if err != nil {
		f.problem = fmt.Sprintf("重新審核失敗：%v", err)
		return
	}
	rec.Findings = findings
	f.rec = rec
}
