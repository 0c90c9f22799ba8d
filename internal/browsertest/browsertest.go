// Package browsertest opens pages in a real headless Chromium for tests (Debian's chromium
// package, driven over the DevTools protocol with chromedp) with the network cut off: the
// browser resolves no host name but 127.0.0.1, sends anything not bypassed to a dead proxy,
// and every request outside the page's allowed URLs is failed and recorded. It collects the
// console errors (console.error, uncaught exceptions, browser log errors such as a
// Content-Security-Policy violation) and takes screenshots.
//
// Without Chromium a test is skipped locally and fails under CI (CI set): .ci/run installs it.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/metalake/metalake/internal/testserver"
)

// Timeout bounds loading one page and waiting for it to be ready: a guard against a hung
// browser, not a performance assertion.
const Timeout = 90 * time.Second

// Browser is one headless Chromium process.
type Browser struct {
	ctx context.Context
}

// New starts Chromium for tb with a fresh profile; tb's cleanup stops it.
func New(tb testing.TB) *Browser {
	tb.Helper()
	exe := testserver.Executable(tb, "METALAKE_CHROMIUM", "chromium", "apt-get install chromium", "/usr/bin/chromium")
	profile, err := os.MkdirTemp("", "metalake-chromium-")
	if err != nil {
		tb.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox, // root in CI
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("no-first-run", true),
		// No host name resolves (only loopback addresses are reachable), and whatever is not
		// loopback goes to a proxy on a closed loopback port: nothing leaves the machine.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.ProxyServer("http://127.0.0.1:9"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	tb.Cleanup(func() {
		cancel()
		cancelAlloc() // waits for the browser process to exit
		os.RemoveAll(profile)
	})
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start chromium %s: %v", exe, err)
	}
	return &Browser{ctx: ctx}
}

// Page is one page loaded in its own tab.
type Page struct {
	URL string
	ctx context.Context

	mu            sync.Mutex
	consoleErrors []string
	requests      []string
	blocked       []string
}

// ConsoleErrors returns every error the page logged.
func (p *Page) ConsoleErrors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.consoleErrors...)
}

// Requests returns the URL of every request the page made (data: URLs included).
func (p *Page) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// Blocked returns the requests that were outside the allowed URLs (and failed).
func (p *Page) Blocked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.blocked...)
}

// Open loads url in a new tab, lets through only requests whose URL starts with one of allow
// (url itself always), and waits until the JavaScript expression ready is true. The tab is
// closed by tb's cleanup.
func (b *Browser) Open(tb testing.TB, url string, allow []string, ready string) *Page {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	tb.Cleanup(cancel)
	p := &Page{URL: url, ctx: ctx}
	allow = append([]string{url}, allow...)
	// Subscribe before anything happens on the tab; each stream is read by its own goroutine,
	// which ends with the tab's context.
	console := chromedp.Console(ctx)
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				p.record(&p.consoleErrors, m.String()+" ("+m.URL+")")
			}
		}
	}()
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			p.record(&p.requests, ev.Request.URL)
		}
	}()
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			if allowed(ev.Request.URL, allow) {
				_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			p.record(&p.blocked, ev.Request.URL)
			_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		}
	}()
	load, stop := context.WithTimeout(ctx, Timeout)
	defer stop()
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
		tb.Fatalf("open %s: intercept requests: %v", url, err)
	}
	err := chromedp.Do(load,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(url),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Poll[chromedp.Void](ready, chromedp.WithPollingTimeout(Timeout))(ctx, t)
			return err
		}),
	)
	if err != nil {
		tb.Fatalf("open %s: %v (console errors: %v)", url, err, p.ConsoleErrors())
	}
	return p
}

func (p *Page) record(list *[]string, s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*list = append(*list, s)
}

func allowed(url string, allow []string) bool {
	if strings.HasPrefix(url, "data:") {
		return true
	}
	for _, a := range allow {
		if url == a || strings.HasPrefix(url, a) {
			return true
		}
	}
	return false
}

// Eval evaluates a JavaScript expression in the page and decodes its value into T.
func Eval[T any](tb testing.TB, p *Page, expr string) T {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.Fatalf("evaluate %s on %s: %v", expr, p.URL, err)
	}
	return v
}

// Screenshot returns a PNG of the element matching the CSS selector (the viewport when "").
func (p *Page) Screenshot(tb testing.TB, selector string) []byte {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	action := chromedp.CaptureScreenshot()
	if selector != "" {
		action = chromedp.Screenshot(chromedp.CSS(selector), chromedp.NodeVisible)
	}
	png, err := chromedp.Run(ctx, action)
	if err != nil {
		tb.Fatalf("screenshot %q of %s: %v", selector, p.URL, err)
	}
	return png
}

// SaveScreenshot writes a PNG of selector into the test's artifact directory (kept with go test
// -artifacts) and, when the environment variable METALAKE_SCREENSHOTS names a directory, there
// too (how docs/ screenshots are refreshed). It returns the artifact's path.
func (p *Page) SaveScreenshot(t *testing.T, selector, name string) string {
	t.Helper()
	png := p.Screenshot(t, selector)
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("METALAKE_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot %s: %s (%d KB)", selector, path, len(png)/1024)
	return path
}

// CheckClean fails tb for every console error and every request outside the allowed URLs.
func (p *Page) CheckClean(tb testing.TB) {
	tb.Helper()
	for _, e := range p.ConsoleErrors() {
		tb.Errorf("%s: console error: %s", p.URL, e)
	}
	for _, u := range p.Blocked() {
		tb.Errorf("%s: requested %s (outside the page's allowed URLs)", p.URL, u)
	}
}

// String names the page in messages.
func (p *Page) String() string { return fmt.Sprintf("page %s", p.URL) }
