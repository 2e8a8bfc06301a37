package pipeline

import (
	"fmt"
	"testing"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/render"
	"countybrief/pipeline/workspace"
)

// BenchmarkPeerOutliers73000 judges the peers of a province's 73,000
// units, the campaign's kinds in turn, every input reported by every
// unit, one unit in a hundred far from its peers.
func BenchmarkPeerOutliers73000(b *testing.B) {
	ws, err := Init(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	inputs := ws.Catalogue.Inputs()
	reported := make([]render.UnitValues, 73000)
	for i := range reported {
		vs := make(map[string]float64, len(inputs))
		for j, in := range inputs {
			vs[in.Code] = float64((i*7+j*13)%500 + j)
			if i%100 == 0 {
				vs[in.Code] *= 1000
			}
		}
		reported[i] = render.UnitValues{Unit: &workspace.Unit{Code: fmt.Sprintf("U%05d", i), Name: "單位", Kind: ws.Kinds[i%len(ws.Kinds)]}, Figures: merge.FiguresOf(merge.Codes(ws.Catalogue), vs)}
	}
	b.ReportAllocs()
	for b.Loop() {
		if out := peerOutliers(ws, reported); len(out) == 0 {
			b.Fatal("no outliers")
		}
	}
}
