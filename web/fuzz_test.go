package web

import (
	"strings"
	"testing"
)

// A stored hash is read back by checkPassword; a damaged or hostile one
// must be refused, never panic or match.
func FuzzCheckPassword(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "pw")
	f.Add("$argon2id$v=19$m=1,t=1,p=1$$", "")
	f.Add("plain", "plain")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		// Costs a hostile hash could ask for are refused elsewhere by
		// never storing one; keep the fuzzer's own cheap.
		if parts := strings.Split(hash, "$"); len(parts) > 3 && !strings.HasPrefix(parts[3], "m=1,t=1,") {
			return
		}
		ok, err := checkPassword(hash, pw)
		if ok && err != nil {
			t.Fatalf("matched with an error: %v", err)
		}
	})
}

// A browser's file name is shown and logged, never used as a path.
func FuzzDisplayName(f *testing.F) {
	for _, s := range []string{"表.xlsx", `..\..\x.xlsx`, "a/b/../c", "", "/", strings.Repeat("長", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := displayName(name)
		if strings.ContainsAny(got, `/\`) || got == ".." || len([]rune(got)) > 80 {
			t.Fatalf("displayName(%q) = %q", name, got)
		}
	})
}
