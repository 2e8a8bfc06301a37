package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"countybrief/pipeline/safefile"
)

// ConfigEdit changes config.yaml's top-level keys in the document's own
// nodes, so that the office's comments and the order of its keys survive
// a program's edit.
type ConfigEdit struct {
	root *yaml.Node
}

// Set gives the top-level key a string value, quoted as the file's
// periods and times are, adding the key at the end when it is absent.
func (e ConfigEdit) Set(key, value string) {
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value, Style: yaml.DoubleQuotedStyle}
	if n := e.value(key); n != nil {
		// The comment beside the old value describes the key, not the value.
		v.LineComment = n.LineComment
		*n = *v
		return
	}
	e.root.Content = append(e.root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// Add appends value to the top-level list key unless it is there already,
// making the list when it is absent.
func (e ConfigEdit) Add(key, value string) {
	n := e.value(key)
	if n == nil || n.Kind != yaml.SequenceNode {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
		if n == nil {
			e.root.Content = append(e.root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, seq)
		} else {
			seq.LineComment = n.LineComment
			*n = *seq
		}
		n = e.value(key)
	}
	for _, item := range n.Content {
		if item.Value == value {
			return
		}
	}
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value, Style: yaml.DoubleQuotedStyle})
}

func (e ConfigEdit) value(key string) *yaml.Node {
	for i := 0; i+1 < len(e.root.Content); i += 2 {
		if e.root.Content[i].Value == key {
			return e.root.Content[i+1]
		}
	}
	return nil
}

// EditConfig applies edit to the workspace's config.yaml. The new file
// must load as a configuration before it replaces the old one, which is
// kept beside it as config.yaml.bak-<now in UTC, such as
// 20261206T090000Z> (returned); the replacement is
// atomic, so a failure at any step leaves config.yaml as it was. Problems
// with the new file are vocab.Problems, as Load gives them.
func EditConfig(dir string, now time.Time, edit func(ConfigEdit) error) (backup string, err error) {
	path := filepath.Join(dir, ConfigFile)
	old, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", ConfigFile, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(old, &doc); err != nil {
		return "", fmt.Errorf("parse %s: %w", ConfigFile, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return "", fmt.Errorf("%s: the top of the file is not a mapping", ConfigFile)
	}
	if err := edit(ConfigEdit{root: doc.Content[0]}); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", fmt.Errorf("write %s: %w", ConfigFile, err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", ConfigFile, err)
	}
	if _, err := parseConfig(path, buf.Bytes()); err != nil {
		return "", err
	}
	backup, err = writeBackup(path, old, now)
	if err != nil {
		return "", err
	}
	if err := safefile.WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return "", fmt.Errorf("write %s: %w", ConfigFile, err)
	}
	return backup, nil
}

// backupStamp is the time in a backup's name: UTC with its Z, as the
// archive's names have it, so that the name says one instant whatever the
// office's zone or the machine's, and backups sort by name in the order
// they were made across a change of timezone: in config.yaml.
const backupStamp = "20060102T150405Z"

// writeBackup keeps the old file under a name no other backup has: two
// edits in one second get -2, -3… rather than one replacing the other.
func writeBackup(path string, data []byte, now time.Time) (string, error) {
	base := path + ".bak-" + now.UTC().Format(backupStamp)
	name := base
	for i := 2; ; i++ {
		err := safefile.WriteNew(name, func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		})
		if err == nil {
			return name, safefile.SyncDir(filepath.Dir(path))
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("back up %s: %w", ConfigFile, err)
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}
