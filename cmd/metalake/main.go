// Command metalake turns Meta Kaggle snapshots into a medallion lakehouse. This package only
// wires the library in internal/ together: one file per subcommand.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes (SPEC §6).
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
	exitLocked = 3
)

type command struct {
	name  string
	usage string
	run   func(ctx context.Context, a *app, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "generate a small synthetic lake, run it, show the summary", cmdDemo},
		{"generate", "write synthetic Meta Kaggle raw snapshots into a lake", cmdGenerate},
		{"ingest", "copy a Meta Kaggle download folder into the lake's raw partitions", cmdIngest},
		{"run", "run the pipeline for a date (or a range of dates)", cmdRun},
		{"query", "run read-only SQL over the lake", cmdQuery},
		{"status", "show the state of every run (or one date)", cmdStatus},
		{"monitor", "show a date's monitoring report (freshness, anomalies, targets)", cmdMonitor},
		{"report", "show a date's run summary and its reports (bronze, silver, gold, pipeline)", cmdReport},
		{"catalog", "show the lake's tables: schema versions, partitions, row counts", cmdCatalog},
		{"serve", "run on a schedule (daily 02:00 Asia/Bangkok), catching up missed dates; --http serves the dashboard and /metrics", cmdServe},
		{"setup", "create or align an S3 lake's AWS resources (bucket policies, Glue databases, Athena workgroup)", cmdSetup},
		{"export", "load a date's gold into PostgreSQL or Redshift (--check compares the warehouse with the lake)", cmdExport},
		{"vacuum", "remove the bronze and silver of old run dates (--keep-dates N | --before D), never what later runs need", cmdVacuum},
		{"bench", "measure runs of generated dates against DuckDB's own CSV-to-Parquet floor (run/floor, per layer and task)", cmdBench},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code; every failure prints one line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			a := &app{stdout: stdout, stderr: stderr, command: c.name}
			defer a.close()
			err := c.run(ctx, a, args[1:])
			return report(stderr, err)
		}
	}
	fmt.Fprintf(stderr, "metalake: unknown command %q (commands: %s)\n", args[0], strings.Join(names(), ", "))
	return exitUsage
}

func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var le *lockedError
	switch {
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "metalake: %v\n", err)
		return exitUsage
	case errors.As(err, &le):
		fmt.Fprintf(stderr, "metalake: %v\n", err)
		return exitLocked
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "metalake: interrupted")
		return exitFailed
	}
	fmt.Fprintf(stderr, "metalake: %s\n", oneLine(err.Error()))
	return exitFailed
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func names() []string {
	var out []string
	for _, c := range commands() {
		out = append(out, c.name)
	}
	sort.Strings(out)
	return out
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "metalake — Meta Kaggle medallion lakehouse")
	fmt.Fprintln(w, "\nUsage: metalake <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nGlobal flags: --lake DIR (default ./lake, env METALAKE_LAKE), --config FILE (default metalake.yaml),")
	fmt.Fprintln(w, "              --log-format text|json, -v")
	fmt.Fprintln(w, "Exit codes: 0 success, 1 failure, 2 usage or configuration error, 3 lake locked.")
	fmt.Fprintln(w, "Run 'metalake <command> -h' for the command's flags.")
}

// usageError is a bad command line or configuration (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// lockedError means another run holds the lake (exit 3).
type lockedError struct{ err error }

func (e *lockedError) Error() string { return e.err.Error() }

var errHelp = errors.New("help requested")
