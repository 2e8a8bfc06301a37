package inbox

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
)

// The sightings are kept in a binary file: as JSON, 73,000 of them (a
// province resending) were 10.8 MB that the next scan spent 0.1 s of
// processor time decoding, while the folders it reads took less.

// seenMagic opens the sightings file; its last byte is the version.
const seenMagic = "cbseen\x01"

var errSeenDamaged = errors.New("sightings file damaged")

func (in *Inbox) seenPath() string { return filepath.Join(in.work, seenFile) }

// loadSeen reads the sightings; see the package comment for why an
// unreadable file counts as empty. Without the file, the JSON one of an
// earlier version is read, so that an upgrade restarts no settle time.
func (in *Inbox) loadSeen() map[string]sighting {
	data, err := os.ReadFile(in.seenPath())
	if err == nil {
		seen, err := decodeSeen(data)
		if err != nil {
			return make(map[string]sighting)
		}
		return seen
	}
	seen := make(map[string]sighting)
	data, err = os.ReadFile(filepath.Join(in.work, legacySeenFile))
	if err != nil || json.Unmarshal(data, &seen) != nil {
		return make(map[string]sighting)
	}
	return seen
}

func (in *Inbox) saveSeen(seen map[string]sighting) error {
	if err := writeSealed(in.seenPath(), encodeSeen(seen)); err != nil {
		return fmt.Errorf("save sightings: %w", err)
	}
	if err := os.Remove(filepath.Join(in.work, legacySeenFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove old sightings: %w", err)
	}
	return nil
}

// encodeSeen writes the magic, then per file its key's length and key,
// size, modification and first-seen time as signed varints, in no
// particular order, and last a CRC-32C of all that.
func encodeSeen(seen map[string]sighting) []byte {
	buf := make([]byte, 0, len(seenMagic)+len(seen)*48+4)
	buf = append(buf, seenMagic...)
	for k, s := range seen {
		buf = binary.AppendUvarint(buf, uint64(len(k)))
		buf = append(buf, k...)
		buf = binary.AppendVarint(buf, s.Size)
		buf = binary.AppendVarint(buf, s.ModTime)
		buf = binary.AppendVarint(buf, s.First)
	}
	return seal(buf)
}

func decodeSeen(data []byte) (map[string]sighting, error) {
	body, ok := unseal(data, seenMagic, len(seenMagic))
	if !ok {
		return nil, errSeenDamaged
	}
	// The keys share one string, as the quiet folders' names do.
	r := varintReader{s: string(body), at: len(seenMagic)}
	seen := make(map[string]sighting, len(body)/40)
	for r.at < len(r.s) {
		n := r.next()
		if n == 0 || n > uint64(len(r.s)-r.at) {
			return nil, errSeenDamaged
		}
		key := r.s[r.at : r.at+int(n)]
		r.at += int(n)
		s := sighting{Size: r.signed(), ModTime: r.signed(), First: r.signed()}
		if _, dup := seen[key]; r.bad || dup {
			return nil, errSeenDamaged
		}
		seen[key] = s
	}
	return seen, nil
}

// ForgetClaimed drops from the sightings the files of the last Scan that
// ClaimAll has taken since, so that the next Scan does not decode them
// again: after a region's busy batch they were 73,000 sightings, 25 MB
// made and a part of the next batch's time. A caller calls it only once
// it has given every ready file of the last Scan to ClaimAll: a file
// left unclaimed (a batch stopped) keeps its sighting, and with it the
// time it was received. A file ClaimAll could not take keeps the
// sighting the scan made.
func (in *Inbox) ForgetClaimed() error {
	in.mu.Lock()
	rest, unclaimed := in.afterClaims, in.unclaimed
	in.afterClaims, in.unclaimed = nil, nil
	in.mu.Unlock()
	if rest == nil {
		return nil
	}
	maps.Copy(rest, unclaimed)
	in.quietMu.Lock()
	defer in.quietMu.Unlock()
	return in.saveSeen(rest)
}

// noteUnclaimed keeps, for ForgetClaimed, the sightings of the
// candidates ClaimAll could not take.
func (in *Inbox) noteUnclaimed(cands []Candidate, errs []error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.afterClaims == nil {
		return
	}
	for i, c := range cands {
		if errs[i] == nil {
			continue
		}
		rel, err := filepath.Rel(in.inbox, c.Path)
		if err != nil {
			continue
		}
		if in.unclaimed == nil {
			in.unclaimed = make(map[string]sighting)
		}
		in.unclaimed[filepath.ToSlash(rel)] = sighting{Size: c.Size, ModTime: c.ModTime, First: c.Seen}
	}
}
