package inbox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"countybrief/pipeline/workspace"
)

const helperEnv = "COUNTYBRIEF_INBOX_CLAIMER"

// TestMain doubles as a claiming process for the race between processes:
// it waits for "go" on stdin, claims what it can and prints what it got.
func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(claimerProcess(dir))
	}
	os.Exit(m.Run())
}

func claimerProcess(dir string) int {
	ws, err := workspace.Load(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ws.Config.SettleSeconds = 0
	in := New(ws, nil)
	ready, _, err := in.Scan(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("scanned")
	bufio.NewReader(os.Stdin).ReadString('\n')
	got, err := claimAll(in, ready)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	json.NewEncoder(os.Stdout).Encode(got)
	return 0
}

// claimAll claims every candidate it can; losing one is ErrGone, anything
// else is a failure.
func claimAll(in *Inbox, ready []Candidate) ([]string, error) {
	var got []string
	for _, c := range ready {
		cl, err := claimOne(in, c)
		if errors.Is(err, ErrGone) {
			continue
		}
		if err != nil {
			return got, err
		}
		got = append(got, cl.Folder+"/"+cl.OrigName)
	}
	return got, nil
}

// A claimed file lies flat in work/claimed/ under a name that gives back
// the claim, the folder and the original name; a name too long for that
// gets a folder of its own.
func TestClaimLayout(t *testing.T) {
	ws := newWorkspace(t, 0)
	long := strings.Repeat("縣財政局", 18) + ".xlsx"
	write(t, filepath.Join(ws.InboxDir(), "Z01", "洋川鎮報表.xlsx"), []byte("a"))
	write(t, filepath.Join(ws.InboxDir(), "頂層.xlsx"), []byte("b"))
	write(t, filepath.Join(ws.InboxDir(), "Z02", long), []byte("c"))
	c := &clock{t: t0.Add(1500 * time.Millisecond)}
	in := New(ws, c.now)
	ready, _, err := in.Scan(context.Background())
	if err != nil || len(ready) != 3 {
		t.Fatalf("scan: %v %v", ready, err)
	}
	c.set(t0.Add(time.Hour)) // claiming later does not change the receive time
	for _, cand := range ready {
		cl, err := claimOne(in, cand)
		if err != nil {
			t.Fatal(err)
		}
		if cl.Folder != cand.Folder || cl.OrigName != cand.Name || !cl.ReceivedAt.Equal(t0.Add(time.Second)) {
			t.Errorf("claim %+v from %+v", cl, cand)
		}
		if !strings.HasPrefix(cl.Name, "20081205T101501Z-") {
			t.Errorf("claim name %q does not start with the receive time", cl.Name)
		}
		want := filepath.Join(ws.WorkDir(), "claimed", cl.Name+"_"+strconv.Itoa(len(cl.Folder))+"_"+cl.Folder+cl.OrigName)
		if cl.OrigName == long {
			want = filepath.Join(ws.WorkDir(), "claimed", cl.Name, cl.Folder, cl.OrigName)
		}
		if cl.Path != want {
			t.Errorf("claim path %s, want %s", cl.Path, want)
		}
		if _, err := os.Stat(cl.Path); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(cand.Path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("file still in the inbox after its claim: %v", err)
		}
	}
}

func TestClaimRefusesWhatIsNoLongerThere(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, in *Inbox, c Candidate)
	}{
		{"withdrawn", func(t *testing.T, _ *Inbox, c Candidate) { os.Remove(c.Path) }},
		{"replaced by a larger file", func(t *testing.T, _ *Inbox, c Candidate) { write(t, c.Path, []byte("longer content")) }},
		{"touched", func(t *testing.T, _ *Inbox, c Candidate) {
			if err := os.Chtimes(c.Path, t0, t0); err != nil {
				t.Fatal(err)
			}
		}},
		{"claimed by another batch", func(t *testing.T, in *Inbox, c Candidate) {
			if _, err := claimOne(in, c); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, 0)
			write(t, filepath.Join(ws.InboxDir(), "Z01", "a.xlsx"), []byte("content"))
			in := New(ws, nil)
			ready, _, err := in.Scan(context.Background())
			if err != nil || len(ready) != 1 {
				t.Fatalf("scan: %v %v", ready, err)
			}
			tt.change(t, in, ready[0])
			before, _ := os.ReadDir(filepath.Join(ws.WorkDir(), "claimed"))
			if _, err := claimOne(in, ready[0]); !errors.Is(err, ErrGone) {
				t.Fatalf("Claim: %v, want ErrGone", err)
			}
			if after, _ := os.ReadDir(filepath.Join(ws.WorkDir(), "claimed")); len(after) != len(before) {
				t.Errorf("a failed claim left %d folders behind", len(after)-len(before))
			}
		})
	}
}

func TestClaimRefusesForgedCandidates(t *testing.T) {
	ws := newWorkspace(t, 0)
	secret := filepath.Join(ws.Dir, "config.yaml")
	in := New(ws, nil)
	info, err := os.Stat(secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []Candidate{
		{Path: secret, Name: "config.yaml", Folder: "../..", Size: info.Size(), ModTime: info.ModTime().UnixNano()},
		{Path: secret, Name: "../config.yaml", Size: info.Size(), ModTime: info.ModTime().UnixNano()},
		{Path: secret, Name: "other.yaml", Size: info.Size(), ModTime: info.ModTime().UnixNano()},
	} {
		if _, err := claimOne(in, c); err == nil || errors.Is(err, ErrGone) {
			t.Errorf("claim of %+v = %v, want a refusal", c, err)
		}
	}
	if _, err := os.Stat(secret); err != nil {
		t.Fatalf("a forged claim moved %s: %v", secret, err)
	}
}

func TestConcurrentClaimersNeverShareAFile(t *testing.T) {
	const files, goroutines, processes = 60, 6, 3
	ws := newWorkspace(t, 0)
	for i := range files {
		write(t, filepath.Join(ws.InboxDir(), fmt.Sprintf("Z%02d", i%15+1), fmt.Sprintf("報表%02d.xlsx", i)), []byte(fmt.Sprint(i)))
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		got []string
		err error
	}
	results := make(chan result, goroutines+processes)
	start := make(chan struct{})
	var wg sync.WaitGroup
	// The processes scan first and wait, so that all claimers start on
	// the same files at once.
	for range processes {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+ws.Dir)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		out := bufio.NewReader(stdout)
		if line, err := out.ReadString('\n'); line != "scanned\n" {
			t.Fatalf("claimer process said %q (%v)", line, err)
		}
		wg.Go(func() {
			<-start
			stdin.Write([]byte("go\n"))
			var got []string
			err := json.NewDecoder(out).Decode(&got)
			if werr := cmd.Wait(); err == nil {
				err = werr
			}
			results <- result{got, err}
		})
	}
	for range goroutines {
		in := New(ws, nil)
		ready, _, err := in.Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			<-start
			got, err := claimAll(in, ready)
			results <- result{got, err}
		})
	}
	close(start)
	wg.Wait()
	close(results)
	count := map[string]int{}
	var shares []int
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		shares = append(shares, len(r.got))
		for _, name := range r.got {
			count[name]++
		}
	}
	t.Logf("files claimed by each claimer: %v", shares)
	if len(count) != files {
		t.Errorf("%d files claimed, want %d", len(count), files)
	}
	for name, n := range count {
		if n != 1 {
			t.Errorf("%s claimed %d times", name, n)
		}
	}
	claims, err := New(ws, nil).Recover(context.Background())
	if err != nil || len(claims) != files {
		t.Errorf("work/claimed holds %d claims (%v), want %d", len(claims), err, files)
	}
}

func TestRecoverFindsClaims(t *testing.T) {
	ws := newWorkspace(t, 0)
	write(t, filepath.Join(ws.InboxDir(), "Z01", "a.xlsx"), []byte("a"))
	write(t, filepath.Join(ws.InboxDir(), "Z02", "b.xlsx"), []byte("b"))
	write(t, filepath.Join(ws.InboxDir(), "c.xlsx"), []byte("c"))
	c := &clock{t: t0}
	in := New(ws, c.now)
	ready, _, err := in.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Claim{}
	for _, cand := range ready {
		cl, err := claimOne(in, cand)
		if err != nil {
			t.Fatal(err)
		}
		want[cl.Name] = cl
	}
	claimed := filepath.Join(ws.WorkDir(), "claimed")
	empty := filepath.Join(claimed, "20081204T000000Z-00000000")
	emptyWithFolder := filepath.Join(claimed, "20081204T000000Z-00000001", "Z03")
	for _, d := range []string{empty, emptyWithFolder} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(claimed, "notes.txt"), []byte("someone's notes"))
	write(t, filepath.Join(claimed, "not-a-claim", "x.xlsx"), []byte("x"))
	write(t, filepath.Join(claimed, "20081204T000000Z-00000002", ".DS_Store"), []byte("junk"))

	// A new Inbox, as after a restart.
	got, err := New(ws, nil).Recover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("recovered %d claims, want %d: %+v", len(got), len(want), got)
	}
	for i, g := range got {
		w := want[g.Name]
		if g.Path != w.Path || g.Folder != w.Folder || g.OrigName != w.OrigName || !g.ReceivedAt.Equal(w.ReceivedAt) {
			t.Errorf("recovered %+v, claimed %+v", g, w)
		}
		if i > 0 && got[i-1].Name > g.Name {
			t.Errorf("not oldest first: %s before %s", got[i-1].Name, g.Name)
		}
	}
	for _, d := range []string{empty, filepath.Dir(emptyWithFolder)} {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("empty claim folder %s not removed: %v", d, err)
		}
	}
	for _, p := range []string{"notes.txt", "not-a-claim/x.xlsx", "20081204T000000Z-00000002/.DS_Store"} {
		if _, err := os.Stat(filepath.Join(claimed, filepath.FromSlash(p))); err != nil {
			t.Errorf("Recover touched %s, which it did not make: %v", p, err)
		}
	}
}

func TestRecoverRefusesAnAmbiguousClaim(t *testing.T) {
	ws := newWorkspace(t, 0)
	dir := filepath.Join(ws.WorkDir(), "claimed", "20081205T101500Z-1a2b3c4d")
	write(t, filepath.Join(dir, "a.xlsx"), []byte("a"))
	write(t, filepath.Join(dir, "b.xlsx"), []byte("b"))
	if _, err := New(ws, nil).Recover(context.Background()); err == nil || !strings.Contains(err.Error(), "2 entries") {
		t.Fatalf("Recover = %v, want it to refuse a claim holding two files", err)
	}
}

func TestRecoverWithNothingClaimed(t *testing.T) {
	ws := newWorkspace(t, 0)
	got, err := New(ws, nil).Recover(context.Background())
	if err != nil || len(got) != 0 {
		t.Fatalf("Recover = %v, %v; want nothing", got, err)
	}
}

func TestFlatName(t *testing.T) {
	name := "20081205T101500Z-1a2b3c4d"
	tests := []struct {
		in           string
		folder, orig string
		ok           bool
	}{
		{name + "_3_Z01報表.xlsx", "Z01", "報表.xlsx", true},
		{name + "_0_頂層.xlsx", "", "頂層.xlsx", true},
		{name + "_4_a_b_c_d.xlsx", "a_b_", "c_d.xlsx", true},
		{name + "_9_Z01.xlsx", "", "", false},   // folder longer than the rest
		{name + "_03_Z01a.xlsx", "", "", false}, // not a number flatName writes
		{name + "_x_Z01a.xlsx", "", "", false},
		{name + "_3_Z01", "", "", false}, // no original name
		{"20081205T101500Z-1A2B3C4D_0_a.xlsx", "", "", false},
		{name + "_2_..a.xlsx", "", "", false},
	}
	for _, tt := range tests {
		n, folder, orig, ok := parseFlatName(tt.in)
		if ok != tt.ok || (ok && (n != name || folder != tt.folder || orig != tt.orig)) {
			t.Errorf("parseFlatName(%q) = %q %q %q %v, want %q %q %v", tt.in, n, folder, orig, ok, tt.folder, tt.orig, tt.ok)
		}
		if ok && flatName(n, folder, orig) != tt.in {
			t.Errorf("flatName does not give back %q", tt.in)
		}
	}
}

func TestClaimNameRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"20081205T101500Z-1a2b3c4d", true},
		{"20081205T101500Z-1A2B3C4D", false},
		{"20081205T101500Z-1a2b3c4", false},
		{"20081205T101500Z_1a2b3c4d", false},
		{"20081305T101500Z-1a2b3c4d", false},
		{"20081205T101560Z-1a2b3c4d", false},
		{"2008-12-05T10:15:00Z-1a2b", false},
		{"", false},
	}
	for _, tt := range tests {
		got, ok := parseClaimName(tt.name)
		if ok != tt.ok {
			t.Errorf("parseClaimName(%q) ok = %v, want %v", tt.name, ok, tt.ok)
		}
		if ok && !got.Equal(time.Date(2008, 12, 5, 10, 15, 0, 0, time.UTC)) {
			t.Errorf("parseClaimName(%q) = %v", tt.name, got)
		}
	}
}

func FuzzClaimName(f *testing.F) {
	for _, s := range []string{"20081205T101500Z-1a2b3c4d", "20081205T101500Z-", "99991231T235959Z-ffffffff", "00010101T000000Z-00000000", "20081205T101500Z-1a2b3c4d/../x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		received, ok := parseClaimName(s)
		if !ok {
			return
		}
		if formatClaimName(received, s[len(s)-8:]) != s {
			t.Fatalf("%q parses to %v, which formats differently", s, received)
		}
		if !isPlainName(s) || filepath.Base(s) != s {
			t.Fatalf("claim name %q is not one path element", s)
		}
	})
}

func FuzzFlatName(f *testing.F) {
	for _, s := range []string{"20081205T101500Z-1a2b3c4d_3_Z01報表.xlsx", "20081205T101500Z-1a2b3c4d_0_a", "20081205T101500Z-1a2b3c4d_1_/x", "20081205T101500Z-1a2b3c4d_99999999999999999999_a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, folder, orig, ok := parseFlatName(s)
		if !ok {
			return
		}
		if flatName(name, folder, orig) != s {
			t.Fatalf("%q parses to %q %q %q, which flatten differently", s, name, folder, orig)
		}
		if !isPlainName(s) || !isPlainName(orig) || (folder != "" && !isPlainName(folder)) {
			t.Fatalf("%q gives a part that is not one path element", s)
		}
	})
}
