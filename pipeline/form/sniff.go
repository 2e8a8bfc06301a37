package form

import (
	"archive/zip"
	"bytes"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
)

// notForm says why a file is not an XLSX form and what to send instead.
type notForm struct {
	what string // 這是…
	fix  string
}

const fixSendXLSX = "請用本系統下發的 .xlsx 表格填寫，直接保存為 .xlsx 後重新報送。"

// maxZipEntries bounds the zip directory; a form has about a dozen parts.
const maxZipEntries = 2000

// sniff looks at a file's bytes (and, for the message only, its extension)
// and returns nil when it may be an XLSX workbook, with the zip's directory
// read. It decides by content, because units rename files: an .xls renamed
// .xlsx is still an .xls.
func sniff(name string, data []byte) (*notForm, *zip.Reader) {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case len(data) == 0:
		return &notForm{"文件是空的（0 字節），可能沒有保存成功或傳送中斷。", "請重新保存表格後再報送。"}, nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return sniffZip(data)
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return sniffOLE(ext, data), nil
	case bytes.HasPrefix(data, []byte("%PDF")):
		return &notForm{"這是 PDF 文件，系統無法從中讀取數字。", "請不要轉成 PDF 或掃描件；" + fixSendXLSX}, nil
	case bytes.HasPrefix(data, []byte("Rar!")), bytes.HasPrefix(data, []byte{'7', 'z', 0xBC, 0xAF}), bytes.HasPrefix(data, []byte{0x1F, 0x8B}):
		return &notForm{"這是壓縮包，不是 Excel 表格。", "請不要打包壓縮；" + fixSendXLSX}, nil
	case bytes.HasPrefix(data, []byte{0x89, 'P', 'N', 'G'}), bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return &notForm{"這是圖片（照片或截圖），系統無法從中讀取數字。", fixSendXLSX}, nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return &notForm{"這是文本文件（Unicode 文本），不是 Excel 表格。", "請不要另存為文本或 CSV；" + fixSendXLSX}, nil
	}
	head := data[:min(len(data), 1024)]
	lower := bytes.ToLower(head)
	switch {
	case bytes.Contains(lower, []byte("<html")), bytes.Contains(lower, []byte("<!doctype html")), bytes.Contains(lower, []byte("<table")):
		return &notForm{"這是網頁（HTML）文件，只是文件名像表格。", "請不要從網頁或其他系統導出；" + fixSendXLSX}, nil
	case bytes.Contains(lower, []byte("urn:schemas-microsoft-com:office:spreadsheet")):
		return &notForm{"這是 Excel 2003 XML 表格，不是 .xlsx 格式。", fixSendXLSX}, nil
	case isText(head):
		what := "這是純文本文件，不是 Excel 表格。"
		if ext == ".csv" || bytes.ContainsAny(head, ",\t") {
			what = "這是 CSV（逗號分隔）文本文件，不是 Excel 表格。"
		}
		return &notForm{what, "請不要另存為 CSV 或文本；" + fixSendXLSX}, nil
	}
	return &notForm{"無法識別這個文件的格式，它不是 Excel 表格。", fixSendXLSX}, nil
}

func sniffZip(data []byte) (*notForm, *zip.Reader) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return &notForm{"文件不完整或已損壞，無法打開（可能保存或傳送時中斷）。", "請在電腦上重新打開、保存表格後再報送；如仍打不開，請用本系統下發的空白表格重新填寫。"}, nil
	}
	return sniffDirectory(zr), zr
}

// sniffDirectory is sniffZip's verdict on a zip whose directory was read:
// nil when it may be an XLSX workbook.
func sniffDirectory(zr *zip.Reader) *notForm {
	if len(zr.File) > maxZipEntries {
		return &notForm{"文件內部結構異常（包含的部件過多），無法作為表格讀取。", fixSendXLSX}
	}
	var workbook, binary, word, types bool
	for _, zf := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(zf.Name, "\\", "/"))
		switch {
		case name == "mimetype":
			if zf.UncompressedSize64 < 128 {
				if rc, err := zf.Open(); err == nil {
					var buf [128]byte
					n, _ := rc.Read(buf[:])
					rc.Close()
					if strings.Contains(string(buf[:n]), "opendocument.spreadsheet") {
						return &notForm{"這是 OpenDocument 表格（.ods），不是 .xlsx 格式。", "請在 WPS 或 LibreOffice 中「另存為」Excel 工作簿（.xlsx），或" + fixSendXLSX}
					}
				}
			}
			return &notForm{"這是 OpenDocument 文檔（.odt/.ods 等），不是 .xlsx 表格。", fixSendXLSX}
		case name == "[content_types].xml":
			types = true
		case name == "xl/workbook.xml":
			workbook = true
		case name == "xl/workbook.bin":
			binary = true
		case strings.HasPrefix(name, "word/"):
			word = true
		}
	}
	switch {
	case workbook && types:
		return nil
	case binary:
		return &notForm{"這是 Excel 二進制工作簿（.xlsb），不是 .xlsx 格式。", fixSendXLSX}
	case word:
		return &notForm{"這是 Word 文檔（.docx），不是 Excel 表格。", fixSendXLSX}
	case workbook:
		return &notForm{"文件內部結構不完整（缺少內容類型清單），可能已損壞。", "請在電腦上重新打開、保存表格後再報送；" + fixSendXLSX}
	}
	return &notForm{"這是一個壓縮包（.zip），不是 Excel 表格。", "請不要打包壓縮；" + fixSendXLSX}
}

// sniffOLE tells an encrypted .xlsx from an old binary file: both are OLE2
// compound files, and excelize reports both as an unsupported format.
func sniffOLE(ext string, data []byte) (nf *notForm) {
	old := &notForm{"這是舊版 Excel 97-2003（.xls）格式的文件。", "請用本系統下發的 .xlsx 表格填寫，保存時選「Excel 工作簿（*.xlsx）」後重新報送。"}
	if ext == ".et" || ext == ".ett" {
		old = &notForm{"這是 WPS 表格（.et）格式的文件。", "請用本系統下發的 .xlsx 表格填寫，在 WPS 中保存時選「Excel 文件（*.xlsx）」後重新報送。"}
	}
	defer func() {
		// mscfb walks directory chains taken from the file; a malformed one
		// must give the generic answer, not stop the batch.
		if recover() != nil {
			nf = old
		}
	}()
	r, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return old
	}
	for _, f := range r.File {
		switch f.Name {
		case "EncryptedPackage", "EncryptionInfo":
			return &notForm{"表格設置了打開密碼（已加密），系統無法打開。", "請在 Excel 或 WPS 中取消打開密碼（清空「用密碼進行加密」）後保存，再重新報送。"}
		case "WordDocument":
			return &notForm{"這是 Word 97-2003（.doc）文檔，不是 Excel 表格。", fixSendXLSX}
		}
	}
	return old
}

// isText reports whether head looks like text: no NUL byte and valid UTF-8,
// or mostly printable bytes (a GBK-encoded CSV is not UTF-8).
func isText(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	if utf8.Valid(head) || utf8.Valid(head[:max(0, len(head)-3)]) {
		return true
	}
	ctrl := 0
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			ctrl++
		}
	}
	return ctrl*20 < len(head)
}
