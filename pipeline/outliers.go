package pipeline

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"countybrief/pipeline/form"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/render"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
	"countybrief/templates"
)

// madScale makes the median absolute deviation estimate the standard
// deviation of normally spread figures, so that a robust z-score reads
// like an ordinary one (Iglewicz and Hoaglin's 3.5 is DHIS2's too).
const madScale = 1.4826

// jumps warns of each input whose figure is more than factor times its
// previous period's, or less than 1/factor of it. A zero on either side
// has no ratio, and what a zero means is for the rules to say; a cell
// that already has a finding is left to it, since one is enough to make
// the clerk look. factor 0 or no previous period: nothing.
func jumps(ws *workspace.Workspace, sub *form.Submission, prev map[string]float64, factor float64, already []vocab.Finding) []vocab.Finding {
	if factor <= 0 || prev == nil {
		return nil
	}
	flagged := make(map[form.Location]bool, len(already))
	for _, f := range already {
		flagged[form.Location{Sheet: f.Sheet, Cell: f.Cell}] = true
	}
	var out []vocab.Finding
	for _, in := range ws.Catalogue.Inputs() {
		cur, ok := sub.Values[in.Code]
		before, okPrev := prev[in.Code]
		loc, located := sub.Cells[in.Code]
		if !ok || !okPrev || !located || cur <= 0 || before <= 0 || flagged[loc] {
			continue
		}
		ratio := cur / before
		if ratio <= factor && ratio >= 1/factor {
			continue
		}
		how := "增加到"
		times := ratio
		if ratio < 1 {
			how, times = "減少到", 1/ratio
		}
		out = append(out, vocab.Finding{
			Rule: vocab.RuleOutlierJump, Severity: vocab.Warning, Sheet: loc.Sheet, Cell: loc.Cell,
			Values: map[string]float64{in.Code: cur, "prev." + in.Code: before},
			Message: "「" + in.Label + "」從上期的 " + templates.Figure(before) + " " + in.Measure + how + "本期的 " +
				templates.Figure(cur) + " " + in.Measure + "，相差 " + templates.Figure(times) + " 倍，超過設定的 " + templates.Figure(factor) + " 倍。",
			Fix: "請核對這個數是否填錯（如多打或少打了零）；數字確實無誤的，請在該行說明欄寫明原因。",
		})
	}
	return out
}

// peerOutliers warns of each counted unit's figure that lies far from
// those of the units of its kind: a robust z-score, |x − median| /
// (1.4826·MAD), above outliers.peer_z, over the current accepted figures
// of a kind with at least outliers.peer_min_units units that reported
// the figure. The median and MAD, unlike a mean and standard deviation,
// are not dragged by the outlier itself; a kind whose figures mostly
// agree (MAD 0) has no scale to judge by and is left alone. The findings
// are the county's, for the 審核報告 (render.Briefing.Outliers), never
// the briefing: in kind order, then catalogue order, then as reported.
func peerOutliers(ws *workspace.Workspace, reported []render.UnitValues) []render.Outlier {
	cfg := ws.Config.Outliers
	if cfg.PeerZ <= 0 {
		return nil
	}
	// Units are kept by index: copying each unit's line per indicator
	// allocated 1.6 GB at 73,000 units.
	kindAt := make(map[string]int, len(ws.Kinds))
	for k, kind := range ws.Kinds {
		kindAt[kind] = k
	}
	peers := make([][]int, len(ws.Kinds))
	for i := range reported {
		if k, ok := kindAt[reported[i].Unit.Kind]; ok {
			peers[k] = append(peers[k], i)
		}
	}
	// Each kind's indicator is judged apart from the others, on every
	// core: on one, they were a one-changed draft's 60 ms at 73,000
	// units with the other core idle. The findings are put together in
	// order after.
	inputs := ws.Catalogue.Inputs()
	found := make([][]render.Outlier, len(ws.Kinds)*len(inputs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(found)) {
		wg.Go(func() {
			// The figures go in scratch slices reused from one
			// indicator to the next.
			var (
				at          []int
				xs, scratch []float64
			)
			for j := int(next.Add(1)) - 1; j < len(found); j = int(next.Add(1)) - 1 {
				kind, k := j/len(inputs), j%len(inputs)
				at, xs = at[:0], xs[:0]
				for _, i := range peers[kind] {
					if x := reported[i].Figures[k]; !merge.Absent(x) {
						at, xs = append(at, i), append(xs, x)
					}
				}
				if len(xs) < cfg.PeerMinUnits {
					continue
				}
				var med, mad float64
				med, mad, scratch = medianMAD(xs, scratch)
				if mad == 0 {
					continue
				}
				found[j] = peerFindings(ws.Kinds[kind], inputs[k], cfg.PeerZ, reported, at, xs, med, mad)
			}
		})
	}
	wg.Wait()
	return slices.Concat(found...)
}

// peerFindings are the outliers among the figures xs of one kind's
// indicator in, reported by the units at at, whose median and MAD are med
// and mad.
func peerFindings(kind string, in workspace.Indicator, peerZ float64, reported []render.UnitValues, at []int, xs []float64, med, mad float64) []render.Outlier {
	var out []render.Outlier
	for j, x := range xs {
		z := math.Abs(x-med) / (madScale * mad)
		if z <= peerZ {
			continue
		}
		u := reported[at[j]].Unit
		out = append(out, render.Outlier{Unit: *u, Finding: vocab.Finding{
			Rule: vocab.RuleOutlierPeer, Severity: vocab.Warning,
			Values: map[string]float64{in.Code: x, "median." + in.Code: med},
			Message: u.Name + "的「" + in.Label + "」填 " + templates.Figure(x) + " " + in.Measure + "，同類（" + kind + "）" +
				templates.Count(float64(len(xs))) + " 個單位的中位數是 " + templates.Figure(med) + " " + in.Measure +
				"，穩健 z 值 " + templates.Count(z) + "，超過設定的 " + templates.Figure(peerZ) + "。",
			Fix: "請向" + u.Name + "核實這個數；確實如此的，無需處理。",
		}})
	}
	return out
}

// medianMAD is the median of xs and the median of the absolute
// deviations from it; xs is left as it was. scratch is sorted in and
// returned, grown, for the next call.
func medianMAD(xs, scratch []float64) (med, mad float64, _ []float64) {
	scratch = append(scratch[:0], xs...)
	med = median(scratch)
	for i, x := range xs {
		scratch[i] = math.Abs(x - med)
	}
	return med, median(scratch), scratch
}

// median reorders xs in place: the middle one or two are selected, not
// sorted into place, since a region's kind has tens of thousands of
// figures an indicator and sorting them was most of what the peers cost.
func median(xs []float64) float64 {
	n := len(xs)
	hi := selectKth(xs, n/2)
	if n%2 == 1 {
		return hi
	}
	// The rest of the lower half is below xs[n/2]: its largest is the
	// other middle figure.
	return (slices.Max(xs[:n/2]) + hi) / 2
}

// selectKth reorders xs so that xs[k] is the figure a sort would put
// there, none after it smaller and none before it larger, and returns it
// (Hoare's selection, the pivot the middle of three).
func selectKth(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if xs[mid] < xs[lo] {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if xs[hi] < xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] < xs[mid] {
			xs[hi], xs[mid] = xs[mid], xs[hi]
		}
		pivot := xs[mid]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}
