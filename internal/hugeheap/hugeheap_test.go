package hugeheap

import "testing"

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
