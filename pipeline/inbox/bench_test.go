package inbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"countybrief/pipeline/workspace"
)

// countyUnits and groupFiles are the county's size and the batch's group
// size (pipeline.groupSize), the scale the inbox must be fast at.
const (
	countyUnits = 7300
	groupFiles  = 256
)

// BenchmarkScanCounty scans 7,300 unit folders of one settled file each,
// nothing new since the last scan: the whole of a quiet batch's pickup.
func BenchmarkScanCounty(b *testing.B) {
	ws := newWorkspace(b, 10)
	book := workbook(b, "報表")
	for u := range countyUnits {
		write(b, filepath.Join(ws.InboxDir(), fmt.Sprintf("U%04d", u), "報表.xlsx"), book)
	}
	in := settledInbox(b, ws)
	for b.Loop() {
		ready, _, err := in.Scan(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(ready) != countyUnits {
			b.Fatalf("%d ready, want %d", len(ready), countyUnits)
		}
	}
}

// groupCandidates drops one file into each of n unit folders and returns
// them as Scan would.
func groupCandidates(b *testing.B, ws string, round, n int, data []byte) []Candidate {
	b.Helper()
	cands := make([]Candidate, n)
	for u := range n {
		folder := fmt.Sprintf("U%04d", u)
		name := fmt.Sprintf("報表-%d.xlsx", round)
		path := filepath.Join(ws, folder, name)
		write(b, path, data)
		info, err := os.Lstat(path)
		if err != nil {
			b.Fatal(err)
		}
		cands[u] = Candidate{Path: path, Folder: folder, Name: name, Size: info.Size(), ModTime: info.ModTime().UnixNano(), Seen: t0.UnixNano()}
	}
	return cands
}

func claimGroup(b *testing.B, in *Inbox, cands []Candidate) []Claim {
	b.Helper()
	claims, errs, err := in.ClaimAll(cands)
	if err != nil {
		b.Fatal(err)
	}
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	return claims
}

// BenchmarkClaimAll claims one group of 256 files from 256 unit folders.
func BenchmarkClaimAll(b *testing.B) {
	ws := newWorkspace(b, 0)
	in := New(ws, nil)
	book := workbook(b, "報表")
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cands := groupCandidates(b, ws.InboxDir(), i, groupFiles, book)
		b.StartTimer()
		claims := claimGroup(b, in, cands)
		b.StopTimer()
		for _, c := range claims {
			if err := os.Remove(c.Path); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
	}
}

// BenchmarkArchiveGroup archives one group of 256 claims into 256 unit
// folders of a new period, as a cold batch does, with the size and time
// the batch saw (a rename keeps them).
func BenchmarkArchiveGroup(b *testing.B) {
	ws := newWorkspace(b, 0)
	in := New(ws, nil)
	book := workbook(b, "報表")
	sha := sum(book)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cands := groupCandidates(b, ws.InboxDir(), i, groupFiles, book)
		claims := claimGroup(b, in, cands)
		reqs := make([]ArchiveRequest, len(claims))
		for j, c := range claims {
			reqs[j] = ArchiveRequest{Claim: c, Accepted: true, Period: fmt.Sprintf("P%d", i), Unit: c.Folder, SHA256: sha,
				Size: cands[j].Size, ModTime: time.Unix(0, cands[j].ModTime)}
		}
		b.StartTimer()
		res, err := in.ArchiveGroup(reqs)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
}

// provinceUnits is a province's size (issue 17: nothing new at 73,000
// units in 0.5 s).
const provinceUnits = 73000

// BenchmarkScanProvinceQuiet scans 73,000 empty unit folders and a few
// settled files, nothing new since the last scan: a quiet night's pickup.
func BenchmarkScanProvinceQuiet(b *testing.B) {
	ws := newWorkspace(b, 10)
	book := workbook(b, "報表")
	for u := range provinceUnits {
		if err := os.Mkdir(filepath.Join(ws.InboxDir(), fmt.Sprintf("U%05d", u)), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	const files = 5
	for u := range files {
		write(b, filepath.Join(ws.InboxDir(), fmt.Sprintf("U%05d", u*9973), "sub", "報表.xlsx"), book)
	}
	in := settledInbox(b, ws)
	for b.Loop() {
		ready, _, err := in.Scan(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(ready) != files {
			b.Fatalf("%d ready, want %d", len(ready), files)
		}
	}
}

// settledInbox is an Inbox that has seen ws's inbox files and let them
// settle, so that a scan after it finds nothing new.
func settledInbox(b *testing.B, ws *workspace.Workspace) *Inbox {
	b.Helper()
	c := &clock{t: t0}
	in := New(ws, c.now)
	// The folders were made a minute before: old enough to be trusted.
	in.fsNow = func() time.Time { return time.Now().Add(time.Minute) }
	for range 2 { // see, then settle
		if _, _, err := in.Scan(context.Background()); err != nil {
			b.Fatal(err)
		}
		c.set(c.now().Add(time.Minute))
	}
	return in
}

// BenchmarkScanProvinceEmptied scans 73,000 unit folders a busy batch has
// just emptied, none of them known quiet: the first quiet batch after a
// busy one reads every folder.
func BenchmarkScanProvinceEmptied(b *testing.B) {
	ws := newWorkspace(b, 10)
	for u := range provinceUnits {
		if err := os.Mkdir(filepath.Join(ws.InboxDir(), fmt.Sprintf("U%05d", u)), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	in := settledInbox(b, ws)
	quiet := filepath.Join(ws.WorkDir(), quietFile)
	for b.Loop() {
		b.StopTimer()
		if err := os.Remove(quiet); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, _, err := in.Scan(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
