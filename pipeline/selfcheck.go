package pipeline

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"countybrief/examples"
	"countybrief/pipeline/form"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// A clerk checking a filled form has the binary and the form, not the
// office's folder. So the blank form carries, packed in its hidden
// 表格資訊 sheet, the files a batch judges by: config.yaml,
// indicators.yaml, rules/*.yaml and the unit's own line of units.yaml
// (not the whole registry: a region's would make every form heavy). A
// form without them (issued before, or by another program) is judged by
// the defaults built into the binary.

// maxPack bounds what a form's pack may unpack to: the office's rule
// files are a few kilobytes, and a pack is read from a file anyone can
// edit.
const maxPack = 4 << 20

// RulesVersion names the catalogue and rule files of the workspace in
// dir: the first 12 hex digits of a SHA-256 over indicators.yaml and
// rules/*.yaml, so that any edit of what judges a form changes it.
func RulesVersion(dir string) (string, error) {
	files, err := ruleFiles(dir)
	if err != nil {
		return "", err
	}
	return versionOf(files), nil
}

func versionOf(files map[string][]byte) string {
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if name != workspace.IndicatorsFile && !strings.HasPrefix(name, workspace.RulesDir+"/") {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(files[name]))
		h.Write(files[name])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// ruleFiles reads indicators.yaml and the rule files LoadDir reads.
func ruleFiles(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	data, err := os.ReadFile(filepath.Join(dir, workspace.IndicatorsFile))
	if err != nil {
		return nil, err
	}
	files[workspace.IndicatorsFile] = data
	entries, err := os.ReadDir(filepath.Join(dir, workspace.RulesDir))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !ruleFileName(e.Name()) || e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, workspace.RulesDir, e.Name()))
		if err != nil {
			return nil, err
		}
		files[workspace.RulesDir+"/"+e.Name()] = data
	}
	return files, nil
}

// A form is a file anyone can write, so a name it carries must be a plain
// file name on every system: no dot start, no separator of any system.
func ruleFileName(name string) bool {
	ext := path.Ext(name)
	return !strings.HasPrefix(name, ".") && !strings.ContainsAny(name, `/\:`) && (ext == ".yaml" || ext == ".yml")
}

// WriteBlankForm writes unit u's blank form, in the office's script, with
// the rules' version and the packed files check needs.
func WriteBlankForm(w io.Writer, ws *workspace.Workspace, u workspace.Unit) error {
	files, err := ruleFiles(ws.Dir)
	if err != nil {
		return err
	}
	if files[workspace.ConfigFile], err = os.ReadFile(filepath.Join(ws.Dir, workspace.ConfigFile)); err != nil {
		return err
	}
	// Prefill is only what the blank form shows; the rules never see it.
	u.Prefill = nil
	if files[workspace.UnitsFile], err = yaml.Marshal(struct {
		Kinds []string         `yaml:"kinds"`
		Units []workspace.Unit `yaml:"units"`
	}{ws.Kinds, []workspace.Unit{u}}); err != nil {
		return err
	}
	pack, err := packFiles(files)
	if err != nil {
		return err
	}
	conv, err := ws.Config.Converter()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := form.WriteFilledIn(&buf, ws.Catalogue, u, ws.Config.Period, form.Identity{}, nil, conv); err != nil {
		return err
	}
	out, err := form.AttachCheck(buf.Bytes(), versionOf(files), pack)
	if err != nil {
		return fmt.Errorf("pack the rules into the form: %w", err)
	}
	_, err = w.Write(out)
	return err
}

func packFiles(files map[string][]byte) (string, error) {
	text := make(map[string]string, len(files))
	for k, v := range files {
		text[k] = string(v)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err := json.NewEncoder(zw).Encode(text); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

var errBadPack = errors.New("表格裡的審核資料已損壞")

// unpackTo writes a form's pack into dir, taking only the names a
// workspace has, so that a crafted pack cannot write elsewhere.
func unpackTo(dir, pack string) error {
	raw, err := base64.StdEncoding.DecodeString(pack)
	if err != nil {
		return errBadPack
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return errBadPack
	}
	var files map[string]string
	if err := json.NewDecoder(io.LimitReader(zr, maxPack)).Decode(&files); err != nil {
		return errBadPack
	}
	if err := os.Mkdir(filepath.Join(dir, workspace.RulesDir), 0o755); err != nil {
		return err
	}
	for name, data := range files {
		switch dirName, base := path.Split(name); {
		case name == workspace.ConfigFile, name == workspace.UnitsFile, name == workspace.IndicatorsFile,
			dirName == workspace.RulesDir+"/" && ruleFileName(base):
		default:
			return errBadPack
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Basis says what a self-check judged by.
type Basis string

const (
	// BasisWorkspace is the office's workspace, as a batch judges.
	BasisWorkspace Basis = "workspace"
	// BasisForm is the rules the form was issued with.
	BasisForm Basis = "form"
	// BasisBuiltIn is the defaults built into the binary.
	BasisBuiltIn Basis = "built-in"
)

// SelfCheck is one file checked by its unit before sending.
type SelfCheck struct {
	Sub      *form.Submission
	Findings []vocab.Finding
	Basis    Basis
	// CatalogueVersion and RulesVersion are those judged by.
	CatalogueVersion string
	RulesVersion     string
	// Language is the script of what the file was judged by (the
	// workspace's, or the one whose rules the form carries), in which a
	// clerk without a workspace is best spoken to.
	Language string
	// Notes tell the clerk where what was judged by differs from what the
	// form was issued with, or from what the binary carries.
	Notes []string
}

// CheckOwnFile judges the file at path as a batch would judge it in the
// inbox folder of unit (of the unit the form names when unit is ""). ws is
// the office's workspace, or nil where there is none: the file is then
// judged by the rules it carries, or by the binary's defaults. The error
// is for I/O trouble and for a workspace that cannot be laid out.
func CheckOwnFile(path, unit string, ws *workspace.Workspace) (*SelfCheck, error) {
	info, err := form.ReadCheckInfo(path)
	if err != nil {
		// The checker reads the file again and says, as the batch would,
		// why it cannot.
		info = form.CheckInfo{}
	}
	res := &SelfCheck{}
	if ws == nil {
		tmp, err := os.MkdirTemp("", "countybrief-check-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		if ws, err = offlineWorkspace(tmp, info, res); err != nil {
			return nil, err
		}
	} else {
		res.Basis = BasisWorkspace
	}
	if res.RulesVersion, err = RulesVersion(ws.Dir); err != nil {
		return nil, err
	}
	res.CatalogueVersion = ws.Catalogue.Version
	res.Language = ws.Config.Language
	if info.RulesVersion != "" && info.RulesVersion != res.RulesVersion {
		res.Notes = append(res.Notes, fmt.Sprintf("這份表格下發時的審核規則是 %s 版，活動辦現在的是 %s 版；以下按活動辦現在的規則審核。", info.RulesVersion, res.RulesVersion))
	}
	if res.Basis == BasisForm {
		if builtIn, err := builtInVersion(ws.Config.Language); err == nil && builtIn != res.RulesVersion {
			res.Notes = append(res.Notes, fmt.Sprintf("本程序自帶的默認規則是 %s 版，與表格所帶的不同；以下按表格所帶的規則（活動辦下發表格時的）審核。活動辦之後若改了規則，以活動辦處理時的結果為準。", builtIn))
		}
	}
	checker, err := NewChecker(ws)
	if err != nil {
		return nil, fmt.Errorf("審核規則無法使用（請告知活動辦）：%w", err)
	}
	sub, findings, err := checker.Check(path, "", nil)
	if err != nil {
		return nil, err
	}
	if sub != nil && unit != "" && sub.UnitCode != unit {
		loc := sub.Cells["unit_code"]
		findings = append(findings, vocab.Finding{Rule: ruleIdentity, Severity: vocab.Error, Sheet: loc.Sheet, Cell: loc.Cell,
			Message: fmt.Sprintf("表內單位代碼是「%s」，不是本單位（%s）的代碼：這是別的單位的表格，報送後會被退回。", sub.UnitCode, unit),
			Fix:     "請用活動辦下發給本單位的表格填報，不要改動單位代碼；如果代碼確實寫錯，請向活動辦要本單位的表格。"})
	}
	// The reader's and the checker's own words are Traditional; a
	// Simplified office's clerk reads them, and its rules' messages, in
	// Simplified wherever the result is shown (terminal, --json, web).
	conv, err := workspace.Converter(res.Language)
	if err != nil {
		return nil, err
	}
	for i := range findings {
		findings[i].Message, findings[i].Fix = conv(findings[i].Message), conv(findings[i].Fix)
	}
	for i := range res.Notes {
		res.Notes[i] = conv(res.Notes[i])
	}
	res.Sub, res.Findings = sub, findings
	return res, nil
}

// offlineWorkspace lays out in dir the workspace a form carries, or the
// binary's defaults for a form that carries none, and loads it.
func offlineWorkspace(dir string, info form.CheckInfo, res *SelfCheck) (*workspace.Workspace, error) {
	if info.Pack != "" {
		res.Basis = BasisForm
		if err := unpackTo(dir, info.Pack); err != nil {
			return nil, err
		}
		ws, err := workspace.Load(dir)
		if err != nil {
			return nil, fmt.Errorf("%w：%v", errBadPack, err)
		}
		return ws, nil
	}
	res.Basis = BasisBuiltIn
	res.Notes = append(res.Notes, "這份表格沒有帶審核規則（是舊版或別處做的表格）；以下按本程序自帶的默認規則審核，結果以活動辦處理時為準。")
	return Init(dir)
}

// builtInVersion is the version of the rules built into the binary, as
// an office writing lang has them: a Simplified office that kept the
// defaults has their t2s, which is no change of rules to speak of.
func builtInVersion(lang string) (string, error) {
	tmp, err := os.MkdirTemp("", "countybrief-defaults-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	ws, err := InitExampleIn(tmp, examples.Campaign, lang)
	if err != nil {
		return "", err
	}
	return RulesVersion(ws.Dir)
}
