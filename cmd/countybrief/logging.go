package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// writerHook sends entries of some levels to a writer in one format. Two of
// them split one logger: text on the terminal, JSON lines in the log file.
type writerHook struct {
	w      io.Writer
	format logrus.Formatter
	levels []logrus.Level
	// lost, when set, counts the lines that could not be written instead
	// of logrus printing an English "Failed to fire hook" for each: a
	// full disk made a clerk's terminal a column of them.
	lost *lostLines
}

// lostLines counts a hook's lines that were not written, and the first
// reason.
type lostLines struct {
	mu    sync.Mutex
	n     int
	first error
}

func (h *writerHook) Levels() []logrus.Level { return h.levels }

func (h *writerHook) Fire(e *logrus.Entry) error {
	line, err := h.format.Format(e)
	if err == nil {
		_, err = h.w.Write(line)
	}
	if err != nil && h.lost != nil {
		h.lost.mu.Lock()
		defer h.lost.mu.Unlock()
		if h.lost.n++; h.lost.first == nil {
			h.lost.first = err
		}
		return nil
	}
	return err
}

// unformatted is the formatter of a logger whose output is discarded.
type unformatted struct{}

func (unformatted) Format(*logrus.Entry) ([]byte, error) { return nil, nil }

// zoned shows entries in the office's zone: the terminal is read by a
// person, while the log file keeps the machine's time with its offset.
type zoned struct {
	logrus.Formatter
	loc *time.Location
}

func (z zoned) Format(e *logrus.Entry) ([]byte, error) {
	shown := *e
	shown.Time = e.Time.In(z.loc)
	return z.Formatter.Format(&shown)
}

// newLogger logs JSON lines of every info-or-worse entry to
// logs/countybrief.log, and lines to the terminal: warnings and errors, or
// everything with verbose. The returned function closes the file.
//
// Who reads which: a person at a terminal reads each line's event in
// Chinese, in the workspace's script, with its fields (file, unit, sha256)
// as logged and its time in the office's zone with the offset
// (personLine); the log file, --json runs and a stderr that is no
// terminal (a service, a pipe, a test) get logrus' English structured
// lines, which the office's technician, grep and tools read, and --lang
// en keeps them on the terminal too. Every event a stage logs has its
// Chinese in logEvents; TestEveryLogEventHasChinese keeps it complete.
func newLogger(e *env, logsDir string, loc *time.Location, verbose, asJSON bool) (*logrus.Logger, func(), error) {
	if err := os.MkdirAll(logsDir, 0o755); err != nil {
		return nil, nil, e.errorf("建不了日誌文件夾：%v", err)
	}
	f, err := os.OpenFile(filepath.Join(logsDir, "countybrief.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, e.errorf("打不開日誌文件：%v", err)
	}
	l := logrus.New()
	// Every line goes out through the hooks: the logger's own output is
	// discarded, and so not formatted either (a county's batch formatted
	// its 730 "file done" lines a third time for nothing, 3 ms of CPU).
	l.SetOutput(io.Discard)
	l.SetFormatter(unformatted{})
	l.SetLevel(logrus.InfoLevel)
	terminal := logrus.AllLevels[:logrus.WarnLevel+1]
	if verbose {
		terminal = logrus.AllLevels
	}
	var shown logrus.Formatter = zoned{&logrus.TextFormatter{FullTimestamp: true, TimestampFormat: secondLayout}, loc}
	if isTerminal(e.stderr) && !asJSON && e.lang != English {
		shown = personLine{e: e, loc: loc}
	}
	l.AddHook(&writerHook{w: e.stderr, format: shown, levels: terminal})
	lost := &lostLines{}
	l.AddHook(&writerHook{w: f, format: &jsonLine{}, levels: logrus.AllLevels, lost: lost})
	return l, func() {
		f.Close()
		lost.mu.Lock()
		defer lost.mu.Unlock()
		if lost.n > 0 {
			e.printf(e.stderr, "日誌文件 %s 有 %d 行沒寫進去（第一次的原因：%v）。\n", f.Name(), lost.n, lost.first)
		}
	}, nil
}

// personLine is a log entry as a person at the terminal reads it: time in
// the office's zone with its offset, a word for the level, the event in
// Chinese and the fields as logged, in name order. An event with no
// Chinese shows as logged.
type personLine struct {
	e   *env
	loc *time.Location
}

func (p personLine) Format(en *logrus.Entry) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(en.Time.In(p.loc).Format(secondLayout))
	switch {
	case en.Level <= logrus.ErrorLevel:
		b.WriteString(p.e.tr(" 錯誤 "))
	case en.Level == logrus.WarnLevel:
		b.WriteString(p.e.tr(" 注意 "))
	default:
		b.WriteString(" ")
	}
	if key, ok := logEvents[en.Message]; ok {
		b.WriteString(p.e.tr(key))
	} else {
		b.WriteString(en.Message)
	}
	for _, k := range slices.Sorted(maps.Keys(en.Data)) {
		fmt.Fprintf(&b, " %s=%v", k, en.Data[k])
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// logEvents are the events the stages log, in English as the log file
// has them, each with the Chinese a person at the terminal reads.
var logEvents = map[string]string{
	"batch completed": N("批處理完成"),
	"stopping: files not yet claimed stay in the inbox for the next batch":                                          N("正在停止：還沒取走的文件留在收件箱，下次處理"),
	"files still arriving; looking again after the settle time":                                                     N("有文件還在傳，過一會兒再看"),
	"finishing a file recorded by an interrupted batch":                                                             N("補完上次中斷時記下的文件"),
	"the file changed after it was judged; the judged bytes are archived and the changed file is back in the inbox": N("文件在審核後被改動：按審核時的內容存檔，改動後的文件放回收件箱"),
	"file done": N("文件處理完"),
	"the files are done and in the ledger, but the batch's list of them is lost": N("文件都已處理並記入台賬，但本批的文件清單丟失了"),
	"claim name taken in the ledger by another file; renamed":                    N("領取名已被台賬中另一文件佔用，已改名"),
	"a rule failed when it ran; it judged no file":                               N("一條審核規則運行時出錯，沒有據此審核任何文件"),
	"removing a temporary file an interrupted run left":                          N("刪除上次中斷留下的臨時文件"),
	"stage done":                           N("階段完成"),
	"schedule started":                     N("定時運行已開始"),
	"schedule stopped":                     N("定時運行已停止"),
	"job done":                             N("定時處理完成"),
	"job stopped":                          N("定時處理已停止"),
	"job failed":                           N("定時處理失敗"),
	"nothing changed since the last draft": N("數據沒有變化，草稿沿用上一份"),
	"draft written":                        N("草稿已生成"),
	"serving":                              N("開始按計劃運行"),
	"issue published":                      N("簡報已發布"),
	"record run end":                       N("台帳裡記不下這次運行的結束"),
	"cannot read this part of the inbox; the other units are processed":                 N("收件箱的這一處讀不了；其他單位照常處理"),
	"cannot read a claimed file; rejecting it":                                          N("已取走的文件讀不了，作退回處理"),
	"cannot archive a file; it stays in work/ for the next batch":                       N("文件無法存檔，留在 work/ 下次處理"),
	"note emptied inbox folders":                                                        N("記不下這次取空的收件箱文件夾；下次運行會再讀一遍"),
	"checkpoint the ledger":                                                             N("台帳日誌未能提前併入台帳文件；關閉台帳時會再併入"),
	"forget the sightings of claimed files":                                             N("未能從等待記錄中刪去已取走的文件；下次運行會把記錄多讀一遍"),
	"no fonts: the draft PDF waits":                                                     N("沒有字體：草稿 PDF 暫不生成"),
	"the workspace's files have problems; keeping the last good ones":                   N("工作區的文件有問題，沿用上一次沒有問題的設定"),
	"cannot read the last run; not catching up":                                         N("讀不到上次運行的記錄，不補做錯過的處理"),
	"web request failed":                                                                N("網上報送的請求失敗"),
	"the workspace's files have problems; the web desk keeps the last good ones":        N("工作區的文件有問題，網上報送沿用上一次沒有問題的設定"),
	"cannot load the web pages for the new language":                                    N("無法按新的語言載入網頁"),
	"cannot record a web action":                                                        N("記不下網上的操作"),
	"web action":                                                                        N("網上操作"),
	"web desk listening":                                                                N("網上報送已開始"),
	"cannot read a session":                                                             N("讀不了登錄記錄"),
	"the ledger file was replaced and cannot be opened; the web desk keeps the old one": N("台帳文件已被替換，但新的打不開，網上報送仍用原來的台帳"),
	"close the replaced ledger":                                                         N("關閉被替換的台帳"),
	"the ledger file was replaced; the web desk opened the new one":                     N("台帳文件已被替換，網上報送已改用新的台帳"),
}
