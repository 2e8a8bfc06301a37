// Command peer_excelize is the Go peer: the totals program a Go programmer
// would write with excelize, the library countybrief itself builds on.
// Every .xlsx under INBOX/<unit folder>/ is opened with excelize.OpenFile
// and each sheet read with GetRows (raw values, so that a number format
// does not turn 1234 into "1,234"), on two workers, one per core. The
// indicator table is found and summed as bench/peer_openpyxl.py does, with
// the same skips, and -json writes the same format, so the harness checks
// its sums the same way.
//
//	peer_excelize [-workers 2] [-json OUT] INBOX
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/xuri/excelize/v2"

	inboxlist "benchprogs/internal/inbox"
)

const (
	codeHeader     = "代碼"
	valueHeader    = "數值"
	unitCodeHeader = "單位代碼"
)

// form is one file's verdict, in peer_openpyxl.py's JSON.
type form struct {
	Folder  string             `json:"folder"`
	Name    string             `json:"name"`
	Unit    *string            `json:"unit"`
	Counted bool               `json:"counted"`
	Problem *string            `json:"problem"`
	Values  map[string]float64 `json:"values"`
}

func main() {
	workers := flag.Int("workers", 2, "files read at once")
	jsonOut := flag.String("json", "", "write every file's verdict and values here")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: peer_excelize [-workers N] [-json OUT] INBOX")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *workers, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "peer_excelize:", err)
		os.Exit(1)
	}
}

func run(inbox string, workers int, jsonOut string) error {
	listed, err := inboxlist.Forms(inbox)
	if err != nil {
		return err
	}
	files := make([]form, len(listed))
	for i, f := range listed {
		files[i] = form{Folder: f.Folder, Name: f.Name}
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				read(inbox, &files[i])
			}
		}()
	}
	for i := range files {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	totals := map[string]float64{}
	counted := 0
	for _, f := range files {
		if !f.Counted {
			continue
		}
		counted++
		for code, v := range f.Values {
			totals[code] += v
		}
	}
	codes := make([]string, 0, len(totals))
	for c := range totals {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		fmt.Printf("%s\t%s\n", c, strconv.FormatFloat(totals[c], 'f', -1, 64))
	}
	fmt.Fprintf(os.Stderr, "# %d files read, %d counted, %d skipped\n", len(files), counted, len(files)-counted)
	if jsonOut == "" {
		return nil
	}
	b, err := json.Marshal(map[string]any{"files": files, "totals": totals})
	if err != nil {
		return err
	}
	return os.WriteFile(jsonOut, b, 0o644)
}

// read fills in one file's verdict.
func read(inbox string, f *form) {
	unit, values, problem := readForm(filepath.Join(inbox, f.Folder, f.Name))
	if problem == "" && (unit == nil || *unit != f.Folder) {
		u := "None"
		if unit != nil {
			u = *unit
		}
		problem = fmt.Sprintf("unit code %s in folder %s", u, f.Folder)
	}
	f.Unit = unit
	f.Values = map[string]float64{}
	if problem != "" {
		f.Problem = &problem
		return
	}
	f.Counted = true
	f.Values = values
}

func readForm(path string) (*string, map[string]float64, string) {
	x, err := excelize.OpenFile(path)
	if err != nil {
		return nil, nil, "unreadable: " + err.Error()
	}
	defer x.Close()
	for _, sheet := range x.GetSheetList() {
		rows, err := x.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, nil, "unreadable: " + err.Error()
		}
		if unit, values, problem, found := readSheet(rows); found {
			return unit, values, problem
		}
	}
	return nil, nil, "no indicator table"
}

func readSheet(rows [][]string) (unit *string, values map[string]float64, problem string, found bool) {
	codeCol, valueCol := -1, -1
	values = map[string]float64{}
	for _, row := range rows {
		if codeCol < 0 {
			for i, cell := range row {
				switch {
				case cell == unitCodeHeader && i+1 < len(row):
					u := strings.TrimSpace(row[i+1])
					unit = &u
				case cell == codeHeader:
					codeCol = i
				case cell == valueHeader:
					valueCol = i
				}
			}
			if codeCol >= 0 && valueCol < 0 {
				codeCol = -1 // a 代碼 label outside the table header
			}
			continue
		}
		var code, value string
		if codeCol < len(row) {
			code = row[codeCol]
		}
		if !identifier(code) {
			continue
		}
		if valueCol < len(row) {
			value = row[valueCol]
		}
		if value == "" {
			continue // blank counts as 0
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return unit, map[string]float64{}, fmt.Sprintf("not a number in %s: %q", code, value), true
		}
		values[code] += v
	}
	return unit, values, "", codeCol >= 0
}

// identifier is Python's str.isidentifier for the codes the forms use.
func identifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}
