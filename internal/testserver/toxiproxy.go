package testserver

import (
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"
)

// Toxiproxy is a running Toxiproxy server: TCP proxies whose connections suffer the faults a
// test adds to them (toxics: latency, resets, stalls, slow or cut-off streams).
type Toxiproxy struct {
	*toxiproxy.Client
}

// StartToxiproxy runs a Toxiproxy server (pinned in the Makefile) on a free loopback port for
// tb and stops it when tb ends. seed seeds the server's random choices (toxicity, jitter), so a
// failing scenario can be replayed. The binary is METALAKE_TOXIPROXY, else toxiproxy-server on
// PATH, else the module's bin/toxiproxy/server (make test installs it there); without one the
// test is skipped locally and fails under CI.
func StartToxiproxy(tb testing.TB, seed int64) *Toxiproxy {
	tb.Helper()
	var fallbacks []string
	if out, err := exec.Command("go", "env", "GOMOD").Output(); err == nil && strings.TrimSpace(string(out)) != "" {
		fallbacks = append(fallbacks, filepath.Join(filepath.Dir(strings.TrimSpace(string(out))), "bin", "toxiproxy", "server"))
	}
	bin := Executable(tb, "METALAKE_TOXIPROXY", "toxiproxy-server", "make test installs it into ./bin/toxiproxy", fallbacks...)
	port := FreePort(tb)
	cmd := exec.Command(bin, "-host", "127.0.0.1", "-port", port, "-seed", strconv.FormatInt(seed, 10))
	t := &Toxiproxy{Client: toxiproxy.NewClient("127.0.0.1:" + port)}
	Run(tb, cmd, 15*time.Second, func() bool {
		_, err := t.Proxies()
		return err == nil
	})
	return t
}

// Proxy creates a proxy named name from a free loopback port to upstream (host:port) and
// returns it; Listen is its address.
func (t *Toxiproxy) Proxy(tb testing.TB, name, upstream string) *toxiproxy.Proxy {
	tb.Helper()
	p, err := t.CreateProxy(name, net.JoinHostPort("127.0.0.1", FreePort(tb)), upstream)
	if err != nil {
		tb.Fatalf("toxiproxy: create proxy %s → %s: %v", name, upstream, err)
	}
	return p
}
