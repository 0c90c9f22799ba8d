package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/lake"
)

func TestProgressLiveTableRedrawsInPlace(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, false)
	p.live = true // as on a terminal
	t0 := time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return t0.Add(2 * time.Second) }
	d, _ := lake.ParseDate("2025-07-01")
	p.observe(d, dag.Result{ID: "bronze_users", Status: dag.Running, Start: t0})
	p.observe(d, dag.Result{ID: "bronze_tags", Status: dag.Running, Start: t0})
	b.Reset()
	p.observe(d, dag.Result{ID: "bronze_users", Status: dag.Failed, Start: t0, End: t0.Add(3 * time.Second), Err: errors.New("rejection rate 0.2\nmore")})
	out := b.String()
	if !strings.HasPrefix(out, "\x1b[2A") {
		t.Errorf("table not redrawn in place: %q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "✗ bronze_users") || !strings.Contains(lines[0], "3.0s") ||
		!strings.Contains(lines[0], "rejection rate 0.2") || strings.Contains(out, "more") ||
		!strings.Contains(lines[1], "▶ bronze_tags") || !strings.Contains(lines[1], "2.0s…") {
		t.Errorf("table:\n%s", out)
	}
}

func TestProgressPlainLinesWhenNotATerminal(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, false)
	d, _ := lake.ParseDate("2025-07-01")
	t0 := time.Now()
	p.observe(d, dag.Result{ID: "bronze_users", Status: dag.Running, Start: t0})
	p.observe(d, dag.Result{ID: "bronze_users", Status: dag.Success, Start: t0, End: t0.Add(time.Second)})
	p.observe(d, dag.Result{ID: "silver_users", Status: dag.UpstreamFailed})
	want := "2025-07-01  ok      bronze_users                      1.0s\n2025-07-01  blocked silver_users                   (upstream failed)\n"
	if b.String() != want || strings.Contains(b.String(), "\x1b") {
		t.Errorf("plain output %q, want %q", b.String(), want)
	}
}
