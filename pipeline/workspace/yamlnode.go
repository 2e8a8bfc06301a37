package workspace

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// decodeStrict decodes data into v, rejecting unknown fields, and returns
// the document node so that callers can point validation errors at lines.
func decodeStrict(file string, data []byte, v any) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Problems{{File: file, Msg: fmt.Sprintf("not valid YAML: %v", err)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return nil, Problems{{File: file, Msg: err.Error()}}
	}
	return &doc, nil
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
