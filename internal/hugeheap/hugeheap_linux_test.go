package hugeheap

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// TestAdviseMarksTheHeapsNextMemory: after Advise, the memory the heap
// hands out next lies in a mapping the kernel marks for huge pages ("hg"
// in /proc/self/smaps) where the system gives them on request, GODEBUG
// does not keep the heap off them and no memory limit is below twice the
// ballast, and in an unmarked one otherwise; Advise says which. Each case
// is a fresh process: a heap advised once stays so.
func TestAdviseMarksTheHeapsNextMemory(t *testing.T) {
	if os.Getenv("HUGEHEAP_CHILD") != "" {
		advised, err := Advise(64 << 20)
		if err != nil {
			t.Fatal(err)
		}
		next := make([]byte, 16<<20)
		at := uintptr(unsafe.Pointer(&next[len(next)/2]))
		fmt.Printf("advised: %v\nflags: %s\n", advised, vmFlags(t, at))
		runtime.KeepAlive(next)
		return
	}
	for _, tt := range []struct {
		env  string
		want bool
	}{
		{"GODEBUG=", mode() == "madvise" && !raceDetector},
		{"GODEBUG=disablethp=1", false},
		{"GOMEMLIMIT=100MiB", false}, // below twice the 64 MiB asked for
	} {
		out := inChild(t, "HUGEHEAP_CHILD=1", tt.env)
		flags := said(t, out, "flags")
		if got := strings.Contains(" "+flags+" ", " hg "); got != tt.want {
			t.Errorf("transparent huge pages %q, %s: the heap's next memory has flags %q; marked for huge pages %v, want %v",
				mode(), tt.env, flags, got, tt.want)
		}
		if advised := said(t, out, "advised"); advised != fmt.Sprint(tt.want) {
			t.Errorf("transparent huge pages %q, %s: Advise said %s, want %v", mode(), tt.env, advised, tt.want)
		}
	}
}

// TestAdviseNextMarksMemoryInAnyMode: what Advise does once it has
// decided to (adviseNext), tried wherever the kernel has transparent huge
// pages, whatever they are set to: the heap's next memory lies in a
// mapping marked for them. Where the setting is not "madvise", Advise
// does nothing and TestAdviseMarksTheHeapsNextMemory shows only that.
func TestAdviseNextMarksMemoryInAnyMode(t *testing.T) {
	huge, err := hugePageSize()
	if err != nil {
		t.Skipf("this kernel has no transparent huge pages: %v", err)
	}
	if os.Getenv("HUGEHEAP_NEXT") != "" {
		if err := adviseNext(64<<20, huge); err != nil {
			t.Fatal(err)
		}
		next := make([]byte, 16<<20)
		fmt.Printf("flags: %s\n", vmFlags(t, uintptr(unsafe.Pointer(&next[len(next)/2]))))
		runtime.KeepAlive(next)
		return
	}
	if flags := said(t, inChild(t, "HUGEHEAP_NEXT=1"), "flags"); !strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("transparent huge pages %q: after adviseNext the heap's next memory has flags %q, want hg", mode(), flags)
	}
}

// inChild runs t's test again in a fresh process, with env added, and
// returns what it printed: a heap advised once stays so, and the advice
// is given once a process.
func inChild(t *testing.T, env ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^"+t.Name()+"$")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(env, " "), err, out)
	}
	return string(out)
}

// said is what the child printed after "key: " on its line.
func said(t *testing.T, out, key string) string {
	t.Helper()
	_, rest, ok := strings.Cut(out, key+": ")
	if !ok {
		t.Fatalf("the child said no %s:\n%s", key, out)
	}
	value, _, _ := strings.Cut(rest, "\n")
	return value
}

// vmFlags is the VmFlags line of the mapping of /proc/self/smaps that
// holds address at.
func vmFlags(t *testing.T, at uintptr) string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inside := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var from, to uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &from, &to); n == 2 {
			inside = from <= at && at < to
			continue
		}
		if flags, ok := strings.CutPrefix(line, "VmFlags:"); ok && inside {
			return strings.TrimSpace(flags)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("no mapping of /proc/self/smaps holds %#x", at)
	return ""
}

// TestAdviseTouchesNothing: advising costs no memory even where the
// heap's free tail lies below memory it used before (the runtime zeroes
// a whole span that starts in used memory, and a ballast of one span
// made resident all 256 MiB in one batch of ten). It tries what Advise
// does once it has decided to (adviseNext), so that it runs whatever the
// system's setting. Each case is a fresh process.
func TestAdviseTouchesNothing(t *testing.T) {
	huge, err := hugePageSize()
	if err != nil {
		t.Skipf("this kernel has no transparent huge pages: %v", err)
	}
	if raceDetector {
		// CI runs without -race; under it Advise never advises (wanted).
		t.Skip("built with -race: the race detector clears shadow memory for every allocation, so a ballast is resident whatever adviseNext does")
	}
	if os.Getenv("HUGEHEAP_TOUCH") != "" {
		// A freed tail: used, then freed memory just below where the
		// heap would grow.
		for range 8 {
			tail := make([]byte, 3<<20)
			runtime.KeepAlive(tail)
		}
		runtime.GC()
		before := rssKiB(t)
		if err := adviseNext(256<<20, huge); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("grew: %d\n", rssKiB(t)-before)
		return
	}
	for i := range 3 {
		grew, err := strconv.Atoi(said(t, inChild(t, "HUGEHEAP_TOUCH=1"), "grew"))
		if err != nil {
			t.Fatal(err)
		}
		if grew > 16<<10 {
			t.Errorf("run %d: advising made %d KiB resident", i, grew)
		}
	}
}

// rssKiB is the process's resident size.
func rssKiB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "VmRSS:")
	var kib int
	if _, err := fmt.Sscanf(rest, "%d", &kib); !ok || err != nil {
		t.Fatalf("no VmRSS in /proc/self/status: %v", err)
	}
	return kib
}

// TestAdviseConcurrently: batches run side by side in one process (as
// the command's tests run them) may ask at once; the collector's pace is
// the caller's again once every call has returned.
func TestAdviseConcurrently(t *testing.T) {
	if os.Getenv("HUGEHEAP_PACE") != "" {
		debug.SetGCPercent(123)
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() { Advise(8 << 20) })
		}
		wg.Wait()
		fmt.Printf("pace: %d\n", debug.SetGCPercent(100))
		return
	}
	if pace := said(t, inChild(t, "HUGEHEAP_PACE=1"), "pace"); pace != "123" {
		t.Errorf("the collector's pace after sixteen calls at once %s, want 123", pace)
	}
}
