package pipeline

// WithClaimRandom makes a batch draw claim names' random parts from
// random, so that a test can force a name the ledger already holds.
func WithClaimRandom(o *Options, random func([]byte) error) { o.claimRandom = random }
