package notify_test

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// smtpServer is a real SMTP server (aiosmtpd, testdata/smtpd.py) on 127.0.0.1.
type smtpServer struct {
	Port int
	dir  string
}

type smtpOptions struct {
	certFile, keyFile string // offer (and require) STARTTLS
	user, password    string // require AUTH
}

// delivered is one message the server accepted.
type delivered struct {
	MailFrom      string   `json:"mail_from"`
	RcptTos       []string `json:"rcpt_tos"`
	Data          string   `json:"data"`
	TLS           bool     `json:"tls"`
	Authenticated bool     `json:"authenticated"`
}

const aiosmtpdHint = "the email tests need Python 3 with aiosmtpd on PATH as python3: pip install aiosmtpd==1.4.6 (.ci/run installs it)"

// startSMTP starts the server for the test and stops it when the test ends. Without python3 and
// aiosmtpd the test is skipped, except under CI where nothing may be skipped.
func startSMTP(t *testing.T, o smtpOptions) *smtpServer {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(python, "-c", "import aiosmtpd").Run()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (%v)", aiosmtpdHint, err)
		}
		t.Skipf("%s (%v)", aiosmtpdHint, err)
	}

	s := &smtpServer{Port: freePort(t), dir: t.TempDir()}
	args := []string{filepath.Join("testdata", "smtpd.py"), "--port", strconv.Itoa(s.Port), "--dir", s.dir}
	if o.certFile != "" {
		args = append(args, "--tls-cert", o.certFile, "--tls-key", o.keyFile)
	}
	if o.user != "" {
		args = append(args, "--user", o.user)
	}
	cmd := exec.Command(python, args...)
	cmd.Env = append(os.Environ(), "SMTPD_PASSWORD="+o.password, "PYTHONUNBUFFERED=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start aiosmtpd: %v", err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		stdin.Close() // smtpd.py stops when stdin closes
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
		_ = cmd.Wait() // after the read: Wait closes stdout
		close(exited)
	}()
	select {
	case line := <-ready:
		if line != "READY\n" {
			<-exited
			t.Fatalf("aiosmtpd did not start (said %q): %s", line, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("aiosmtpd not ready after 30s: %s", stderr.String())
	}
	return s
}

// Messages returns what the server accepted, in order.
func (s *smtpServer) Messages(t *testing.T) []delivered {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(s.dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(names, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(names[i][:len(names[i])-5]))
		b, _ := strconv.Atoi(filepath.Base(names[j][:len(names[j])-5]))
		return a < b
	})
	var out []delivered
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		var d delivered
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out = append(out, d)
	}
	return out
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key; the certificate is its own CA.
func selfSignedCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "metalake test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
