package pipeline

import (
	"runtime/metrics"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Stages of a batch, as reported in the summary and the log.
const (
	stagePickup  = "pickup"  // scan, settle, claim
	stageRead    = "read"    // form.Read, summed over workers
	stageCheck   = "check"   // identity and unit rules, summed over workers
	stageLedger  = "ledger"  // SQLite reads and writes
	stageArchive = "archive" // moves into archive/ and the flush
	stageReturns = "returns" // 退回 copies
	stageMerge   = "merge"   // current set, totals, county rules
	stageRender  = "render"  // briefing, totals workbook, chase list
	// stageGC is the runtime's estimate of the CPU time the garbage
	// collector took during the batch, summed over cores, so that a slow
	// night shows whether memory was too tight. It counts the time the
	// collector's workers held a processor, so on a machine busy with
	// other work it is an overestimate; a CPU profile gives the true share.
	stageGC = "gc"
)

// gcSeconds is the CPU time the collector has taken in this process,
// less its marking on cores that were idle (which costs the batch
// nothing, and which a loaded machine's own idle time inflates).
func gcSeconds() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/gc/mark/idle:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 || s[1].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return s[0].Value.Float64() - s[1].Value.Float64()
}

// stageClock sums the time spent in each stage. Read and check run on
// several goroutines at once, so their sums are CPU-like time and can
// exceed the batch's wall time.
type stageClock struct {
	mu sync.Mutex
	d  map[string]time.Duration
}

func (c *stageClock) add(stage string, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.d == nil {
		c.d = map[string]time.Duration{}
	}
	c.d[stage] += d
}

// seconds returns the sums in seconds and logs one line per stage.
func (c *stageClock) seconds(log logrus.FieldLogger) map[string]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]float64, len(c.d))
	for stage, d := range c.d {
		out[stage] = d.Seconds()
		log.WithFields(logrus.Fields{"stage": stage, "seconds": d.Seconds()}).Info("stage done")
	}
	return out
}
