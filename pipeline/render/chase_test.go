package render

import (
	"bytes"
	"strings"
	"testing"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// TestChaseListSaysWhatToAskFor: the chase list of issue 16.8 gives the
// deadline in the office's time zone, what the units of each state owe,
// each owing unit's contact and phone where units.yaml has them, and how
// to send and resend; under zh-Hans all of it is Simplified.
func TestChaseListSaysWhatToAskFor(t *testing.T) {
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{workspace.Traditional, []string{"報送截止時間：2008年12月5日 18:00（UTC+08:00）",
			"還沒有報送本期報表", "J54　縣供銷合作社（縣直）　聯繫人：王小紅　電話：0852-6223001\n",
			"J57　縣人民武裝部（縣直）　電話：0852-6223002\n",
			"退回的文件：縣人民檢察院-2008-12-更正.xlsx　聯繫人：李明\n",
			"怎樣報送和重新報送", "inbox/單位代碼/", "outbox/returns/單位代碼/", "「審核意見」"}},
		{workspace.Simplified, []string{"报送截止时间：2008年12月5日 18:00（UTC+08:00）",
			"J54　县供销合作社（县直）　联系人：王小红　电话：0852-6223001\n", "怎样报送和重新报送", "“审核意见”"}},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			ws := testWorkspace(t, tt.lang)
			r := newRenderer(t, ws)
			b := domainBriefing(t, ws)
			for i := range b.Units {
				u := b.Units[i].Unit
				switch u.Code {
				case "J54":
					u.Contact, u.Phone = "王小紅", "0852-6223001"
				case "J57":
					u.Phone = "0852-6223002"
				case "J56":
					u.Contact = "李明"
				}
			}
			var buf bytes.Buffer
			if err := r.ChaseList(&buf, b); err != nil {
				t.Fatal(err)
			}
			got := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("chase list lacks %q:\n%s", w, got)
				}
			}
			for _, st := range vocab.States() {
				if st != vocab.Accepted && tt.lang == workspace.Traditional && !strings.Contains(got, owes[st]) {
					t.Errorf("chase list does not say what %s units owe", st)
				}
			}
		})
	}
}
