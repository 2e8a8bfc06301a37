package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The office gives every unit an account, prints the sheet, resets and
// disables one; then serve --http (with TLS) lets a unit log in beside the
// schedule, and stops cleanly on SIGTERM.
func TestUsersAndServeHTTP(t *testing.T) {
	bin := buildBinary(t)
	ws := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "demo", "--no-run", ws)

	out, code := exitOf(t, bin, "users", "add", "--workspace", ws, "--url", "https://10.0.0.1:8443/")
	if code != 0 {
		t.Fatalf("users add: exit %d\n%s", code, out)
	}
	sheets, _ := filepath.Glob(filepath.Join(ws, "work", "web", "*.html"))
	if len(sheets) != 1 || !strings.Contains(out, sheets[0]) {
		t.Fatalf("sheet %v not named in:\n%s", sheets, out)
	}
	sheet, err := os.ReadFile(sheets[0])
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(sheet), "<section>"); n != 73 {
		t.Errorf("the sheet has %d pages, want 73", n)
	}
	// The first page's account and password.
	m := regexp.MustCompile(`賬號</td><td class="pw">([^<]+)</td></tr>\s*<tr><td>初始密碼</td><td class="pw">([^<]+)<`).FindStringSubmatch(string(sheet))
	if m == nil {
		t.Fatalf("no account on the sheet:\n%.2000s", sheet)
	}
	account, password := m[1], m[2]
	if strings.Contains(out, password) {
		t.Error("users add printed a password")
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"validate"}, 0, "--tls-cert"},
		{[]string{"validate"}, 0, filepath.Base(sheets[0])},
		{[]string{"users", "add"}, 0, "每個單位都已經有賬號"},
		// The names alone, in the user's language: no ledger English.
		{[]string{"users", "add", "NOPE"}, 2, "單位名冊裡沒有這些代碼：NOPE\n"},
		{[]string{"users", "add", account}, 2, "賬號已經存在：" + account + "；"},
		{[]string{"users", "add", "--office", "zhang"}, 0, "打印單"},
		{[]string{"users", "reset", "ghost"}, 2, "沒有這個賬號：ghost\n"},
		{[]string{"users", "disable", "zhang"}, 0, "已停用賬號 zhang"},
		{[]string{"users", "frobnicate"}, 2, "add、reset、disable 和 list"},
		{[]string{"users", "list"}, 0, "zhang"},
		{[]string{"--lang", "en", "users", "list"}, 0, "disabled"},
	} {
		out, code := exitOf(t, bin, append(c.args, "--workspace", ws)...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s", c.args, code, c.code, c.want, out)
		}
	}

	if out, code := exitOf(t, bin, "serve", "--workspace", ws, "--http", ":0", "--tls-cert", "x.pem"); code != 2 {
		t.Errorf("--tls-cert without --tls-key: exit %d\n%s", code, out)
	}

	cert, key := selfSigned(t)
	for _, withTLS := range []bool{true, false} {
		args := []string{"serve", "--workspace", ws, "--http", freeAddr(t), "-v=false"}
		scheme := "http"
		if withTLS {
			args, scheme = append(args, "--tls-cert", cert, "--tls-key", key), "https"
		}
		stderr := serveAndLogin(t, bin, args, scheme, account, password)
		if warned := strings.Contains(stderr, "沒有用 HTTPS"); warned == withTLS {
			t.Errorf("TLS %v: warned of plain HTTP: %v\n%s", withTLS, warned, stderr)
		}
	}
}

// serveAndLogin starts serve with args, logs in as account once it
// listens, stops it with SIGTERM and returns what it wrote on stderr.
func serveAndLogin(t *testing.T, bin string, args []string, scheme, account, password string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	base := scheme + "://" + args[4]
	var body string
	// Wait for the listener: the process loads the workspace and fonts first.
	for i := 0; ; i++ {
		resp, err := hc.Get(base + "/login")
		if err == nil {
			b := new(bytes.Buffer)
			b.ReadFrom(resp.Body)
			resp.Body.Close()
			body = b.String()
			break
		}
		if i == 300 {
			t.Fatalf("serve --http never listened: %v\n%s", err, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if token == nil {
		t.Fatalf("no login form:\n%s", body)
	}
	resp, err := hc.PostForm(base+"/login", url.Values{"csrf": {token[1]}, "account": {account}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/u/"+account+"/" {
		t.Errorf("login over %s: %d at %s", scheme, resp.StatusCode, resp.Request.URL)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, stderr.String())
	}
	return stderr.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// selfSigned writes a certificate and key for 127.0.0.1.
func selfSigned(t *testing.T) (cert, key string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "countybrief test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}
