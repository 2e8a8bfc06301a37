package workspace

import "hash/maphash"

// unitIndex finds a unit of the registry by its code: an open-addressing
// table of 1 + the unit's place, 0 for an empty slot, at least twice as
// many slots as units. A map from code to place was 5.1 MB for a
// region's 73,000 units, held by every batch; this is 1 MB, and the codes
// are the registry's own strings.
type unitIndex struct {
	seed  maphash.Seed
	slots []int32
}

func indexUnits(us Units) unitIndex {
	n := 8
	for n < 2*len(us) {
		n *= 2
	}
	x := unitIndex{seed: maphash.MakeSeed(), slots: make([]int32, n)}
	for i, u := range us {
		j := x.start(u.Code)
		for x.slots[j] != 0 {
			if us[x.slots[j]-1].Code == u.Code {
				break // a repeated code (a registry with problems) keeps its first
			}
			j = (j + 1) & (len(x.slots) - 1)
		}
		if x.slots[j] == 0 {
			x.slots[j] = int32(i + 1)
		}
	}
	return x
}

func (x unitIndex) start(code string) int {
	return int(maphash.String(x.seed, code) & uint64(len(x.slots)-1))
}

// find returns the place in us of the unit with code.
func (x unitIndex) find(us Units, code string) (int, bool) {
	if len(x.slots) == 0 {
		return 0, false
	}
	for j := x.start(code); x.slots[j] != 0; j = (j + 1) & (len(x.slots) - 1) {
		if i := int(x.slots[j]) - 1; us[i].Code == code {
			return i, true
		}
	}
	return 0, false
}
