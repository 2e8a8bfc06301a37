package pipeline

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMedianBySelection checks the peers' median, found by selection,
// against the middle of the sorted figures, over shapes selection meets:
// odd and even counts, runs of equal figures, sorted and reversed input,
// negatives and one or two figures.
func TestMedianBySelection(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 73000))
	shapes := map[string]func(n int) []float64{
		"spread": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = rng.NormFloat64() * 1000
			}
			return xs
		},
		"few values": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(rng.IntN(3))
			}
			return xs
		},
		"all equal": func(n int) []float64 { return slices.Repeat([]float64{10}, n) },
		"sorted": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(i)
			}
			return xs
		},
		"reversed": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(n - i)
			}
			return xs
		},
	}
	for name, shape := range shapes {
		for _, n := range []int{1, 2, 3, 4, 5, 10, 11, 100, 101, 1000, 24333} {
			xs := shape(n)
			sorted := slices.Sorted(slices.Values(xs))
			want := sorted[n/2]
			if n%2 == 0 {
				want = (sorted[n/2-1] + sorted[n/2]) / 2
			}
			if got := median(slices.Clone(xs)); got != want {
				t.Errorf("%s, %d figures: median %v, want %v", name, n, got, want)
			}
		}
	}
}
