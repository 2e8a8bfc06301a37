package hugeheap

import (
	"strconv"
	"testing"
)

func TestWanted(t *testing.T) {
	for _, tt := range []struct {
		mode, overcommit, godebug string
		want                      bool
	}{
		{"madvise", "0", "", true},
		{"madvise", "1", "", true},
		{"madvise", "", "", true},
		{"madvise", "2", "", false},
		{"always", "0", "", false},
		{"never", "0", "", false},
		{"", "0", "", false},
		{"madvise", "0", "disablethp=1", false},
	} {
		want := tt.want && strconv.IntSize == 64 && !raceDetector
		if got := wanted(tt.mode, tt.overcommit, tt.godebug); got != want {
			t.Errorf("mode %q, overcommit %q, GODEBUG %q: %v, want %v", tt.mode, tt.overcommit, tt.godebug, got, want)
		}
	}
}

func TestDisabledByGODEBUG(t *testing.T) {
	for _, tt := range []struct {
		godebug string
		want    bool
	}{
		{"", false},
		{"disablethp=1", true},
		{"madvdontneed=1,disablethp=1", true},
		{" disablethp=1 ", true},
		{"disablethp=0", false},
		{"disablethp=1,disablethp=0", false},
		{"notdisablethp=1", false},
	} {
		if got := disabledByGODEBUG(tt.godebug); got != tt.want {
			t.Errorf("GODEBUG=%q: %v, want %v", tt.godebug, got, tt.want)
		}
	}
}
