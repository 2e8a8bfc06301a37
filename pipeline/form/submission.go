package form

// Location is where a value was read: the sheet's name and an A1 reference.
type Location struct {
	Sheet string `json:"sheet"`
	Cell  string `json:"cell"`
}

// Identity is the block at the top of every form.
type Identity struct {
	UnitCode    string `json:"unit_code"`
	UnitName    string `json:"unit_name"`
	Period      string `json:"period"`
	FilledBy    string `json:"filled_by"`
	Phone       string `json:"phone"`
	Date        string `json:"date"`
	FormVersion string `json:"form_version"`
}

// Submission is what was read from one filled form. Read returns one
// whenever it found the form's sheet, however many of its cells are wrong,
// so that every problem of a file is reported in one pass.
type Submission struct {
	Identity
	// Values holds every input indicator of the catalogue that was read:
	// a number, or 0 for an optional indicator left blank (listed in
	// Blank).
	Values map[string]float64 `json:"values"`
	// Unreadable holds every other input indicator, by code, with a short
	// Chinese reason (不是一個數字, 公式太複雜…, 表中找不到這一行,
	// 必填項沒有填寫, 表中有兩行…). Values and Unreadable never share a
	// code and together cover the catalogue's inputs. Each code here comes
	// with an error finding of the reader that says more, so a Submission
	// with a non-empty Unreadable is always rejected; a rule over one of
	// these codes has no value to judge and should not run. nil when
	// every value was read.
	Unreadable map[string]string `json:"unreadable,omitempty"`
	// Cells locates each value (and each identity field, keyed by its JSON
	// name) so that findings and the 退回 copy can point at the cell.
	Cells map[string]Location `json:"cells"`
	Blank []string            `json:"blank,omitempty"`
	// Explanations holds, by code, what the unit wrote in the 說明 cell of
	// an input's row, the form's own words left out: the unit's reason for
	// a figure, which accepts a warning on it as explained. nil when no row
	// has one.
	Explanations map[string]string `json:"explanations,omitempty"`
	// Issue is the county's issue number a 上報 workbook carries (its cell
	// is Cells["issue"]); 0 for a form.
	Issue int `json:"issue,omitempty"`
}
