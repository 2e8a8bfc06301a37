package workspace

import (
	"strconv"
	"strings"

	"countybrief/pipeline/vocab"
)

// say writes a problem of a workspace file in the office's Chinese and in
// English (vocab.English.Say); TestEveryProblemHasEnglish keeps english
// complete.
func say(format string, args ...any) vocab.Text { return english.Say(format, args...) }

// list is a list of names or words, with 、 in Chinese and commas in
// English.
func list(items []string) vocab.Text {
	return vocab.Text{Zh: strings.Join(items, "、"), En: strings.Join(items, ", ")}
}

// shown is a value from the office's file as a problem quotes it, in
// 「」: control characters escaped as Go writes them (\n), so that a
// problem stays on its line.
func shown(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// english is each problem's English, keyed by its Chinese format. The
// verbs keep their order.
var english = vocab.English{
	"%s 或 %s":   "%s or %s",
	"讀不到 %s：%s": "cannot read %s: %s",
	"YAML 寫法有誤（未知的字段或格式不對）：%s": "not valid YAML (an unknown field or a value of the wrong form): %s",
	"不能是負數": "must not be negative",

	// config.yaml
	"沒有填寫": "missing",
	"「%s」不能用：area 是全區域的稱呼（如「全縣」「全市」），最多 %d 個字，不含換行等控制字符":                               "\"%s\" cannot be used: area is the word for the whole area (such as 全縣 or 全市), at most %d characters, without line breaks or other control characters",
	"「%s」不能用：本縣在上級名冊中的代碼是 1 到 32 個英文字母、數字、'-' 或 '_'":                                   "\"%s\" cannot be used: the county's code in the register of the office above is 1 to 32 letters, digits, '-' or '_'",
	"「%s」不能用作報送期：只能用字母、數字、- 和 _（如 2008-12、2026Q4），因為它也是存檔文件夾的名字":                       "\"%s\" cannot name a period: only letters, digits, - and _ (such as 2008-12, 2026Q4), since it names a folder of the archive too",
	"「%s」不是已知的時區名稱，請寫如 Asia/Shanghai":                                                  "\"%s\" is no known time zone; write one such as Asia/Shanghai",
	"「%s」不是完整的時間：請寫成 2008-12-05T18:00:00+08:00 的樣子（日期、T、時分秒和時差）":                       "\"%s\" is not a whole time: write it like 2008-12-05T18:00:00+08:00 (date, T, hours, minutes, seconds and offset)",
	"已不再使用：草稿印處理的當天，發布的一期印 publish 的當天；要印別的日期請用 countybrief publish --date %s。可以刪掉這一行": "no longer used: a draft is dated the day it is made, an issue the day it is published; to print another date use countybrief publish --date %s. This line can go",
	"「%s」只能是 %s（繁體）或 %s（簡體）":                                                           "\"%s\" must be %s (Traditional) or %s (Simplified)",
	"「%s」只能是 %s（直角引號，繁體的慣例）或 %s（彎引號，簡體的慣例），留空按 language 取慣例":                           "\"%s\" must be %s (corner quotes, the Traditional convention) or %s (curly quotes, the Simplified convention); empty takes the convention of language",
	"「%s」不是 cron 格式的計劃時間（如每晚 2 點寫 0 2 * * *）：%v":                                       "\"%s\" is not a cron schedule (every night at 2 is 0 2 * * *): %v",
	"設為 true 時，放在收件箱最外層的文件按表內填寫的單位代碼歸屬；任何人都能改這個代碼，一份冒名的表格就會替換另一個單位已接收的數據。建議改為 false（最外層的文件一律退回，請單位放進本單位的文件夾）": "when true, a file at the top of the inbox belongs to the unit code typed in the form; anyone can type that code, so one forged form replaces another unit's accepted figures. Set it to false (a file at the top is returned, and units put their files in their own folders)",
	"%v 要大於 1（如 5：比上期大 5 倍以上或不到五分之一時提示），或寫 0 關閉": "%v must be above 1 (such as 5: flag a figure over 5 times or under a fifth of the last period's), or 0 to turn it off",
	"%v 不能是負數（如 3.5；寫 0 關閉）":                     "%v must not be negative (such as 3.5; 0 turns it off)",
	"%d 太少：同類單位至少要 3 個，中位數才有意義（不寫默認 %d）":         "%d is too few: a median means something from 3 units of a kind (%d when not written)",

	// units.yaml
	"沒有列出任何單位；每個單位寫一行 {code: …, name: …, kind: …}":       "lists no unit; write a line {code: …, name: …, kind: …} per unit",
	"「%s」是空的或重複了；每種單位寫一次":                                "\"%s\" is empty or written twice; write each kind once",
	"「%s」不能用：單位代碼是 1 到 32 個英文字母、數字、'-' 或 '_'（它也是收件夾的名稱）": "\"%s\" cannot be used: a unit code is 1 to 32 letters, digits, '-' or '_' (it names the unit's inbox folder too)",
	"「%s」已在第 %d 行用過；每個單位的代碼不能重複":                         "\"%s\" is used on line %d already; each unit has its own code",
	"沒有填單位名稱": "no unit name",
	"沒有填單位類別（如 鄉鎮、縣直、企業）；簡報按類別分組統計":                                                      "no kind of unit (such as 鄉鎮, 縣直, 企業); the briefing counts by kind",
	"「%s」不在 kinds 裡；只能是 %s 之一，或把它加進 kinds":                                               "\"%s\" is not in kinds; write one of %s, or add it to kinds",
	"「%s」不對：聯繫人寫一行姓名（可帶職務），不超過 20 個字":                                                    "\"%s\" is wrong: a contact is one line, a name (a title may follow), at most 20 characters",
	"「%s」不像電話號碼：寫數字，可帶區號、「-」、空格、括號、開頭的「+」和分機（如 0852-6223001 轉 8012）；多個號碼用「、」或「/」分開":      "\"%s\" does not look like a phone number: write digits, with an area code, '-', spaces, brackets, a leading '+' and an extension if need be (such as 0852-6223001 轉 8012); separate numbers with 、 or /",
	"「%s」不是表上填報的指標；prefill 只能寫 indicators.yaml 裡 aggregate 不是 ratio、count_nonzero 的指標代碼": "\"%s\" is no figure the form asks for; prefill takes codes of indicators.yaml whose aggregate is not ratio or count_nonzero",
	"%s: %v 不對：預填的數不能是負數":                                                                "%s: %v is wrong: a prefilled figure cannot be negative",
	"%s: %v 不對：「%s」是整數指標，預填的數要寫整數":                                                       "%s: %v is wrong: \"%s\" is a whole number, so its prefilled figure is too",
	"members: %v 與本單位的 members: %d 不同；members: N 就是 prefill: {members: N} 的簡寫，請只寫一處":     "members: %v differs from the unit's members: %d; members: N is short for prefill: {members: N}, so write it once",

	// indicators.yaml
	"levels 已改名為 sections，每個部分寫成 {name: 部分名稱, groups: [小類, …]}，不再寫 level 編號，activities 改為 groups": "levels is now sections: write each section as {name: <section>, groups: [<group>, …]}, with no level number, and activities as groups",
	"level 已取消：請改寫 section: 所屬部分的名稱（sections 裡的 name），例如把 level: 1 改為 section: 領導班子":              "level is gone: write section: <the name of its section in sections>, such as section: 領導班子 for level: 1",
	"activity 已改名為 group：請把 activity: 培育一個典型 改為 group: 培育一個典型":                                    "activity is now group: write group: 培育一個典型 for activity: 培育一個典型",
	"沒有這個欄位；這裡可寫的欄位有 %s":           "no such field; the fields here are %s",
	"沒有填部分的名稱":                     "the section has no name",
	"部分「%s」已經列過一次；每個部分只列一次":        "section \"%s\" is listed already; list each section once",
	"部分「%s」的小類「%s」是空的或重複了；每個小類寫一次": "section \"%s\": group \"%s\" is empty or written twice; write each group once",
	"沒有列出任何指標；每個指標寫一行 {code: …, label: …, measure: …, type: integer, required: true, aggregate: sum}":                             "lists no indicator; write a line {code: …, label: …, measure: …, type: integer, required: true, aggregate: sum} per indicator",
	"「%s」不能用：代碼以小寫英文字母開頭，只含小寫字母、數字和底線，例如 problems_found":                                                                          "\"%s\" cannot be used: a code starts with a lowercase letter and holds only lowercase letters, digits and underscores, such as problems_found",
	"「%s」已在第 %d 行用過；每個指標的代碼不能重複":                                                                                                  "\"%s\" is used on line %d already; each indicator has its own code",
	"沒有填指標名稱（表格上顯示的中文名稱）":                                                                                                         "no label (the Chinese name the form shows)",
	"「%s」不對：只能是 %s（整數）或 %s（可帶小數）":                                                                                                 "\"%s\" is wrong: write %s (whole numbers) or %s (with decimals)",
	"%d：整數指標只能是 0，小數指標在 0 到 %d 之間":                                                                                                "%d: 0 for a whole number, 0 to %d for a decimal",
	"「%s」不是表上填報的指標；%s 要寫本目錄裡一個 aggregate 為 sum、min、max 或 mean 的指標代碼":                                                              "\"%s\" is no figure the form asks for; %s takes the code of an indicator of this catalogue whose aggregate is sum, min, max or mean",
	"「%s」：本目錄沒有 sections，不要寫 section；要分部分，先在 sections 裡列出":                                                                        "\"%s\": this catalogue has no sections, so write no section; to have sections, list them under sections first",
	"沒有填；本目錄分部分，請寫 section: %s 之一":                                                                                                "missing; this catalogue has sections: write section: one of %s",
	"「%s」不在 sections 裡；只能是 %s 之一":                                                                                                 "\"%s\" is not in sections; write one of %s",
	"「%s」：部分「%s」沒有列 groups，不要寫 group；要分小類，先在該部分的 groups 裡列出":                                                                      "\"%s\": section \"%s\" lists no groups, so write no group; to have groups, list them under the section's groups first",
	"沒有填；部分「%s」分小類，請寫 group: %s 之一":                                                                                               "missing; section \"%s\" has groups: write group: one of %s",
	"「%s」不是部分「%s」的小類；只能是 %s 之一":                                                                                                   "\"%s\" is no group of section \"%s\"; write one of %s",
	"只有 aggregate: ratio（比率）或 count_nonzero（單位數）才寫 %s；%s 指標由各單位填報，請刪去 %s":                                                         "only aggregate: ratio or count_nonzero takes %s; a %s indicator is filled in by each unit, so delete %s",
	"ratio 要寫分子和分母，例如 {aggregate: ratio, of: reading_note_chars, per: members, scale: 1}（人均 scale 1，率 scale 100，每萬人 scale 10000）": "a ratio names its numerator and denominator, such as {aggregate: ratio, of: reading_note_chars, per: members, scale: 1} (per head scale 1, a rate scale 100, per 10,000 scale 10000)",
	"%v 不對：scale 是正數（人均 1，率 100，每萬人 10000）":                                                                                       "%v is wrong: scale is positive (per head 1, a rate 100, per 10,000 10000)",
	"count_nonzero 要寫 of：數的是填了非零數的單位個數，例如 {aggregate: count_nonzero, of: county_leader_visits, measure: 個單位}":                     "count_nonzero names of: it counts the units that filled in a figure other than zero, such as {aggregate: count_nonzero, of: county_leader_visits, measure: 個單位}",
	"count_nonzero 只寫 of，不寫 per 和 scale":                                                                                          "count_nonzero takes of only, not per or scale",
	"沒有填：只能是 %s":    "missing: write %s",
	"「%s」不對：只能是 %s": "\"%s\" is wrong: write %s",
	"%s 指標由程式計算，表上沒有這一行，請刪去 required": "a %s indicator is computed and has no line on the form; delete required",
}
