package form

import (
	"bytes"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// MetaSheet is the very hidden, protected sheet that says which catalogue
// a form was made from: its version and every input's code, type and
// label. A form of another catalogue version is read when its inputs
// still mean what they meant, and rejected, naming each change, when
// they do not; so the sheet keeps the old catalogue's types and labels,
// which today's catalogue no longer has. Read never takes it for the
// form, however many codes it holds.
const MetaSheet = "表格資訊"

// RuleCatalogue is the finding of a form made from another version of
// the catalogue.
const RuleCatalogue = "form.catalogue"

const (
	metaTitle             = "本頁供系統核對表格版本，請勿修改。"
	labelCatalogueVersion = "指標目錄版本"
	headType              = "類型"
	rowMetaInputs         = 5 // after the title, two versions and the header
)

// meta writes MetaSheet. Structure protection keeps it out of the
// spreadsheet program's 取消隱藏 menu; like the form's, it has no password.
func (b *builder) meta(cat *workspace.Catalogue) {
	if b.err != nil {
		return
	}
	m := &builder{f: b.f, sheet: MetaSheet, styles: b.styles}
	if _, m.err = b.f.NewSheet(MetaSheet); m.err != nil {
		b.err = m.err
		return
	}
	m.set("A1", metaTitle)
	m.set("A2", labelVersion)
	m.set("B2", FormVersion)
	m.set("A3", labelCatalogueVersion)
	m.set("B3", cat.Version)
	m.set("A4", headCode)
	m.set("B4", headType)
	m.set("C4", headLabel)
	for i, in := range cat.Inputs() {
		row := rowMetaInputs + i
		m.set(cellName(1, row), in.Code)
		m.set(cellName(2, row), in.Type)
		m.set(cellName(3, row), in.Label)
	}
	if m.err == nil {
		m.err = b.f.SetSheetVisible(MetaSheet, false, true)
	}
	if m.err == nil {
		m.err = b.f.ProtectSheet(MetaSheet, &excelize.SheetProtectionOptions{SelectLockedCells: true})
	}
	if m.err == nil {
		m.err = b.f.ProtectWorkbook(&excelize.WorkbookProtectionOptions{LockStructure: true})
	}
	b.err = m.err
}

// formMeta is what MetaSheet says of a form's catalogue: its version
// and its inputs in catalogue order.
type formMeta struct {
	version string
	inputs  []metaInput
}

type metaInput struct{ code, typ, label string }

// readMeta reads MetaSheet, or gives nil for a form without one: a form
// written before the sheet existed, or whose sheet was copied into
// another workbook. Such a form is read by its codes as it always was.
func (r *reader) readMeta() (*formMeta, error) {
	if !slices.Contains(r.book.Sheets(), MetaSheet) {
		return nil, nil
	}
	g, err := r.scan(MetaSheet)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(g.at(1, 1)) != metaTitle {
		return nil, nil
	}
	m := &formMeta{version: strings.TrimSpace(g.at(3, 2)), inputs: make([]metaInput, 0, len(g.order))}
	for i, row := range g.order {
		if row < rowMetaInputs {
			continue
		}
		cells := g.rows[i]
		at := func(col int) string {
			if col > len(cells) {
				return ""
			}
			return strings.TrimSpace(cells[col-1])
		}
		m.inputs = append(m.inputs, metaInput{at(1), at(2), at(3)})
	}
	return m, nil
}

// retype is an input whose type today's catalogue changed.
type retype struct {
	was metaInput // as the form's catalogue had it
	now *workspace.Indicator
}

// catalogueChanges compares the inputs of the form's catalogue with
// today's: added are today's inputs the form lacks, retired the form's
// that today's catalogue has no input for.
func catalogueChanges(m *formMeta, inputs []*workspace.Indicator) (added []*workspace.Indicator, retired []metaInput, retyped []retype) {
	if sameInputs(m.inputs, inputs) {
		return nil, nil, nil
	}
	onForm := make(map[string]metaInput, len(m.inputs))
	for _, in := range m.inputs {
		onForm[in.code] = in
	}
	today := make(map[string]bool, len(inputs))
	for _, in := range inputs {
		today[in.Code] = true
		switch was, ok := onForm[in.Code]; {
		case !ok:
			added = append(added, in)
		case was.typ != in.Type:
			retyped = append(retyped, retype{was, in})
		}
	}
	for _, in := range m.inputs {
		if !today[in.code] {
			retired = append(retired, in)
		}
	}
	return added, retired, retyped
}

// sameInputs is the common case, a form of today's catalogue, told
// without building a map per file.
func sameInputs(form []metaInput, today []*workspace.Indicator) bool {
	if len(form) != len(today) {
		return false
	}
	for i, in := range today {
		if form[i].code != in.Code || form[i].typ != in.Type {
			return false
		}
	}
	return true
}

// checkCatalogue judges a form made from another catalogue. missing are
// today's inputs the form has no row for: read as left blank when the
// form is taken, unreadable when it is rejected, and explained once,
// here, rather than as deleted rows.
func (r *reader) checkCatalogue(m *formMeta, sheet string) (missing map[string]bool, rejected bool) {
	if m == nil {
		return nil, false
	}
	added, retired, retyped := catalogueChanges(m, r.inputs())
	if m.version == r.cat.Version && len(added)+len(retired)+len(retyped) == 0 {
		return nil, false
	}
	missing = make(map[string]bool, len(added))
	var changes []string
	rejected = len(retired)+len(retyped) > 0
	for _, in := range added {
		missing[in.Code] = true
		changes = append(changes, "新增了「"+in.Label+"」（代碼 "+in.Code+"）")
		rejected = rejected || in.Required
	}
	for _, in := range retired {
		changes = append(changes, "停用了「"+in.label+"」（代碼 "+in.code+"）")
	}
	for _, t := range retyped {
		changes = append(changes, "「"+t.now.Label+"」（代碼 "+t.now.Code+"）由"+typeName(t.was.typ)+"改為"+typeName(t.now.Type))
	}
	said := "這份表格是按指標目錄" + versionName(m.version) + "製作的，本期的指標目錄是" + versionName(r.cat.Version)
	newForm := "請到系統下載本期的新表格（指標目錄" + versionName(r.cat.Version) + "），把數字填到新表格裡再報送。"
	f := vocab.Finding{Rule: RuleCatalogue, Severity: vocab.Warning, Sheet: sheet, Fix: "下次" + newForm}
	switch {
	case rejected:
		f.Severity, f.Fix = vocab.Error, newForm
		f.Message = said + "，指標已有變動：" + strings.Join(changes, "；") + "。舊表格不能再用。"
	case len(changes) > 0:
		f.Message = said + "：" + strings.Join(changes, "；") + "，舊表格沒有這一項，按留空計；其餘各項照常讀取。"
	default:
		f.Message = said + "；表上各項指標沒有變動，照常讀取。"
	}
	r.add(f)
	return missing, rejected
}

func versionName(v string) string {
	if v == "" {
		return "（未標版本）"
	}
	return "「" + v + "」版"
}

func typeName(typ string) string {
	switch typ {
	case workspace.TypeDecimal:
		return "可帶小數"
	case workspace.TypeInteger:
		return "整數"
	}
	return "「" + clip(typ) + "」"
}

// A blank form also carries what `countybrief check` needs to judge it
// where the office's folder is not: the version of the rules it was
// issued under and the rule files themselves, packed by the caller. They
// sit beside the version rows, in columns the batch's reader never looks
// at, so that forms with and without them read the same.
const (
	labelRulesVersion = "審核規則版本"
	labelCheckPack    = "審核資料"
	// packChunk stays under a cell's 32,767 characters.
	packChunk = 32000
)

// AttachCheck adds the rules' version and their packed files (any text,
// e.g. base64) to the MetaSheet of the form in xlsx and returns the new
// workbook.
func AttachCheck(xlsx []byte, rulesVersion, pack string) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := &builder{f: f, sheet: MetaSheet}
	m.set("D2", labelRulesVersion)
	m.set("E2", rulesVersion)
	m.set("D3", labelCheckPack)
	for i := 0; len(pack) > 0; i++ {
		n := min(packChunk, len(pack))
		m.set(cellName(5+i, 3), pack[:n])
		pack = pack[n:]
	}
	if m.err != nil {
		return nil, m.err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CheckInfo is what a form says of the catalogue and rules it was issued
// under; empty fields for a form that does not say.
type CheckInfo struct {
	CatalogueVersion string
	RulesVersion     string
	Pack             string
}

// ReadCheckInfo reads CheckInfo from the form at path. It is for one
// clerk's file at a time, so it uses excelize under the default limits
// rather than the batch's reader.
func ReadCheckInfo(path string) (CheckInfo, error) {
	lim := DefaultLimits()
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: lim.MaxUnzipBytes, UnzipXMLSizeLimit: lim.MaxUnzipBytes})
	if err != nil {
		return CheckInfo{}, err
	}
	defer f.Close()
	if !slices.Contains(f.GetSheetList(), MetaSheet) {
		return CheckInfo{}, nil
	}
	cell := func(c string) string {
		v, _ := f.GetCellValue(MetaSheet, c)
		return strings.TrimSpace(v)
	}
	if cell("A1") != metaTitle {
		return CheckInfo{}, nil
	}
	info := CheckInfo{CatalogueVersion: cell("B3")}
	if cell("D2") == labelRulesVersion {
		info.RulesVersion = cell("E2")
	}
	if cell("D3") == labelCheckPack {
		var pack strings.Builder
		for col := 5; ; col++ {
			s := cell(cellName(col, 3))
			if s == "" {
				break
			}
			pack.WriteString(s)
		}
		info.Pack = pack.String()
	}
	return info, nil
}
