package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/form"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// Two batches started together over the same workspace: one takes the
// files, the other exits at once naming the holder (exit 3), and no file
// is processed twice.
func TestConcurrentRunsNeverBothProcess(t *testing.T) {
	bin := buildBinary(t)
	ws := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "demo", "--no-run", ws)
	inputs := countFiles(t, filepath.Join(ws, "inbox"))

	type result struct {
		sum  pipeline.Summary
		code int
		err  string
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			var out, errOut bytes.Buffer
			cmd := exec.Command(bin, "run", "--workspace", ws, "--settle", "0", "--json")
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			r := result{err: errOut.String()}
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				r.code = ee.ExitCode()
			}
			if r.code == 0 {
				json.Unmarshal(out.Bytes(), &r.sum)
			}
			results <- r
		}()
	}
	processed := 0
	for range 2 {
		r := <-results
		switch r.code {
		case 0:
			processed += len(r.sum.Files)
		case 3:
			if !strings.Contains(r.err, "pid ") {
				t.Errorf("locked-out batch does not name the holder: %s", r.err)
			}
		default:
			t.Errorf("exit %d: %s", r.code, r.err)
		}
	}
	if processed != inputs {
		t.Errorf("the batches processed %d files together, want %d exactly once", processed, inputs)
	}
	checkOnePlace(t, ws, inputs)
}

// A byte-identical re-drop is recorded as a duplicate and not counted; a
// corrected file replaces the unit's earlier one in the totals.
func TestDuplicateAndResubmission(t *testing.T) {
	bin := buildBinary(t)
	ws := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "demo", "--no-run", ws)
	runCmd(t, bin, "run", "--workspace", ws, "--settle", "0")
	before := totals(t, ws)

	accepted, err := filepath.Glob(filepath.Join(ws, "archive", "accepted", "2008-12", "J01@*.xlsx"))
	if err != nil || len(accepted) != 1 {
		t.Fatalf("accepted files of J01: %v %v", accepted, err)
	}
	data, err := os.ReadFile(accepted[0])
	if err != nil {
		t.Fatal(err)
	}
	// The same bytes again, under a new name.
	if err := os.WriteFile(filepath.Join(ws, "inbox", "J01", "再次報送.xlsx"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := runJSON(t, bin, ws)
	if len(sum.Files) != 1 || sum.Files[0].Status != vocab.FileDuplicate || sum.Rendered {
		t.Fatalf("re-drop: %+v, rendered %v; want one duplicate and no new draft", sum.Files, sum.Rendered)
	}
	if after := totals(t, ws); !equalTotals(after, before) {
		t.Error("a duplicate changed the totals")
	}
	if !strings.Contains(string(runOut(t, bin, "history", "--workspace", ws, "J01")), "重複") {
		t.Error("history does not show the duplicate")
	}

	// A corrected file: the same unit, more problems found.
	refill(t, ws, accepted[0], filepath.Join(ws, "inbox", "J01", "修改後.xlsx"), map[string]float64{"problems_found": 40})
	sum = runJSON(t, bin, ws)
	if len(sum.Files) != 1 || sum.Files[0].Status != vocab.FileAccepted || !sum.Rendered {
		t.Fatalf("resubmission: %+v rendered %v; want accepted and a new draft", sum.Files, sum.Rendered)
	}
	after := totals(t, ws)
	for key, row := range after {
		if strings.HasSuffix(key, "/problems_found") && row == before[key] {
			t.Errorf("problems_found unchanged after the resubmission: %s", row)
		}
	}
}

// refill writes a new form for the unit of src with src's values, some
// changed, as a unit correcting its report would.
func refill(t *testing.T, wsDir, src, dst string, change map[string]float64) {
	t.Helper()
	ws, err := workspace.Load(wsDir)
	if err != nil {
		t.Fatal(err)
	}
	sub, _, err := form.Read(src, ws.Catalogue, form.DefaultLimits())
	if err != nil || sub == nil {
		t.Fatalf("read %s: %v", src, err)
	}
	maps.Copy(sub.Values, change)
	u, _ := ws.Unit(sub.UnitCode)
	var buf bytes.Buffer
	if err := form.WriteFilled(&buf, ws.Catalogue, u, sub.Period, sub.Identity, sub.Values); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// serve runs a batch at start when none ever ran (the catch-up), not on
// huge pages (a long-running process never asks), then stops cleanly on
// SIGTERM.
func TestServeCatchesUpAndStopsOnSIGTERM(t *testing.T) {
	bin := buildBinary(t)
	ws := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "demo", "--no-run", ws)
	cfg := filepath.Join(ws, "config.yaml")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, bytes.Replace(data, []byte("settle_seconds: 10"), []byte("settle_seconds: 0"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--workspace", ws)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	go func() {
		<-ctx.Done()
		cmd.Process.Kill() // a hang guard, not a speed assertion
	}()
	sc := bufio.NewScanner(stderr)
	completed := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), `msg="batch completed"`) {
			completed = true
			if !strings.Contains(sc.Text(), "huge_pages=false") {
				t.Errorf("serve's batch asked for huge pages: %s", sc.Text())
			}
			break
		}
	}
	if !completed {
		t.Fatal("serve never completed its catch-up batch")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v (want a clean exit)", err)
	}
	checkOnePlace(t, ws, countFiles(t, filepath.Join(ws, "archive")))
}

func runOut(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("countybrief %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func runJSON(t *testing.T, bin, ws string) pipeline.Summary {
	t.Helper()
	var s pipeline.Summary
	if err := json.Unmarshal(runOut(t, bin, "run", "--workspace", ws, "--settle", "0", "--json"), &s); err != nil {
		t.Fatal(err)
	}
	return s
}
