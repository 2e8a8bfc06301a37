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

// Measure words a clerk may type after a number, in Traditional
// characters; the indicator's own measure is accepted too. A word other
// than the indicator's is read with a warning naming both.
const measureWords = "|個|場次|次|件|戶|人|人次|項|家|字|篇|條|份|元|名|處|期|所|座|本|套|張|位|批|"

// traditional folds the Simplified forms of measure words; 場 is the
// short of 場次.
var traditional = strings.NewReplacer(
	"个", "個", "项", "項", "场次", "場次", "场", "場次", "場次", "場次", "場", "場次",
	"条", "條", "户", "戶", "处", "處", "张", "張", "万", "萬",
)

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
// is true for an empty cell or a "none" word. measure is the measure word
// typed after the number when it is not the indicator's: 萬 before it
// multiplies the number, so 0.52萬元 reads 5200 (元).
func parseValue(text string, in workspace.Indicator) (v float64, blank bool, measure string, p *numberProblem) {
	s := strings.TrimFunc(text, func(r rune) bool { return unicode.IsSpace(r) || r == '\u3000' || r == '\ufeff' })
	if s == "" || strings.Contains(noneWords, "|"+s+"|") {
		return 0, true, "", nil
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
		return 0, false, "", &numberProblem{"填了百分數", "這一項是數量，請填" + in.Measure + "數，不要填百分數"}
	}
	num := strings.TrimRightFunc(s, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' })
	scale := 1.0
	if unit := s[len(num):]; unit != "" {
		word, own := traditional.Replace(unit), traditional.Replace(in.Measure)
		if rest, ok := strings.CutPrefix(word, "萬"); ok {
			word, scale = rest, 1e4
		}
		if word != "" && word != own && !strings.Contains(measureWords, "|"+word+"|") {
			return 0, false, "", &numberProblem{"不是一個數字", "請只填阿拉伯數字（單位是" + in.Measure + "），不要寫文字或說明"}
		}
		if word != own || scale != 1 {
			measure = unit
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
		return 0, false, "", &numberProblem{"不是一個數字", "請只填阿拉伯數字（單位是" + in.Measure + "），不要寫文字、算式或說明"}
	}
	v, err := strconv.ParseFloat(s, 64)
	v *= scale
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v) > maxValue {
		return 0, false, "", &numberProblem{"數字大得不合常理", "請核對後填寫實際的" + in.Measure + "數"}
	}
	if in.Type == workspace.TypeInteger {
		r := math.Round(v)
		// A formula may leave 12.000000000000002 for 12.
		if math.Abs(v-r) > 1e-9*math.Max(1, math.Abs(v)) {
			return 0, false, "", &numberProblem{"填了小數", "這一項只能填整數（" + in.Measure + "），請核對後改為整數"}
		}
		v = r
	}
	return v, false, measure, nil
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
