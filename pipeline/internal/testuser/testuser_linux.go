//go:build linux

// Package testuser runs a permission test as an ordinary user. Root reads,
// lists and renames whatever it likes, and CI runs as root, so a test of
// what an unreadable file or folder does must drop its rights or it tests
// nothing. Only tests import this package.
package testuser

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
)

// nonRootEnv tells a test binary that it is the child Nobody started.
const nonRootEnv = "COUNTYBRIEF_NONROOT_CHILD"

// UID is the user and group the permission tests run as under root.
const UID = 65534

// Nobody makes the calling test (a top-level one) run as an ordinary
// user. Root reads, lists and renames whatever it likes, so a permission
// test run as root, as CI runs, would pass without testing anything.
// Under root it runs the test again in a child process as UID, from a
// copy of the test binary that UID can read and run, fails the test
// if the child fails or cannot be started, and returns false: the caller
// then returns. Otherwise it returns true and the caller goes on.
func Nobody(t *testing.T) bool {
	t.Helper()
	if os.Getenv(nonRootEnv) != "" {
		if os.Geteuid() == 0 {
			t.Fatalf("the child meant to run as uid %d runs as root", UID)
		}
		return true
	}
	if os.Geteuid() != 0 {
		return true
	}
	// os.MkdirTemp makes a folder only its owner may enter: open it up.
	dir, err := os.MkdirTemp("", "countybrief-nonroot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, filepath.Base(self))
	tmp := filepath.Join(dir, "tmp")
	for _, err := range []error{
		os.WriteFile(exe, bin, 0o755), os.Chmod(exe, 0o755),
		os.Mkdir(tmp, 0o777), os.Chmod(tmp, 0o777|fs.ModeSticky), os.Chmod(dir, 0o755),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(exe, "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), nonRootEnv+"=1", "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: UID, Gid: UID}}
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name()+" (")) {
		t.Fatalf("%s as uid %d: %v\n%s", t.Name(), UID, err, out)
	}
	t.Logf("ran as uid %d:\n%s", UID, out)
	return false
}

// Chmod sets a mode for the rest of the test and gives the owner back
// full rights afterwards, so that the test's folders can be removed.
func Chmod(t *testing.T, path string, mode fs.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(path, 0o755) })
}
