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

// Submission is what was read from one filled form.
type Submission struct {
	Identity
	// Values holds every input indicator of the catalogue; an optional
	// indicator left blank is 0 and listed in Blank.
	Values map[string]float64 `json:"values"`
	// Cells locates each value (and each identity field, keyed by its JSON
	// name) so that findings and the 退回 copy can point at the cell.
	Cells map[string]Location `json:"cells"`
	Blank []string            `json:"blank,omitempty"`
}
