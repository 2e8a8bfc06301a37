//go:build race

package hugeheap

// raceDetector: the race detector keeps shadow memory for every
// allocation and clears it as the allocation is made, so a ballast is not
// free under it.
const raceDetector = true
