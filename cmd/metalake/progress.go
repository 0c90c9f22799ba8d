package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/lake"
)

// progress is what a person watches during a run: on a terminal, a live task table redrawn in
// place; otherwise (a pipe, CI, --log-format json) one plain line per finished task. It is not
// the log: logs go to stderr through slog.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	live  bool
	date  lake.Date
	order []string
	state map[string]dag.Result
	drawn int
	now   func() time.Time
}

func newProgress(w io.Writer, jsonLogs bool) *progress {
	return &progress{w: w, live: isTerminal(w) && !jsonLogs, state: map[string]dag.Result{}, now: time.Now}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// observe records a task status change and shows it.
func (p *progress) observe(d lake.Date, r dag.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !d.Equal(p.date) {
		p.date, p.order, p.state, p.drawn = d, nil, map[string]dag.Result{}, 0
	}
	if _, seen := p.state[r.ID]; !seen {
		p.order = append(p.order, r.ID)
	}
	p.state[r.ID] = r
	if p.live {
		p.redraw()
		return
	}
	switch r.Status {
	case dag.Success:
		fmt.Fprintf(p.w, "%s  ok      %-30s %6.1fs\n", d, r.ID, r.End.Sub(r.Start).Seconds())
	case dag.Failed:
		fmt.Fprintf(p.w, "%s  FAILED  %-30s %s\n", d, r.ID, oneLine(r.Err.Error()))
	case dag.UpstreamFailed:
		fmt.Fprintf(p.w, "%s  blocked %-30s (upstream failed)\n", d, r.ID)
	}
}

func (p *progress) redraw() {
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn) // back to the top of the table
	}
	lines := 0
	for _, id := range p.order {
		r := p.state[id]
		var took string
		switch {
		case !r.End.IsZero():
			took = fmt.Sprintf("%6.1fs", r.End.Sub(r.Start).Seconds())
		case !r.Start.IsZero():
			took = fmt.Sprintf("%6.1fs…", p.now().Sub(r.Start).Seconds())
		}
		mark := map[string]string{dag.Success: "✓", dag.Failed: "✗", dag.Running: "▶", dag.UpstreamFailed: "·", dag.Skipped: "-"}[r.Status]
		if mark == "" {
			mark = " "
		}
		line := fmt.Sprintf("%s %s %-30s %-15s %s", p.date, mark, id, r.Status, took)
		if r.Status == dag.Failed && r.Err != nil {
			line += "  " + oneLine(r.Err.Error())
		}
		fmt.Fprintf(&b, "\x1b[2K%s\n", line)
		lines++
	}
	p.drawn = lines
	io.WriteString(p.w, b.String())
}
