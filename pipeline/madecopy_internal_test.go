package pipeline

import (
	"errors"
	"testing"
)

// TestMadeCopyTake checks when a copy made from the judged bytes is
// written as made, and that taking it gives its place back.
func TestMadeCopyTake(t *testing.T) {
	for _, c := range []struct {
		name, archived, orig string
		err                  error
		want                 bool
	}{
		{"same extension", "a/J01@表__20081201T000000Z__0b0d7267.xlsx", "表.xlsx", nil, true},
		{"extension in capitals", "a/J01@表__20081201T000000Z__0b0d7267.xlsx", "表.XLSX", nil, true},
		{"extension the archive cleaned away", "a/J01@表.xlsx~__20081201T000000Z__0b0d7267", "表.xlsx~", nil, false},
		{"making failed", "a/J01@表__20081201T000000Z__0b0d7267.xlsx", "表.xlsx", errors.New("broken"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			held := make(chan struct{}, 1)
			held <- struct{}{}
			m := &madeCopy{done: make(chan struct{}), data: []byte("copy"), err: c.err}
			close(m.done)
			got := m.take(held, c.archived, c.orig)
			if (got != nil) != c.want {
				t.Errorf("take = %q, want the made copy: %v", got, c.want)
			}
			if len(held) != 0 {
				t.Error("take kept the copy's place among those held")
			}
		})
	}
	var none *madeCopy
	if got := none.take(nil, "x.xlsx", "x.xlsx"); got != nil {
		t.Errorf("take of no copy = %q, want nil", got)
	}
}
