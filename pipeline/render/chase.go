package render

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"countybrief/pipeline/workspace"
)

// ChaseList writes the clerk's to-do list as UTF-8 text: 催報, the units
// that have not reported, by kind; and 退回, the units whose file was sent
// back, each with its file and reasons. The office phones down this list.
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
	date := fmt.Sprintf("%d年%d月%d日", b.Date.Year(), int(b.Date.Month()), b.Date.Day())
	s.WriteString(c(fmt.Sprintf("%s　%s報送期　催報和退回名單（%s）\n\n", r.ws.Config.BriefingName, b.Period, date)))
	missing := append([]workspace.Unit(nil), b.Missing...)
	sort.SliceStable(missing, func(i, j int) bool {
		if missing[i].Kind != missing[j].Kind {
			return missing[i].Kind > missing[j].Kind // 鄉鎮 before 縣直
		}
		return missing[i].Code < missing[j].Code
	})
	s.WriteString(c(fmt.Sprintf("一、催報（尚未報送，共%d個單位）\n", len(missing))))
	if len(missing) == 0 {
		s.WriteString(c("　　無。\n"))
	}
	for _, u := range missing {
		s.WriteString(c(fmt.Sprintf("　　%s　%s（%s）\n", u.Code, u.Name, kindName(u.Kind))))
	}
	returned := append([]Returned(nil), b.Returned...)
	sort.SliceStable(returned, func(i, j int) bool { return returned[i].Unit.Code < returned[j].Unit.Code })
	s.WriteString(c(fmt.Sprintf("\n二、退回（須修改後重新報送，共%d個單位）\n", len(returned))))
	if len(returned) == 0 {
		s.WriteString(c("　　無。\n"))
	}
	for _, rt := range returned {
		s.WriteString(c(fmt.Sprintf("　　%s　%s（%s）　文件：", rt.Unit.Code, rt.Unit.Name, kindName(rt.Unit.Kind))))
		s.WriteString(rt.File + "\n")
		for _, reason := range rt.Reasons {
			s.WriteString(c("　　　　- " + reason + "\n"))
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
