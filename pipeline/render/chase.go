package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"countybrief/pipeline/vocab"
)

// ChaseList writes the clerk's to-do list as UTF-8 text: a section per
// state other than 已接收 (逾期未報 and 未報送 to chase, 退回待重報 to
// correct, and the units whose latest file was sent back while an earlier
// one counts), each unit in exactly one section, in registry order; a
// unit with a rejected file comes with the file and what was wrong. The
// office phones down this list.
func (r *Renderer) ChaseList(w io.Writer, b Briefing) error {
	var s strings.Builder
	var convErr error
	// Convert the words but not file names: the clerk looks files up by name.
	c := func(text string) string {
		out, err := r.conv(text)
		if err != nil && convErr == nil {
			convErr = fmt.Errorf("convert script: %w", err)
		}
		return out
	}
	rejected := make(map[string]FileReport, len(b.Rejected))
	for _, f := range b.Rejected {
		rejected[f.Unit.Code] = f
	}
	date := fmt.Sprintf("%d年%d月%d日", b.Date.Year(), int(b.Date.Month()), b.Date.Day())
	s.WriteString(c(fmt.Sprintf("%s　%s報送期　催報和退回名單（%s）\n", r.ws.Config.BriefingName, b.Period, date)))
	section := 0
	for _, st := range vocab.States() {
		if st == vocab.Accepted {
			continue
		}
		var units []UnitLine
		for _, u := range b.Units {
			if u.State == st {
				units = append(units, u)
			}
		}
		section++
		s.WriteString(c(fmt.Sprintf("\n%s、%s（共%d個單位）\n", string([]rune(levelNumerals)[section-1]), st.Label(), len(units))))
		if len(units) == 0 {
			s.WriteString(c("　　無。\n"))
		}
		for _, u := range units {
			s.WriteString(c(fmt.Sprintf("　　%s　%s（%s）", u.Unit.Code, u.Unit.Name, u.Unit.Kind)))
			f, ok := rejected[u.Unit.Code]
			if !ok {
				s.WriteString("\n")
				continue
			}
			s.WriteString(c("　退回的文件：") + f.File + "\n")
			for _, reason := range reasons(f.Findings) {
				s.WriteString(c("　　　　- " + reason + "\n"))
			}
		}
	}
	if convErr != nil {
		return convErr
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(s.String())
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write chase list: %w", err)
	}
	return nil
}

// reasons are the messages of a file's errors: what made it rejected.
func reasons(fs []vocab.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Severity == vocab.Error {
			out = append(out, f.Message)
		}
	}
	return out
}
