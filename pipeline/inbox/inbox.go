package inbox

import (
	"crypto/rand"
	"errors"
	"path/filepath"
	"sync"
	"time"

	"countybrief/pipeline/workspace"
)

// ErrGone means a file can no longer be claimed: another process took it,
// the unit withdrew or replaced it after the scan, or (on Windows) it is
// still open in another program. It stays, or comes back, in the inbox for
// a later scan.
var ErrGone = errors.New("file gone from the inbox")

// Layout inside the work folder.
const (
	claimedDir = "claimed"
	seenFile   = "inbox-seen.bin"
	// legacySeenFile is where versions before seenFile kept the
	// sightings, as JSON: read when seenFile is missing.
	legacySeenFile = "inbox-seen.json"
	quietFile      = "inbox-quiet.bin"
)

// Inbox scans, claims and archives the files of one workspace.
type Inbox struct {
	inbox, work, archive string
	settle               time.Duration
	maxBytes             int64
	now                  func() time.Time
	// fsNow is the clock the file system stamps folders with, against
	// which Scan judges their change times (see quietMargin): the real
	// one, while now may be a test's.
	fsNow func() time.Time

	mu         sync.Mutex
	unreadable []Problem // of the last Scan
	skipped    int       // unit folders the last Scan did not read
	// drawn holds the claim names drawn by this Inbox, as random parts
	// by receive second, so that no two of its claims share one
	// (drawName). The files of a scan mostly share one receive second:
	// by second, a name is a 4-byte key, where a key of 8 and a flag
	// were 28 bytes held a file taken.
	drawn map[int64]map[uint32]struct{}
	// random fills claim names' random parts: crypto/rand, or a test's.
	random func([]byte) error
	// afterClaims is what the sightings of the last Scan become once its
	// ready files are claimed, and unclaimed the sightings of those
	// ClaimAll could not take since, for ForgetClaimed; nil when there is
	// nothing to forget.
	afterClaims, unclaimed map[string]sighting
	// emptied holds the unit folders ClaimAll took files from, for
	// NoteEmptied.
	emptied []claimedFrom
	// quietMu keeps one writer of the quiet-folder file at a time, from
	// loading it to saving it.
	quietMu sync.Mutex

	// afterMove, when set, runs after a claim is renamed to its archive
	// name and before it is looked at again: a test writes there.
	afterMove func(dst string)
}

// New returns the inbox of ws. now is the clock settle times are measured
// on; time.Now when nil.
func New(ws *workspace.Workspace, now func() time.Time) *Inbox {
	if now == nil {
		now = time.Now
	}
	return &Inbox{
		inbox:    filepath.Clean(ws.InboxDir()),
		work:     filepath.Clean(ws.WorkDir()),
		archive:  filepath.Clean(ws.ArchiveDir()),
		settle:   time.Duration(ws.Config.SettleSeconds) * time.Second,
		maxBytes: ws.Config.MaxFileBytes,
		now:      now,
		fsNow:    time.Now,
		random:   func(b []byte) error { _, err := rand.Read(b); return err },
	}
}

// Candidate is a settled file Scan found.
type Candidate struct {
	Path string
	// Folder is the first-level folder under inbox/ (a unit code, unless a
	// unit misnamed it), "" for a file at the top.
	Folder string
	Name   string
	Size   int64
	// ModTime is as the file system reports it, in nanoseconds since
	// 1970; ClaimAll checks it again. The times of a candidate are
	// numbers, not time.Time, which is three words: a batch holds every
	// candidate while it takes their files, 73,000 of them at 80 bytes
	// each, not 112.
	ModTime int64
	// TooLarge marks a file over the size cap: to be rejected unread.
	TooLarge bool
	// Empty marks a file that has stayed empty for twice the settle time:
	// to be rejected as empty (a copy that never began, or a unit's
	// mistake) rather than waited for by every later batch.
	Empty bool
	// Seen is when Scan first saw the file at this size and time, in
	// nanoseconds since 1970; 0 when unknown.
	Seen int64
}

// Claim is a file taken into work/ by one batch.
type Claim struct {
	Path string
	// Name identifies the claim (the ledger's key for it).
	Name       string
	Folder     string
	OrigName   string
	ReceivedAt time.Time
}

func (in *Inbox) claimedDir() string { return filepath.Join(in.work, claimedDir) }
