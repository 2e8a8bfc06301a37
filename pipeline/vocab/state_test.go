package vocab

import "testing"

func TestClassifyGivesEveryStateOnce(t *testing.T) {
	seen := map[State]int{}
	for _, accepted := range []bool{false, true} {
		for _, rejected := range []bool{false, true} {
			for _, late := range []bool{false, true} {
				seen[Classify(accepted, rejected, late)]++
			}
		}
	}
	for _, s := range States() {
		if seen[s] == 0 {
			t.Errorf("no input gives state %s", s)
		}
		if s.Label() == string(s) {
			t.Errorf("state %s has no label", s)
		}
	}
	if len(seen) != len(States()) {
		t.Errorf("Classify gives %d states, States lists %d", len(seen), len(States()))
	}
}

func TestCountedAndOwedAreComplements(t *testing.T) {
	tests := []struct {
		state   State
		counted bool
	}{
		{Accepted, true},
		{AcceptedLatestReturned, true},
		{Returned, false},
		{Missing, false},
		{Overdue, false},
	}
	for _, tt := range tests {
		if got := tt.state.Counted(); got != tt.counted {
			t.Errorf("%s.Counted() = %v, want %v", tt.state, got, tt.counted)
		}
		if tt.state.Owed() == tt.state.Counted() {
			t.Errorf("%s is both or neither counted and owed", tt.state)
		}
	}
}
