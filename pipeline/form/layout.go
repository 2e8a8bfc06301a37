package form

import "countybrief/pipeline/workspace"

// FormVersion is printed on every form; Read warns when a file carries
// another version, since rows may have changed between versions.
const FormVersion = "2008.1"

// SheetName is the name of the form sheet as written. Read does not rely on
// it: it finds the sheet that holds the indicator codes.
const SheetName = "填報表"

// Columns of the indicator table.
const (
	colActivity = 1 // A 小類, or 序號 when the catalogue has no groups
	colLabel    = 2 // B 指標
	colValue    = 3 // C 數值
	colMeasure  = 4 // D 量詞
	colCode     = 5 // E 代碼
	colNote     = 6 // F 說明
	lastCol     = colNote
)

// Table headers; Read uses the 數值 and 指標 headers to find those columns
// when a clerk has inserted a column.
const (
	headGroup   = "小類"
	headNumber  = "序號"
	headLabel   = "指標"
	headValue   = "數值"
	headMeasure = "量詞"
	headCode    = "代碼"
	headNote    = "說明"
)

// Identity labels as printed on the form, in the order of the block.
const (
	labelUnitCode = "單位代碼"
	labelUnitName = "單位名稱"
	labelPeriod   = "報送期"
	labelFilledBy = "填報人"
	labelPhone    = "聯繫電話"
	labelDate     = "填報日期"
	labelVersion  = "表格版本"
)

// Rows of the fixed part of the form.
const (
	rowTitle    = 1
	rowVersion  = 2
	rowIdentity = 3 // code, name, period
	rowFiller   = 4 // filled by, phone, date
	rowHeader   = 6
	rowFirst    = 7
)

// identityField ties a label to the Identity field and its key in
// Submission.Cells (the field's JSON name).
type identityField struct {
	label    string
	key      string
	required bool
	get      func(*Identity) *string
}

func identityFields() []identityField {
	return []identityField{
		{labelUnitCode, "unit_code", true, func(id *Identity) *string { return &id.UnitCode }},
		{labelUnitName, "unit_name", true, func(id *Identity) *string { return &id.UnitName }},
		{labelPeriod, "period", true, func(id *Identity) *string { return &id.Period }},
		{labelFilledBy, "filled_by", false, func(id *Identity) *string { return &id.FilledBy }},
		{labelPhone, "phone", false, func(id *Identity) *string { return &id.Phone }},
		{labelDate, "date", false, func(id *Identity) *string { return &id.Date }},
		{labelVersion, "form_version", false, func(id *Identity) *string { return &id.FormVersion }},
	}
}

// The form's own words in a row's 說明 cell, which the unit may replace
// or add to with its explanation of the figure: Read keeps only what the
// unit wrote, so these are shared with the writer, never retyped.
const (
	noteRequired  = "必填，沒有填0"
	noteOptional  = "可留空，留空按0計"
	noteDecimal   = "可帶小數"
	notePrefilled = "已按名冊預填" // marks a row whose value the form came with
	noteChange    = "有變動請改"
)

// simplified is the Simplified twin of every word of the form's own that
// Read looks for: an office writing Simplified issues forms whose words
// went through t2s (WriteFilledIn), and Read finds its labels, headers
// and notes in either script, so that a form issued before the office
// changed script reads too. TestSimplifiedTwins keeps each twin the
// converter's.
var simplified = map[string]string{
	SheetName:     "填报表",
	headGroup:     "小类",
	headNumber:    "序号",
	headLabel:     "指标",
	headValue:     "数值",
	headMeasure:   "量词",
	headCode:      "代码",
	headNote:      "说明",
	labelUnitCode: "单位代码",
	labelUnitName: "单位名称",
	labelPeriod:   "报送期",
	labelFilledBy: "填报人",
	labelPhone:    "联系电话",
	labelDate:     "填报日期",
	noteRequired:  "必填，没有填0",
	noteOptional:  "可留空，留空按0计",
	noteDecimal:   "可带小数",
	notePrefilled: "已按名册预填",
	noteChange:    "有变动请改",
}

// asWritten is a word of the form's own as this package writes it, from
// either script; any other text is returned as it is.
func asWritten(s string) string {
	if trad, ok := ownWords[s]; ok {
		return trad
	}
	return s
}

// ownWords is simplified the other way round: asWritten runs on every
// cell of a sheet, and walking a map per cell cost a twentieth of a read.
var ownWords = func() map[string]string {
	m := make(map[string]string, len(simplified))
	for trad, simp := range simplified {
		m[simp] = trad
	}
	return m
}()

// maxExplanationRunes keeps a pasted essay out of the ledger and the
// 審核報告; a reason fits in far fewer.
const maxExplanationRunes = 200

const sectionNumerals = "一二三四五六七八九十"

// sectionHeading numbers the i-th section heading; past ten, the name
// alone reads better than 十一、.
func sectionHeading(i int, name string) string {
	if ns := []rune(sectionNumerals); i < len(ns) {
		return string(ns[i]) + "、" + name
	}
	return name
}

// formTitle heads the blank form: the catalogue's title, or a plain one.
func formTitle(cat *workspace.Catalogue) string {
	if cat.Title != "" {
		return cat.Title
	}
	return "統計表"
}
