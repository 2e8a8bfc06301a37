package workspace

import (
	"sync"
	"testing"
)

// TestT2SSharedAcrossGoroutines: the process's one t2s is shared by every
// converter (a batch renders while the web desk converts forms), so
// conversions running at once must each get what one alone gets.
func TestT2SSharedAcrossGoroutines(t *testing.T) {
	in := []string{"鄉鎮黨委書記抓基層黨建工作述職評議", "縣直機關「兩學一做」學習教育", "發展黨員檔案審核報告"}
	conv, err := Converter(Simplified)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(in))
	for i, s := range in {
		want[i] = conv(s)
		if want[i] == s {
			t.Fatalf("%q is not converted", s)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			conv, err := Converter(Simplified)
			if err != nil {
				t.Error(err)
				return
			}
			for k := range 200 {
				i := (g + k) % len(in)
				if got := conv(in[i]); got != want[i] {
					t.Errorf("goroutine %d: %q → %q, want %q", g, in[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}
