package workspace

import (
	"fmt"
	"testing"
)

// TestUnitIndexFindsEveryCode: every code of the registry is found at its
// place, a repeated code at its first, and no other code is found: small
// and large registries (whose codes collide in the table), and none.
func TestUnitIndexFindsEveryCode(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 1000, 73000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			us := make(Units, n)
			for i := range us {
				us[i].Code = fmt.Sprintf("C%03dJ%02d", i/60, i%60)
			}
			if n > 1 {
				us[n-1].Code = us[0].Code // repeated: the first is the one
			}
			ws := &Workspace{Units: us, unitIndex: indexUnits(us)}
			for i, u := range us {
				want := i
				if i == n-1 && n > 1 {
					want = 0
				}
				got, ok := ws.unitIndex.find(us, u.Code)
				if !ok || got != want {
					t.Fatalf("find(%s) = %d, %v; want %d", u.Code, got, ok, want)
				}
				if v, ok := ws.Unit(u.Code); !ok || v.Code != u.Code {
					t.Fatalf("Unit(%s) = %+v, %v", u.Code, v, ok)
				}
			}
			for _, code := range []string{"", "Z", "C000J0", "C000J000", fmt.Sprintf("C%03dJ00", n/60+1)} {
				if i, ok := ws.unitIndex.find(us, code); ok {
					t.Errorf("find(%q) = %d; want none", code, i)
				}
			}
		})
	}
	if _, ok := (&Workspace{}).Unit("A1"); ok {
		t.Error("a workspace not loaded finds a unit")
	}
}
