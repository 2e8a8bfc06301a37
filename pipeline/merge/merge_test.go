package merge

import (
	"testing"

	"countybrief/pipeline/workspace"
)

func TestMerge(t *testing.T) {
	cat := &workspace.Catalogue{Indicators: []workspace.Indicator{
		{Code: "problems_found", Aggregate: workspace.AggSum},
		{Code: "county_leader_visits", Aggregate: workspace.AggSum},
		{Code: "members", Aggregate: workspace.AggSum},
		{Code: "reading_note_chars", Aggregate: workspace.AggSum},
		{Code: "notes_per_member", Aggregate: workspace.AggPerMember, Of: "reading_note_chars"},
	}}
	units := workspace.Units{
		{Code: "Z01", Kind: workspace.KindTownship},
		{Code: "Z02", Kind: workspace.KindTownship},
		{Code: "J01", Kind: workspace.KindOrgan},
	}
	tests := []struct {
		name   string
		values map[string]map[string]float64
		want   Totals
	}{
		{
			name: "sums, subtotals and a weighted per-member figure",
			values: map[string]map[string]float64{
				"Z01": {"problems_found": 5, "county_leader_visits": 2, "members": 300, "reading_note_chars": 1_800_000},
				"Z02": {"problems_found": 3, "county_leader_visits": 0, "members": 100, "reading_note_chars": 500_000},
				"J01": {"problems_found": 1, "county_leader_visits": 4, "members": 10, "reading_note_chars": 100_000},
			},
			want: Totals{
				Units: 3,
				// (1.8M + 0.5M + 0.1M) / 410, not the mean of 6000, 5000 and 10000.
				// Visits are visits (次) in every group; how many units had
				// any is Reached, a number of units.
				All:      map[string]float64{"problems_found": 9, "county_leader_visits": 6, "members": 410, "reading_note_chars": 2_400_000, "notes_per_member": 2_400_000.0 / 410},
				Township: map[string]float64{"problems_found": 8, "county_leader_visits": 2, "members": 400, "reading_note_chars": 2_300_000, "notes_per_member": 5750},
				Organ:    map[string]float64{"problems_found": 1, "county_leader_visits": 4, "members": 10, "reading_note_chars": 100_000, "notes_per_member": 10_000},
				Reached: Reached{
					All:      map[string]float64{"problems_found": 3, "county_leader_visits": 2, "members": 3, "reading_note_chars": 3},
					Township: map[string]float64{"problems_found": 2, "county_leader_visits": 1, "members": 2, "reading_note_chars": 2},
					Organ:    map[string]float64{"problems_found": 1, "county_leader_visits": 1, "members": 1, "reading_note_chars": 1},
				},
			},
		},
		{
			name:   "nothing reported",
			values: map[string]map[string]float64{},
			want: Totals{
				All:      map[string]float64{"notes_per_member": 0},
				Township: map[string]float64{"notes_per_member": 0},
				Organ:    map[string]float64{"notes_per_member": 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Merge(cat, units, tt.values)
			if got.Units != tt.want.Units {
				t.Errorf("Units = %d, want %d", got.Units, tt.want.Units)
			}
			for _, part := range []struct {
				name      string
				got, want map[string]float64
			}{{"All", got.All, tt.want.All}, {"Township", got.Township, tt.want.Township}, {"Organ", got.Organ, tt.want.Organ},
				{"Reached.All", got.Reached.All, tt.want.Reached.All}, {"Reached.Township", got.Reached.Township, tt.want.Reached.Township}, {"Reached.Organ", got.Reached.Organ, tt.want.Reached.Organ}} {
				for code, w := range part.want {
					if part.got[code] != w {
						t.Errorf("%s[%s] = %v, want %v", part.name, code, part.got[code], w)
					}
				}
				for code, g := range part.got {
					if _, ok := part.want[code]; !ok && g != 0 {
						t.Errorf("%s[%s] = %v, want absent", part.name, code, g)
					}
				}
			}
		})
	}
}
