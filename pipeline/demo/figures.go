package demo

// paperTotals are the county totals the sample reproduces: the figures of
// the source paper (DOMAIN.md), where a rounded figure in the paper
// ("1500餘戶", "7000餘人", "11.3萬元") is given a plausible exact total.
// Indicators every unit reports once (typical sites, case reports, topics
// revised twice) are not listed: each unit gets 1, so they total 73.
func paperTotals() map[string]float64 {
	return map[string]float64{
		"problems_found":        149,
		"problems_solved":       79,
		"deeds_done":            32,
		"households_benefited":  1536,
		"people_benefited":      7208,
		"mechanisms":            11,
		"tutoring_sessions":     227,
		"topics_revised_thrice": 17,
		"research_reports":      241,
		"enterprises_linked":    37,
		"industries_guided":     35,
		"projects_planned":      79,
		"projects_followed":     90,
		"innovation_plans":      241,
		"opinions_collected":    152,
		"suggestions":           470,
		"help_pairs":            1954,
		"help_funds":            113000,
		"help_problems_solved":  57,
	}
}
