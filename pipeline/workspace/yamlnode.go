package workspace

import (
	"bytes"
	"countybrief/pipeline/vocab"
	"errors"
	"io"

	"gopkg.in/yaml.v3"
)

// decodeStrict decodes data into v, rejecting unknown fields. It returns
// a function that gives the document node, parsed only when a caller has
// a problem to point at a line: a region's registry holds thousands of
// units, and parsing it twice on every start was most of a quiet batch.
func decodeStrict(file string, data []byte, v any) (func() *yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		var ps vocab.Problems
		ps.Add(file, 0, "", say("YAML 寫法有誤（未知的字段或格式不對）：%s", vocab.Detail(err.Error())))
		return nil, ps
	}
	var doc *yaml.Node
	return func() *yaml.Node {
		if doc == nil {
			doc = &yaml.Node{}
			if yaml.Unmarshal(data, doc) != nil {
				doc = &yaml.Node{} // decoded above, so this does not happen
			}
		}
		return doc
	}, nil
}

// seqItems returns the item nodes of the sequence under key at the top of
// the document, so that item i of the decoded slice has its line at [i].
func seqItems(doc *yaml.Node, key string) []*yaml.Node {
	if doc == nil || len(doc.Content) == 0 {
		return nil
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.SequenceNode {
			return m.Content[i+1].Content
		}
	}
	return nil
}

func lineOf(items []*yaml.Node, i int) int {
	if i < len(items) {
		return items[i].Line
	}
	return 0
}

// keyLine is the line of key at the top of the document, or 0.
func keyLine(doc *yaml.Node, key string) int {
	if doc == nil || len(doc.Content) == 0 {
		return 0
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}
