package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestScanIgnoresJunk(t *testing.T) {
	tests := []struct {
		path string
		take bool
	}{
		{"Z01/洋川鎮11月報表.xlsx", true},
		{"Z01/~$洋川鎮11月報表.xlsx", false},
		{"Z01/.~lock.洋川鎮11月報表.xlsx#", false},
		{"Z01/._洋川鎮11月報表.xlsx", false},
		{"Z01/.DS_Store", false},
		{"Z01/Thumbs.db", false},
		{"Z01/desktop.ini", false},
		{"Z01/DESKTOP.INI", false},
		{"Z01/~WRL0001.tmp", false},
		{"Z01/報表.xlsx.crdownload", false},
		{"Z01/報表.xlsx.part", false},
		{"Z01/報表.TMP", false},
		{"Z01/.hidden.xlsx", false},
		{"Z02/報表.xls", true},
		{"Z02/報表 (2).xlsx", true},
		{"Z02/report.pdf", true}, // not a form: taken, to be rejected with a reason
		{"頂層文件.xlsx", true},
		{"Z03/11月/報表.xlsx", true},
		{"Z03/a/b/深.xlsx", true},
		{"Z03/a/b/c/太深.xlsx", false}, // deeper than inbox/<unit>/a/b/
		{".snapshot/Z01/報表.xlsx", false},
		{"Z04/@eaDir/報表.xlsx", false},
		{"Z04/#recycle/報表.xlsx", false},
		{"$RECYCLE.BIN/報表.xlsx", false},
		{"新建文件夾/報表.xlsx", true}, // a misnamed unit folder: taken, rejected later
	}
	ws := newWorkspace(t, 0)
	book := workbook(t, "報表")
	var want []string
	for _, tt := range tests {
		write(t, filepath.Join(ws.InboxDir(), filepath.FromSlash(tt.path)), book)
		if tt.take {
			folder, name, ok := strings.Cut(tt.path, "/")
			if !ok {
				folder, name = "", folder
			}
			want = append(want, folder+"/"+name[strings.LastIndex(name, "/")+1:])
		}
	}
	// At a settle time of 0 an empty file is ready at once, to be rejected.
	write(t, filepath.Join(ws.InboxDir(), "Z05", "empty.xlsx"), nil)
	want = append(want, "Z05/empty.xlsx")
	if runtime.GOOS != "windows" { // Windows needs a privilege to make links
		if err := os.Symlink(filepath.Join(ws.Dir, "config.yaml"), filepath.Join(ws.InboxDir(), "Z05", "link.xlsx")); err != nil {
			t.Fatal(err)
		}
	}
	ready, waiting, err := New(ws, nil).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := names(ready)
	sortStrings(got)
	sortStrings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ready:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if waiting != 0 {
		t.Errorf("waiting = %d, want 0", waiting)
	}
	for _, c := range ready {
		if c.Folder == "Z03" && c.Name != "報表.xlsx" && c.Name != "深.xlsx" {
			t.Errorf("file from a subfolder: %+v", c)
		}
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestSettleIsMeasuredOnOwnClock(t *testing.T) {
	type step struct {
		at      time.Duration // since t0
		do      func(t *testing.T, path string)
		ready   bool
		waiting int
	}
	touch := func(mtime time.Time) func(*testing.T, string) {
		return func(t *testing.T, path string) {
			if err := os.Chtimes(path, mtime, mtime); err != nil {
				t.Fatal(err)
			}
		}
	}
	grow := func(t *testing.T, path string) {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("more"))
		f.Close()
	}
	tests := []struct {
		name  string
		mtime time.Time
		steps []step
	}{
		{"settles after ten seconds", t0, []step{
			{0, nil, false, 1}, {9 * time.Second, nil, false, 1}, {10 * time.Second, nil, true, 0}}},
		{"an old modification time does not make a file ready", t0.AddDate(-3, 0, 0), []step{
			{0, nil, false, 1}, {5 * time.Second, nil, false, 1}, {10 * time.Second, nil, true, 0}}},
		{"a modification time in the future does not hold a file back", t0.AddDate(1, 0, 0), []step{
			{0, nil, false, 1}, {10 * time.Second, nil, true, 0}}},
		{"growing restarts the wait", t0, []step{
			{0, nil, false, 1}, {5 * time.Second, grow, false, 1}, {14 * time.Second, nil, false, 1}, {15 * time.Second, nil, true, 0}}},
		{"a new modification time restarts the wait", t0, []step{
			{0, nil, false, 1}, {8 * time.Second, touch(t0.Add(time.Hour)), false, 1}, {17 * time.Second, nil, false, 1}, {18 * time.Second, nil, true, 0}}},
		{"our clock set back restarts the wait", t0, []step{
			{0, nil, false, 1}, {-time.Hour, nil, false, 1}, {-time.Hour + 9*time.Second, nil, false, 1}, {-time.Hour + 10*time.Second, nil, true, 0}}},
		{"seen long ago counts as settled", t0, []step{
			{0, nil, false, 1}, {48 * time.Hour, nil, true, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, 10)
			path := filepath.Join(ws.InboxDir(), "Z01", "報表.xls")
			write(t, path, []byte("an old-style workbook, not a zip"))
			touch(tt.mtime)(t, path)
			c := &clock{}
			for i, s := range tt.steps {
				if s.do != nil {
					s.do(t, path)
				}
				c.set(t0.Add(s.at))
				// A new Inbox each time: batches are separate processes.
				ready, waiting, err := New(ws, c.now).Scan(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if (len(ready) == 1) != s.ready || waiting != s.waiting {
					t.Fatalf("step %d (t0%+v): %d ready, %d waiting; want ready %v, %d waiting", i, s.at, len(ready), waiting, s.ready, s.waiting)
				}
			}
		})
	}
}

func TestSettleZeroTakesEverythingAtOnce(t *testing.T) {
	ws := newWorkspace(t, 0)
	write(t, filepath.Join(ws.InboxDir(), "Z01", "a.xlsx"), workbook(t, "a"))
	write(t, filepath.Join(ws.InboxDir(), "Z02", "half.xlsx"), workbook(t, "b")[:100])
	ready, waiting, err := New(ws, func() time.Time { return t0 }).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ready) != 2 || waiting != 0 {
		t.Fatalf("%v ready, %d waiting; want both ready", names(ready), waiting)
	}
}

func TestSlowWriterIsNotTaken(t *testing.T) {
	ws := newWorkspace(t, 10)
	path := filepath.Join(ws.InboxDir(), "Z01", "報表.xlsx")
	data := workbook(t, "slow")
	chunk := len(data)/8 + 1
	wrote, scanned := make(chan int), make(chan struct{})
	go func() {
		f, err := os.Create(path)
		if err != nil {
			close(wrote)
			return
		}
		defer f.Close()
		for off := 0; off < len(data); off += chunk {
			f.Write(data[off:min(off+chunk, len(data))])
			wrote <- off
			<-scanned
		}
		close(wrote)
	}()
	c := &clock{t: t0}
	in := New(ws, c.now)
	for range wrote {
		// Far more than the settle time passes between chunks on our
		// clock, yet every scan sees a changed file.
		c.set(c.now().Add(time.Minute))
		ready, _, err := in.Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(ready) != 0 {
			t.Fatalf("taken while being written: %+v", ready[0])
		}
		scanned <- struct{}{}
	}
	// The last scan in the loop saw the final size; unchanged a settle
	// time later, the file is ready.
	c.set(c.now().Add(10 * time.Second))
	ready, _, err := in.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ready) != 1 || ready[0].Size != int64(len(data)) {
		t.Fatalf("ready = %+v, want the whole file", ready)
	}
}

func TestPreallocatedWorkbookWaits(t *testing.T) {
	ws := newWorkspace(t, 10)
	data := workbook(t, "preallocated")
	path := filepath.Join(ws.InboxDir(), "Z01", "報表.xlsx")
	// What CopyFile does: the full size at once, the data later, and (over
	// SMB) a modification time that need not move while it arrives.
	write(t, path, make([]byte, len(data)))
	stamp := func() {
		if err := os.Chtimes(path, t0, t0); err != nil {
			t.Fatal(err)
		}
	}
	fill := func(n int) {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt(data[:n], 0); err != nil {
			t.Fatal(err)
		}
		f.Close()
		stamp()
	}
	stamp()
	c := &clock{}
	scan := func(at time.Duration) int {
		t.Helper()
		c.set(t0.Add(at))
		ready, _, err := New(ws, c.now).Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return len(ready)
	}
	steps := []struct {
		at    time.Duration
		fill  int
		ready int
	}{
		{0, 0, 0},
		{10 * time.Second, 0, 0},             // settled, but nothing has arrived
		{15 * time.Second, len(data) / 2, 0}, // half arrived
		{19 * time.Second, len(data), 1},     // all arrived: zip end present
	}
	for i, s := range steps {
		if s.fill > 0 {
			fill(s.fill)
		}
		if got := scan(s.at); got != s.ready {
			t.Fatalf("step %d: %d ready, want %d", i, got, s.ready)
		}
	}
}

func TestTruncatedWorkbookIsTakenAfterTwiceTheSettleTime(t *testing.T) {
	ws := newWorkspace(t, 10)
	data := workbook(t, "cut")
	write(t, filepath.Join(ws.InboxDir(), "Z01", "cut.xlsx"), data[:len(data)-30])
	write(t, filepath.Join(ws.InboxDir(), "Z01", "whole.xlsx"), data)
	c := &clock{}
	for _, s := range []struct {
		at   time.Duration
		want string
	}{
		{0, ""},
		{10 * time.Second, "Z01/whole.xlsx"},
		{19 * time.Second, "Z01/whole.xlsx"},
		{20 * time.Second, "Z01/cut.xlsx Z01/whole.xlsx"},
	} {
		c.set(t0.Add(s.at))
		ready, _, err := New(ws, c.now).Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(names(ready), " "); got != s.want {
			t.Errorf("at t0+%v: ready %q, want %q", s.at, got, s.want)
		}
	}
}

// An empty file waits twice the settle time, as a copy just begun, then
// is ready marked Empty so that it is rejected and named instead of
// holding every later batch back.
func TestEmptyFileIsReadyAfterTwiceTheSettleTime(t *testing.T) {
	ws := newWorkspace(t, 10)
	for _, name := range []string{"empty.xlsx", "empty.xls"} {
		write(t, filepath.Join(ws.InboxDir(), "Z01", name), nil)
	}
	write(t, filepath.Join(ws.InboxDir(), "Z02", "filled later.xls"), nil)
	c := &clock{}
	for _, s := range []struct {
		at      time.Duration
		fill    bool
		want    string
		waiting int
	}{
		{0, false, "", 3},
		{10 * time.Second, false, "", 3},
		{15 * time.Second, true, "", 3},
		{19 * time.Second, false, "", 3},
		{20 * time.Second, false, "Z01/empty.xls Z01/empty.xlsx", 1},
		{25 * time.Second, false, "Z01/empty.xls Z01/empty.xlsx Z02/filled later.xls", 0},
		{time.Hour, false, "Z01/empty.xls Z01/empty.xlsx Z02/filled later.xls", 0},
	} {
		if s.fill {
			write(t, filepath.Join(ws.InboxDir(), "Z02", "filled later.xls"), []byte("data"))
		}
		c.set(t0.Add(s.at))
		ready, waiting, err := New(ws, c.now).Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(names(ready), " "); got != s.want || waiting != s.waiting {
			t.Errorf("at t0+%v: ready %q, %d waiting; want %q, %d waiting", s.at, got, waiting, s.want, s.waiting)
		}
		for _, r := range ready {
			if r.Empty != (r.Size == 0) {
				t.Errorf("at t0+%v: %s has %d bytes, Empty %v", s.at, r.Name, r.Size, r.Empty)
			}
		}
	}
}

func TestTooLargeIsReadyAndMarked(t *testing.T) {
	ws := newWorkspace(t, 0)
	ws.Config.MaxFileBytes = 1000
	write(t, filepath.Join(ws.InboxDir(), "Z01", "big.xlsx"), make([]byte, 1001))
	write(t, filepath.Join(ws.InboxDir(), "Z01", "small.xlsx"), make([]byte, 1000))
	ready, _, err := New(ws, nil).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ready) != 2 || !ready[0].TooLarge || ready[1].TooLarge {
		t.Fatalf("ready = %+v, want big marked TooLarge and small not", ready)
	}
}

func TestScanFailsWithoutInbox(t *testing.T) {
	ws := newWorkspace(t, 0)
	if err := os.RemoveAll(ws.InboxDir()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := New(ws, nil).Scan(context.Background()); err == nil {
		t.Fatal("no error for a missing inbox")
	}
}

func TestScanSurvivesDamagedState(t *testing.T) {
	ws := newWorkspace(t, 10)
	write(t, filepath.Join(ws.InboxDir(), "Z01", "a.xls"), []byte("x"))
	write(t, filepath.Join(ws.WorkDir(), seenFile), []byte("{not json"))
	c := &clock{t: t0}
	if _, waiting, err := New(ws, c.now).Scan(context.Background()); err != nil || waiting != 1 {
		t.Fatalf("waiting %d, err %v", waiting, err)
	}
	c.set(t0.Add(10 * time.Second))
	if ready, _, err := New(ws, c.now).Scan(context.Background()); err != nil || len(ready) != 1 {
		t.Fatalf("ready %v, err %v", ready, err)
	}
}

func TestHasZipEnd(t *testing.T) {
	data := workbook(t, "x")
	commented := append(append([]byte{}, data[:len(data)-2]...), 3, 0, 'a', 'b', 'c')
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"workbook", data, true},
		{"zip comment after the record", commented, true},
		{"last bytes missing", data[:len(data)-1], false},
		{"zeros", make([]byte, 4096), false},
		{"tiny", []byte("PK\x05\x06"), false},
		{"record in the middle only", append(append([]byte{}, data...), make([]byte, 100)...), false},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			write(t, path, tt.data)
			if got := hasZipEnd(path); got != tt.want {
				t.Errorf("hasZipEnd = %v, want %v", got, tt.want)
			}
		})
	}
}

// BenchmarkScan scans a county's inbox: 73 unit folders, two files each,
// with the sightings file read and (when changed) written.
func BenchmarkScan(b *testing.B) {
	ws := newWorkspace(b, 10)
	book := workbook(b, "報表")
	for _, u := range ws.Units {
		for _, name := range []string{"報表.xlsx", "報表 (2).xlsx"} {
			write(b, filepath.Join(ws.InboxDir(), u.Code, name), book)
		}
	}
	c := &clock{t: t0}
	in := New(ws, c.now)
	for b.Loop() {
		c.set(c.now().Add(time.Minute))
		if _, _, err := in.Scan(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClaimArchive claims and archives one file.
func BenchmarkClaimArchive(b *testing.B) {
	ws := newWorkspace(b, 0)
	book := workbook(b, "報表")
	h := sha256.Sum256(book)
	sha := hex.EncodeToString(h[:])
	in := New(ws, nil)
	path := filepath.Join(ws.InboxDir(), "Z01", "報表.xlsx")
	for b.Loop() {
		write(b, path, book)
		info, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		cl, err := claimOne(in, Candidate{Path: path, Folder: "Z01", Name: "報表.xlsx", Size: info.Size(), ModTime: info.ModTime().UnixNano()})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := archiveOne(in, cl, true, "2008-11", "Z01", sha); err != nil {
			b.Fatal(err)
		}
	}
}

// Ready files come in the order this program first saw them, to the
// second, then by path; a modification time in the future or the past
// changes nothing.
func TestScanOrdersByFirstSeen(t *testing.T) {
	ws := newWorkspace(t, 10)
	c := &clock{}
	in := New(ws, c.now)
	drops := []struct {
		at    time.Duration
		path  string
		mtime time.Time
	}{
		{0, "Z02/late.xls", t0.AddDate(1, 0, 0)},
		{5200 * time.Millisecond, "Z01/b.xls", t0.AddDate(-8, 0, 0)},
		{5200 * time.Millisecond, "Z01/a.xls", t0},
		{5700 * time.Millisecond, "Z00/c.xls", t0.AddDate(-9, 0, 0)}, // same second as a and b
		{7 * time.Second, "Z00/0.xls", t0.AddDate(-10, 0, 0)},
	}
	for _, d := range drops {
		path := filepath.Join(ws.InboxDir(), filepath.FromSlash(d.path))
		write(t, path, []byte(d.path))
		if err := os.Chtimes(path, d.mtime, d.mtime); err != nil {
			t.Fatal(err)
		}
		c.set(t0.Add(d.at))
		if _, _, err := in.Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	c.set(t0.Add(time.Minute))
	ready, _, err := in.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := "Z02/late.xls Z00/c.xls Z01/a.xls Z01/b.xls Z00/0.xls"
	if got := strings.Join(names(ready), " "); got != want {
		t.Errorf("order %s\nwant  %s", got, want)
	}
}
