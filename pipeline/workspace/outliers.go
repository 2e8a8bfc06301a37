package workspace

import (
	"countybrief/pipeline/vocab"

	"gopkg.in/yaml.v3"
)

// Outliers are the thresholds of the outlier warnings, for the office's
// 審核報告 only; a zero threshold turns its check off.
type Outliers struct {
	// JumpFactor flags a unit's figure that is more than this many times
	// its previous period's, or less than its share of it (DHIS2's
	// comparison with a unit's own history).
	JumpFactor float64 `yaml:"jump_factor"`
	// PeerZ flags a unit's figure whose robust z-score among the accepted
	// units of its kind, |x − median| / (1.4826·MAD), is above it.
	PeerZ float64 `yaml:"peer_z"`
	// PeerMinUnits is how many units a kind needs before its median and
	// MAD say anything of one of them.
	PeerMinUnits int `yaml:"peer_min_units"`
}

// DefaultPeerMinUnits: below about eight figures one odd unit moves the
// median and the MAD enough to hide itself or to flag its neighbours.
const DefaultPeerMinUnits = 8

func (o *Outliers) check(ps *vocab.Problems, file string, doc *yaml.Node) {
	line := keyLine(doc, "outliers")
	if o.JumpFactor != 0 && o.JumpFactor <= 1 {
		ps.Add(file, line, "outliers.jump_factor", say("%v 要大於 1（如 5：比上期大 5 倍以上或不到五分之一時提示），或寫 0 關閉", o.JumpFactor))
	}
	if o.PeerZ < 0 {
		ps.Add(file, line, "outliers.peer_z", say("%v 不能是負數（如 3.5；寫 0 關閉）", o.PeerZ))
	}
	switch {
	case o.PeerMinUnits < 0 || o.PeerMinUnits > 0 && o.PeerMinUnits < 3:
		ps.Add(file, line, "outliers.peer_min_units", say("%d 太少：同類單位至少要 3 個，中位數才有意義（不寫默認 %d）", o.PeerMinUnits, DefaultPeerMinUnits))
	case o.PeerMinUnits == 0:
		o.PeerMinUnits = DefaultPeerMinUnits
	}
}
