package form

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"countybrief/pipeline/workspace"
)

// Patterns of a cleaned value: a plain number as stored by Excel (possibly
// in exponent form), and a number with thousands separators as typed.
var (
	plainNumber   = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)
	groupedNumber = regexp.MustCompile(`^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$`)
)

// Words clerks put in a cell to mean "nothing"; they count as blank.
const noneWords = "|無|没有|沒有|/|-|—|－|／|無此項|"

// Measure words a clerk may type after a number; the indicator's own
// measure is accepted too.
const measureWords = "|個|场次|場次|次|件|戶|户|人|人次|項|项|家|字|篇|條|条|份|元|名|處|处|"

// maxValue keeps values where float64 still holds every integer exactly.
const maxValue = 1e15

// widthFold maps full-width digits and signs, typed with a Chinese input
// method, to ASCII.
var widthFold = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
	"５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"．", ".", "，", ",", "－", "-", "＋", "+", "％", "%",
)

// numberProblem says what is wrong with a value, in Chinese, for the clerk.
type numberProblem struct {
	msg, fix string
}

// parseValue reads a value cell's text as the indicator's number. blank
// is true for an empty cell or a "none" word.
func parseValue(text string, in workspace.Indicator) (v float64, blank bool, p *numberProblem) {
	s := strings.TrimFunc(text, func(r rune) bool { return unicode.IsSpace(r) || r == '\u3000' || r == '\ufeff' })
	if s == "" || strings.Contains(noneWords, "|"+s+"|") {
		return 0, true, nil
	}
	if !isASCII(s) {
		s = widthFold.Replace(s)
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if strings.HasSuffix(s, "%") {
		return 0, false, &numberProblem{"填了百分數", "這一項是數量，請填" + in.Measure + "數，不要填百分數"}
	}
	num := strings.TrimRightFunc(s, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' })
	if unit := s[len(num):]; unit != "" {
		if strings.HasPrefix(unit, "萬") || strings.HasPrefix(unit, "万") {
			return 0, false, &numberProblem{"用「萬」作單位", "請換算成" + in.Measure + "後只填數字，例如 11.3萬" + in.Measure + " 填 " + "113000"}
		}
		if unit != in.Measure && !strings.Contains(measureWords, "|"+unit+"|") {
			return 0, false, &numberProblem{"不是一個數字", "請只填阿拉伯數字（單位是" + in.Measure + "），不要寫文字或說明"}
		}
		s = num
	}
	if isDecimal(s) {
		// What a spreadsheet stores, the usual case: plainNumber matches
		// and groupedNumber cannot, so the patterns need not run.
	} else if groupedNumber.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	if !isDecimal(s) && !plainNumber.MatchString(s) {
		return 0, false, &numberProblem{"不是一個數字", "請只填阿拉伯數字（單位是" + in.Measure + "），不要寫文字、算式或說明"}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v) > maxValue {
		return 0, false, &numberProblem{"數字大得不合常理", "請核對後填寫實際的" + in.Measure + "數"}
	}
	if in.Type == workspace.TypeInteger {
		r := math.Round(v)
		// A formula may leave 12.000000000000002 for 12.
		if math.Abs(v-r) > 1e-9*math.Max(1, math.Abs(v)) {
			return 0, false, &numberProblem{"填了小數", "這一項只能填整數（" + in.Measure + "），請核對後改為整數"}
		}
		v = r
	}
	return v, false, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// isDecimal reports whether s is digits with at most one point after the
// first digit, which plainNumber matches.
func isDecimal(s string) bool {
	point := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
		case c == '.' && i > 0 && !point:
			point = true
		default:
			return false
		}
	}
	return s != ""
}
