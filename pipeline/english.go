package pipeline

import "countybrief/pipeline/vocab"

// say writes what the run summary tells the office in its Chinese and in
// English (vocab.English.Say); TestEveryNoteHasEnglish keeps english
// complete.
func say(format string, args ...any) vocab.Text { return english.Say(format, args...) }

// english is the English of the summary's notes, keyed by the Chinese
// format.
var english = vocab.English{
	"簡報 PDF 和文字版暫未生成，等字體裝好後下一次運行會生成；匯總表 %s、審核報告 %s、催報退回名單 %s 和退回文件已照常寫好。%s": "The briefing's PDF and text wait for fonts: the first batch after they are installed makes them; the totals workbook %s, the 審核報告 %s, the chase list %s and the 退回 copies are written as usual. %s",
}
