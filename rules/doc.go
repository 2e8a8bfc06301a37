// Package rules checks a unit's figures against rule files written by the
// office: YAML files whose rules hold an expr-lang expression that is true
// when the figures are sane. A rule file is decoded strictly and compiled
// once, against the indicator catalogue, so that an unknown indicator, a
// syntax error or a misspelt field is a load error naming file:line:col and
// the rule, not a surprise during the nightly batch.
//
// A rule with scope unit sees every indicator of one submission as a number
// (derived per-member figures included), prev (the unit's previous accepted
// figures), has_prev and unit (code, name, kind, members from the registry).
// A rule that mentions prev passes when the unit has no earlier period, so
// that a first report is never rejected for falling short of nothing. A rule
// with each: is run once per listed indicator with value, prev_value and the
// finding pointing at that indicator's cell. A rule with scope county sees
// units (one row per accepted unit: the indicators and .unit) and total (the
// county sums, per-member figures weighted by members).
//
// Helpers: ratio(a, b) is a/b or 0 when b is 0; between(x, lo, hi) is
// lo <= x <= hi; is_int(x) reports a whole number. expr's own builtins
// (all, any, none, count, filter, sum, len, abs, min, max, ...) work on units.
//
// Every rule carries examples: figures with the verdict they must get;
// Set.Test runs them, which is what `countybrief rules check` and
// `countybrief rules test` do offline. Set.Probe runs every rule over
// figures no example has (blank, zero, large, negative, fractional, with
// and without a previous period, each unit kind, no unit in the county)
// and reports a rule that fails at run time.
//
// A rule that still fails at run time during a check is the office's
// mistake, not the unit's: CheckUnitReport and CheckCountyReport list it
// in Report.Broken and give no finding for it.
//
// A Set is immutable after loading: its checks may be called from several
// goroutines at once.
package rules
