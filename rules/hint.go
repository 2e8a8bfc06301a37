package rules

import "countybrief/pipeline/workspace"

// unknownCode says that code is not in the catalogue and, when one is
// close, which code was probably meant: a misspelt code is the usual
// reason, and the office should not have to hunt for the right one.
func (t *envTypes) unknownCode(code string) text {
	if near := nearest(code, t.codes); near != "" {
		return say("指標目錄（%s）裡沒有 %s；是不是 %s？", workspace.IndicatorsFile, code, near)
	}
	return say("指標目錄（%s）裡沒有 %s；請照目錄裡的代碼寫", workspace.IndicatorsFile, code)
}

// unknownName explains a name an expression uses that the environment
// lacks: a code or a rule name misspelt, or, in a county rule, a code
// written as a unit rule writes it.
func (t *envTypes) unknownName(name string, county bool) text {
	if _, isCode := t.index[name]; isCode && county {
		return say("全縣規則裡 %s 寫作 total.%s（簡報上的全縣數），或在 units 的每一行裡寫 .%s", name, name, name)
	}
	if nearest(name, t.codes) != "" {
		return t.unknownCode(name)
	}
	if near := nearest(name, append(reservedNames[:len(reservedNames):len(reservedNames)], builtinNames...)); near != "" {
		return say("沒有 %s 這個名稱；是不是 %s？", name, near)
	}
	return say("指標目錄（%s）裡沒有 %s，它也不是規則可用的名稱或函數", workspace.IndicatorsFile, name)
}

// builtinNames are expr's builtins the rule files are told of (doc.go),
// for the hint when one is misspelt.
var builtinNames = []string{"all", "any", "none", "count", "filter", "sum", "len", "abs", "min", "max", "int", "float"}

// nearest is the candidate closest to name in edits, if it is close
// enough to be a slip of the keyboard: at most one edit in three
// characters, and never more than three.
func nearest(name string, candidates []string) string {
	limit := min(3, max(1, len([]rune(name))/3))
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance over runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
