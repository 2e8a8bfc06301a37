package ledger

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// formCodes are the shipped catalogue's form rows (derived per-member
// indicators have none): what a county form's values object holds.
var formCodes = []string{
	"typical_sites", "case_reports", "problems_found", "problems_solved", "deeds_done",
	"households_benefited", "people_benefited", "mechanisms", "tutoring_sessions",
	"county_leader_visits", "topics_revised_twice", "topics_revised_thrice", "research_reports",
	"enterprises_linked", "industries_guided", "projects_planned", "projects_followed",
	"innovation_plans", "members", "reading_note_chars", "reflections", "opinions_collected",
	"suggestions", "help_pairs", "help_funds", "help_problems_solved",
}

// countyForms returns the stored values of n forms as the ledger writes
// them: small counts (many zero), a character count in the tens of
// thousands, and help funds in yuan, in halves as the demo deals them.
func countyForms(n int) []string {
	rng := rand.New(rand.NewPCG(7300, 2008))
	out := make([]string, n)
	for i := range out {
		vs := make(map[string]float64, len(formCodes))
		for _, c := range formCodes {
			vs[c] = float64(rng.IntN(40) * rng.IntN(2))
		}
		vs["typical_sites"], vs["case_reports"], vs["topics_revised_twice"] = 1, 1, 1
		vs["members"] = float64(8 + rng.IntN(200))
		vs["reading_note_chars"] = float64(rng.IntN(60000))
		vs["help_funds"] = float64(rng.IntN(8000)) / 2
		b, err := json.Marshal(vs)
		if err != nil {
			panic(err)
		}
		out[i] = string(b)
	}
	return out
}

// One op reads the values of a 7,300-form batch, as Current does (and
// PreviousFor again for units with an earlier period).
//
// 2026-11-26, 2 CPUs of an AMD EPYC, load 0.9–1.1, go1.26.8, -count 5
// -benchtime 20x, min / median per 7,300 forms:
//
//	hand           11.1 / 11.3 ms   7.2 MB   36,532 allocs
//	encoding-json  57.7 / 59.6 ms  19.3 MB  445,300 allocs
//
// (With exactDecimal in place of strconv.ParseFloat the hand decoder took
// 10.0 / 10.2 ms, encoding/json 55.1 / 56.9 ms, at load 1.5–1.6.)
//
// The hand decoder saves about 48 ms a batch: 13% of the 0.373 s ledger
// stage and more than half the 0.080 s merge stage of a cold 7,300-unit
// batch (bench/results/latest.md), and 12 MB of garbage under a 48 MB
// memory limit. It stays.
func BenchmarkDecodeValues7300(b *testing.B) {
	forms := countyForms(benchUnits)
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var keys []string
			for _, s := range forms {
				vs := make(map[string]float64, strings.Count(s, ",")+1)
				if err := decodeValues(s, vs, &keys); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, s := range forms {
				vs := make(map[string]float64, strings.Count(s, ",")+1)
				if err := json.Unmarshal([]byte(s), &vs); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// One op parses every number of a 7,300-form batch (189,800), as the
// values decoder does.
//
// A hand-written parser of exact decimals, exactDecimal, was measured
// against it on 2026-11-26 (same machine and settings as
// BenchmarkDecodeValues7300), min / median per 7,300 forms:
//
//	exactDecimal  1.19 / 1.21 ms
//	ParseFloat    3.88 / 3.90 ms
//
// It saved 2.7 ms a batch, 0.7% of the 0.373 s ledger stage, and was
// removed: a saving that small does not pay for a second number parser.
func BenchmarkParseNumbers7300(b *testing.B) {
	var nums []string
	for _, s := range countyForms(benchUnits) {
		for _, kv := range strings.Split(strings.Trim(s, "{}"), ",") {
			nums = append(nums, kv[strings.IndexByte(kv, ':')+1:])
		}
	}
	var sink float64
	for b.Loop() {
		for _, s := range nums {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				b.Fatal(err)
			}
			sink += f
		}
	}
	_ = sink
}
