// Package schedule runs the nightly batch on a cron schedule in the
// office's time zone, and optionally a light poll between runs.
//
// Promises, each with its test:
//   - A run missed while the machine was off (or asleep) is caught up once
//     at start, never once per missed day: Run compares the last scheduled
//     time before now with Options.LastRun, which the caller reads from the
//     ledger.
//   - Daylight saving neither skips nor doubles a run. A wall time that
//     does not exist (02:30 on the spring-forward night) runs at the moment
//     the clocks jump; a wall time that happens twice (01:30 on the
//     fall-back night) runs at its first occurrence only.
//   - A job never overlaps itself or the poll job: both run on the one
//     goroutine of Run. Scheduled times that pass while a job is running
//     are not queued; the next run is the first scheduled time after the
//     job returns.
//   - On cancellation Run takes no new run, lets the running job see the
//     cancelled context, waits for it to return, and returns nil.
//   - Waits are capped at a minute and re-read the wall clock, because Go
//     timers run on the monotonic clock, which stops while a laptop sleeps
//     and ignores a corrected system time.
//
// Why not gocron: github.com/go-co-op/gocron/v2 parses with robfig/cron
// and fixes up its daylight-saving behaviour per job after the fact, it
// has no notion of "the last scheduled time before now", which the
// catch-up needs, and its timers share the sleep problem above. The part
// of a scheduler this program needs is small: robfig/cron/v3's parser (the
// one workspace already validates config.yaml's schedule with) evaluated
// on civil time in UTC, where there is no daylight saving, and a mapping
// from civil time to an instant in the office's zone that states the
// daylight-saving rule once (Schedule.Next). The loop itself is one timer.
//
// Polling rather than file-system notifications, because notifications are
// not delivered on SMB or NFS shares, which is where inboxes live.
package schedule
