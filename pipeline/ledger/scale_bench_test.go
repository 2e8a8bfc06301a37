package ledger

import (
	"bufio"
	"context"
	"countybrief/pipeline/vocab"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// scaleUnits is a province's units: the size at which the writer's cache
// and the checkpoint interval were chosen (doc.go).
const scaleUnits = 73000

// scaleRecord is unit i's form as the batch records it: a random-looking
// sha256, 28 figures with their cells, no archive path yet.
func scaleRecord(i int, status vocab.FileStatus) Record {
	unit := fmt.Sprintf("U%06d", i)
	h := sha256.Sum256([]byte(unit))
	r := Record{ClaimName: fmt.Sprintf("%s@報表_%d.xlsx", unit, i), UnitCode: unit, Period: "2008-12",
		OrigName: "報表.xlsx", SHA256: hex.EncodeToString(h[:]), Status: status, ReceivedAt: t0}
	if status == vocab.FileDuplicate {
		r.ClaimName += "~2"
		return r
	}
	r.Values = formValues(i)
	r.Cells = make(map[string]string, len(r.Values))
	for code := range r.Values {
		r.Cells[code] = "表一!C" + strconv.Itoa(len(r.Cells)+3)
	}
	return r
}

// recordLikeBatch records n forms as the batch's ledger calls do, by
// groups of 256: the duplicate check (Origins), the group's records, then
// where its files went.
func recordLikeBatch(tb testing.TB, l *Ledger, status vocab.FileStatus) {
	ctx := context.Background()
	for g := 0; g < scaleUnits; g += 256 {
		ps := make([]Prepared, 0, 256)
		shas := make([]string, 0, 256)
		var prep Preparer
		for i := g; i < min(g+256, scaleUnits); i++ {
			r := scaleRecord(i, status)
			p, err := prep.Prepare(&r)
			if err != nil {
				tb.Fatal(err)
			}
			ps, shas = append(ps, p), append(shas, r.SHA256)
		}
		if _, err := l.Origins(ctx, shas); err != nil {
			tb.Fatal(err)
		}
		ids, err := l.RecordPrepared(ctx, ps)
		if err != nil {
			tb.Fatal(err)
		}
		paths := make(map[int64]string, len(ids))
		for i, id := range ids {
			paths[id] = "archive/" + string(status) + "/2008-12/" + ps[i].rec.ClaimName + "__20081210T101010__abcdef12.xlsx"
		}
		if err := l.SetArchivePaths(ctx, paths); err != nil {
			tb.Fatal(err)
		}
	}
}

// The ledger's part of a cold 73,000-unit batch, and of the batch after
// it in which every unit sends the same bytes again. C-MB is the memory
// of modernc's C allocator (its 1 MiB anonymous mappings) when the pass
// ends: SQLite's caches live there, outside the Go heap.
func BenchmarkScaleRecord73000(b *testing.B) {
	for _, resend := range []bool{false, true} {
		name := "cold"
		if resend {
			name = "resend"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				l, _ := openTemp(b)
				if resend {
					recordLikeBatch(b, l, vocab.FileAccepted)
				}
				b.StartTimer()
				status := vocab.FileAccepted
				if resend {
					status = vocab.FileDuplicate
				}
				recordLikeBatch(b, l, status)
				b.StopTimer()
				if mb, ok := cAllocatorMB(); ok {
					b.ReportMetric(mb, "C-MB")
				}
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// cAllocatorMB sums the resident memory of the process's anonymous 1 MiB
// mappings, the pages modernc.org/memory allocates SQLite's memory from;
// false where /proc/self/smaps is not there to read.
func cAllocatorMB() (float64, bool) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	var kb int64
	mib := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			lo, hi, _ := strings.Cut(fields[0], "-")
			a, err1 := strconv.ParseUint(lo, 16, 64)
			z, err2 := strconv.ParseUint(hi, 16, 64)
			mib = err1 == nil && err2 == nil && z-a == 1<<20 && len(fields) == 5
			continue
		}
		if mib && len(fields) >= 2 && fields[0] == "Rss:" {
			n, _ := strconv.ParseInt(fields[1], 10, 64)
			kb += n
		}
	}
	return float64(kb) / 1024, sc.Err() == nil
}
