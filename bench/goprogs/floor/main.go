// Command floor is the bench's floor: it opens every .xlsx under
// INBOX/<unit folder>/ and inflates every part of it, on as many workers as
// cores, doing nothing with the bytes. No reader of these files can be
// faster than this without skipping parts; countybrief inflates every part
// because it rejects what excelize would reject.
//
//	floor [-workers 2] INBOX
package main

import (
	"archive/zip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"benchprogs/internal/inbox"
)

type result struct {
	Files      int   `json:"files"`
	Unreadable int   `json:"unreadable"`
	Parts      int   `json:"parts"`
	Inflated   int64 `json:"inflated_bytes"`
}

func main() {
	workers := flag.Int("workers", 2, "files read at once")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: floor [-workers N] INBOX")
		os.Exit(2)
	}
	files, err := inbox.Forms(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(flag.Arg(0), f.Folder, f.Name)
	}
	jobs := make(chan string)
	results := make(chan result)
	var wg sync.WaitGroup
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r result
			for p := range jobs {
				parts, n, err := inflate(p)
				r.Files++
				r.Parts += parts
				r.Inflated += n
				if err != nil {
					r.Unreadable++
				}
			}
			results <- r
		}()
	}
	go func() {
		for _, p := range paths {
			jobs <- p
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	var total result
	for r := range results {
		total.Files += r.Files
		total.Unreadable += r.Unreadable
		total.Parts += r.Parts
		total.Inflated += r.Inflated
	}
	if err := json.NewEncoder(os.Stdout).Encode(total); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

// inflate reads every part of one file to the end, through the zip
// reader's checksum check.
func inflate(path string) (parts int, n int64, err error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return 0, 0, err
	}
	defer z.Close()
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			return parts, n, err
		}
		m, err := io.Copy(io.Discard, rc)
		rc.Close()
		n += m
		parts++
		if err != nil {
			return parts, n, err
		}
	}
	return parts, n, nil
}
