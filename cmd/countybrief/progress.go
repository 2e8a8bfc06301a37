package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// termProgress tells a clerk at a terminal what a batch is doing, so that
// a run is never silent for long: files it waits for, with the seconds
// left, and a bar through a large batch. It writes nothing else; run
// uses it only on a terminal and never with --json.
type termProgress struct {
	w    io.Writer
	e    *env
	mu   sync.Mutex
	stop chan struct{} // ends the countdown shown while waiting
	bar  *progressbar.ProgressBar
}

// barFrom is the batch size from which a bar is drawn: a smaller batch
// ends before one would tell anything, and shows a count instead.
const barFrom = 100

// clearLine returns to the start of the line and erases it.
const clearLine = "\r\x1b[K"

func (p *termProgress) waiting(files int, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endWait()
	stop := make(chan struct{})
	p.stop = stop
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			left := max(0, int(time.Until(until).Round(time.Second).Seconds()))
			p.mu.Lock()
			select {
			case <-stop:
				p.mu.Unlock()
				return
			default:
			}
			p.e.printf(p.w, "%s等待 %d 份文件傳完：還有 %d 秒再看一次（正在複製的文件不會被讀取）", clearLine, files, left)
			p.mu.Unlock()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
}

func (p *termProgress) progress(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endWait()
	if total < barFrom && p.bar == nil {
		p.e.printf(p.w, "%s處理中 %d/%d", clearLine, done, total)
		if done == total {
			fmt.Fprintln(p.w)
		}
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription(p.e.tr("讀取和審核")),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }))
	}
	if int64(total) != p.bar.GetMax64() {
		p.bar.ChangeMax(total)
	}
	_ = p.bar.Set(done)
}

// finish clears what is still on the line before the summary prints.
func (p *termProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endWait()
}

func (p *termProgress) endWait() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	p.stop = nil
	fmt.Fprint(p.w, clearLine)
}
