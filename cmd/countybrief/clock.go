package main

import (
	"time"

	"countybrief/pipeline/lock"
)

// The office reads every time in its own zone, and the offset beside it
// keeps the moment unambiguous when the program runs on a machine set to
// another zone (a UTC server, a laptop abroad). Archive and 退回 file
// names stay UTC: they are names, not times read by a person.
const (
	minuteLayout = "2006-01-02 15:04 -07:00"
	secondLayout = "2006-01-02 15:04:05 -07:00"
)

// atMinute is t as the office reads it in a table or a summary line.
func atMinute(t time.Time, loc *time.Location) string { return t.In(loc).Format(minuteLayout) }

// atSecond is t where several files of one unit may come within a minute.
func atSecond(t time.Time, loc *time.Location) string { return t.In(loc).Format(secondLayout) }

// lockHolder names the batch that holds the workspace, so that the clerk
// can tell a batch still at work from one left behind by a crash. The
// lock's own error is not shown: it names the time in UTC.
func lockHolder(e *env, h *lock.HeldError, loc *time.Location) string {
	if h.Holder.PID == 0 {
		return e.tr("鎖文件 %s，持有的進程還沒寫明身份", h.Path)
	}
	return e.tr("%s 上的 pid %d，%s 開始；鎖文件 %s", h.Holder.Host, h.Holder.PID, atSecond(h.Holder.Started, loc), h.Path)
}
