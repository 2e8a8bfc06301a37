package form

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"countybrief/pipeline/form/xlsxscan"
)

// The 退回 copy goes back to the unit and is opened there, so it carries
// only what a workbook needs to show the unit its form: no macros
// (vbaProject.bin, an .xlsm payload), no links to other workbooks, no
// embedded objects or controls, no part under a name that could land
// outside a folder when unpacked. cleanCopy makes that workbook from the
// received file before excelize opens it.

// keptForReturn reports whether a part belongs in the 退回 copy.
func keptForReturn(name string) bool {
	switch name {
	case "[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml",
		"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml":
		return true
	}
	dir, file := path.Split(name)
	switch dir {
	case "xl/theme/":
		return strings.HasSuffix(file, ".xml")
	case "xl/worksheets/":
		return strings.HasSuffix(file, ".xml")
	case "xl/worksheets/_rels/":
		return strings.HasSuffix(file, ".xml.rels")
	case "xl/":
		return strings.HasPrefix(file, "comments") && strings.HasSuffix(file, ".xml")
	case "xl/drawings/":
		// The shapes of cell comments; their own relationships, which
		// only an embedded object needs, are left out.
		return strings.HasPrefix(file, "vmlDrawing") && strings.HasSuffix(file, ".vml")
	}
	return false
}

// safeName reports whether a zip entry's name stays inside the folder it
// is unpacked into.
func safeName(name string) bool {
	return name != "" && !strings.HasPrefix(name, "/") && !strings.Contains(name, "\\") &&
		!strings.Contains(name, ":") && !slices.Contains(strings.Split(name, "/"), "..")
}

const (
	typeWorkbook  = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
	relHyperlink  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
	maxCleanParts = 256
)

var (
	relElem       = regexp.MustCompile(`(?s)<Relationship\b[^>]*?(?:/>|>.*?</Relationship>)`)
	relAttr       = regexp.MustCompile(`\b(Type|Target|TargetMode)\s*=\s*("[^"]*"|'[^']*')`)
	overrideElem  = regexp.MustCompile(`<Override\b[^>]*?PartName\s*=\s*"([^"]*)"[^>]*?/>`)
	binDefault    = regexp.MustCompile(`<Default\b[^>]*?Extension\s*=\s*"(?i:bin)"[^>]*?/>`)
	workbookTypes = regexp.MustCompile(`application/vnd\.ms-excel\.(?:sheet\.macroEnabled|template\.macroEnabled|addin\.macroEnabled)\.main\+xml|application/vnd\.openxmlformats-officedocument\.spreadsheetml\.template\.main\+xml`)
	externalRefs  = regexp.MustCompile(`(?s)<(?:\w+:)?externalReferences\b.*?</(?:\w+:)?externalReferences>|<(?:\w+:)?externalReferences\b[^>]*/>`)
	// What a worksheet holds of the parts left out: objects, controls,
	// drawings, pictures, tables, and the printer settings of pageSetup.
	sheetObjects = regexp.MustCompile(`(?s)<mc:AlternateContent\b.*?</mc:AlternateContent>|` +
		`<(?:\w+:)?oleObjects\b.*?</(?:\w+:)?oleObjects>|<(?:\w+:)?controls\b.*?</(?:\w+:)?controls>|` +
		`<(?:\w+:)?tableParts\b.*?</(?:\w+:)?tableParts>|<(?:\w+:)?tableParts\b[^>]*/>|` +
		`<(?:\w+:)?(?:drawing|picture|legacyDrawingHF)\b[^>]*/>`)
	// sheetObjectWords are words every match of sheetObjects holds.
	sheetObjectWords = []string{"AlternateContent", "oleObjects", "controls", "tableParts", "drawing", "picture", "legacyDrawingHF"}
	relID            = regexp.MustCompile(`<Relationship\b[^>]*?\bId\s*=\s*"([^"]*)"`)
	sheetElem        = regexp.MustCompile(`<(?:\w+:)?sheet\b[^>]*/>`)
	prefixedID       = regexp.MustCompile(`\b\w+:id\s*=\s*"([^"]*)"`)
	pageSetupID      = regexp.MustCompile(`(<(?:\w+:)?pageSetup\b[^>]*?)\s+\w+:id\s*=\s*("[^"]*"|'[^']*')`)
)

// cleaned is the workbook the 退回 copy starts from: the parts it keeps,
// in the order of the received zip, and for each the entry it came from
// and its text as received, so that a part left as it was is copied
// without being compressed again.
type cleaned struct {
	parts map[string]string
	order []string
	from  map[string]*zip.File
	raw   map[string]string
	data  []byte // the received file
}

// unchanged is the received entry of a part whose text is text, and its
// bytes as compressed, or nil when the part was changed.
func (c *cleaned) unchanged(name, text string) (*zip.File, []byte) {
	zf := c.from[name]
	if zf == nil || c.raw[name] != text || (zf.Method != zip.Store && zf.Method != zip.Deflate) {
		return nil, nil
	}
	off, err := zf.DataOffset()
	if err != nil || off < 0 || uint64(off)+zf.CompressedSize64 > uint64(len(c.data)) {
		return nil, nil
	}
	return zf, c.data[off : uint64(off)+zf.CompressedSize64]
}

// cleanCopy returns the parts of the workbook in data that the 退回 copy
// keeps, as a new zip, or nil when data is not a workbook that can be
// cleaned within lim.
func cleanCopy(data []byte, lim Limits) []byte {
	c := cleanParts(data, lim)
	if c == nil {
		return nil
	}
	return c.zip()
}

// cleanParts returns the parts of the workbook in data that the 退回 copy
// keeps, or nil when data is not a workbook that can be cleaned within
// lim. Every kept part is checked against the XML bounds of lim before
// excelize or the fast copy sees it.
func cleanParts(data []byte, lim Limits) *cleaned {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(zr.File) > maxZipEntries {
		return nil
	}
	parts := map[string]string{}
	from := map[string]*zip.File{}
	var order []string
	var unzipped int64
	for _, zf := range zr.File {
		if _, dup := parts[zf.Name]; dup || !safeName(zf.Name) || !keptForReturn(zf.Name) || len(order) == maxCleanParts {
			continue
		}
		size := int64(zf.UncompressedSize64)
		if unzipped += size; size < 0 || unzipped > lim.MaxUnzipBytes {
			return nil
		}
		text, err := unzipText(zf)
		if err != nil || xlsxscan.CheckPart(zf.Name, text, lim.scan()) != nil {
			return nil
		}
		parts[zf.Name] = text
		from[zf.Name] = zf
		order = append(order, zf.Name)
	}
	raw := maps.Clone(parts)
	// Relationships first: the workbook keeps the sheets whose
	// relationship is kept (not a macro sheet's, say).
	for _, name := range order {
		if strings.HasSuffix(name, ".rels") {
			parts[name] = cleanRels(name, parts[name], parts)
		}
	}
	for _, name := range order {
		text := parts[name]
		switch {
		case name == "[Content_Types].xml":
			text = cleanTypes(text, parts)
		case name == "xl/workbook.xml":
			text = cleanWorkbook(text, parts["xl/_rels/workbook.xml.rels"])
		case strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml"):
			// The expressions cost a millisecond a sheet, which a sheet
			// without the words they look for is spared.
			if containsAny(text, sheetObjectWords) {
				text = sheetObjects.ReplaceAllString(text, "")
			}
			if setupWithID(text) {
				text = pageSetupID.ReplaceAllString(text, "$1")
			}
		}
		parts[name] = text
	}
	return &cleaned{parts: parts, order: order, from: from, raw: raw, data: data}
}

// zip is the cleaned workbook as a zip for excelize, or nil when it
// cannot be written.
func (c *cleaned) zip() []byte {
	// Stored, not deflated: excelize reads it at once from memory, and
	// writes the copy with its own compression.
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, name := range c.order {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			return nil
		}
		if _, err := io.WriteString(w, c.parts[name]); err != nil {
			return nil
		}
	}
	if zw.Close() != nil {
		return nil
	}
	return out.Bytes()
}

// setupWithID reports whether a pageSetup tag may have the id that
// pageSetupID drops: a prefixed id before the tag's end.
func setupWithID(s string) bool {
	for {
		i := strings.Index(s, "pageSetup")
		if i < 0 {
			return false
		}
		s = s[i:]
		end := strings.IndexByte(s, '>')
		if end < 0 {
			end = len(s)
		}
		if strings.Contains(s[:end], ":id") {
			return true
		}
		s = s[end:]
	}
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// unzipText unzips a part into a string of its size: archive/zip fails
// a part that runs past the size its header gives, which the caller has
// held to the limits.
func unzipText(zf *zip.File) (string, error) {
	rc, err := zf.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b := make([]byte, zf.UncompressedSize64)
	if _, err := io.ReadFull(rc, b); err != nil {
		return "", err
	}
	// The checksum is checked at the end of the part.
	if n, err := rc.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		return "", errors.New("part longer than its header says")
	}
	return string(b), nil
}

// cleanRels keeps the relationships to parts the copy keeps, and links
// out of the workbook only when they are hyperlinks.
func cleanRels(name, text string, parts map[string]string) string {
	// A part's relationships live in _rels/ beside it; targets are
	// relative to the part's folder.
	base := path.Dir(path.Dir(name))
	if base == "." {
		base = ""
	}
	return relElem.ReplaceAllStringFunc(text, func(el string) string {
		attrs := map[string]string{}
		for _, m := range relAttr.FindAllStringSubmatch(el, -1) {
			attrs[m[1]] = m[2][1 : len(m[2])-1]
		}
		if strings.EqualFold(attrs["TargetMode"], "External") {
			if attrs["Type"] == relHyperlink {
				return el
			}
			return ""
		}
		target := attrs["Target"]
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(path.Clean(target), "/")
		} else {
			target = path.Join(base, target)
		}
		if _, ok := parts[target]; !ok {
			return ""
		}
		return el
	})
}

// cleanWorkbook drops the links to other workbooks and the sheets whose
// part is left out.
func cleanWorkbook(text, rels string) string {
	ids := map[string]bool{}
	for _, m := range relID.FindAllStringSubmatch(rels, -1) {
		ids[m[1]] = true
	}
	text = externalRefs.ReplaceAllString(text, "")
	return sheetElem.ReplaceAllStringFunc(text, func(el string) string {
		if m := prefixedID.FindStringSubmatch(el); m == nil || !ids[m[1]] {
			return ""
		}
		return el
	})
}

// cleanTypes declares the copy a plain workbook and drops the overrides
// of parts left out.
func cleanTypes(text string, parts map[string]string) string {
	text = workbookTypes.ReplaceAllString(text, typeWorkbook)
	text = binDefault.ReplaceAllString(text, "")
	return overrideElem.ReplaceAllStringFunc(text, func(el string) string {
		name := overrideElem.FindStringSubmatch(el)[1]
		if _, ok := parts[strings.TrimPrefix(name, "/")]; !ok {
			return ""
		}
		return el
	})
}
