package serve

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/htmlreport"
	"github.com/metalake/metalake/internal/lake"
)

// TokenEnv names the environment variable holding the HTTP side's access token.
const TokenEnv = "METALAKE_HTTP_TOKEN"

// ErrNeedsToken is returned by CheckAddress for an address other than loopback without a
// token.
var ErrNeedsToken = errors.New("serving beyond this machine needs a token")

// CheckAddress resolves the address the HTTP side listens on: a bare port ("8080") is
// 127.0.0.1:8080; a host must be a loopback address (127.0.0.0/8, ::1, localhost) unless
// token is set, since the pages show the lake's data to whoever can reach them.
func CheckAddress(addr, token string) (string, error) {
	if !strings.Contains(addr, ":") {
		addr = "127.0.0.1:" + addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--http %q: %v (use HOST:PORT, e.g. 127.0.0.1:8080)", addr, err)
	}
	if port == "" {
		return "", fmt.Errorf("--http %q: no port (use HOST:PORT, e.g. 127.0.0.1:8080)", addr)
	}
	if loopback(host) || token != "" {
		return addr, nil
	}
	shown := host
	if shown == "" {
		shown = "every interface"
	}
	return "", fmt.Errorf("--http %s: %w: %s is not a loopback address; set %s (clients then send it as a bearer token or a basic-auth password), or bind 127.0.0.1",
		addr, ErrNeedsToken, shown, TokenEnv)
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// HTTP serves a lake read-only: the run grid, the report of any date, the catalog, a rejects
// browser, Prometheus metrics (/metrics) and a health check (/healthz). It never writes into
// the lake: it reads through ReadOnly.
type HTTP struct {
	lake    *lake.Lake
	engine  engine.Engine
	token   [sha256.Size]byte
	hasAuth bool
	log     *slog.Logger
	metrics *prometheus.Registry
}

// NewHTTP returns the HTTP side over lk; eng runs the reports' data charts and the rejects
// browser (through the read-only query catalog). A non-empty token is then required of every
// request but /healthz.
func NewHTTP(lk *lake.Lake, eng engine.Engine, token string, log *slog.Logger) *HTTP {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ro := lake.New(ReadOnly(lk.B))
	h := &HTTP{lake: ro, engine: eng, log: log, metrics: prometheus.NewRegistry()}
	if token != "" {
		h.token, h.hasAuth = sha256.Sum256([]byte(token)), true
	}
	h.metrics.MustRegister(&lakeCollector{lk: ro, log: log},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return h
}

// Handler returns the HTTP side's handler.
func (h *HTTP) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.runs)
	mux.HandleFunc("GET /report", h.latestReport)
	mux.HandleFunc("GET /report/{date}", h.report)
	mux.HandleFunc("GET /catalog", h.catalogIndex)
	mux.HandleFunc("GET /catalog/{layer}/{table}", h.catalogTable)
	mux.HandleFunc("GET /rejects", h.latestRejects)
	mux.HandleFunc("GET /rejects/{date}", h.rejectTables)
	mux.HandleFunc("GET /rejects/{date}/{table}", h.rejectRows)
	mux.Handle("GET /metrics", promhttp.HandlerFor(h.metrics, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { notFound(w, "no such page") })
	return headers(h.guard(h.auth(mux)))
}

// Serve listens on addr (see CheckAddress) and serves until ctx ends, then shuts down,
// letting requests in flight finish for a few seconds. ready, when set, is told the address
// actually listened on (a port 0 picks one).
func (h *HTTP) Serve(ctx context.Context, addr string, ready func(addr string)) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(h.log.Handler(), slog.LevelWarn)}
	if ready != nil {
		ready(l.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: http: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: http: %w", err)
	}
	return nil
}

// headers sets what every answer carries: no caching, no sniffing, no framing, no referrer,
// and the pages' Content-Security-Policy (inline scripts and styles only, no request).
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", htmlreport.CSP+"; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// guard answers 404 for a path that tries to climb out (".." segments, encoded slashes or
// backslashes, NUL), before anything maps it to the lake: every parameter is then checked
// against what the lake lists (a date that ran, a table of the catalog, a rejects table of the
// date), so nothing else can be named.
func (h *HTTP) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := strings.ToLower(r.URL.EscapedPath())
		for _, bad := range []string{"..", "%2f", "%5c", "\\", "%00", "//"} {
			if strings.Contains(raw, bad) || strings.Contains(r.URL.Path, bad) {
				notFound(w, "no such page")
				return
			}
		}
		for _, vs := range r.URL.Query() {
			for _, v := range vs {
				if strings.Contains(v, "..") || strings.ContainsAny(v, "\\\x00") {
					notFound(w, "no such page")
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// auth requires the token, when one is set, of every request but /healthz: as a bearer token
// (Prometheus' authorization) or as the password of HTTP basic authentication (browsers ask
// for it). The comparison takes constant time.
func (h *HTTP) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.hasAuth || r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		var given string
		if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			given = strings.TrimSpace(v)
		} else if _, pw, ok := r.BasicAuth(); ok {
			given = pw
		}
		sum := sha256.Sum256([]byte(given))
		if given == "" || subtle.ConstantTimeCompare(sum[:], h.token[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="metalake", charset="UTF-8"`)
			http.Error(w, "unauthorized: send the token of "+TokenEnv+" as a bearer token or a basic-auth password", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func notFound(w http.ResponseWriter, msg string) {
	http.Error(w, "404 not found: "+msg, http.StatusNotFound)
}

// fail answers 500 and logs why (a read of the lake that failed).
func (h *HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("serve: http", "path", r.URL.Path, "err", err)
	if errors.Is(err, context.Canceled) {
		return
	}
	http.Error(w, "500 internal error: "+firstLine(err.Error()), http.StatusInternalServerError)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
