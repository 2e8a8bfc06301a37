package demo

import (
	"math"
	"math/rand/v2"
	"sort"

	"countybrief/pipeline/workspace"
)

// township is the kind the campaign's registry gives its townships: the
// sample is that one report's data, so it knows its own codes and kinds,
// which the program does not.
const township = "鄉鎮"

// countyValues deals the paper's totals out to the units so that every
// total is exact and every unit's figures obey the shipped rules: solved
// never exceeds found, people are at least households, each unit has one
// typical site, one case and one topic revised twice, and so on.
// Townships weigh more than county organs, and small totals leave many
// units at zero, as in a real county.
func countyValues(units workspace.Units, seed uint64) []map[string]float64 {
	rng := rand.New(rand.NewPCG(seed, 2008))
	n := len(units)
	weight := make([]float64, n)
	members := make([]float64, n)
	for i, u := range units {
		if u.Kind == township {
			weight[i] = 3 + 3*rng.Float64()
		} else {
			weight[i] = 0.5 + 1.5*rng.Float64()
		}
		members[i] = float64(u.Members)
	}
	totals := paperTotals()
	vals := make([]map[string]float64, n)
	for i := range vals {
		vals[i] = map[string]float64{
			"typical_sites":        1,
			"case_reports":         1,
			"topics_revised_twice": 1,
			"members":              members[i],
		}
	}
	set := func(code string, xs []float64) {
		for i, x := range xs {
			vals[i][code] = x
		}
	}
	column := func(code string) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = vals[i][code]
		}
		return xs
	}
	jitter := func() []float64 {
		w := make([]float64, n)
		for i := range w {
			w[i] = weight[i] * (0.6 + 0.8*rng.Float64())
		}
		return w
	}
	for _, code := range []string{"problems_found", "deeds_done", "households_benefited", "mechanisms",
		"enterprises_linked", "industries_guided", "projects_planned", "projects_followed", "opinions_collected",
		"help_problems_solved"} {
		set(code, apportion(totals[code], jitter(), nil))
	}
	// Every unit gives at least one session, report and plan.
	for _, code := range []string{"tutoring_sessions", "research_reports", "innovation_plans"} {
		xs := apportion(totals[code]-float64(n), jitter(), nil)
		for i := range xs {
			xs[i]++
		}
		set(code, xs)
	}
	set("problems_solved", apportion(totals["problems_solved"], column("problems_found"), column("problems_found")))
	set("people_benefited", apportion(totals["people_benefited"], column("households_benefited"), nil))
	ones := make([]float64, n)
	for i := range ones {
		ones[i] = 1
	}
	set("topics_revised_thrice", apportion(totals["topics_revised_thrice"], jitter(), ones))
	byMembers := func() []float64 {
		w := make([]float64, n)
		for i := range w {
			w[i] = members[i] * (0.8 + 0.4*rng.Float64())
		}
		return w
	}
	set("suggestions", apportion(totals["suggestions"], byMembers(), nil))
	set("help_pairs", apportion(totals["help_pairs"], byMembers(), nil))
	// Funds are dealt in half yuan so that some units report decimals and
	// the total stays exact in floating point.
	halves := apportion(2*totals["help_funds"], jitter(), nil)
	for i := range halves {
		halves[i] /= 2
	}
	set("help_funds", halves)
	for i, u := range units {
		// Per-member figures land between 5,000 and 6,000 characters and
		// between one and two reflections, as "5000字以上" and "1篇以上" say.
		vals[i]["reading_note_chars"] = members[i] * float64(5050+rng.IntN(850))
		vals[i]["reflections"] = members[i] + math.Floor(members[i]*0.4*rng.Float64())
		if u.Kind == township {
			vals[i]["county_leader_visits"] = float64(1 + rng.IntN(4))
		}
	}
	return vals
}

// apportion splits total (a whole number) in proportion to weight by the
// largest-remainder method, never giving unit i more than limit[i] when a
// limit is set. The shares are whole numbers that sum to total exactly.
func apportion(total float64, weight, limit []float64) []float64 {
	n := len(weight)
	out := make([]float64, n)
	var sum float64
	for _, w := range weight {
		sum += w
	}
	if sum == 0 || total <= 0 {
		return out
	}
	type rem struct {
		i    int
		frac float64
	}
	rems := make([]rem, 0, n)
	given := 0.0
	for i, w := range weight {
		exact := total * w / sum
		out[i] = math.Floor(exact)
		if limit != nil && out[i] > limit[i] {
			out[i] = limit[i]
		}
		given += out[i]
		rems = append(rems, rem{i, exact - math.Floor(exact)})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].frac > rems[b].frac })
	for left := total - given; left > 0; {
		progressed := false
		for _, r := range rems {
			if left == 0 {
				break
			}
			if limit != nil && out[r.i] >= limit[r.i] {
				continue
			}
			out[r.i]++
			left--
			progressed = true
		}
		if !progressed {
			break // every unit is at its limit; the caller's total was too large
		}
	}
	return out
}
