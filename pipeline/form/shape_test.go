package form

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// shapeWorkspace is a workspace whose catalogue and registry are the
// given files.
func shapeWorkspace(t *testing.T, indicators, units string) *workspace.Workspace {
	t.Helper()
	dir := t.TempDir()
	if _, err := workspace.Init(dir, nil); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{workspace.IndicatorsFile: indicators, workspace.UnitsFile: units} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

const shapeUnits = "units:\n  - {code: A1, name: 甲廠, kind: 企業, prefill: {checked: 12}}\n"

// Catalogues of every shape, each with a derived indicator that must have
// no row.
var catalogueShapes = []struct{ name, indicators string }{
	{"no sections", "version: \"1\"\nindicators:\n" +
		"  - {code: checked, label: 檢查企業, measure: 家, type: integer, required: true, aggregate: sum}\n" +
		"  - {code: hazards, label: 發現隱患, measure: 處, type: integer, required: true, aggregate: sum}\n" +
		"  - {code: fines, label: 罰款, measure: 萬元, type: decimal, required: false, aggregate: sum}\n" +
		"  - {code: hazards_per_check, label: 每家隱患, measure: 處, type: decimal, aggregate: ratio, of: hazards, per: checked}\n"},
	{"sections without groups", "version: \"1\"\nsections:\n  - {name: 檢查}\n  - {name: 處罰}\n" +
		"indicators:\n" +
		"  - {code: checked, label: 檢查企業, section: 檢查, measure: 家, type: integer, required: true, aggregate: sum}\n" +
		"  - {code: fines, label: 罰款, section: 處罰, measure: 萬元, type: decimal, required: false, aggregate: sum}\n" +
		"  - {code: hazards, label: 發現隱患, section: 檢查, measure: 處, type: integer, required: true, aggregate: sum}\n" +
		"  - {code: fined_units, label: 有罰款的單位, section: 處罰, measure: 個單位, type: integer, aggregate: count_nonzero, of: fines}\n"},
	{"sections with and without groups", "version: \"1\"\nsections:\n  - {name: 檢查, groups: [企業, 學校]}\n  - {name: 處罰}\n" +
		"indicators:\n" +
		"  - {code: checked, label: 檢查企業, section: 檢查, group: 企業, measure: 家, type: integer, required: true, aggregate: sum}\n" +
		"  - {code: schools, label: 檢查學校, section: 檢查, group: 學校, measure: 所, type: integer, required: false, aggregate: sum}\n" +
		"  - {code: hazards, label: 發現隱患, section: 檢查, group: 企業, measure: 處, type: integer, required: true, aggregate: sum}\n" +
		"  - {code: fines, label: 罰款, section: 處罰, measure: 萬元, type: decimal, required: false, aggregate: sum}\n" +
		"  - {code: hazards_per_check, label: 每家隱患, section: 處罰, measure: 處, type: decimal, aggregate: ratio, of: hazards, per: checked}\n"},
}

// TestAnyCatalogueShape lays out the blank form of catalogues without
// sections, with sections and no groups, and with both, and reads it
// back: every input has its row (found by code, even after rows are
// inserted and the sections moved), a derived indicator has none,
// sections and groups are headers, labels, measure words and 說明 are
// locked, and every value cell carries a validation rule of its type.
func TestAnyCatalogueShape(t *testing.T) {
	for _, shape := range catalogueShapes {
		t.Run(shape.name, func(t *testing.T) {
			ws := shapeWorkspace(t, shape.indicators, shapeUnits)
			u := unit(t, ws, "A1")
			var blank bytes.Buffer
			if err := WriteBlank(&blank, ws.Catalogue, u, "2008-12"); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(blank.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := f.GetRows(SheetName)
			if err != nil {
				t.Fatal(err)
			}
			text := func(row []string) string { return strings.Join(row, "|") }
			var all []string
			for _, r := range rows {
				all = append(all, text(r))
			}
			sheet := strings.Join(all, "\n")
			for _, s := range ws.Catalogue.Sections {
				if !strings.Contains(sheet, "、"+s.Name) {
					t.Errorf("no header row for section %s", s.Name)
				}
				for _, g := range s.Groups {
					if !strings.Contains(sheet, g+"|") {
						t.Errorf("no header for group %s", g)
					}
				}
			}
			validations, err := f.GetDataValidations(SheetName)
			if err != nil {
				t.Fatal(err)
			}
			byCell := map[string]*excelize.DataValidation{}
			for _, dv := range validations {
				byCell[dv.Sqref] = dv
			}
			inputs := 0
			for _, in := range ws.Catalogue.Indicators {
				row := slices.IndexFunc(rows, func(r []string) bool { return slices.Contains(r, in.Code) })
				if in.Derived() {
					if row >= 0 {
						t.Errorf("derived %s has row %d", in.Code, row+1)
					}
					continue
				}
				inputs++
				if row < 0 {
					t.Errorf("input %s has no row", in.Code)
					continue
				}
				r := row + 1
				for col, want := range map[int]bool{colLabel: true, colMeasure: true, colNote: false, colCode: true, colValue: false} {
					if got := locked(t, f, cellName(col, r)); got != want {
						t.Errorf("%s: %s locked = %v, want %v", in.Code, cellName(col, r), got, want)
					}
				}
				dv := byCell[cellName(colValue, r)]
				wantType := map[string]string{workspace.TypeInteger: "whole", workspace.TypeDecimal: "decimal"}[in.Type]
				switch {
				case dv == nil:
					t.Errorf("%s: no validation on %s", in.Code, cellName(colValue, r))
				case dv.Type != wantType || dv.Formula1 != "0" || dv.Error == nil || !strings.Contains(*dv.Error, in.Label) || !strings.Contains(*dv.Error, "只能填0或正"):
					t.Errorf("%s: validation %+v, want %s ≥ 0 with a message naming the label", in.Code, dv, wantType)
				}
			}
			if len(validations) != inputs {
				t.Errorf("%d validation rules, want one per input (%d)", len(validations), inputs)
			}

			// Filled, with rows inserted: every input read, the prefill kept.
			values := map[string]float64{"hazards": 4, "fines": 2.5}
			if ws.Catalogue.Sections != nil && strings.Contains(shape.indicators, "schools") {
				values["schools"] = 3
			}
			var filled bytes.Buffer
			if err := WriteFilled(&filled, ws.Catalogue, u, "2008-12", sampleIdentity(), values); err != nil {
				t.Fatal(err)
			}
			moved := insertRows(t, filled.Bytes(), rowFirst+1, 2)
			sub, fs := NewReader(ws.Catalogue, DefaultLimits()).ReadBytes("A1.xlsx", moved)
			if sub == nil || len(fs) > 0 {
				t.Fatalf("filled form: %+v %+v", sub, fs)
			}
			want := maps.Clone(values)
			want["checked"] = 12
			if !maps.Equal(sub.Values, want) {
				t.Errorf("values %v, want %v", sub.Values, want)
			}
		})
	}
}

func locked(t *testing.T, f *excelize.File, cell string) bool {
	t.Helper()
	id, err := f.GetCellStyle(SheetName, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st.Protection == nil || st.Protection.Locked
}

// insertRows inserts n empty rows before row, as a clerk might.
func insertRows(t *testing.T, data []byte, row, n int) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.InsertRows(SheetName, row, n); err != nil {
		t.Fatal(err)
	}
	out, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestNoInputIsLeftOff writes a catalogue that validation would refuse,
// indicators outside any listed section or group among them: the form
// still has a row for every input.
func TestNoInputIsLeftOff(t *testing.T) {
	cat := &workspace.Catalogue{
		Sections: []workspace.Section{{Name: "甲", Groups: []string{"一"}}, {Name: "乙"}},
		Indicators: []workspace.Indicator{
			{Code: "in_group", Label: "在小類", Section: "甲", Group: "一", Type: workspace.TypeInteger, Aggregate: workspace.AggSum},
			{Code: "no_group", Label: "沒有小類", Section: "甲", Type: workspace.TypeInteger, Aggregate: workspace.AggSum},
			{Code: "other_group", Label: "未列的小類", Section: "甲", Group: "二", Type: workspace.TypeInteger, Aggregate: workspace.AggSum},
			{Code: "no_section", Label: "沒有部分", Type: workspace.TypeInteger, Aggregate: workspace.AggSum},
			{Code: "other_section", Label: "未列的部分", Section: "丙", Type: workspace.TypeInteger, Aggregate: workspace.AggSum},
			{Code: "plain", Label: "乙的", Section: "乙", Type: workspace.TypeInteger, Aggregate: workspace.AggSum},
		},
	}
	values := map[string]float64{}
	for i, in := range cat.Indicators {
		values[in.Code] = float64(i + 1)
	}
	var buf bytes.Buffer
	if err := WriteFilled(&buf, cat, workspace.Unit{Code: "A1", Name: "甲廠"}, "2008-12", sampleIdentity(), values); err != nil {
		t.Fatal(err)
	}
	sub, fs := NewReader(cat, DefaultLimits()).ReadBytes("A1.xlsx", buf.Bytes())
	if sub == nil || len(fs) > 0 || !maps.Equal(sub.Values, values) {
		t.Fatalf("read %+v %+v, want every value %v", sub, fs, values)
	}
}

// versioned is a catalogue of version v with the inputs given as
// code:type pairs, all required unless marked with "?".
func versioned(v string, inputs ...string) *workspace.Catalogue {
	cat := &workspace.Catalogue{Version: v}
	for _, s := range inputs {
		code, typ, _ := strings.Cut(s, ":")
		optional := strings.HasSuffix(typ, "?")
		cat.Indicators = append(cat.Indicators, workspace.Indicator{
			Code: code, Label: "標籤" + code, Measure: "個", Type: strings.TrimSuffix(typ, "?"), Required: !optional, Aggregate: workspace.AggSum,
		})
	}
	return cat
}

// TestFormOfAnotherCatalogueVersion writes a form from one catalogue and
// reads it, as a file on disk and after LibreOffice saved it again, under
// catalogues of other versions: read with a warning naming both versions
// when every input still means the same, rejected naming each change
// otherwise.
func TestFormOfAnotherCatalogueVersion(t *testing.T) {
	made := versioned("2024-01", "checked:integer", "fines:decimal", "notes:integer?")
	values := map[string]float64{"checked": 12, "fines": 2.5, "notes": 1}
	dir := t.TempDir()
	path := filepath.Join(dir, "A1.xlsx")
	var buf bytes.Buffer
	if err := WriteFilled(&buf, made, workspace.Unit{Code: "A1", Name: "甲廠"}, "2008-12", sampleIdentity(), values); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	resaved := libreoffice(t, path, "xlsx", t.TempDir())

	tests := []struct {
		name     string
		today    *workspace.Catalogue
		severity vocab.Severity // of the form.catalogue finding; "" for none
		says     []string
		values   map[string]float64 // read when the form is taken
	}{
		{"same version", made, "", nil, values},
		{"new version, same inputs relabelled", func() *workspace.Catalogue {
			c := versioned("2024-02", "checked:integer", "fines:decimal", "notes:integer?")
			c.Indicators[0].Label = "檢查企業家數"
			return c
		}(), vocab.Warning, []string{"「2024-01」版", "「2024-02」版", "照常讀取"}, values},
		{"optional input added", versioned("2024-02", "checked:integer", "fines:decimal", "notes:integer?", "photos:integer?"),
			vocab.Warning, []string{"新增了「標籤photos」（代碼 photos）", "按留空計"},
			map[string]float64{"checked": 12, "fines": 2.5, "notes": 1, "photos": 0}},
		{"required input added", versioned("2024-02", "checked:integer", "fines:decimal", "notes:integer?", "hazards:integer"),
			vocab.Error, []string{"新增了「標籤hazards」（代碼 hazards）", "舊表格不能再用", "下載本期的新表格"}, nil},
		{"input retired", versioned("2024-02", "checked:integer", "fines:decimal"),
			vocab.Error, []string{"停用了「標籤notes」（代碼 notes）", "「2024-02」版"}, nil},
		{"input retyped", versioned("2024-02", "checked:decimal", "fines:decimal", "notes:integer?"),
			vocab.Error, []string{"「標籤checked」（代碼 checked）由整數改為可帶小數"}, nil},
		{"catalogue without a version", versioned("", "checked:integer", "fines:decimal", "notes:integer?"),
			vocab.Warning, []string{"「2024-01」版", "（未標版本）"}, values},
	}
	for _, tt := range tests {
		for writer, file := range map[string]string{"excelize": path, "libreoffice": resaved} {
			t.Run(tt.name+"/"+writer, func(t *testing.T) {
				sub, fs, err := Read(file, tt.today, DefaultLimits())
				if err != nil || sub == nil {
					t.Fatalf("Read: %v %+v", err, fs)
				}
				var got []vocab.Finding
				for _, f := range fs {
					if f.Rule == RuleCatalogue {
						got = append(got, f)
					} else {
						t.Errorf("finding %s %s", f.Rule, f.Message)
					}
				}
				if tt.severity == "" {
					if len(got) > 0 {
						t.Errorf("catalogue findings %+v on a form of today's catalogue", got)
					}
				} else if len(got) != 1 || got[0].Severity != tt.severity || got[0].Fix == "" {
					t.Fatalf("catalogue findings %+v, want one %s", got, tt.severity)
				}
				for _, s := range tt.says {
					if !strings.Contains(got[0].Message+got[0].Fix, s) {
						t.Errorf("finding %q lacks %q", got[0].Message+got[0].Fix, s)
					}
				}
				switch {
				case tt.values != nil && (!maps.Equal(sub.Values, tt.values) || len(sub.Unreadable) > 0):
					t.Errorf("values %v unreadable %v, want %v", sub.Values, sub.Unreadable, tt.values)
				case tt.values == nil && tt.severity == vocab.Error && len(sub.Values)+len(sub.Unreadable) != len(tt.today.Inputs()):
					t.Errorf("values %v and unreadable %v do not cover today's inputs", sub.Values, sub.Unreadable)
				}
			})
		}
	}
}

// TestMetaSheetIsHiddenAndProtected: the catalogue's version and inputs
// sit on a very hidden, protected sheet of a workbook whose structure is
// locked, so that no menu shows it without first unprotecting.
func TestMetaSheetIsHiddenAndProtected(t *testing.T) {
	var buf bytes.Buffer
	cat := versioned("2024-01", "checked:integer")
	if err := WriteBlank(&buf, cat, workspace.Unit{Code: "A1", Name: "甲廠"}, "2008-12"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if visible, err := f.GetSheetVisible(MetaSheet); err != nil || visible {
		t.Errorf("%s visible = %v, %v", MetaSheet, visible, err)
	}
	if got, _ := f.GetCellValue(MetaSheet, "B3"); got != "2024-01" {
		t.Errorf("catalogue version %q, want 2024-01", got)
	}
	if f.GetActiveSheetIndex() != 0 || f.GetSheetList()[0] != SheetName {
		t.Errorf("sheets %v, active %d: the form must come first", f.GetSheetList(), f.GetActiveSheetIndex())
	}
	if !locked(t, f, "B3") {
		t.Error("the version cell is not locked")
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "blank.xlsx")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	parts := unzipAll(t, path)
	if !strings.Contains(parts["xl/workbook.xml"], `state="veryHidden"`) || !strings.Contains(parts["xl/workbook.xml"], `lockStructure="true"`) {
		t.Errorf("workbook.xml: %s", parts["xl/workbook.xml"])
	}
	if !strings.Contains(parts["xl/worksheets/sheet2.xml"], `<sheetProtection`) {
		t.Error("the meta sheet is not protected")
	}
}
