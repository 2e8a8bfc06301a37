// Package rules checks a unit's figures against rule files written by the
// office: YAML files whose rules hold an expr-lang expression that is true
// when the figures are sane. A rule file is decoded strictly and compiled
// once, against the indicator catalogue, so that an unknown indicator, a
// syntax error or a misspelt field is a load error naming file:line:col and
// the rule, not a surprise during the nightly batch. A problem is a
// Chinese sentence for the office, with what expr, text/template or the
// YAML decoder said kept only as its detail, and carries its English
// (vocab.Problem.En, from english.go) for --lang en.
//
// A rule with scope unit sees every indicator of one submission as a number
// (derived figures included, computed over the unit alone: a ratio of its
// own of and per times scale, count_nonzero 1 when it reported of
// non-zero), prev (the unit's previous accepted figures), has_prev and
// unit (code, name, kind, members from the registry).
// A rule that mentions prev passes when the unit has no earlier period, so
// that a first report is never rejected for falling short of nothing. A rule
// with each: is run once per listed indicator with value, prev_value and the
// finding pointing at that indicator's cell. A rule with scope county sees
// units (one row per accepted unit: the indicators and .unit) and total:
// the county figures exactly as the briefing prints them, which the caller
// passes in (merge.Totals.All), each by the catalogue's aggregate. The
// package does not merge figures itself, so that a rule and the briefing
// can never disagree on a min, a mean or a ratio. A county rule that reads
// a figure the county does not have (the briefing prints —) passes, as a
// unit rule that reads prev passes for a first report; a message prints
// such a figure as —.
//
// A unit rule's severity is error (the file is returned), warning (the
// file is accepted and the figure flagged) or explain: accepted only when
// the unit wrote its reason in the 說明 column of the figure's row. The
// package knows nothing of forms, so it gives such a finding with
// severity vocab.Explain and the caller, which has the unit's 說明,
// turns it into an explained warning or an error; an explain rule must
// therefore point at a cell, and a county rule cannot be one.
//
// Kinds are the registry's (units.yaml): kinds: of a rule and kind: of an
// example may name no other, and the package knows none by name.
//
// Helpers: ratio(a, b) is a/b or 0 when b is 0; between(x, lo, hi) is
// lo <= x <= hi; is_int(x) reports a whole number. expr's own builtins
// (all, any, none, count, filter, sum, len, abs, min, max, ...) work on units.
//
// A rule's message and fix are Go text/template texts with the helpers of
// the briefing templates (templates.Funcs: count, approx, wan, atleast,
// percent, figure...). A unit rule's message sees each indicator as
// .<code>, the previous period as .prev.<code> (printed as nothing when the
// unit has none) and .has_prev, and the registry entry as .unit.code,
// .name, .kind and .members; a rule with each: also sees .value,
// .prev_value and .label, the indicator's name on the form. A county
// rule's message sees .total.<code> and .units, the number of units. A
// figure printed without a helper shows as the clerk wrote it
// (templates.Figure: 12, not 12.0; at most two decimals).
//
// Figures are data (.problems_solved), not functions ({{problems_solved}}),
// because that is how the briefing templates the office already edits are
// written: one way of writing {{…}} and the text/template documentation
// cover both, no indicator code can clash with a helper (a code may be
// called count), and a template parsed once at load serves concurrent
// checks, where functions bound to one unit's figures would need a copy of
// the template per finding. The leading dot is the one thing to learn, and
// a figure written without it is a load problem saying where it goes.
//
// Every message is parsed at load, the names it reads are checked, and it
// is trial-run on example figures, with and without a previous period, so
// that a broken message is a load problem at its field, never a finding
// without words. Should one still fail on a unit's figures, the finding
// carries the rule's description instead.
//
// Every rule carries examples: figures with the verdict they must get;
// Set.Test runs them, which is what `countybrief rules check` and
// `countybrief rules test` do offline. A county example writes its units
// and the county figures (totals:) the briefing would print for them; a
// figure it leaves out is one the county does not have. Set.Probe runs
// every rule over figures no example has (blank, zero, large, negative,
// fractional, with and without a previous period, each kind of the
// registry, no unit in the county) and reports a rule that fails at run
// time.
//
// A rule that still fails at run time during a check is the office's
// mistake, not the unit's: CheckUnitReport and CheckCountyReport list it
// in Report.Broken and give no finding for it.
//
// A Set is immutable after loading: its checks may be called from several
// goroutines at once.
package rules
